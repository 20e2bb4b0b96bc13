"""Bias-drift checks: the real bias-monitor execution's nine violations are reproduced from its baseline."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from modelmonitor.constraints.bias import bias_drift_violations, is_bias_drift, violation_description
from modelmonitor.formats.clarify import AnalysisFile, BiasViolationsFile, metric_value

BASELINE = "ex-mm-fairness-json/notebook-output-extracts/bias-baseline-analysis.json"
VIOLATIONS = (
    "ex-mm-fairness-json/notebook-output-extracts/bias-constraint-violations.converted-from-pprint.json"
)
DESCRIPTION = re.compile(r"Metric value (\S+) doesn't meet the baseline constraint requirement (\S+)")


def test_real_execution_violations_are_reproduced(conformance_dir: Path) -> None:
    baseline = AnalysisFile.from_path(conformance_dir / BASELINE)
    real = BiasViolationsFile.from_path(conformance_dir / VIOLATIONS)
    # The execution's analysis.json was not published: its violated values are in the descriptions; the
    # metrics it did not flag are given their baseline values (never a violation: not farther from neutral).
    current_values = {}
    for violation in real.violations:
        match = DESCRIPTION.fullmatch(violation.description)
        assert match is not None
        current_values[violation.metric_name] = float(match.group(1))
    current = AnalysisFile.from_data(json.loads(baseline.to_json_text()))
    assert current.post_training_bias_metrics is not None
    for metric in current.post_training_bias_metrics.facets["Sex"][0].metrics:
        if metric.name in current_values:
            metric.value = metric_value(current_values[metric.name])
    ours = bias_drift_violations(baseline, current)
    assert [v.to_dict() for v in ours.violations] == [v.to_dict() for v in real.violations]
    assert len(ours.violations) == 9


@pytest.mark.parametrize(
    ("metric", "current", "baseline", "drift"),
    [
        ("DPL", 0.1, 0.2, False),
        ("DPL", -0.2, 0.2, False),
        ("DPL", -0.3, 0.2, True),
        ("TE", float("inf"), 2.9, True),
        ("TE", float("inf"), float("inf"), False),
        ("DI", 1.1, 0.8, False),
        ("DI", 1.3, 0.8, True),
        ("DI", 0.7, 0.8, True),
    ],
    ids=[
        "closer",
        "as-far-other-side",
        "farther",
        "to-infinity",
        "infinite-both",
        "di-closer",
        "di-over",
        "di-under",
    ],
)
def test_farther_from_neutral_is_drift(metric: str, current: float, baseline: float, drift: bool) -> None:
    assert is_bias_drift(metric, current, baseline) is drift


def test_description_prints_infinity_as_clarify_does() -> None:
    assert violation_description(float("inf"), 2.916666666666667) == (
        "Metric value Infinity doesn't meet the baseline constraint requirement 2.916666666666667"
    )


def test_metrics_without_values_are_not_judged(conformance_dir: Path) -> None:
    baseline = AnalysisFile.from_path(conformance_dir / BASELINE)
    current = AnalysisFile.from_data(json.loads(baseline.to_json_text()))
    assert current.pre_training_bias_metrics is not None
    for metric in current.pre_training_bias_metrics.facets["Sex"][0].metrics:
        metric.value, metric.error = None, "Group variable is empty or not provided"
    assert bias_drift_violations(baseline, current).violations == []
    assert bias_drift_violations(current, baseline).violations == []
