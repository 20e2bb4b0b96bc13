"""Ground-truth labels: uploads in three formats, SageMaker's records and layout, bad rows counted."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from modelmonitor.dataset.ground_truth import (
    Labels,
    read_ground_truth_lines,
    read_label_file,
    read_label_files,
    write_ground_truth,
)
from modelmonitor.dataset.report import ReadReport
from modelmonitor.errors import InputFileError
from modelmonitor.formats.capture import GroundTruthRecord
from modelmonitor.storage.objects import ObjectStore

STORE = ObjectStore()
COLLECTED = datetime(2026, 11, 26, 14, 7, 9, 123000, tzinfo=UTC)


def _rows(labels: Labels) -> list[tuple[str, str, str]]:
    return list(
        zip(*(labels.table.column(c).to_pylist() for c in ("event_id", "data", "encoding")), strict=True)
    )


def test_real_ground_truth_files_without_final_newline(conformance_dir: Path) -> None:
    files = sorted(str(p) for p in (conformance_dir / "ex-mm-batch-transform/test_gt").glob("*.jsonl"))
    report = ReadReport()
    labels = read_label_files(STORE, files, "jsonl", report)
    assert len(labels) == 5
    assert report.bad_record_count == 0
    first = json.loads(Path(files[0]).read_text())
    assert _rows(labels)[0] == (first["eventMetadata"]["eventId"], first["groundTruthData"]["data"], "CSV")


def test_jsonl_bad_lines_are_counted_with_file_and_line() -> None:
    content = b"\n".join(
        [
            b'{"groundTruthData": {"data": "1", "encoding": "CSV"}, "eventMetadata": {"eventId": "a"}}',
            b"not json",
            b'{"groundTruthData": {"data": "0"}, "eventMetadata": {}}',
            b'{"groundTruthData": {"data": 1}, "eventMetadata": {"eventId": "b"}}',
            b'{"groundTruthData": {"data": "1", "encoding": "XML"}, "eventMetadata": {"eventId": "c"}}',
            b"[1]",
            b'{"groundTruthData": {"data": "{\\"label\\": 2}", "encoding": "JSON"},'
            b' "eventMetadata": {"eventId": "d"}}',
            b'{"groundTruthData": {"da',
        ]
    )
    report = ReadReport()
    labels = read_ground_truth_lines("gt.jsonl", content, report)
    assert _rows(labels) == [("a", "1", "CSV"), ("d", '{"label": 2}', "JSON")]
    assert report.records == 8
    assert report.rows == 2
    assert report.bad_record_count == 6
    named = [str(bad) for bad in report.bad_records]
    assert named[0].startswith("gt.jsonl:2: not valid JSON")
    assert named[1] == "gt.jsonl:3 (field eventMetadata.eventId): expected a non-empty string, it is missing"
    assert named[2] == "gt.jsonl:4 (field groundTruthData.data): expected a non-empty string, got 1"
    assert named[3] == "gt.jsonl:5 (field groundTruthData.encoding): expected CSV or JSON, got 'XML'"
    assert named[4] == "gt.jsonl:6: expected a JSON object, got list"
    assert named[5].startswith("gt.jsonl:8: not valid JSON")


def test_csv_with_header_and_bad_rows(tmp_path: Path) -> None:
    path = tmp_path / "labels.csv"
    path.write_text("inference_id,score,label\n1,0.3,0\n2,0.9,\n,0.1,1\n\n4,0.5,1\n5\n")
    report = ReadReport()
    labels = read_label_file(STORE, str(path), "csv", report)
    assert _rows(labels) == [("1", "0", "CSV"), ("4", "1", "CSV")]
    assert report.records == 5
    assert [str(b) for b in report.bad_records] == [
        f"{path}:3 (field label): empty; expected an id and a label on every row",
        f"{path}:4 (field inference_id): empty; expected an id and a label on every row",
        f"{path}:7 (field label): empty; expected an id and a label on every row",
    ]


def test_csv_named_columns_and_a_missing_column(tmp_path: Path) -> None:
    path = tmp_path / "labels.csv"
    path.write_text("id,truth\nx,cat\n")
    labels = read_label_file(STORE, str(path), "csv", ReadReport(), id_column="id", label_column="truth")
    assert _rows(labels) == [("x", "cat", "CSV")]
    with pytest.raises(
        InputFileError, match=r"labels\.csv:1: no column 'inference_id', 'label' in the header"
    ):
        read_label_file(STORE, str(path), "csv", ReadReport())


def test_parquet_keeps_types_as_text_and_counts_nulls(tmp_path: Path) -> None:
    path = tmp_path / "labels.parquet"
    table = pa.table({"inference_id": [1, 2, None, 4], "label": [True, False, True, None]})
    pq.write_table(table, path)
    report = ReadReport()
    labels = read_label_file(STORE, str(path), "parquet", report)
    assert _rows(labels) == [("1", "1", "CSV"), ("2", "0", "CSV")]
    assert [str(b) for b in report.bad_records] == [
        f"{path}:3 (field inference_id): empty; expected an id and a label on every row",
        f"{path}:4 (field label): empty; expected an id and a label on every row",
    ]
    (tmp_path / "bad.parquet").write_bytes(b"nope")
    with pytest.raises(InputFileError, match="not a Parquet file"):
        read_label_file(STORE, str(tmp_path / "bad.parquet"), "parquet", ReadReport())


def test_written_in_sagemakers_records_under_the_collection_hour(tmp_path: Path) -> None:
    labels = Labels(pa.table({"event_id": ["a", "b", "c"], "data": ["1", "0", "1"], "encoding": ["CSV"] * 3}))
    written = write_ground_truth(STORE, str(tmp_path / "gt"), labels, COLLECTED, max_records_per_file=2)
    assert len(written) == 2
    for uri in written:
        assert Path(uri).parent == tmp_path / "gt/2026/11/26/14"
        assert Path(uri).name.startswith("07-09-123-")
        assert Path(uri).name.endswith(".jsonl")
    lines = [line for uri in sorted(written, key=lambda u: Path(u).stat().st_size, reverse=True)
             for line in Path(uri).read_text().splitlines()]  # fmt: skip
    assert json.loads(lines[0]) == {
        "groundTruthData": {"data": "1", "encoding": "CSV"},
        "eventMetadata": {"eventId": "a"},
        "eventVersion": "0",
    }
    assert sorted(GroundTruthRecord.model_validate_json(line).eventMetadata.eventId for line in lines) == [
        "a",
        "b",
        "c",
    ]
    # what we write, we read back
    again = read_label_files(STORE, written, "jsonl", ReadReport())
    assert sorted(_rows(again)) == sorted(_rows(labels))
