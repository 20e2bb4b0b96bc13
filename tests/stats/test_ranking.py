"""NDCG attribution-drift score: SageMaker's worked example, its definition, and the edge cases."""

from __future__ import annotations

import math

import numpy as np
import pytest

from modelmonitor.errors import ConfigurationError
from modelmonitor.stats.ranking import attribution_ndcg


def test_documented_example_scores_about_0_69() -> None:
    # AWS's example: baseline SAT 0.70, GPA 0.50, Rank 0.05; live ranking Rank, GPA, SAT.
    baseline = {"SAT": 0.70, "GPA": 0.50, "Rank": 0.05}
    live = {"SAT": 0.10, "GPA": 0.50, "Rank": 0.90}
    dcg = 0.05 / math.log2(2) + 0.50 / math.log2(3) + 0.70 / math.log2(4)
    ideal = 0.70 / math.log2(2) + 0.50 / math.log2(3) + 0.05 / math.log2(4)
    score = attribution_ndcg(baseline, live)
    assert score == pytest.approx(dcg / ideal, rel=1e-12)
    assert round(score, 2) == 0.69


@pytest.mark.parametrize("seed", range(5), ids=lambda s: f"seed{s}")
def test_equals_the_definition_without_ties(seed: int) -> None:
    rng = np.random.default_rng(seed)
    names = [f"f{i}" for i in range(12)]
    baseline = dict(zip(names, rng.random(12).tolist(), strict=True))
    current = dict(zip(names, rng.random(12).tolist(), strict=True))
    by_current = sorted(names, key=lambda n: -current[n])
    by_baseline = sorted(names, key=lambda n: -baseline[n])
    dcg = sum(baseline[n] / math.log2(i + 2) for i, n in enumerate(by_current))
    ideal = sum(baseline[n] / math.log2(i + 2) for i, n in enumerate(by_baseline))
    assert attribution_ndcg(baseline, current) == pytest.approx(dcg / ideal, rel=1e-12)


def test_same_ranking_scores_one_whatever_the_magnitudes() -> None:
    assert attribution_ndcg({"a": 0.3, "b": 0.2, "c": 0.1}, {"a": 30.0, "b": 2.0, "c": 0.0}) == pytest.approx(
        1.0
    )


def test_one_feature_scores_one() -> None:
    assert attribution_ndcg({"a": 0.3}, {"a": 0.1}) == 1.0


def test_negative_attributions_count_by_magnitude() -> None:
    # with agg_method=median a global value may be negative: -0.7 is the most important feature
    assert attribution_ndcg({"a": -0.7, "b": 0.2}, {"a": -0.9, "b": 0.1}) == pytest.approx(1.0)
    assert attribution_ndcg({"a": -0.7, "b": 0.2}, {"a": 0.0, "b": 0.1}) < 0.9


def test_other_features_are_refused_by_name() -> None:
    with pytest.raises(ConfigurationError, match=r"missing \['b'\], not in the baseline \['c'\]"):
        attribution_ndcg({"a": 0.3, "b": 0.2}, {"a": 0.3, "c": 0.2})
