"""Merged files read columnar give the observations and bad records of the per-record rule."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from modelmonitor.analyzers.merged_columns import observations_from_merged_files
from modelmonitor.analyzers.model_quality import ModelQualitySettings, observations_from_merged
from modelmonitor.dataset.merge import read_merged
from modelmonitor.dataset.report import ReadReport


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
    assert (fast.actual, fast.predicted, fast.scores) == (slow.actual, slow.predicted, slow.scores)
    assert [str(b) for b in fast_report.bad_records] == [str(b) for b in slow_report.bad_records]
    assert (fast_report.records, fast_report.rows) == (slow_report.records, slow_report.rows)
    assert len(fast) > 0 or settings.probability_attribute is not None


def test_a_file_pyarrow_cannot_parse_is_read_record_by_record(tmp_path: Path) -> None:
    part = tmp_path / "part-00000.c000.jsonl"
    part.write_text(_record("0.9", "1") + "\n{oops\n" + _record("0.2", "0") + "\n")
    settings = ModelQualitySettings("BinaryClassification")
    observations, report = observations_from_merged_files([str(part)], settings)
    assert observations.actual == [1, 0]
    assert observations.scores == [0.9, 0.2]
    assert [str(b).split(": ")[0] for b in report.bad_records] == [f"{part}:2"]
