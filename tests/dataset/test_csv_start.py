"""CSV files whose start DuckDB's sniffer cannot read, and headers that repeat a name (issue 7 §3, §4)."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from modelmonitor.dataset.csv_header import spark_header_names
from modelmonitor.dataset.source import DatasetSource
from modelmonitor.service.baselines import run_baseline
from tests.dataset.reading import read_rows

HUGE = "y" * 2_100_000  # over DuckDB's 2,000,000-byte line limit


def test_a_field_over_the_line_limit_is_one_bad_row_wherever_it_is(tmp_path: Path) -> None:
    # Among the first rows the sniffer reads, the whole read failed with DuckDB's settings in the message.
    early = tmp_path / "early.csv"
    early.write_text(f"a,b\n1,x\n2,{HUGE}\n3,z\n")
    late = tmp_path / "late.csv"
    late.write_text("a,b\n" + "".join(f"{i},x\n" for i in range(30_000)) + f"2,{HUGE}\n3,z\n")
    for path, rows_kept, line in ((early, 2, 3), (late, 30_001, 30_002)):
        rows, report = read_rows(DatasetSource.table(str(path), "csv", header=True))
        assert len(rows) == rows_kept
        assert set(rows[0]) == {"a", "b"}
        assert report.bad_record_count == 1
        assert report.bad_records[0].line == line
        assert "line size" in report.bad_records[0].message.lower()


def test_a_field_over_the_line_limit_does_not_fail_the_baseline(tmp_path: Path) -> None:
    data = tmp_path / "d.csv"
    data.write_text(f"a,b\n1,x\n2,{HUGE}\n3,z\n")
    result = run_baseline(str(data), {"csv": {"header": True}}, str(tmp_path / "out"))
    assert result.statistics.dataset.item_count == 2
    assert result.bad_record_count == 1
    assert (tmp_path / "out" / "constraints.json").is_file()


def test_without_a_header_the_width_comes_from_the_rows_that_parse(tmp_path: Path) -> None:
    data = tmp_path / "d.csv"
    data.write_text(f"{HUGE},1,2\n3,4,5\n6,7,8\n")
    rows, report = read_rows(DatasetSource.table(str(data), "csv"))
    assert rows == [{"_c0": "3", "_c1": "4", "_c2": "5"}, {"_c0": "6", "_c1": "7", "_c2": "8"}]
    assert report.bad_record_count == 1


def test_repeated_header_names_are_named_as_sagemakers_spark_reader_does_and_warned(tmp_path: Path) -> None:
    # Spark 4 (SageMaker's reader) names the header a,A,b,,a as a0, A1, b, _c3, a4; DuckDB said a, A_1,
    # b, column3, a_2 silently.
    data = tmp_path / "d.csv"
    data.write_text("a,A,b,,a\n1,2,3,4,5\n")
    rows, report = read_rows(DatasetSource.table(str(data), "csv", header=True))
    assert rows == [{"a0": "1", "A1": "2", "b": "3", "_c3": "4", "a4": "5"}]
    messages = [w.message for w in report.warnings if w.kind == "column_name"]
    assert messages == [f"{data}: header names a, A repeat; their columns are named a0, A1, a4"]


def test_names_duckdb_would_rename_but_that_do_not_repeat_are_kept(tmp_path: Path) -> None:
    data = tmp_path / "d.csv"
    data.write_text("x_1,column2\n1,2\n")
    rows, report = read_rows(DatasetSource.table(str(data), "csv", header=True))
    assert rows == [{"x_1": "1", "column2": "2"}]
    assert not report.warnings


def test_spark_header_names() -> None:
    assert spark_header_names(["a", "b"]) == (["a", "b"], [])
    assert spark_header_names(["id", "ID", "x", "id"]) == (["id0", "ID1", "x", "id3"], ["id", "ID"])


def test_parquet_integers_beyond_2_to_53_round_as_the_same_digits_in_a_csv_do(tmp_path: Path) -> None:
    # Before: ArrowInvalid "Integer value 18446744073709551615 not in range", a traceback from baseline.
    columns = {
        "u": pa.array([2**64 - 1, 1, 2], pa.uint64()),
        "i": pa.array([2**53 + 1, -(2**63), 4], pa.int64()),
    }
    pq.write_table(pa.table(columns), tmp_path / "d.parquet")
    u, i = (column.to_pylist() for column in columns.values())
    (tmp_path / "d.csv").write_text("u,i\n" + "".join(f"{a},{b}\n" for a, b in zip(u, i, strict=True)))
    parquet = run_baseline(str(tmp_path / "d.parquet"), {"parquet": {}}, str(tmp_path / "p"))
    csv = run_baseline(str(tmp_path / "d.csv"), {"csv": {"header": True}}, str(tmp_path / "c"))
    for left, right in zip(parquet.statistics.features, csv.statistics.features, strict=True):
        assert left.inferred_type == right.inferred_type == "Integral"
        assert left.numerical_statistics == right.numerical_statistics
    assert parquet.statistics.features[0].numerical_statistics.max == float(2**64 - 1)
