"""The DuckDB engine: CSV (text), JSON Lines and Parquet into ordered Arrow batches; bad rows named."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from modelmonitor.engine.base import TableSource, fold
from modelmonitor.engine.local import LocalEngine
from modelmonitor.errors import DatasetError


def _rows(scan_batches: list[pa.RecordBatch]) -> list[dict[str, object]]:
    return [row for batch in scan_batches for row in batch.to_pylist()]


def test_csv_with_header_is_read_as_text_in_order(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("a,b\n1,x\n2,\n3,z\n")
    scan = LocalEngine(batch_rows=2).scan(TableSource([str(path)], "csv", header=True))
    batches = list(scan.batches)
    assert scan.columns == ["a", "b"]
    assert _rows(batches) == [{"a": "1", "b": "x"}, {"a": "2", "b": None}, {"a": "3", "b": "z"}]
    assert all(batch.num_rows <= 2 for batch in batches)
    assert scan.bad_records == []


def test_csv_without_header_gets_spark_names(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("1,2\n3,4\n")
    scan = LocalEngine().scan(TableSource([str(path)], "csv", header=False))
    assert _rows(list(scan.batches)) == [{"_c0": "1", "_c1": "2"}, {"_c0": "3", "_c1": "4"}]


def test_ragged_and_non_utf8_rows_are_counted_with_their_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_bytes(b"a,b,c\n1,2,3\n4,5\n6,7,8,9\n\xff\xfe,1,2\n10,11,12\n")
    scan = LocalEngine().scan(TableSource([str(path)], "csv", header=True))
    rows = _rows(list(scan.batches))
    assert rows == [{"a": "1", "b": "2", "c": "3"}, {"a": "10", "b": "11", "c": "12"}]
    assert [(bad.line, bad.path) for bad in scan.bad_records] == [
        (3, str(path)),
        (4, str(path)),
        (5, str(path)),
    ]
    messages = " | ".join(str(bad) for bad in scan.bad_records)
    assert "missing columns" in messages
    assert "too many columns" in messages
    assert "not utf-8" in messages.lower()
    assert f"{path}:3" in str(scan.bad_records[0])


def test_json_lines_fast_path(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_text('{"a": 1, "b": "x"}\n{"a": 2.5, "b": null}\n')
    scan = LocalEngine().scan(TableSource([str(path)], "json"))
    rows = _rows(list(scan.batches))
    assert [row["b"] for row in rows] == ["x", None]
    assert scan.bad_records == []


def test_json_lines_that_are_not_objects_are_named(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_text('{"a": 1}\n[1, 2]\n5\nnot json\n\n{"a": "x", "c": true}\n')
    scan = LocalEngine().scan(TableSource([str(path)], "json"))
    rows = _rows(list(scan.batches))
    # "a" mixes a number and a string: the batch keeps both, as text (Spark's string cast).
    assert rows == [{"a": "1", "c": None}, {"a": "x", "c": True}]
    assert [bad.line for bad in scan.bad_records] == [2, 3, 4]
    assert "expected a JSON object, got list" in str(scan.bad_records[0])
    assert "not valid JSON" in str(scan.bad_records[2])
    assert scan.columns == ["a", "c"]


def test_parquet_knows_its_row_total(tmp_path: Path) -> None:
    path = tmp_path / "a.parquet"
    pq.write_table(pa.table({"x": [1, 2, 3], "y": ["a", "b", None]}), path)
    scan = LocalEngine().scan(TableSource([str(path)], "parquet"))
    assert scan.total_rows == 3
    assert _rows(list(scan.batches))[2] == {"x": 3, "y": None}


def test_corrupt_parquet_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "a.parquet"
    path.write_bytes(b"not parquet at all")
    with pytest.raises(DatasetError, match=r"a\.parquet: not a readable Parquet file"):
        LocalEngine().scan(TableSource([str(path)], "parquet"))


def test_fold_merges_in_order() -> None:
    batches = [pa.record_batch({"x": [1, 2]}), pa.record_batch({"x": [3]})]
    seen: list[int] = []
    total = fold(
        batches, lambda b: b.num_rows, lambda a, b: a + b, 0, on_batch=lambda b: seen.append(b.num_rows)
    )
    assert total == 3
    assert seen == [2, 1]


def test_json_types_are_inferred_from_every_line(tmp_path: Path) -> None:
    path = tmp_path / "mixed.jsonl"
    path.write_text('{"a": 1}\n' * 30_000 + '{"a": "text"}\n')
    scan = LocalEngine().scan(TableSource([str(path)], "json"))
    values = [row["a"] for row in _rows(list(scan.batches))]
    assert len(values) == 30_001
    assert values[-1] == "text"
    assert scan.bad_records == []


def test_small_reader_batches_are_joined_in_order(tmp_path: Path) -> None:
    path = tmp_path / "a.csv"
    path.write_text("".join(f"{i}\n" for i in range(5000)))
    batches = list(LocalEngine(batch_rows=1500).scan(TableSource([str(path)], "csv")).batches)
    assert [batch.num_rows for batch in batches] == [1500, 1500, 1500, 500]
    assert [row["_c0"] for row in _rows(batches)] == [str(i) for i in range(5000)]


def test_json_line_with_bytes_that_are_not_utf8_is_named(tmp_path: Path) -> None:
    path = tmp_path / "a.jsonl"
    path.write_bytes(b'{"a": 1}\n{"a": "\xff\xfe"}\n{"a": 2}\n')
    scan = LocalEngine().scan(TableSource([str(path)], "json"))
    assert [row["a"] for row in _rows(list(scan.batches))] == [1, 2]
    assert [(bad.line, bad.message) for bad in scan.bad_records] == [(2, "not UTF-8 text")]
