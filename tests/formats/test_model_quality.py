"""Model-quality files: every real one loads, and the ones SageMaker wrote come back byte for byte."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from modelmonitor.errors import FormatError
from modelmonitor.formats.model_quality import (
    BinaryClassificationMetrics,
    MetricConstraint,
    ModelQualityConstraintsFile,
    ModelQualityStatisticsFile,
    ModelQualityViolation,
    ModelQualityViolationsFile,
)

JACKSON_FILES = {
    "sdk-quality-check-step/model_quality/statistics.json": ModelQualityStatisticsFile,
    "sdk-quality-check-step/model_quality/good_cases/constraints.json": ModelQualityConstraintsFile,
    "sdk-quality-check-step/model_quality/bad_cases/constraints.json": ModelQualityConstraintsFile,
    "sdk-model-card/model_monitor_model_quality_regression.json": ModelQualityStatisticsFile,
}


@pytest.mark.parametrize("name", sorted(JACKSON_FILES))
def test_sagemaker_files_round_trip_byte_for_byte(conformance_dir: Path, name: str) -> None:
    path = conformance_dir / name
    model = JACKSON_FILES[name].from_path(path)
    assert model.to_json_text() == path.read_text(encoding="utf-8")


def test_regression_statistics_read_as_values(conformance_dir: Path) -> None:
    stats = ModelQualityStatisticsFile.from_path(
        conformance_dir / "sdk-quality-check-step/model_quality/statistics.json"
    )
    assert stats.problem_type == "Regression"
    assert stats.dataset.item_count == 100
    metrics = stats.metrics.scalar_metrics()
    assert list(metrics) == ["mae", "mse", "rmse", "r2"]
    assert metrics["r2"].value == -3.208758170289026
    assert math.isnan(metrics["r2"].standard_deviation)


def test_evaluation_time_is_kept(conformance_dir: Path) -> None:
    stats = ModelQualityStatisticsFile.from_path(
        conformance_dir / "sdk-model-card/model_monitor_model_quality_regression.json"
    )
    assert stats.dataset.evaluation_time == "2023-03-30T21:08:34.729Z"
    assert stats.metrics.scalar_metrics()["mae"].standard_deviation == 0.019549525493231325


def test_binary_section_of_the_sdk_fixture_loads_with_every_value(conformance_dir: Path) -> None:
    raw = json.loads(
        (
            conformance_dir / "sdk-model-card/model_monitor_model_quality_binary_classification.json"
        ).read_text()
    )
    section = BinaryClassificationMetrics.model_validate(raw["binary_classification_metrics"])
    assert section.confusion_matrix == {"0": {"0": 1, "1": 2}, "1": {"0": 0, "1": 1}}
    assert section.receiver_operating_characteristic_curve.true_positive_rates == [0, 0.25, 0.5, 0.75, 1, 1]
    assert section.accuracy_best_constant_classifier.standard_deviation == 0.2
    assert math.isnan(section.f1.standard_deviation)
    # every key of the file is a declared field: nothing lands in the "unknown key" bucket
    assert not section.model_extra
    assert (
        json.loads(json.dumps(section.to_dict(), default=str)).keys()
        == raw["binary_classification_metrics"].keys()
    )


def test_a_statistics_file_needs_exactly_one_metrics_section() -> None:
    with pytest.raises(FormatError, match="exactly one of"):
        ModelQualityStatisticsFile.from_data({"version": 0.0, "dataset": {"item_count": 1}}, source="s.json")
    mae = {"mae": {"threshold": 1.0, "comparison_operator": "GreaterThanThreshold"}}
    with pytest.raises(FormatError, match="exactly one of"):
        ModelQualityConstraintsFile.from_data(
            {"regression_constraints": mae, "binary_classification_constraints": mae}, source="c.json"
        )


def test_bad_operator_names_the_field() -> None:
    with pytest.raises(FormatError, match=r"c\.json: field regression_constraints\.mae\.comparison_operator"):
        ModelQualityConstraintsFile.from_data(
            {"regression_constraints": {"mae": {"threshold": 1.0, "comparison_operator": "Bigger"}}},
            source="c.json",
        )


def test_constraints_for_a_problem_type_use_its_section() -> None:
    made = ModelQualityConstraintsFile.for_problem(
        "MulticlassClassification",
        {"accuracy": MetricConstraint(threshold=0.5, comparison_operator="LessThanThreshold")},
    )
    assert made.problem_type == "MulticlassClassification"
    assert made.to_json_text() == (
        '{\n  "version" : 0.0,\n  "multiclass_classification_constraints" : {\n    "accuracy" : {\n'
        '      "threshold" : 0.5,\n      "comparison_operator" : "LessThanThreshold"\n    }\n  }\n}'
    )


def test_violations_file_in_sagemaker_layout() -> None:
    violation = ModelQualityViolation(
        metric_name="f2",
        constraint_check_type="LessThanThreshold",
        description="Metric f2 with 0.5 +/- NaN was LessThanThreshold '0.6'",
    )
    text = ModelQualityViolationsFile(violations=[violation]).to_json_text()
    assert ModelQualityViolationsFile.from_json_text(text).violations == [violation]
    assert text.startswith('{\n  "violations" : [ {\n    "metric_name" : "f2",')
