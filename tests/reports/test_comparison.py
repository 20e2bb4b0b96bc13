"""`reports.comparison.compare` on SageMaker's files and on a real check's outputs."""

from __future__ import annotations

import re

from modelmonitor.constraints.data_quality import DriftCheck
from modelmonitor.formats.constraints import ConstraintsFile
from modelmonitor.formats.statistics import StatisticsFile
from modelmonitor.reports.comparison import compare
from tests.reports.conftest import QUALITY, CheckedFiles


def test_sagemaker_statistics_against_themselves_show_no_drift() -> None:
    statistics = StatisticsFile.from_path(QUALITY / "statistics.json")
    constraints = ConstraintsFile.from_path(QUALITY / "good_cases" / "constraints.json")
    comparison = compare(statistics, statistics, constraints, None)
    assert [f.name for f in comparison.features] == ["_c0", "_c1", "_c2", "_c3", "_c4", "_c5"]
    for feature in comparison.features:
        assert feature.drift == DriftCheck(0.0, 0.1, "LInfinity")
        assert not feature.drifted
        assert feature.violations == []
        assert feature.baseline is not None
        assert feature.current is not None
        assert feature.current.missing_share == 0.0
        assert feature.current.inferred_type == "Fractional"
    assert comparison.current_item_count == comparison.baseline_item_count == 100


def test_drift_is_the_checkers_number_and_the_drifted_feature_comes_first(drifted: CheckedFiles) -> None:
    comparison = compare(
        drifted.statistics, drifted.baseline_statistics, drifted.constraints, drifted.violations
    )
    first = comparison.features[0]
    assert first.name == "_c2"
    assert first.drifted
    drift_violations = [v for v in first.violations if v.constraint_check_type == "baseline_drift_check"]
    assert len(drift_violations) == 1
    written = re.match(
        r"Baseline drift distance: (\S+) exceeds threshold: 0.1", drift_violations[0].description
    )
    assert written is not None
    assert first.drift is not None
    assert first.drift.value == float(written.group(1))
    assert first.drift_ratio is not None
    assert first.drift_ratio > 1
    # The other columns did not move: no drift past the threshold, and sorted after by their ratio.
    rest = comparison.features[1:]
    assert all(not f.drifted for f in rest)
    ratios = [f.drift_ratio or 0.0 for f in rest if not f.violations]
    assert ratios == sorted(ratios, reverse=True)
    assert comparison.violations == drifted.violations.violations


def test_missing_columns_and_features_named_only_by_a_violation_are_kept(drifted: CheckedFiles) -> None:
    current = drifted.statistics
    without_c4 = current.model_copy(update={"features": [f for f in current.features if f.name != "_c4"]})
    comparison = compare(without_c4, drifted.baseline_statistics, drifted.constraints, drifted.violations)
    c4 = comparison.feature("_c4")
    assert c4 is not None
    assert c4.current is None
    assert c4.baseline is not None
    assert c4.drift is None


def test_without_constraints_there_is_no_drift_number(drifted: CheckedFiles) -> None:
    comparison = compare(drifted.statistics, drifted.baseline_statistics, None, None)
    assert all(f.drift is None and not f.drifted for f in comparison.features)
    assert [f.name for f in comparison.features] == sorted(f.name for f in comparison.features)
