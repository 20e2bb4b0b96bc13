"""Model-quality statistics, constraints and violations recomputed from SageMaker's own inputs.

- Regression (sdk QualityCheckStep): statistics.json and the suggested constraints.json come back byte
  for byte from baseline_dataset.csv with SageMaker's r2 (``variant="sagemaker"``).
- Binary classification (churn example): every value SageMaker printed (pandas, 6 significant digits),
  the first 100 points of both curves in full, the suggested constraints, and the exact wording of a real
  execution's violations.
"""

from __future__ import annotations

import csv
import re
from pathlib import Path

import pytest

from modelmonitor.analyzers.model_quality import ModelQualitySettings, observations_from_csv, statistics_of
from modelmonitor.constraints.model_quality import check, suggest
from modelmonitor.dataset.report import ReadReport
from modelmonitor.formats.model_quality import (
    MetricValue,
    ModelQualityConstraintsFile,
    ModelQualityDataset,
    ModelQualityStatisticsFile,
)
from modelmonitor.stats.classification import binary_classification_metrics
from modelmonitor.stats.regression import regression_metrics

pytestmark = pytest.mark.conformance

REGRESSION = "sdk-quality-check-step/model_quality"
CHURN = "ex-mm-model-quality"


def _columns(path: Path) -> dict[str, list[str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return {key: [row[key] for row in rows] for key in rows[0]}


def test_regression_statistics_byte_for_byte(conformance_dir: Path) -> None:
    data = _columns(conformance_dir / REGRESSION / "baseline_dataset.csv")
    metrics = regression_metrics(
        [float(v) for v in data["Label"]], [float(v) for v in data["Prediction"]], variant="sagemaker"
    )
    statistics = ModelQualityStatisticsFile(
        dataset=ModelQualityDataset(item_count=len(data["Label"])), regression_metrics=metrics
    )
    assert statistics.to_json_text() == (conformance_dir / REGRESSION / "statistics.json").read_text(
        encoding="utf-8"
    )
    constraints = suggest(statistics)
    assert constraints.to_json_text() == (
        conformance_dir / REGRESSION / "good_cases/constraints.json"
    ).read_text(encoding="utf-8")


def test_regression_r2_by_default_is_the_textbook_one(conformance_dir: Path) -> None:
    data = _columns(conformance_dir / REGRESSION / "baseline_dataset.csv")
    labels = [float(v) for v in data["Label"]]
    predictions = [float(v) for v in data["Prediction"]]
    mean = sum(labels) / len(labels)
    textbook = 1 - sum((a - b) ** 2 for a, b in zip(labels, predictions, strict=True)) / sum(
        (a - mean) ** 2 for a in labels
    )
    assert regression_metrics(labels, predictions).r2.value == pytest.approx(textbook, rel=1e-12)
    assert regression_metrics(labels, predictions).r2.value == pytest.approx(-0.335, abs=5e-4)


def _churn_metrics(conformance_dir: Path) -> ModelQualityStatisticsFile:
    data = _columns(conformance_dir / CHURN / "test_data/validation_with_predictions.csv")
    metrics = binary_classification_metrics(
        [int(v) for v in data["label"]],
        [int(v) for v in data["prediction"]],
        [float(v) for v in data["probability"]],
        variant="sagemaker",
    )
    return ModelQualityStatisticsFile(
        dataset=ModelQualityDataset(item_count=len(data["label"])), binary_classification_metrics=metrics
    )


def _printed(path: Path) -> dict[str, str]:
    """``name value`` lines of a pandas rendering, values as printed."""
    found: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        parts = line.split(None, 1)
        if len(parts) == 2 and not parts[0].isdigit():
            found[parts[0]] = parts[1].strip()
    return found


def _six_digits(value: float) -> float:
    return float(f"{value:.6g}")


def test_binary_baseline_values_as_sagemaker_printed_them(conformance_dir: Path) -> None:
    printed = _printed(
        conformance_dir
        / CHURN
        / "notebook-output-extracts/baseline-binary-classification-metrics-dataframe.txt"
    )
    metrics = _churn_metrics(conformance_dir).metrics
    compared = 0
    for key, text in printed.items():
        section, _, field = key.partition(".")
        if section == "confusion_matrix":
            actual, predicted = field.split(".")
            assert metrics.confusion_matrix[actual][predicted] == int(text), key
        elif field == "value":
            assert _six_digits(getattr(metrics, section).value) == float(text), key
        elif field == "standard_deviation":
            # SageMaker's draws are random; ours are seeded. What must agree: zero exactly where it is zero.
            assert (getattr(metrics, section).standard_deviation == 0.0) == (float(text) == 0.0), key
        else:
            points = [float(v) for v in re.findall(r"[-\d.E]+", text.removesuffix("...]"))]
            assert len(points) == 100
            assert getattr(getattr(metrics, section), field)[:100] == points, key
        compared += 1
    assert compared == 4 + 2 * 17 + 4  # confusion matrix, 17 metrics, 2 curves of 2 arrays


def test_binary_suggested_constraints_as_sagemaker_printed_them(conformance_dir: Path) -> None:
    printed = (
        conformance_dir
        / CHURN
        / "notebook-output-extracts/baseline-binary-classification-constraints-dataframe.txt"
    )
    rows = [line.split() for line in printed.read_text(encoding="utf-8").splitlines()[1:]]
    constraints = suggest(_churn_metrics(conformance_dir)).constraints
    assert list(constraints) == [row[0] for row in rows]
    for name, threshold, operator in rows:
        assert _six_digits(constraints[name].threshold) == float(threshold), name
        assert constraints[name].comparison_operator == operator, name


_DESCRIPTION = re.compile(r"Metric (\w+) with (\S+) \+/- (\S+) was (\w+) '(\S+)'")


def _snake(camel: str) -> str:
    return re.sub(r"([A-Z])", lambda m: "_" + m.group(1).lower(), camel)


def test_violation_descriptions_word_for_word(conformance_dir: Path) -> None:
    text = (
        conformance_dir / CHURN / "notebook-output-extracts/constraint-violations-dataframe.txt"
    ).read_text()
    descriptions = [m.group(0) for m in _DESCRIPTION.finditer(text)]
    assert len(descriptions) == 9
    baseline = _churn_metrics(conformance_dir)
    constraints: ModelQualityConstraintsFile = suggest(baseline)
    # The execution's statistics are not published: rebuild the violated metrics from the descriptions.
    current = baseline.model_copy(deep=True)
    section = current.metrics
    for description in descriptions:
        match = _DESCRIPTION.fullmatch(description)
        assert match is not None
        name, value, sd, _, threshold = match.groups()
        setattr(section, _snake(name), MetricValue(value=float(value), standard_deviation=float(sd)))
        assert constraints.constraints[_snake(name)].threshold == float(threshold)
    ours = check(current, constraints).violations
    assert sorted(v.description for v in ours) == sorted(descriptions)
    assert {v.metric_name for v in ours} == {
        "precision",
        "truePositiveRate",
        "f1",
        "accuracy",
        "falsePositiveRate",
        "trueNegativeRate",
        "falseNegativeRate",
        "recall",
        "f2",
    }
    assert all(f"was {v.constraint_check_type} '" in v.description for v in ours)


def test_the_baseline_analysis_of_the_csv_gives_the_same_statistics(conformance_dir: Path) -> None:
    settings = ModelQualitySettings(
        "BinaryClassification",
        inference_attribute="prediction",
        probability_attribute="probability",
        ground_truth_attribute="label",
        variant="sagemaker",
    )
    report = ReadReport()
    path = conformance_dir / CHURN / "test_data/validation_with_predictions.csv"
    analysed = statistics_of(observations_from_csv(str(path), settings, report))
    assert report.bad_record_count == 0
    assert analysed == _churn_metrics(conformance_dir)
