"""Merged files read columnar give the observations and bad records of the per-record rule."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import pytest

from modelmonitor.analyzers.merged_columns import (
    observations_from_merged_files,
    observations_from_merged_records,
)
from modelmonitor.analyzers.model_quality import ModelQualitySettings, Observations, observations_from_merged
from modelmonitor.dataset.merge import merge_ground_truth, read_merged
from modelmonitor.dataset.report import ReadReport
from modelmonitor.dataset.window import AnalysisWindow


def _record(output: str, label: str, *, encoding: str = "CSV", label_encoding: str = "CSV") -> str:
    return json.dumps(
        {
            "groundTruthData": {"data": label, "encoding": label_encoding},
            "captureData": {"endpointOutput": {"observedContentType": "x", "mode": "OUTPUT", "data": output,
                                               "encoding": encoding}},
            "eventMetadata": {"eventId": "e", "inferenceTime": "2026-11-26T10:00:00Z"},
            "eventVersion": "0",
        }
    )  # fmt: skip


def _lists(observations: Observations) -> tuple[list[object], ...]:
    columns = (observations.actual, observations.predicted, observations.scores)
    return tuple(np.asarray(column).tolist() for column in columns)


# every rule the kernels take, and records each rule sends to the per-record path
LINES = [
    _record("0.9", "1"),
    _record("0.2\n", "0"),  # a trailing newline in the payload
    _record(" 0.7 ", "true"),
    _record("0.4", "0.0"),
    _record("1.5", "1"),  # probability outside [0, 1]
    _record("0.3", "2"),  # not a binary label
    _record("abc", "1"),  # not a number
    _record("0.6,0.1", "1"),  # two values without an attribute
    _record("0.8", "1", label_encoding="JSON"),
    _record('"0.55"', "1"),  # quoted CSV
    _record("1e-1", "0"),
    _record("nan", "0"),
    _record("0.5", " 1 "),
]


@pytest.mark.parametrize(
    "settings",
    [
        ModelQualitySettings("BinaryClassification"),
        ModelQualitySettings("BinaryClassification", probability_attribute="0", probability_threshold=0.3),
        ModelQualitySettings("BinaryClassification", inference_attribute="1", probability_attribute="0"),
        ModelQualitySettings("BinaryClassification", probability_attribute="p"),
        ModelQualitySettings("Regression"),
        ModelQualitySettings("Regression", inference_attribute="1"),
        ModelQualitySettings("Regression", probability_attribute="0"),  # no predicted value: all bad
        ModelQualitySettings("MulticlassClassification"),
    ],
)
def test_columnar_and_per_record_reads_agree(tmp_path: Path, settings: ModelQualitySettings) -> None:
    lines = [*LINES, _record("0.1,1", "0"), _record("0.9,0", "1"), _record("0.3,x", "1")]
    if settings.inference_attribute is None and settings.probability_attribute in (None, "p"):
        # JSON payloads (a numeric attribute on one is a configuration error, either way)
        lines += [_record('{"p": 0.8}', "1", encoding="JSON"), _record("0.35", "0", encoding="JSON")]
    columnar = tmp_path / "part-00000.c000.jsonl"
    columnar.write_text("\n".join(lines) + "\n")
    slow_report = ReadReport()
    fast, fast_report = observations_from_merged_files([str(columnar)], settings)
    slow = observations_from_merged(read_merged([str(columnar)], slow_report), settings, slow_report)
    assert _lists(fast) == _lists(slow)
    assert [str(b) for b in fast_report.bad_records] == [str(b) for b in slow_report.bad_records]
    assert (fast_report.records, fast_report.rows) == (slow_report.records, slow_report.rows)
    assert len(fast) > 0 or settings.probability_attribute is not None


def test_a_file_pyarrow_cannot_parse_is_read_record_by_record(tmp_path: Path) -> None:
    part = tmp_path / "part-00000.c000.jsonl"
    part.write_text(_record("0.9", "1") + "\n{oops\n" + _record("0.2", "0") + "\n")
    settings = ModelQualitySettings("BinaryClassification")
    observations, report = observations_from_merged_files([str(part)], settings)
    assert _lists(observations) == ([1, 0], [1, 0], [0.9, 0.2])
    assert [str(b).split(": ")[0] for b in report.bad_records] == [f"{part}:2"]


def test_the_merges_columns_give_the_merged_files_observations(tmp_path: Path) -> None:
    # What an execution analyses (the merge's records, in memory) equals what its merged files hold;
    # a record that breaks a rule is named by the capture file and line it came from.
    outputs = ["0.9", "0.2", "1.5", "0.7", '{"p": 1}', "0.4"]
    labels = ["1", "0", "1", "cat", "1", "0"]
    captures = tmp_path / "capture/ep/AllTraffic/2026/11/26/10"
    captures.mkdir(parents=True)
    capture_file = captures / "00-00-000-a.jsonl"
    capture_file.write_text(
        "".join(
            json.dumps(
                {
                    "captureData": {"endpointOutput": {"observedContentType": "text/csv", "mode": "OUTPUT",
                                                       "data": output, "encoding": "CSV"}},
                    "eventMetadata": {"eventId": f"e{i}", "inferenceId": str(i),
                                      "inferenceTime": f"2026-11-26T10:0{i}:00Z"},
                    "eventVersion": "0",
                }
            ) + "\n"
            for i, output in enumerate(outputs)
        )
    )  # fmt: skip
    (tmp_path / "gt/2026/11/26/12").mkdir(parents=True)
    (tmp_path / "gt/2026/11/26/12/00.jsonl").write_text(
        "".join(
            json.dumps(
                {"groundTruthData": {"data": label, "encoding": "CSV"}, "eventMetadata": {"eventId": str(i)}}
            )
            + "\n"
            for i, label in enumerate(labels)
        )
    )
    window = AnalysisWindow(datetime(2026, 11, 26, 10, tzinfo=UTC), datetime(2026, 11, 26, 11, tzinfo=UTC))
    merged = merge_ground_truth(str(tmp_path / "capture"), "ep", window, str(tmp_path / "gt"),
                                datetime(2026, 11, 26, 13, tzinfo=UTC), str(tmp_path / "out"))  # fmt: skip
    settings = ModelQualitySettings("BinaryClassification")
    from_columns = ReadReport()
    assert merged.records is not None
    observations = observations_from_merged_records(merged.records, settings, from_columns)
    from_files_observations, from_files = observations_from_merged_files(merged.files, settings)
    assert _lists(observations) == _lists(from_files_observations)
    assert _lists(observations) == ([1, 0, 0], [1, 0, 0], [0.9, 0.2, 0.4])
    assert (from_columns.files, from_columns.records, from_columns.rows) == (1, 6, 3)
    assert [str(b) for b in from_columns.bad_records] == [
        f"{capture_file}:3 (field probability): probability '1.5' is outside [0, 1]",
        f"{capture_file}:4 (field label): 'cat' is not a binary label; expected 0 or 1",
        f"{capture_file}:5 (field probability): '{{\"p\": 1}}' is not a number",
    ]
    # the files' reader names the merged file's lines instead, with the same reasons
    assert [str(b).split(": ", 1)[1] for b in from_files.bad_records] == [
        str(b).split(": ", 1)[1] for b in from_columns.bad_records
    ]
