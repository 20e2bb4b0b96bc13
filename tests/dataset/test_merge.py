"""The merge of captured predictions with ground truth, on real files in SageMaker's layouts."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from modelmonitor.capture.batch import write_batch_manifests
from modelmonitor.dataset.ground_truth import read_ground_truth_lines
from modelmonitor.dataset.merge import (
    ground_truth_files,
    merge_ground_truth,
    merge_transform_ground_truth,
    read_merged,
)
from modelmonitor.dataset.report import ReadReport
from modelmonitor.dataset.source import DatasetFormat
from modelmonitor.dataset.window import AnalysisWindow
from modelmonitor.errors import ConfigurationError, DatasetError, JobError
from modelmonitor.storage.objects import ObjectStore

T0 = datetime(2026, 11, 26, 10, tzinfo=UTC)


def _capture(event_id: str, inference_id: str | None, minute: int, output: str = "0.9") -> str:
    metadata = {"eventId": event_id, "inferenceTime": f"2026-11-26T10:{minute:02d}:00Z"}
    if inference_id is not None:
        metadata["inferenceId"] = inference_id
    return json.dumps(
        {
            "captureData": {
                "endpointInput": {
                    "observedContentType": "text/csv",
                    "mode": "INPUT",
                    "data": "1,2",
                    "encoding": "CSV",
                },
                "endpointOutput": {
                    "observedContentType": "text/csv",
                    "mode": "OUTPUT",
                    "data": output,
                    "encoding": "CSV",
                },
            },
            "eventMetadata": metadata,
            "eventVersion": "0",
        }
    )


def _label(event_id: str, label: str) -> str:
    truth = {"data": label, "encoding": "CSV"}
    return json.dumps({"groundTruthData": truth, "eventMetadata": {"eventId": event_id}, "eventVersion": "0"})


def _setup(tmp_path: Path) -> tuple[Path, Path]:
    captures = tmp_path / "capture/ep/AllTraffic/2026/11/26/10"
    captures.mkdir(parents=True)
    (captures / "00-00-000-a.jsonl").write_text(
        "\n".join(
            [
                _capture("e1", "1", 0),
                _capture("e2", None, 1),  # no inference id: joined by its event id
                "not json",
                _capture("e3", "3", 2),  # never labelled
                _capture("e4", "4", 3),
                _capture("e5", "5", 59).replace("10:59", "11:30"),  # outside the window
            ]
        )
        + "\n"
    )
    gt = tmp_path / "gt"
    (gt / "2026/11/26/12").mkdir(parents=True)
    (gt / "2026/11/27/09").mkdir(parents=True)
    (gt / "2026/11/26/12/00-00-000-x.jsonl").write_text(
        "\n".join(
            [_label("1", "0"), _label("e2", "1"), _label("4", "0"), _label("4", "1"), _label("99", "1")]
        )
        + "\n"
    )
    # collected the next day: the latest label of "1" wins
    (gt / "2026/11/27/09/30-00-000-y.jsonl").write_text(_label("1", "1"))
    # collected before the window: not read
    (gt / "2026/11/26/09").mkdir(parents=True)
    (gt / "2026/11/26/09/00.jsonl").write_text(_label("3", "1") + "\n")
    return tmp_path / "capture", gt


def test_merge_joins_counts_and_writes_sagemakers_merged_records(tmp_path: Path) -> None:
    capture, gt = _setup(tmp_path)
    window = AnalysisWindow(T0, T0.replace(hour=11))
    report = merge_ground_truth(str(capture), "ep", window, str(gt), datetime(2026, 11, 27, 10, tzinfo=UTC),
                                str(tmp_path / "out/merge"))  # fmt: skip
    assert report.captured == 4
    assert report.labels == 6
    assert report.matched == 3
    assert report.unmatched_predictions == 1
    assert report.unmatched_ids == ["3"]
    assert report.orphan_labels == 1
    assert report.orphan_ids == ["99"]
    assert report.duplicate_labels == 2  # "1" twice, "4" twice
    assert report.capture_read.bad_record_count == 1
    assert str(report.capture_read.bad_records[0]).startswith(
        f"{capture}/ep/AllTraffic/2026/11/26/10/00-00-000-a.jsonl:3"
    )
    assert report.capture_read.outside_window == 1
    assert len(report.files) == 1
    part = Path(report.files[0])
    assert part.parent == tmp_path / "out/merge/ep/AllTraffic/2026/11/26/10"
    assert part.name.startswith("part-00000-")
    assert part.name.endswith(".c000.jsonl")
    lines = part.read_text().splitlines()
    records = [json.loads(line) for line in lines]
    # the label first, then the capture record's fields as captured (SageMaker's files put eventVersion
    # first; JSON objects are unordered: docs/compatibility.md)
    assert [list(r) for r in records] == [
        ["groundTruthData", "captureData", "eventMetadata", "eventVersion"]
    ] * 3
    captured = [
        json.loads(x)
        for x in (capture / "ep/AllTraffic/2026/11/26/10/00-00-000-a.jsonl").read_text().splitlines()
        if x.startswith("{")
    ]
    assert {k: v for k, v in records[1].items() if k != "groundTruthData"} == captured[1]
    assert [(r["eventMetadata"]["eventId"], r["groundTruthData"]["data"]) for r in records] == [
        ("e1", "1"),  # the later collection
        ("e2", "1"),
        ("e4", "1"),  # the later line of the same file
    ]
    assert records[0]["captureData"]["endpointOutput"]["data"] == "0.9"
    read_report = ReadReport()
    assert [m.line for m in read_merged(report.files, read_report)] == [1, 2, 3]
    assert read_report.records == 3
    assert "3 matched of 4 prediction(s) and 6 label(s)" in report.summary()


def test_the_matched_records_are_kept_as_columns_and_the_files_may_be_written_meanwhile(
    tmp_path: Path,
) -> None:
    # The analysis reads report.records (no re-reading of the merged files): the same records, in the
    # same order, named by the capture file and line they came from.
    capture, gt = _setup(tmp_path)
    window = AnalysisWindow(T0, T0.replace(hour=11))
    until = datetime(2026, 11, 27, 10, tzinfo=UTC)
    report = merge_ground_truth(str(capture), "ep", window, str(gt), until, str(tmp_path / "out/merge"),
                                write_in_background=True)  # fmt: skip
    files = report.written_files()
    assert report.files == files
    assert len(files) == 1
    merged = [json.loads(line) for line in Path(files[0]).read_text().splitlines()]
    records = report.records.to_pylist()
    source = f"{capture}/ep/AllTraffic/2026/11/26/10/00-00-000-a.jsonl"
    assert [(r["uri"], r["line"]) for r in records] == [(source, 1), (source, 2), (source, 5)]
    assert [r["groundTruthData"] for r in records] == [m["groundTruthData"] for m in merged]
    output = merged[0]["captureData"]["endpointOutput"]
    assert records[0]["captureData"] == {
        "endpointOutput": {k: output[k] for k in ("data", "encoding", "observedContentType")},
        "batchTransformOutput": None,
    }
    # the same files as a merge that writes before it returns
    again = merge_ground_truth(str(capture), "ep", window, str(gt), until, str(tmp_path / "again/merge"))
    assert Path(again.files[0]).read_bytes() == Path(files[0]).read_bytes()
    assert again.records.equals(report.records)


def test_a_merged_file_write_that_fails_in_the_background_fails_when_waited_for(tmp_path: Path) -> None:
    capture, gt = _setup(tmp_path)
    ticks = iter([0.0, 5.0, 11.0])  # start, after reading the captures, before writing the first file
    window = AnalysisWindow(T0, T0.replace(hour=11))
    report = merge_ground_truth(str(capture), "ep", window, str(gt), datetime(2026, 11, 28, tzinfo=UTC),
                                str(tmp_path / "o"), time_budget_seconds=10, clock=lambda: next(ticks),
                                write_in_background=True)  # fmt: skip
    assert report.matched == 3
    with pytest.raises(JobError, match=r"\(10 s\), while writing the merged records"):
        report.written_files()
    assert not (tmp_path / "o").exists()


def test_ground_truth_hours_run_from_the_window_start_to_the_execution(tmp_path: Path) -> None:
    _, gt = _setup(tmp_path)
    found = ground_truth_files(ObjectStore(), str(gt), T0, datetime(2026, 11, 26, 12, 5, tzinfo=UTC))
    assert [Path(f).name for f in found] == ["00-00-000-x.jsonl"]
    # a run due at 12:00 has not seen the labels collected at 12:xx
    assert ground_truth_files(ObjectStore(), str(gt), T0, T0.replace(hour=12)) == []


def test_no_labels_yet_matches_nothing_and_writes_nothing(tmp_path: Path) -> None:
    capture, _ = _setup(tmp_path)
    window = AnalysisWindow(T0, T0.replace(hour=11))
    report = merge_ground_truth(str(capture), "ep", window, str(tmp_path / "nothing"), T0.replace(hour=11),
                                str(tmp_path / "out/merge"))  # fmt: skip
    assert (report.matched, report.labels, report.unmatched_predictions) == (0, 0, 4)
    assert report.files == []
    assert not (tmp_path / "out").exists()


def test_why_nothing_matched_is_said_with_the_window_and_prefix(tmp_path: Path) -> None:
    capture, gt = _setup(tmp_path)
    window = AnalysisWindow(T0, T0.replace(hour=11))
    early = merge_ground_truth(str(capture), "ep", window, str(gt), T0.replace(hour=11), str(tmp_path / "o1"))
    with pytest.raises(DatasetError) as caught:
        early.require_matches(window, str(gt))
    assert str(caught.value) == (
        "no ground truth yet for the 4 prediction(s) captured between 2026-11-26T10:00:00Z and "
        f"2026-11-26T11:00:00Z; labels collected up to 2026-11-26T11:00:00Z read from {gt}; "
        "model quality and bias monitoring need predictions with labels"
    )
    empty = AnalysisWindow(T0.replace(hour=5), T0.replace(hour=6))
    nothing = merge_ground_truth(str(capture), "ep", empty, str(gt), T0, str(tmp_path / "o2"))
    with pytest.raises(DatasetError, match=r"^no captured prediction between 2026-11-26T05:00:00Z"):
        nothing.require_matches(empty, str(gt))
    later = merge_ground_truth(str(capture), "ep", window, str(gt), datetime(2026, 11, 28, tzinfo=UTC),
                               str(tmp_path / "o3"))  # fmt: skip
    later.require_matches(window, str(gt))  # matched: no error


def test_the_merge_stops_past_its_share_of_the_runtime(tmp_path: Path) -> None:
    capture, gt = _setup(tmp_path)
    ticks = iter([0.0, 5.0, 11.0])  # start, after reading the captures, before writing the first file
    window = AnalysisWindow(T0, T0.replace(hour=11))
    until = datetime(2026, 11, 28, tzinfo=UTC)
    with pytest.raises(
        JobError, match=r"longer than its share of the maximum runtime \(10 s\), while writing"
    ):
        merge_ground_truth(str(capture), "ep", window, str(gt), until, str(tmp_path / "o"),
                           time_budget_seconds=10, clock=lambda: next(ticks))  # fmt: skip
    assert not (tmp_path / "o").exists()


def test_transform_output_lines_without_an_inference_id_are_bad_records(tmp_path: Path) -> None:
    outputs = tmp_path / "transform-output"
    outputs.mkdir()
    (outputs / "part-0.csv.out").write_text(
        "probability\n"  # a header: outputs have none, so it is a bad record, not a skipped line
        "0.9,id-1,2026-11-26T10:00:00Z\n"
        "0.2\n"  # the job ran without GenerateInferenceId
        "0.7,id-3,noon\n"
        "0.4,id-4,2026-11-26T10:00:00Z"  # written by a user's job: no final newline
    )
    (outputs / "part-0.csv").write_text("x\n")
    write_batch_manifests([str(outputs / "part-0.csv")], [str(outputs / "part-0.csv.out")],
                          str(tmp_path / "batch"), job_start=T0)  # fmt: skip
    gt = tmp_path / "gt/2026/11/26/10"
    gt.mkdir(parents=True)
    (gt / "00.jsonl").write_text(_label("id-1", "1") + "\n" + _label("id-4", "0") + "\n")
    window = AnalysisWindow(T0, T0.replace(hour=11))
    until = T0.replace(hour=11)
    report = merge_transform_ground_truth(str(tmp_path / "batch"), DatasetFormat.CSV, window,
                                          str(tmp_path / "gt"), until, str(tmp_path / "out"))  # fmt: skip
    assert (report.captured, report.matched) == (2, 2)
    bad = [str(b) for b in report.capture_read.bad_records]
    assert len(bad) == 3
    assert bad[0].startswith(f"{outputs}/part-0.csv.out:1")
    assert bad[1].startswith(f"{outputs}/part-0.csv.out:3")
    assert "inference id and time columns that GenerateInferenceId appends" in bad[1]
    assert bad[2].startswith(f"{outputs}/part-0.csv.out:4")
    assert "'noon' is not an ISO 8601 time" in bad[2]
    with pytest.raises(
        ConfigurationError, match="reads batch-transform output as CSV or JSON Lines; got parquet"
    ):
        merge_transform_ground_truth(str(tmp_path / "batch"), DatasetFormat.PARQUET, window,
                                     str(tmp_path / "gt"), T0, str(tmp_path / "out"))  # fmt: skip


def test_columnar_and_record_by_record_capture_reads_merge_the_same(tmp_path: Path) -> None:
    """A block pyarrow takes (with per-record rereads of odd envelopes) against the same lines read
    record by record (a line that is not JSON makes its block go that way)."""
    lines = [
        _capture("e1", "1", 0),
        _capture("e2", None, 1),
        _capture("e3", "", 2),  # an empty inference id: the event id joins
        _capture("e4", "4", 3).replace("2026-11-26T10:03:00Z", "2026-11-26T10:03:00+00:00"),  # another form
        _capture("e5", "5", 4).replace("2026-11-26T10:04:00Z", "yesterday"),  # a bad time: a bad record
        _capture("e6", "6", 5).replace("10:05:00Z", "12:05:00Z"),  # outside the window
        json.dumps({"eventMetadata": {"eventId": "e7", "inferenceTime": "2026-11-26T10:06:00Z"}}),
        _capture("e8", "8", 7).replace('"eventVersion": "0"', '"eventVersion": "0", "groundTruthData": {}'),
        _capture("e9", "9", 8).replace('"e9"', '"e9", "invocationSource": "ShadowExperiment"'),  # shadow
    ]  # fmt: skip
    labels = [_label(i, "1") for i in ("1", "e2", "e3", "4", "5", "6", "e7", "8", "9")]
    results = []
    for name, extra in (("columnar", []), ("by-record", ["not json"])):
        root = tmp_path / name
        folder = root / "capture/ep/AllTraffic/2026/11/26/10"
        folder.mkdir(parents=True)
        (folder / "00-00-000-a.jsonl").write_text("\n".join([*lines, *extra]) + "\n")
        (root / "gt/2026/11/26/10").mkdir(parents=True)
        (root / "gt/2026/11/26/10/00.jsonl").write_text("\n".join(labels) + "\n")
        window = AnalysisWindow(T0, T0.replace(hour=11))
        until = T0.replace(hour=12)
        report = merge_ground_truth(str(root / "capture"), "ep", window, str(root / "gt"), until,
                                    str(root / "out"))  # fmt: skip
        merged = [json.loads(x) for f in report.files for x in Path(f).read_text().splitlines()]
        read = report.capture_read
        results.append(
            (
                (report.captured, report.matched, report.unmatched_ids, report.orphan_ids),
                (read.records, read.records_in_window, read.outside_window, read.shadow_records),
                [str(b).replace(str(root), "") for b in read.bad_records],
                merged,
            )
        )
    columnar, by_record = results
    assert columnar[0] == by_record[0]
    assert columnar[1][1:] == by_record[1][1:]
    assert columnar[1][0] == by_record[1][0] - 1  # "not json" is a record too
    assert columnar[2] == by_record[2][:-1]
    assert columnar[3] == by_record[3]
    assert columnar[0][1] == 5  # e1, e2, e3 (by its event id), e4, e8
    assert any("yesterday" in b for b in columnar[2])
    assert columnar[1][3] == 1  # the shadow record
    e8 = next(m for m in columnar[3] if m["eventMetadata"]["eventId"] == "e8")
    assert e8["groundTruthData"] == {"data": "1", "encoding": "CSV"}


def test_columnar_and_record_by_record_label_reads_agree(tmp_path: Path) -> None:
    lines = [
        _label("1", "1"),
        json.dumps({"groundTruthData": {"data": "0"}, "eventMetadata": {"eventId": "2"}}),  # CSV by default
        json.dumps({"groundTruthData": {"data": "1", "encoding": "XML"}, "eventMetadata": {"eventId": "3"}}),
        json.dumps({"groundTruthData": {"data": ""}, "eventMetadata": {"eventId": "4"}}),
        json.dumps({"groundTruthData": {"data": "1"}, "eventMetadata": {}}),
        _label("6", "0"),
    ]
    reads = []
    for extra in ([], ["not json"]):
        report = ReadReport()
        labels = read_ground_truth_lines("gt.jsonl", ("\n".join([*lines, *extra]) + "\n").encode(), report)
        reads.append((labels.table.to_pylist(), [str(b) for b in report.bad_records], report.rows))
    assert reads[0][0] == reads[1][0]
    assert reads[0][1] == reads[1][1][:-1]
    assert reads[0][2] == reads[1][2] == 3
    assert [r["event_id"] for r in reads[0][0]] == ["1", "2", "6"]


def test_a_captured_record_holding_a_groundtruthdata_key_gets_the_label_once(tmp_path: Path) -> None:
    captures = tmp_path / "capture/ep/AllTraffic/2026/11/26/10"
    captures.mkdir(parents=True)
    odd = json.loads(_capture("e2", "2", 1))
    odd["groundTruthData"] = {"data": "stale", "encoding": "CSV"}  # e.g. a record merged once already
    (captures / "00-00-000-a.jsonl").write_text(_capture("e1", "1", 0) + "\n" + json.dumps(odd) + "\n")
    gt = tmp_path / "gt/2026/11/26/12"
    gt.mkdir(parents=True)
    (gt / "x.jsonl").write_text(_label("1", "0") + "\n" + _label("2", "1") + "\n")
    window = AnalysisWindow(T0, T0.replace(hour=11))
    report = merge_ground_truth(str(tmp_path / "capture"), "ep", window, str(tmp_path / "gt"),
                                datetime(2026, 11, 27, tzinfo=UTC), str(tmp_path / "out/merge"))  # fmt: skip
    lines = Path(report.files[0]).read_text().splitlines()
    assert [line.count('"groundTruthData"') for line in lines] == [1, 1]
    assert [json.loads(line)["groundTruthData"]["data"] for line in lines] == ["0", "1"]
