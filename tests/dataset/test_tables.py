"""Table files: CSV (text), JSON Lines and Parquet into ordered Arrow batches; bad rows named."""

from __future__ import annotations

from pathlib import Path

import fsspec
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from modelmonitor.dataset.reader import DatasetReader
from modelmonitor.dataset.source import DatasetSource
from modelmonitor.engine.local import LocalEngine
from modelmonitor.errors import DatasetError, NotFoundError
from tests.dataset.reading import read_batches, read_rows


def test_csv_with_header_is_read_as_text_in_order(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("a,b\n1,x\n2,\n3,z\n")
    batches = read_batches(DatasetSource.table(str(path), "csv", header=True), LocalEngine(batch_bytes=20))
    rows = [row for batch in batches for row in batch.to_pylist()]
    assert rows == [{"a": "1", "b": "x"}, {"a": "2", "b": None}, {"a": "3", "b": "z"}]
    assert len(batches) > 1


def test_csv_without_header_gets_spark_names(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("1,2\n3,4\n")
    rows, report = read_rows(DatasetSource.table(str(path), "csv"))
    assert rows == [{"_c0": "1", "_c1": "2"}, {"_c0": "3", "_c1": "4"}]
    assert (report.files, report.records, report.rows, report.bad_record_count) == (1, 2, 2, 0)


def test_ragged_and_non_utf8_rows_are_counted_with_their_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(b"a,b,c\n1,2,3\n4,5\n6,7,8,9\n\xff\xfe,1,2\n10,11,12\n")
    rows, report = read_rows(DatasetSource.table(str(path), "csv", header=True))
    assert rows == [{"a": "1", "b": "2", "c": "3"}, {"a": "10", "b": "11", "c": "12"}]
    assert [(bad.line, bad.path) for bad in report.bad_records] == [
        (3, str(path)),
        (4, str(path)),
        (5, str(path)),
    ]
    messages = " | ".join(str(bad) for bad in report.bad_records)
    assert "missing columns" in messages
    assert "too many columns" in messages
    assert "not utf-8" in messages.lower()
    assert f"{path}:3" in str(report.bad_records[0])
    assert report.bad_record_count == 3


def test_json_lines_fast_path(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_text('{"a": 1, "b": "x"}\n{"a": 2.5, "b": null}\n')
    rows, report = read_rows(DatasetSource.table(str(path), "json"))
    assert [row["b"] for row in rows] == ["x", None]
    assert report.bad_record_count == 0


def test_json_lines_that_are_not_objects_are_named(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_text('{"a": 1}\n[1, 2]\n5\nnot json\n\n{"a": "x", "c": true}\n')
    rows, report = read_rows(DatasetSource.table(str(path), "json"))
    # "a" mixes a number and a string: the batch keeps both, as text (Spark's string cast).
    assert rows == [{"a": "1", "c": None}, {"a": "x", "c": True}]
    assert [bad.line for bad in report.bad_records] == [2, 3, 4]
    assert "expected a JSON object, got list" in str(report.bad_records[0])
    assert "not valid JSON" in str(report.bad_records[2])


def test_parquet_knows_its_row_total(tmp_path: Path) -> None:
    path = tmp_path / "a.parquet"
    pq.write_table(pa.table({"x": [1, 2, 3], "y": ["a", "b", None]}), path)
    source = DatasetSource.table(str(path), "parquet")
    assert DatasetReader(source).plan().total_rows == 3
    assert read_rows(source)[0][2] == {"x": 3, "y": None}


def test_one_large_row_group_is_read_in_batches_of_the_byte_budget(tmp_path: Path) -> None:
    path = tmp_path / "one-group.parquet"
    pq.write_table(pa.table({"x": list(range(5000)), "y": [str(i) for i in range(5000)]}), path)
    assert pq.ParquetFile(path).metadata.num_row_groups == 1
    batches = read_batches(DatasetSource.table(str(path), "parquet"), LocalEngine(batch_bytes=4096))
    assert len(batches) > 10
    assert max(batch.num_rows for batch in batches) < 5000
    assert [row["x"] for batch in batches for row in batch.to_pylist()] == list(range(5000))


def test_parquet_values_print_as_before(tmp_path: Path) -> None:
    # Profiles print values as text: timestamps in milliseconds read as microseconds, zoned ones in
    # UTC, times in microseconds, dictionaries as their values (as DuckDB read them for this reader).
    path = tmp_path / "types.parquet"
    table = pa.table(
        {
            "ms": pa.array([1_700_000_000_123], pa.timestamp("ms")),
            "zoned": pa.array([1_700_000_000_123_456], pa.timestamp("us", tz="Europe/Paris")),
            "time": pa.array([3_723_000], pa.time32("ms")),
            "label": pa.array(["a"]).dictionary_encode(),
        }
    )
    pq.write_table(table, path)
    (batch,) = read_batches(DatasetSource.table(str(path), "parquet"))
    assert [batch.column(name).cast(pa.string())[0].as_py() for name in table.column_names] == [
        "2023-11-14 22:13:20.123000",
        "2023-11-14 22:13:20.123456+0000",
        "01:02:03.000000",
        "a",
    ]


def test_corrupt_parquet_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "a.parquet"
    path.write_bytes(b"not parquet at all")
    with pytest.raises(DatasetError, match=r"a\.parquet: not a readable Parquet file"):
        read_rows(DatasetSource.table(str(path), "parquet"))


def test_json_types_are_inferred_from_every_line(tmp_path: Path) -> None:
    path = tmp_path / "mixed.jsonl"
    path.write_text('{"a": 1}\n' * 30_000 + '{"a": "text"}\n')
    rows, report = read_rows(DatasetSource.table(str(path), "json"))
    values = [row["a"] for row in rows]
    assert len(values) == 30_001
    assert values[-1] == "text"
    assert report.bad_record_count == 0


def test_small_reader_batches_are_joined_in_order_by_bytes(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("".join(f"{i}\n" for i in range(50_000)))
    batches = read_batches(DatasetSource.table(str(path), "csv"), LocalEngine(batch_bytes=100_000))
    assert len(batches) > 2
    assert all(batch.nbytes <= 125_000 for batch in batches)  # row widths are estimated per input batch
    assert batches[0].num_rows > 8192  # DuckDB's small vectors were joined
    assert [row["_c0"] for batch in batches for row in batch.to_pylist()] == [str(i) for i in range(50_000)]


def test_json_line_with_bytes_that_are_not_utf8_is_named(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_bytes(b'{"a": 1}\n{"a": "\xff\xfe"}\n{"a": 2}\n')
    rows, report = read_rows(DatasetSource.table(str(path), "json"))
    assert [row["a"] for row in rows] == [1, 2]
    assert [(bad.line, bad.message) for bad in report.bad_records] == [(2, "not UTF-8 text")]


def test_empty_file_is_an_error_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "empty.csv"
    path.write_text("")
    with pytest.raises(DatasetError, match=r"empty\.csv: no data to read"):
        read_rows(DatasetSource.table(str(path), "csv"))


def test_empty_file_in_a_folder_is_skipped_with_a_warning(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("1,2\n")
    (tmp_path / "b.csv").write_text("")
    (tmp_path / ".hidden").write_text("x")
    source = DatasetSource.table(str(tmp_path), "csv", header=False)
    assert [p.uri for p in DatasetReader(source).plan().partitions] == [str(tmp_path / "a.csv")]
    rows, report = read_rows(source)
    assert len(rows) == 1
    assert [warning.kind for warning in report.warnings] == ["empty_file"]
    assert "b.csv: file is empty" in report.warnings[0].message


def test_header_only_file_is_flagged(tmp_path: Path) -> None:
    path = tmp_path / "h.csv"
    path.write_text("a,b\n")
    rows, report = read_rows(DatasetSource.table(str(path), "csv", header=True))
    assert rows == []
    assert "has a header line but no data rows" in report.warnings[0].message


def test_missing_path_is_not_found(tmp_path: Path) -> None:
    with pytest.raises(NotFoundError, match="nope"):
        read_rows(DatasetSource.table(str(tmp_path / "nope"), "csv"))


@pytest.mark.parametrize(
    ("name", "body", "kind"),
    [
        ("part-{}.csv", b"a,b\n{}\n", "csv"),
        ("part-{}.jsonl", b'{"a": "{}"}\n', "json"),
    ],
    ids=["csv", "json"],
)
def test_remote_uris_are_read_through_fsspec_where_they_are(name: str, body: bytes, kind: str) -> None:
    fs = fsspec.filesystem("memory")
    folder = f"/readers-test-{kind}"
    fs.pipe(f"{folder}/{name.format(1)}", body.replace(b"{}", b"1,2" if kind == "csv" else b"x"))
    fs.pipe(f"{folder}/{name.format(2)}", body.replace(b"{}", b"3,4" if kind == "csv" else b"y"))
    rows, report = read_rows(DatasetSource.table(f"memory://{folder}", kind, header=True))
    if kind == "csv":
        assert rows == [{"a": "1", "b": "2"}, {"a": "3", "b": "4"}]
    else:
        assert rows == [{"a": "x"}, {"a": "y"}]
    assert report.files == 2


def test_remote_parquet_is_streamed_through_fsspec() -> None:
    fs = fsspec.filesystem("memory")
    with fs.open("/readers-test-parquet/a.parquet", "wb") as handle:
        pq.write_table(pa.table({"x": [1, 2, 3]}), handle)
    rows, _ = read_rows(DatasetSource.table("memory://readers-test-parquet", "parquet"))
    assert rows == [{"x": 1}, {"x": 2}, {"x": 3}]
