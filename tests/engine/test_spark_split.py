"""One big Parquet file is read by several Spark tasks, runs of its row groups, with the unsplit results."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from modelmonitor.analyzers.data_quality import profile_source
from modelmonitor.dataset.reader import DatasetReader
from modelmonitor.dataset.source import DatasetSource
from modelmonitor.engine.local import LocalEngine
from modelmonitor.engine.spark import SparkEngine
from tests.engine.test_spark_equal import _sketch_bounds, assert_equal_statistics

pytestmark = pytest.mark.spark

ROWS, GROUP_ROWS = 40_000, 2_500


def _big_file(folder: Path) -> Path:
    rng = np.random.default_rng(3)
    large = rng.normal(size=ROWS // 4) * 1e12
    values = rng.permutation(np.concatenate([large, -large * (1 + 1e-9), rng.normal(size=ROWS // 2)]))
    table = pa.table(
        {
            "x": values,
            "n": rng.integers(0, 1000, ROWS),
            "word": pa.array(rng.choice(["a", "b", "c", None], ROWS).tolist(), pa.string()),
        }
    )
    path = folder / "big.parquet"
    pq.write_table(table, path, row_group_size=GROUP_ROWS)
    return path


def test_the_plan_cuts_a_big_file_into_runs_of_row_groups(tmp_path: Path) -> None:
    path = _big_file(tmp_path)
    source = DatasetSource.table(str(path), "parquet", header=False)
    whole = DatasetReader(source).plan()
    assert [p.row_groups for p in whole.partitions] == [None]
    split = DatasetReader(source).plan(path.stat().st_size // 4)
    runs = [p.row_groups for p in split.partitions]
    assert 3 <= len(runs) <= 5
    assert [group for run in runs if run for group in run] == list(range(ROWS // GROUP_ROWS))
    assert split.total_rows == whole.total_rows == ROWS


def test_a_split_file_gives_the_unsplit_results(spark: Any, tmp_path: Path) -> None:
    path = _big_file(tmp_path)
    source = DatasetSource.table(str(path), "parquet", header=False)
    quarter = path.stat().st_size // 4
    split, split_read = profile_source(source, SparkEngine(split_bytes=quarter))
    whole, whole_read = profile_source(source, SparkEngine())
    local, local_read = profile_source(source, LocalEngine())
    assert split_read == whole_read == local_read
    assert (split_read.files, split_read.rows) == (1, ROWS)
    bounds = _sketch_bounds(split, whole, local)
    for other in (whole, local):
        assert_equal_statistics(other.to_statistics().to_dict(), split.to_statistics().to_dict(), bounds)
