"""Model-quality constraints: suggested per metric, checked with SageMaker's operators and wording."""

from __future__ import annotations

import math

import numpy as np
import pytest

from modelmonitor.constraints.model_quality import check, evaluate, metric_display_name, suggest
from modelmonitor.errors import ConfigurationError
from modelmonitor.formats.model_quality import (
    MetricConstraint,
    MetricValue,
    ModelQualityConstraintsFile,
    ModelQualityDataset,
    ModelQualityStatisticsFile,
)
from modelmonitor.stats.classification import multiclass_classification_metrics
from modelmonitor.stats.regression import regression_metrics


def _regression(mae: float, sd: float = math.nan) -> ModelQualityStatisticsFile:
    metric = MetricValue(value=mae, standard_deviation=sd)
    metrics = regression_metrics([1.0, 2.0, 3.0], [1.0, 2.0, 4.0]).model_copy(update={"mae": metric})
    return ModelQualityStatisticsFile(dataset=ModelQualityDataset(item_count=3), regression_metrics=metrics)


@pytest.mark.parametrize(
    ("name", "display"),
    [
        ("true_positive_rate", "truePositiveRate"),
        ("f0_5", "f0_5"),
        ("f0_5_best_constant_classifier", "f0_5BestConstantClassifier"),
        ("weighted_f2", "weightedF2"),
        ("auc", "auc"),
    ],
)
def test_metric_names_in_camel_case(name: str, display: str) -> None:
    assert metric_display_name(name) == display


def test_suggest_multiclass_constrains_model_metrics_only() -> None:
    metrics = multiclass_classification_metrics(["a", "b", "c", "a"], ["a", "b", "b", "a"])
    stats = ModelQualityStatisticsFile(
        dataset=ModelQualityDataset(item_count=4), multiclass_classification_metrics=metrics
    )
    constraints = suggest(stats)
    assert constraints.problem_type == "MulticlassClassification"
    assert list(constraints.constraints) == [
        "accuracy", "weighted_recall", "weighted_precision", "weighted_f0_5", "weighted_f1", "weighted_f2",
    ]  # fmt: skip
    assert constraints.constraints["accuracy"] == MetricConstraint(
        threshold=0.75, comparison_operator="LessThanThreshold"
    )


def test_error_metric_above_threshold_is_a_violation_in_sagemakers_words() -> None:
    constraints = suggest(_regression(0.5))
    assert constraints.constraints["mae"].comparison_operator == "GreaterThanThreshold"
    violations = check(_regression(0.75, 5.092682820403929e-4), constraints).violations
    assert [v.to_dict() for v in violations] == [
        {
            "metric_name": "mae",
            "constraint_check_type": "GreaterThanThreshold",
            "description": "Metric mae with 0.75 +/- 5.092682820403929E-4 was GreaterThanThreshold '0.5'",
        }
    ]
    assert check(_regression(0.5), constraints).violations == []  # equal to the threshold is fine


def test_nan_standard_deviation_is_written_nan() -> None:
    violations = check(_regression(1.0), suggest(_regression(0.5))).violations
    assert violations[0].description == "Metric mae with 1.0 +/- NaN was GreaterThanThreshold '0.5'"


@pytest.mark.parametrize(
    ("operator", "value", "violated"),
    [
        ("LessThanThreshold", 0.5, False),
        ("LessThanThreshold", 0.4, True),
        ("GreaterThanThreshold", 0.5, False),
        ("GreaterThanThreshold", 0.6, True),
        ("LessThanOrEqualToThreshold", 0.5, True),
        ("GreaterThanOrEqualToThreshold", 0.5, True),
        ("GreaterThanOrEqualToThreshold", 0.4, False),
    ],
)
def test_every_operator(operator: str, value: float, violated: bool) -> None:
    constraints = ModelQualityConstraintsFile.model_validate(
        {"regression_constraints": {"mae": {"threshold": 0.5, "comparison_operator": operator}}}
    )
    assert bool(check(_regression(value), constraints).violations) is violated


def test_missing_and_nan_metrics_are_reported_not_skipped() -> None:
    constraints = ModelQualityConstraintsFile.model_validate(
        {
            "regression_constraints": {
                "mae": {"threshold": 0.5, "comparison_operator": "GreaterThanThreshold"},
                "mape": {"threshold": 0.5, "comparison_operator": "GreaterThanThreshold"},
            }
        }
    )
    report = evaluate(_regression(float(np.nan)), constraints)
    assert report.violations.violations == []
    assert report.not_evaluated == {
        "mae": "metric 'mae' is NaN (undefined for this data)",
        "mape": "no metric 'mape' in the statistics",
    }


def test_constraints_of_another_problem_type_are_refused() -> None:
    metrics = multiclass_classification_metrics(["a", "b"], ["a", "b"])
    stats = ModelQualityStatisticsFile(
        dataset=ModelQualityDataset(item_count=2), multiclass_classification_metrics=metrics
    )
    with pytest.raises(
        ConfigurationError, match="constraints are for Regression, but the statistics are for Multiclass"
    ):
        check(stats, suggest(_regression(0.5)))
