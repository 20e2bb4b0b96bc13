"""The Spark engine gives the local engine's results: the same inputs through both, the files compared.

Counts, sums, means, standard deviations, min, max, missing counts, categorical counts and types are
identical to the last bit (sums are exact, ``stats.exact_sum``); sketch-derived numbers (KLL buckets)
within the sketches' rank-error bound; constraints and violations identical.
"""

from __future__ import annotations

import json
import math
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from modelmonitor.analyzers.data_quality import DataQualityProfile, profile_source
from modelmonitor.constraints.data_quality import check, suggest
from modelmonitor.dataset.source import DatasetSource
from modelmonitor.dataset.window import AnalysisWindow
from modelmonitor.engine.local import LocalEngine
from modelmonitor.engine.spark import SparkEngine
from modelmonitor.formats.engine_choice import EngineChoice
from modelmonitor.service.baselines import run_baseline, run_check
from tests.monitoring_data import write_baseline, write_capture

pytestmark = pytest.mark.spark

T0 = datetime(2026, 11, 21, 9, tzinfo=UTC)
CAPTURE = {"sagemakerCaptureJson": {"captureIndexNames": ["endpointInput", "endpointOutput"]}}
SPARK = EngineChoice("spark")


def _rows(seed: int, count: int) -> list[dict[str, Any]]:
    """Integers, fractions (some missing), words and a column that is sometimes a number, sometimes not."""
    rng = random.Random(seed)
    return [
        {
            "age": rng.randint(18, 90),
            "income": None if rng.random() < 0.05 else round(rng.lognormvariate(10, 1), 2),
            "city": rng.choice(["paris", "lima", "oslo", "", "kyiv"]),
            "code": rng.choice(["7", "x", "3.5", "12"]),
        }
        for _ in range(count)
    ]


def _csv(rows: list[dict[str, Any]]) -> str:
    lines = ["age,income,city,code"]
    lines += [",".join("" if row[k] is None else str(row[k]) for k in row) for row in rows]
    return "\n".join(lines) + "\n"


def _tables(root: Path, kind: str) -> DatasetSource:
    """Three files of 4,000 rows (past the sketch's first compactions) in ``kind``."""
    folder = root / kind
    folder.mkdir()
    for part in range(3):
        rows = _rows(part, 4000)
        if kind == "csv":
            (folder / f"part-{part}.csv").write_text(_csv(rows))
        elif kind == "json":
            (folder / f"part-{part}.jsonl").write_text("".join(json.dumps(row) + "\n" for row in rows))
        else:
            pq.write_table(pa.Table.from_pylist(rows), folder / f"part-{part}.parquet")
    return DatasetSource.table(str(folder), kind, header=kind == "csv")


def _capture(root: Path) -> DatasetSource:
    destination = root / "capture"
    write_capture(destination, "ep", T0, hours=3, per_hour=300, drift_from=T0 + timedelta(hours=2))
    window = AnalysisWindow(T0, T0 + timedelta(hours=3))
    return DatasetSource.for_job(str(destination), CAPTURE, window=window, endpoint="ep", preprocessor=None)


def _manifests(root: Path) -> DatasetSource:
    data = root / "transform-input"
    data.mkdir()
    names = []
    for part in range(2):
        (data / f"part-{part}.csv").write_text(_csv(_rows(10 + part, 1500)))
        names.append(f"part-{part}.csv")
    hour = root / "batch" / "input" / "2026" / "11" / "21" / "09"
    hour.mkdir(parents=True)
    (hour / "manifest").write_text(json.dumps([{"prefix": str(data) + "/"}, *names]))
    window = AnalysisWindow(T0, T0 + timedelta(hours=1))
    return DatasetSource.for_job(
        str(root / "batch"), {"csv": {"header": True}}, window=window, endpoint=None, preprocessor=None
    )


def _source(root: Path, kind: str) -> DatasetSource:
    if kind == "capture":
        return _capture(root)
    if kind == "manifest":
        return _manifests(root)
    return _tables(root, kind)


def _sketch_bounds(*profiles: DataQualityProfile) -> dict[str, int]:
    bounds: dict[str, int] = {}
    for profile in profiles:
        for name, column in profile.summary.columns.items():
            bounds[name] = max(bounds.get(name, 0), column.numeric.sketch.rank_error_bound())
    return bounds


def assert_equal_statistics(local: dict[str, Any], spark: dict[str, Any], bounds: dict[str, int]) -> None:
    """Everything identical but the KLL sketch data; bucket counts within twice the rank-error bound."""
    assert local["dataset"] == spark["dataset"]
    assert [f["name"] for f in local["features"]] == [f["name"] for f in spark["features"]]
    for mine, theirs in zip(local["features"], spark["features"], strict=True):
        name = mine["name"]
        assert mine["inferred_type"] == theirs["inferred_type"], name
        for kind in ("numerical_statistics", "string_statistics"):
            a, b = dict(mine.get(kind) or {}), dict(theirs.get(kind) or {})
            kll_a = a.pop("distribution", {}).get("kll")
            kll_b = b.pop("distribution", {}).get("kll")
            # counts, missing, sum, mean, std_dev, min, max, categorical counts
            assert orjson.dumps(a) == orjson.dumps(b), (name, kind)
            if kll_a is None:
                assert kll_b is None, name
                continue
            buckets_a, buckets_b = kll_a["buckets"], kll_b["buckets"]
            assert [(x["lower_bound"], x["upper_bound"]) for x in buckets_a] == [
                (x["lower_bound"], x["upper_bound"]) for x in buckets_b
            ], name
            assert sum(x["count"] for x in buckets_a) == sum(x["count"] for x in buckets_b), name
            for x, y in zip(buckets_a, buckets_b, strict=True):
                assert abs(x["count"] - y["count"]) <= 2 * bounds[name], (name, x, y, bounds[name])


@pytest.mark.parametrize("kind", ["csv", "json", "parquet", "capture", "manifest"])
def test_both_engines_write_the_same_statistics_and_constraints(
    spark: Any, tmp_path: Path, kind: str
) -> None:
    source = _source(tmp_path, kind)
    local, local_read = profile_source(source, LocalEngine())
    distributed, spark_read = profile_source(source, SparkEngine())
    assert spark_read == local_read
    local_statistics, spark_statistics = local.to_statistics(), distributed.to_statistics()
    assert_equal_statistics(
        local_statistics.to_dict(), spark_statistics.to_dict(), _sketch_bounds(local, distributed)
    )
    assert suggest(spark_statistics).to_json_text() == suggest(local_statistics).to_json_text()
    if kind == "capture":  # f1 drifts in the last hour: the same violations on both engines
        statistics, constraints = write_baseline(tmp_path / "baseline")
        from modelmonitor.formats.constraints import ConstraintsFile
        from modelmonitor.formats.statistics import StatisticsFile

        baseline, rules = StatisticsFile.from_path(statistics), ConstraintsFile.from_path(constraints)
        local_violations = check(local_statistics, baseline, rules)
        assert local_violations.violations
        assert check(spark_statistics, baseline, rules).to_json_text() == local_violations.to_json_text()


def test_small_batches_merge_in_partition_order_within_the_bound(spark: Any, tmp_path: Path) -> None:
    """Batches of a few KiB: each task folds many batches, so its states are merged in another grouping."""
    source = _tables(tmp_path, "csv")
    local, _ = profile_source(source, LocalEngine(batch_bytes=8192))
    distributed, _ = profile_source(source, SparkEngine(batch_bytes=8192))
    again, _ = profile_source(source, SparkEngine(batch_bytes=8192))
    assert again.to_statistics().to_json_text() == distributed.to_statistics().to_json_text()  # deterministic
    assert_equal_statistics(
        local.to_statistics().to_dict(),
        distributed.to_statistics().to_dict(),
        _sketch_bounds(local, distributed),
    )


def _ill_conditioned(seed: int, count: int) -> np.ndarray:
    """Large values that nearly cancel among small ones: a plain sum changes with the addition order."""
    rng = np.random.default_rng(seed)
    large = rng.normal(size=count // 4) * 1e12
    small = rng.normal(size=count - 2 * large.size) * 1e-3
    return rng.permutation(np.concatenate([large, -large * (1 + 1e-9), small]))


def test_sums_are_identical_where_the_addition_order_matters(spark: Any, tmp_path: Path) -> None:
    """Spark folds one file per task, the local engine 64 KiB batches: the same sums to the last bit."""
    folder = tmp_path / "ill"
    folder.mkdir()
    files = [_ill_conditioned(seed, 30_000) for seed in range(3)]
    for part, values in enumerate(files):
        table = pa.table({"x": values, "y": np.round(values[::-1] * 1e-6, 3)})
        pq.write_table(table, folder / f"part-{part}.parquet", row_group_size=4096)
    values = np.concatenate(files)
    per_file = sum(float(np.cumsum(chunk)[-1]) for chunk in files)
    per_batch = sum(float(np.cumsum(values[i : i + 4096])[-1]) for i in range(0, values.size, 4096))
    assert per_file != per_batch  # plain sums of these files depend on how they are cut

    source = DatasetSource.table(str(folder), "parquet", header=False)
    local, _ = profile_source(source, LocalEngine(batch_bytes=65_536))
    distributed, _ = profile_source(source, SparkEngine())
    local_statistics, spark_statistics = (
        local.to_statistics().to_dict(),
        distributed.to_statistics().to_dict(),
    )
    assert_equal_statistics(local_statistics, spark_statistics, _sketch_bounds(local, distributed))
    x = next(f for f in spark_statistics["features"] if f["name"] == "x")["numerical_statistics"]
    assert x["sum"] == math.fsum(values.tolist())  # correctly rounded, not just the same on both


@pytest.mark.conformance
@pytest.mark.parametrize("cases", ["good_cases", "bad_cases"])
def test_violations_on_the_conformance_data_are_identical(
    spark: Any, conformance_dir: Path, tmp_path: Path, cases: str
) -> None:
    folder = conformance_dir / "sdk-quality-check-step" / "data_quality"
    data, statistics = str(folder / "baseline_dataset.csv"), str(folder / "statistics.json")
    constraints = str(folder / cases / "constraints.json")
    written = {}
    for name, engine in (("local", None), ("spark", SPARK)):
        out = tmp_path / name
        run_check(
            data,
            {"csv": {"header": False}},
            str(folder),
            str(out),
            statistics_uri=statistics,
            constraints_uri=constraints,
            engine=engine,
        )
        written[name] = {
            file: (out / file).read_text() for file in ("statistics.json", "constraint_violations.json")
        }
    assert written["spark"] == written["local"]


@pytest.mark.conformance
def test_churn_baseline_files_are_identical(spark: Any, conformance_dir: Path, tmp_path: Path) -> None:
    data = str(conformance_dir / "ex-mm-introduction" / "test_data" / "training-dataset-with-header.csv")
    for name, engine in (("local", None), ("spark", SPARK)):
        run_baseline(data, {"csv": {"header": True}}, str(tmp_path / name), engine=engine)
    for file in ("statistics.json", "constraints.json"):
        assert (tmp_path / "spark" / file).read_text() == (tmp_path / "local" / file).read_text()
