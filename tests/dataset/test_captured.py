from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from modelmonitor.dataset.captured import capture_files, flatten_record, transform_input_files
from modelmonitor.dataset.report import ReadReport
from modelmonitor.dataset.source import DatasetFormat, DatasetSource
from modelmonitor.dataset.window import AnalysisWindow
from modelmonitor.storage.objects import ObjectStore
from tests.dataset.reading import read_rows

WINDOW = AnalysisWindow(datetime(2026, 11, 21, 9, tzinfo=UTC), datetime(2026, 11, 21, 10, tzinfo=UTC))


def _record(
    data: str, output: str | None = "1", when: str = "2026-11-21T09:10:00Z", **meta: Any
) -> dict[str, Any]:
    capture: dict[str, Any] = {
        "endpointInput": {"observedContentType": "text/csv", "mode": "INPUT", "data": data, "encoding": "CSV"}
    }
    if output is not None:
        capture["endpointOutput"] = {
            "observedContentType": "text/csv",
            "mode": "OUTPUT",
            "data": output,
            "encoding": "CSV",
        }
    return {
        "captureData": capture,
        "eventMetadata": {"eventId": "e", "inferenceTime": when, **meta},
        "eventVersion": "0",
    }


def _write(root: Path, hour: str, name: str, text: str) -> Path:
    folder = root / "ep" / "AllTraffic" / "2026" / "11" / "21" / hour
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_text(text)
    return folder / name


def test_window_filter_torn_and_bad_lines_are_counted_not_fatal(tmp_path: Path) -> None:
    lines = [
        json.dumps(_record("1,2")),
        "{not json",
        json.dumps({"eventMetadata": {"eventId": "x", "inferenceTime": "2026-11-21T09:00:00Z"}}),
        json.dumps(_record("3,4", when="2026-11-21T10:00:00Z")),  # end is exclusive
        json.dumps(_record("5,6", invocationSource="ShadowExperiment")),
        json.dumps(_record("7,8", when="2026-11-21T09:59:59Z")),
    ]
    path = _write(tmp_path, "09", "a.jsonl", "\n".join(lines) + "\n" + '{"captureData": {"endpointIn')
    _write(tmp_path, "08", "old.jsonl", json.dumps(_record("0,0", when="2026-11-21T08:10:00Z")) + "\n")
    store = ObjectStore()
    files = capture_files(store, str(tmp_path), "ep", WINDOW)
    assert files == [str(path)]
    rows, report = read_rows(
        DatasetSource((str(tmp_path),), DatasetFormat.CAPTURE_JSONL, window=WINDOW, endpoint="ep")
    )
    assert rows == [{"_c0": "1", "_c1": "1", "_c2": "2"}, {"_c0": "1", "_c1": "7", "_c2": "8"}]
    assert (report.bad_record_count, report.torn_lines, report.shadow_records, report.outside_window) == (
        2,
        1,
        1,
        1,
    )
    named = [str(bad) for bad in report.bad_records] + [warning.message for warning in report.warnings]
    assert any(issue.startswith(f"{path}:2: not a JSON object") for issue in named)
    assert any(issue.startswith(f"{path}:3: field captureData is missing") for issue in named)
    assert any(issue.startswith(f"{path}:7: torn line") for issue in named)
    assert (report.files, report.records, report.records_in_window, report.rows) == (1, 6, 2, 2)


def test_a_torn_line_after_a_block_boundary_keeps_its_line_number(tmp_path: Path) -> None:
    from modelmonitor.dataset import captured

    lines = [json.dumps(_record(f"{i},{i}")) for i in range(40)]
    path = _write(tmp_path, "09", "a.jsonl", "\n".join(lines) + "\n\n" + '{"captureData"')
    original = captured._CHUNK_BYTES
    captured._CHUNK_BYTES = 333  # blocks end mid-line, many times over
    try:
        rows, report = read_rows(
            DatasetSource((str(tmp_path),), DatasetFormat.CAPTURE_JSONL, window=WINDOW, endpoint="ep")
        )
    finally:
        captured._CHUNK_BYTES = original
    assert [row["_c1"] for row in rows] == [str(i) for i in range(40)]
    assert report.torn_lines == 1
    assert report.warnings[0].message.startswith(f"{path}:42: torn line")


def test_blocks_held_by_the_caller_are_not_overwritten_by_the_next_reads(tmp_path: Path) -> None:
    # Lines longer than a block take several reads each: the buffers must only change turn when a
    # block is handed out, or a block a parsing thread still reads is overwritten (a flaky
    # failure of test_capture_blocks' hypothesis test found it).
    from modelmonitor.dataset.captured import BlockBuffers, capture_blocks

    lines = [json.dumps(_record(",".join(["7"] * (i % 9 + 1)))) for i in range(30)]
    path = _write(tmp_path, "09", "a.jsonl", "\n".join(lines) + "\n")
    buffers = BlockBuffers(3)
    held: list[tuple[memoryview, bytes]] = []
    read: list[bytes] = []
    for block in capture_blocks(ObjectStore(), str(path), ReadReport(), block_bytes=50, buffers=buffers):
        for view, copy in held:
            assert view.tobytes() == copy
        held = [*held[-1:], (block.data, block.to_bytes())]  # the caller holds two: 3 buffers
        read.append(block.to_bytes())
    assert b"".join(read).decode().splitlines() == lines


def test_blocks_end_where_carry_plus_block_bytes_end(tmp_path: Path) -> None:
    # Each block is the line cut off the last one plus block_bytes new bytes, cut after its last
    # newline: batch boundaries follow, and KLL sketches depend on them, so statistics.json of a
    # file over two blocks long stays byte for byte what it was.
    from modelmonitor.dataset.captured import BlockBuffers, capture_blocks

    lines = [json.dumps(_record(",".join(["7"] * (i % 13 + 1)))) for i in range(60)]
    text = ("\n".join(lines) + "\n").encode()
    path = _write(tmp_path, "09", "a.jsonl", text.decode())
    expected = []
    carry, position = b"", 0
    while chunk := text[position : position + 400]:
        position += len(chunk)
        data = carry + chunk
        cut = data.rfind(b"\n") + 1
        carry = data[cut:]
        if cut:
            expected.append(data[:cut])
    blocks = capture_blocks(ObjectStore(), str(path), ReadReport(), block_bytes=400, buffers=BlockBuffers(3))
    assert [block.to_bytes() for block in blocks] == expected


@pytest.mark.parametrize(
    ("capture", "rows"),
    [
        (_record("1,2\n3,4", "0.1\n0.2"), [["0.1", "1", "2"], ["0.2", "3", "4"]]),
        (_record('a,"b,c",', None), [["a", "b,c", None]]),
        (
            {
                "captureData": {
                    "endpointInput": {
                        "mode": "INPUT",
                        "encoding": "JSON",
                        "observedContentType": "application/json",
                        "data": json.dumps({"instances": [{"features": [1, 2]}, {"features": [3, 4]}]}),
                    },
                    "endpointOutput": {
                        "mode": "OUTPUT",
                        "encoding": "JSON",
                        "observedContentType": "application/json",
                        "data": json.dumps({"predictions": [{"score": 0.5}, {"score": 0.7}]}),
                    },
                },
                "eventMetadata": {"eventId": "e", "inferenceTime": "2026-11-21T09:00:00Z"},
            },
            [["0.5", "1", "2"], ["0.7", "3", "4"]],
        ),
        (
            {
                "captureData": {
                    "endpointInput": {
                        "mode": "INPUT",
                        "encoding": "BASE64",
                        "observedContentType": "text/csv",
                        "data": base64.b64encode(b"9,8").decode(),
                    }
                },
                "eventMetadata": {"eventId": "e", "inferenceTime": "2026-11-21T09:00:00Z"},
            },
            [["9", "8"]],
        ),
    ],
    ids=["csv-multi-line", "csv-quoted-empty", "json-instances", "base64-csv"],
)
def test_flatten_puts_outputs_first(capture: dict[str, Any], rows: list[list[str | None]]) -> None:
    assert flatten_record(capture) == rows


def test_mismatched_rows_are_an_error_for_that_record() -> None:
    with pytest.raises(ValueError, match="2 input row"):
        flatten_record(_record("1,2\n3,4", "0.1"))


def test_a_payload_truncated_at_capture_is_an_error_for_that_record() -> None:
    record = _record("1,2", "0.1")
    record["captureData"]["endpointInput"]["truncated"] = True
    with pytest.raises(ValueError, match="INPUT was truncated at capture"):
        flatten_record(record)


def test_batch_transform_manifests_resolve_to_data_files(tmp_path: Path) -> None:
    data = tmp_path / "transform-input"
    data.mkdir()
    (data / "part-0.csv").write_text("1,2\n")
    hour = tmp_path / "cap" / "input" / "2026" / "11" / "21" / "09"
    hour.mkdir(parents=True)
    (hour / "manifest").write_text(json.dumps([{"prefix": str(data) + "/"}, "part-0.csv"]))
    (hour / "copied.csv").write_text("3,4\n")
    files = transform_input_files(ObjectStore(), str(tmp_path / "cap"), WINDOW)
    assert sorted(files) == sorted([str(hour / "copied.csv"), f"{data}/part-0.csv"])
