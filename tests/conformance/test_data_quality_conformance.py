"""Our data-quality baselines equal the ones SageMaker wrote, and SageMaker's baselines work here.

- SDK QualityCheckStep fixture (100 rows, no header): statistics.json and constraints.json byte for byte.
- Churn (2,333 rows × 70 columns, header): constraints.json byte for byte; the 29 complete features of
  the logged statistics: counts, sums, min, max exact, mean/std_dev to 1e-9 relative, bucket counts
  within 1 % of n, KLL sketch data equal.
- Checking data against SageMaker's own statistics/constraints files works.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from modelmonitor.analyzers.data_quality import profile_source
from modelmonitor.constraints.data_quality import check, suggest
from modelmonitor.dataset.source import DatasetSource
from modelmonitor.formats.constraints import ConstraintsFile
from modelmonitor.formats.statistics import StatisticsFile
from tests.conformance.truncated_statistics import complete_features

pytestmark = pytest.mark.conformance

SDK = "sdk-quality-check-step/data_quality"
CHURN_CSV = "ex-mm-introduction/test_data/training-dataset-with-header.csv"
CHURN_STATISTICS = "ex-mm-introduction/notebook-output-extracts/statistics.from-baseline-job-log.PARTIAL.txt"
CHURN_CONSTRAINTS = "ex-mm-introduction/notebook-output-extracts/constraints.from-baseline-job-log.json"


@pytest.fixture(scope="module")
def sdk_statistics(conformance_dir: Path) -> StatisticsFile:
    profile, read = profile_source(
        DatasetSource.table(str(conformance_dir / SDK / "baseline_dataset.csv"), "csv", header=False)
    )
    assert read.bad_record_count == 0
    return profile.to_statistics()


@pytest.fixture(scope="module")
def churn_statistics(conformance_dir: Path) -> StatisticsFile:
    profile, read = profile_source(DatasetSource.table(str(conformance_dir / CHURN_CSV), "csv", header=True))
    assert read.bad_record_count == 0
    return profile.to_statistics()


def test_sdk_statistics_are_byte_identical(conformance_dir: Path, sdk_statistics: StatisticsFile) -> None:
    expected = (conformance_dir / SDK / "statistics.json").read_text(encoding="utf-8")
    assert sdk_statistics.to_json_text() == expected


def test_sdk_constraints_are_byte_identical(conformance_dir: Path, sdk_statistics: StatisticsFile) -> None:
    expected = (conformance_dir / SDK / "good_cases" / "constraints.json").read_text(encoding="utf-8")
    assert suggest(sdk_statistics).to_json_text() == expected


def test_churn_constraints_are_byte_identical(
    conformance_dir: Path, churn_statistics: StatisticsFile
) -> None:
    expected = (conformance_dir / CHURN_CONSTRAINTS).read_text(encoding="utf-8")
    assert suggest(churn_statistics).to_json_text() == expected


def test_churn_statistics_match_the_29_logged_features(
    conformance_dir: Path, churn_statistics: StatisticsFile
) -> None:
    logged = complete_features((conformance_dir / CHURN_STATISTICS).read_text(encoding="utf-8"))
    assert len(logged) == 29
    assert churn_statistics.dataset.item_count == 2333
    ours = {feature["name"]: feature for feature in churn_statistics.to_dict()["features"]}
    n = churn_statistics.dataset.item_count
    for theirs in logged:
        mine = ours[theirs["name"]]
        assert mine["inferred_type"] == theirs["inferred_type"], theirs["name"]
        a, b = mine["numerical_statistics"], theirs["numerical_statistics"]
        assert a["common"] == b["common"], theirs["name"]
        for key in ("sum", "min", "max"):
            assert a[key] == b[key], (theirs["name"], key)
        for key in ("mean", "std_dev"):
            assert math.isclose(a[key], b[key], rel_tol=1e-9), (theirs["name"], key)
        ours_kll, theirs_kll = a["distribution"]["kll"], b["distribution"]["kll"]
        for mine_bucket, their_bucket in zip(ours_kll["buckets"], theirs_kll["buckets"], strict=True):
            assert mine_bucket["lower_bound"] == their_bucket["lower_bound"]
            assert mine_bucket["upper_bound"] == their_bucket["upper_bound"]
            assert abs(mine_bucket["count"] - their_bucket["count"]) <= 0.01 * n
        assert ours_kll["sketch"] == theirs_kll["sketch"], theirs["name"]


def test_checking_against_sagemakers_own_baseline_is_clean(conformance_dir: Path) -> None:
    profile, _ = profile_source(
        DatasetSource.table(str(conformance_dir / SDK / "baseline_dataset.csv"), "csv", header=False)
    )
    statistics = StatisticsFile.from_path(conformance_dir / SDK / "statistics.json")
    constraints = ConstraintsFile.from_path(conformance_dir / SDK / "good_cases" / "constraints.json")
    assert check(profile, statistics, constraints).violations == []


def test_sagemakers_negative_test_constraints_give_a_violation(conformance_dir: Path) -> None:
    profile, _ = profile_source(
        DatasetSource.table(str(conformance_dir / SDK / "baseline_dataset.csv"), "csv", header=False)
    )
    statistics = StatisticsFile.from_path(conformance_dir / SDK / "statistics.json")
    constraints = ConstraintsFile.from_path(conformance_dir / SDK / "bad_cases" / "constraints.json")
    violations = check(profile, statistics, constraints).violations
    assert [(v.feature_name, v.constraint_check_type) for v in violations] == [("_c5", "data_type_check")]
    assert violations[0].description.endswith("Observed: Only 0.0% of data is String.")


def test_churn_check_against_sagemakers_constraints(conformance_dir: Path, tmp_path: Path) -> None:
    """SageMaker's churn constraints and its logged KLL sketches drive our checks on held-out data."""
    constraints = ConstraintsFile.from_path(conformance_dir / CHURN_CONSTRAINTS)
    text = (conformance_dir / CHURN_STATISTICS).read_text(encoding="utf-8")
    baseline = StatisticsFile.from_data(
        {"version": 0.0, "dataset": {"item_count": 2333}, "features": complete_features(text)}
    )
    names = {f"_c{i}": feature.name for i, feature in enumerate(constraints.features)}
    held_out = conformance_dir / "ex-mm-introduction/test_data/validation.csv"
    current = profile_source(DatasetSource.table(str(held_out), "csv", header=False))[0].renamed(names)
    assert current.item_count == 666
    assert check(current, baseline, constraints).violations == []
    # Triple every account length: its distribution drifts away from SageMaker's sketch.
    rows = [line.split(",") for line in held_out.read_text(encoding="utf-8").splitlines()]
    shifted = tmp_path / "shifted.csv"
    shifted.write_text("\n".join(",".join([r[0], str(int(r[1]) * 3), *r[2:]]) for r in rows) + "\n")
    current = profile_source(DatasetSource.table(str(shifted), "csv", header=False))[0].renamed(names)
    violations = check(current, baseline, constraints).violations
    assert [(v.feature_name, v.constraint_check_type) for v in violations] == [
        ("Account Length", "baseline_drift_check")
    ]
