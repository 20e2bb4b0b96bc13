"""One test per figure function, on SageMaker's statistics and on real check outputs."""

from __future__ import annotations

import math

import pytest

from modelmonitor.formats.constraints import ConstraintsFile
from modelmonitor.formats.statistics import StatisticsFile
from modelmonitor.reports.comparison import Comparison, FeatureComparison, compare
from modelmonitor.reports.figures import (
    BASELINE_COLOR,
    CURRENT_COLOR,
    DRIFTED_COLOR,
    WITHIN_COLOR,
    categorical_bars,
    drift_gauge,
    drift_overview,
    missing_share,
    numeric_histogram,
)
from tests.reports.conftest import CONFORMANCE, QUALITY, CheckedFiles


def _sagemaker_feature(name: str) -> FeatureComparison:
    statistics = StatisticsFile.from_path(QUALITY / "statistics.json")
    constraints = ConstraintsFile.from_path(QUALITY / "good_cases" / "constraints.json")
    feature = compare(statistics, statistics, constraints, None).feature(name)
    assert feature is not None
    return feature


def _checked(files: CheckedFiles) -> Comparison:
    return compare(files.statistics, files.baseline_statistics, files.constraints, files.violations)


def test_numeric_histogram_draws_each_sides_kll_buckets_as_shares() -> None:
    feature = _sagemaker_feature("_c3")
    figure = numeric_histogram(feature)
    assert figure is not None
    assert feature.baseline is not None
    numbers = feature.baseline.statistics.numerical_statistics
    assert numbers is not None
    assert numbers.distribution is not None
    buckets = numbers.distribution.kll.buckets
    baseline, current = figure["data"]
    assert (baseline["name"], current["name"]) == ("baseline", "current")
    assert baseline["marker"]["color"] == BASELINE_COLOR
    assert current["marker"]["line"]["color"] == CURRENT_COLOR  # outlined over the filled baseline
    assert baseline["x"] == [(b.lower_bound + b.upper_bound) / 2 for b in buckets]
    assert baseline["width"] == pytest.approx([b.upper_bound - b.lower_bound for b in buckets])
    assert baseline["y"] == [b.count / 100 for b in buckets]  # 100 present values, SageMaker's counts
    assert math.fsum(baseline["y"]) == pytest.approx(1.0)
    assert figure["layout"]["barmode"] == "overlay"


def test_numeric_histogram_of_the_drifted_column_shows_the_shift(drifted: CheckedFiles) -> None:
    figure = numeric_histogram(_checked(drifted).feature("_c2"))  # type: ignore[arg-type]
    assert figure is not None
    baseline, current = figure["data"]
    # The current column is 3x + 5: its buckets start where the baseline's would be 3 * min + 5.
    assert min(current["x"]) > max(baseline["x"])
    assert math.fsum(current["y"]) == pytest.approx(1.0)


def test_numeric_histogram_gives_a_constant_column_visible_bars(drifted: CheckedFiles) -> None:
    feature = _checked(drifted).feature("_c1")
    assert feature is not None
    assert feature.current is not None
    numbers = feature.current.statistics.numerical_statistics
    assert numbers is not None
    assert numbers.distribution is not None
    constant = numbers.model_copy(deep=True)
    assert constant.distribution is not None
    for bucket in constant.distribution.kll.buckets:
        bucket.lower_bound = bucket.upper_bound = 7.0
    side = feature.current.statistics.model_copy(update={"numerical_statistics": constant})
    figure = numeric_histogram(
        FeatureComparison("_c1", None, type(feature.current)(side, feature.current.item_count))
    )
    assert figure is not None
    assert all(width > 0 for width in figure["data"][0]["width"])


def test_categorical_bars_show_value_shares_side_by_side(categorical: CheckedFiles) -> None:
    feature = _checked(categorical).feature("color")
    assert feature is not None
    assert numeric_histogram(feature) is None
    figure = categorical_bars(feature)
    assert figure is not None
    baseline, current = figure["data"]
    shares = {
        name: dict(zip(trace["x"], trace["y"], strict=True))
        for name, trace in (("baseline", baseline), ("current", current))
    }
    assert shares["baseline"] == {"red": 0.5, "green": 0.3, "blue": 0.2, "violet": 0.0}
    assert shares["current"] == {"red": 0.2, "green": 0.3, "blue": 0.4, "violet": 0.1}
    assert baseline["x"] == ["red", "blue", "green", "violet"]  # by the larger share of either side
    assert figure["layout"]["barmode"] == "group"


def test_categorical_bars_sum_the_values_past_the_limit(categorical: CheckedFiles) -> None:
    figure = categorical_bars(_checked(categorical).feature("color"), max_categories=2)  # type: ignore[arg-type]
    assert figure is not None
    current = figure["data"][1]
    assert current["x"] == ["red", "blue", "(other 2 values)"]
    assert current["y"] == pytest.approx([0.2, 0.4, 0.4])


def test_categorical_bars_of_sagemakers_string_feature() -> None:
    statistics = StatisticsFile.from_path(CONFORMANCE / "sdk-monitor" / "statistics.json")
    figure = categorical_bars(compare(statistics, None, None, None).features[0])
    assert figure is not None
    (current,) = figure["data"]
    assert current["x"] == ["preproc-not-YET-supported-for-csv-json"]
    assert current["y"] == [1.0]


def test_missing_share_is_missing_over_all_rows(drifted: CheckedFiles) -> None:
    feature = _checked(drifted).feature("_c0")
    assert feature is not None
    assert feature.current is not None
    common = feature.current.statistics.common
    assert common is not None
    holed = feature.current.statistics.model_copy(deep=True)
    assert holed.numerical_statistics is not None
    holed.numerical_statistics.common.num_present, holed.numerical_statistics.common.num_missing = 75, 25
    figure = missing_share(FeatureComparison("_c0", feature.baseline, type(feature.current)(holed, 100)))
    assert figure is not None
    (bars,) = figure["data"]
    assert bars["y"] == ["baseline", "current"]
    assert bars["x"] == [0.0, 0.25]
    assert bars["text"] == ["0.0%", "25.0%"]


def test_drift_gauge_marks_the_threshold_and_colours_a_crossing(drifted: CheckedFiles) -> None:
    comparison = _checked(drifted)
    crossed, within = comparison.feature("_c2"), comparison.feature("_c0")
    assert crossed is not None
    assert within is not None
    for feature, color in ((crossed, DRIFTED_COLOR), (within, WITHIN_COLOR)):
        figure = drift_gauge(feature)
        assert figure is not None
        assert feature.drift is not None
        assert figure["data"][0]["x"] == [feature.drift.value]
        assert figure["data"][0]["marker"]["color"] == color
        (line,) = figure["layout"]["shapes"]
        assert line["x0"] == line["x1"] == 0.1
    assert drift_gauge(FeatureComparison("nothing", None, None)) is None


def test_drift_overview_lists_features_in_the_comparisons_order(drifted: CheckedFiles) -> None:
    comparison = _checked(drifted)
    figure = drift_overview(comparison)
    assert figure is not None
    bars, thresholds = figure["data"]
    assert bars["x"] == [f.name for f in comparison.features]
    assert bars["x"][0] == "_c2"
    assert bars["y"] == [f.drift.value for f in comparison.features if f.drift is not None]
    assert len(bars["y"]) == 6
    assert thresholds["y"] == [0.1] * 6
    assert bars["marker"]["color"][0] == DRIFTED_COLOR
    statistics = StatisticsFile.from_path(QUALITY / "statistics.json")
    assert drift_overview(compare(statistics, statistics, None, None)) is None  # no constraints, no drift
