"""Model-quality analysis from merged records and baseline CSVs: rules per problem type, bad rows named."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from modelmonitor.analyzers.model_quality import (
    ModelQualitySettings,
    observations_from_csv,
    observations_from_merged,
    statistics_of,
)
from modelmonitor.dataset.merge import MergedRecord, read_merged
from modelmonitor.dataset.report import ReadReport
from modelmonitor.errors import ConfigurationError, DatasetError, InputFileError


def _merged(line: int, output: str, label: str, encoding: str = "CSV") -> MergedRecord:
    record = {
        "eventVersion": "0",
        "groundTruthData": {"data": label, "encoding": "CSV"},
        "captureData": {"endpointOutput": {"observedContentType": "x", "mode": "OUTPUT", "data": output,
                                           "encoding": encoding}},
        "eventMetadata": {"eventId": str(line), "inferenceTime": "2026-11-26T10:00:00Z"},
    }  # fmt: skip
    return MergedRecord("merge/part-0.jsonl", line, record)


def test_binary_from_probabilities_with_the_threshold() -> None:
    records = [
        _merged(1, "0.9", "1"),
        _merged(2, "0.4", "1"),
        _merged(3, "0.6", "0"),
        _merged(4, "0.1", "0.0"),
    ]
    report = ReadReport()
    settings = ModelQualitySettings("BinaryClassification", probability_threshold=0.5)
    observations = observations_from_merged(records, settings, report)
    assert observations.predicted == [1, 0, 1, 0]
    assert observations.scores == [0.9, 0.4, 0.6, 0.1]
    assert observations.actual == [1, 1, 0, 0]
    statistics = statistics_of(observations, evaluation_time="2026-11-26T11:00:00.000Z")
    assert statistics.problem_type == "BinaryClassification"
    assert statistics.dataset.item_count == 4
    assert statistics.metrics.scalar_metrics()["accuracy"].value == 0.5
    stricter = observations_from_merged(
        records, ModelQualitySettings("BinaryClassification", probability_threshold=0.95), report
    )
    assert stricter.predicted == [0, 0, 0, 0]


def test_binary_bad_records_are_named_and_counted() -> None:
    records = [
        _merged(1, "1.5", "1"),  # probability outside [0, 1]
        _merged(2, "0.3", "2"),  # not a binary label
        _merged(3, '{"p": 0.2}', "1", encoding="JSON"),  # attribute not given, payload is an object
        _merged(4, "0.8", "1"),
    ]
    report = ReadReport()
    observations = observations_from_merged(records, ModelQualitySettings("BinaryClassification"), report)
    assert len(observations) == 1
    assert report.rows == 1
    assert [str(b) for b in report.bad_records] == [
        "merge/part-0.jsonl:1 (field probability): probability '1.5' is outside [0, 1]",
        "merge/part-0.jsonl:2 (field label): '2' is not a binary label; expected 0 or 1",
        "merge/part-0.jsonl:3 (field captureData.endpointOutput.data): "
        'the payload (no attribute given) gives {"p":0.2}; expected one number or label',
    ]


def test_json_attributes_address_nested_outputs() -> None:
    output = '{"predictions": [{"label": "cat", "p": 0.7}]}'
    settings = ModelQualitySettings("MulticlassClassification", inference_attribute="predictions[0].label")
    observations = observations_from_merged(
        [_merged(1, output, "cat", "JSON"), _merged(2, output, "dog", "JSON")], settings, ReadReport()
    )
    assert observations.actual == ["cat", "dog"]
    assert observations.predicted == ["cat", "cat"]
    assert statistics_of(observations).metrics.scalar_metrics()["accuracy"].value == 0.5


def test_multiclass_labels_compare_as_numbers_when_numeric() -> None:
    settings = ModelQualitySettings("MulticlassClassification")
    observations = observations_from_merged(
        [_merged(1, "2.0", "2"), _merged(2, "1", "3")], settings, ReadReport()
    )
    assert observations.predicted == ["2", "1"]
    assert observations.actual == ["2", "3"]


def test_regression_needs_finite_numbers() -> None:
    report = ReadReport()
    settings = ModelQualitySettings("Regression")
    observations = observations_from_merged(
        [_merged(1, "2.5", "3"), _merged(2, "nan", "1"), _merged(3, "1", "x")], settings, report
    )
    assert observations.predicted == [2.5]
    assert [b.field for b in report.bad_records] == ["prediction", "label"]


def test_no_observations_is_an_error() -> None:
    observations = observations_from_merged([], ModelQualitySettings("Regression"), ReadReport())
    with pytest.raises(DatasetError, match="no rows with both a prediction and a label"):
        statistics_of(observations)


def test_baseline_csv_by_names_and_by_indexes(tmp_path: Path) -> None:
    path = tmp_path / "validation.csv"
    path.write_text("probability,prediction,label\n0.9,1,1\n0.2,0,1\n,0,0\n0.4,0,0\n")
    settings = ModelQualitySettings(
        "BinaryClassification",
        inference_attribute="prediction",
        probability_attribute="probability",
        ground_truth_attribute="label",
    )
    report = ReadReport()
    observations = observations_from_csv(str(path), settings, report)
    assert observations.actual == [1, 1, 0]
    assert [str(b) for b in report.bad_records] == [f"{path}:4 (field probability): empty"]
    headerless = tmp_path / "no-header.csv"
    headerless.write_text("0.9,1,1\n0.2,0,1\n")
    by_index = ModelQualitySettings(
        "BinaryClassification", inference_attribute="1", probability_attribute="0", ground_truth_attribute="2"
    )
    assert observations_from_csv(str(headerless), by_index, ReadReport(), header=False).scores == [0.9, 0.2]


def test_baseline_csv_configuration_errors(tmp_path: Path) -> None:
    path = tmp_path / "v.csv"
    path.write_text("p,y\n0.5,1\n")
    with pytest.raises(ConfigurationError, match="needs ground_truth_attribute"):
        observations_from_csv(
            str(path), ModelQualitySettings("BinaryClassification", probability_attribute="p"), ReadReport()
        )
    with pytest.raises(InputFileError, match="ground_truth_attribute 'label' is neither a column name"):
        observations_from_csv(
            str(path),
            ModelQualitySettings(
                "BinaryClassification", probability_attribute="p", ground_truth_attribute="label"
            ),
            ReadReport(),
        )


def test_merged_records_written_by_the_merge_read_back(tmp_path: Path) -> None:
    part = tmp_path / "part-00000.c000.jsonl"
    part.write_text(json.dumps(_merged(1, "0.7", "1").record) + "\n" + "{oops\n")
    report = ReadReport()
    observations = observations_from_merged(
        read_merged([str(part)], report), ModelQualitySettings("BinaryClassification"), report
    )
    assert observations.predicted == [1]
    assert report.bad_record_count == 1
    assert str(report.bad_records[0]).startswith(f"{part}:2: not valid JSON")


def test_a_regression_record_with_a_bad_prediction_keeps_neither_value() -> None:
    report = ReadReport()
    observations = observations_from_merged(
        [_merged(1, "abc", "1.5"), _merged(2, "2.0", "2.5")], ModelQualitySettings("Regression"), report
    )
    assert (observations.actual, observations.predicted) == ([2.5], [2.0])
    assert report.bad_record_count == 1
