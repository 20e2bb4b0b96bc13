"""The torn-line rule: bytes after the last newline are skipped and counted; bad lines are reported."""

from __future__ import annotations

from pathlib import Path

from modelmonitor.capture.reader import parse_capture_bytes, read_capture_tree

GOOD = (
    b'{"captureData":{"endpointInput":{"observedContentType":"text/csv","mode":"INPUT","data":"1,2",'
    b'"encoding":"CSV"}},"eventMetadata":{"eventId":"e1","inferenceTime":"2026-11-21T10:00:00Z"},'
    b'"eventVersion":"0"}\n'
)


def test_torn_last_line_is_skipped_and_counted() -> None:
    result = parse_capture_bytes(GOOD + GOOD + GOOD[:50], "a.jsonl")
    assert len(result.records) == 2
    assert result.torn_lines == 1
    assert result.bad_lines == []


def test_file_of_only_a_torn_line() -> None:
    result = parse_capture_bytes(GOOD[:-1], "a.jsonl")
    assert (len(result.records), result.torn_lines) == (0, 1)


def test_bad_lines_name_file_line_and_field() -> None:
    missing = b'{"captureData":{},"eventMetadata":{"inferenceTime":"x"},"eventVersion":"0"}\n'
    result = parse_capture_bytes(GOOD + b"{not json\n" + missing + GOOD, "h/a.jsonl")
    assert len(result.records) == 2
    assert result.bad_lines[0].startswith("h/a.jsonl:2: not valid JSON")
    assert result.bad_lines[1] == "h/a.jsonl:3: field eventMetadata.eventId: Field required"


def test_tree_reads_every_file(tmp_path: Path) -> None:
    (tmp_path / "e/v/2026/11/21/10").mkdir(parents=True)
    (tmp_path / "e/v/2026/11/21/10/a.jsonl").write_bytes(GOOD)
    (tmp_path / "e/v/2026/11/21/10/b.jsonl").write_bytes(GOOD + GOOD[:10])
    result = read_capture_tree(str(tmp_path))
    assert (result.files, len(result.records), result.torn_lines) == (2, 2, 1)
