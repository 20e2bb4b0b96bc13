"""±inf in a typed float column (Parquet) is not a number to Deequ: the column is String, as the same
values in a CSV are, and no statistics.json gets NaN bucket bounds (issue 7 §4)."""

from __future__ import annotations

import math
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from modelmonitor.service.baselines import run_baseline


def test_infinities_make_a_float_column_string_like_the_csv_route(tmp_path: Path) -> None:
    values = [1.5, math.inf, -math.inf, 2.0, None]
    pq.write_table(pa.table({"a": values, "b": [1.0, 2.0, 3.0, 4.0, 5.0]}), tmp_path / "d.parquet")
    (tmp_path / "d.csv").write_text("a,b\n1.5,1.0\ninf,2.0\n-inf,3.0\n2.0,4.0\n,5.0\n")
    parquet = run_baseline(str(tmp_path / "d.parquet"), {"parquet": {}}, str(tmp_path / "p"))
    csv = run_baseline(str(tmp_path / "d.csv"), {"csv": {"header": True}}, str(tmp_path / "c"))
    for result in (parquet, csv):
        a, b = result.statistics.features
        assert (a.inferred_type, b.inferred_type) == ("String", "Fractional")
        assert a.string_statistics is not None
        assert a.string_statistics.common is not None
        assert (a.string_statistics.common.num_present, a.string_statistics.common.num_missing) == (4, 1)
        assert a.string_statistics.distinct_count == 4
    # Before: min -Infinity, max Infinity, and every KLL bucket bound "NaN".
    assert "NaN" not in (tmp_path / "p" / "statistics.json").read_text()
    assert "Infinity" not in (tmp_path / "p" / "statistics.json").read_text()


def test_a_later_batch_with_an_infinity_turns_the_merged_column_string(tmp_path: Path) -> None:
    table = pa.table({"a": [float(i) for i in range(1000)] + [math.inf]})
    pq.write_table(table, tmp_path / "d.parquet", row_group_size=100)
    result = run_baseline(str(tmp_path / "d.parquet"), {"parquet": {}}, str(tmp_path / "p"))
    (feature,) = result.statistics.features
    assert feature.inferred_type == "String"
    assert "NaN" not in (tmp_path / "p" / "statistics.json").read_text()
