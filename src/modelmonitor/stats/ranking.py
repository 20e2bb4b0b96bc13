"""How far the ranking of features by attribution has moved: SageMaker's NDCG attribution-drift score.

With ``a(f)`` the baseline global attribution of feature ``f``, ``F`` the features sorted by baseline
attribution and ``F'`` sorted by current attribution (both descending):

    DCG  = Σ_i a(F'_i) / log2(i + 1)      iDCG = Σ_i a(F_i) / log2(i + 1)      NDCG = DCG / iDCG

1.0 means the same order; the explainability monitor flags drift below 0.9. This is scikit-learn's
``ndcg_score([baseline], [current])``, which AWS's documentation points to, and we call it: features
tied in the current attribution share their gains (scikit-learn's tie handling). Edge cases, our rules
where SageMaker's are not documented: one feature scores 1.0; a baseline with every attribution 0 scores
0.0 (scikit-learn's); negative attributions (possible with ``agg_method="median"``) rank and count by
their absolute value.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from modelmonitor.errors import ConfigurationError

__all__ = ["attribution_ndcg"]


def attribution_ndcg(baseline: Mapping[str, float], current: Mapping[str, float]) -> float:
    """NDCG of the current feature ranking against the baseline attributions (module docstring)."""
    missing = sorted(baseline.keys() - current.keys())
    extra = sorted(current.keys() - baseline.keys())
    if missing or extra:
        raise ConfigurationError(
            "the current attributions name other features than the baseline: "
            f"missing {missing}, not in the baseline {extra}"
        )
    if not baseline:
        raise ConfigurationError("no feature attributions to compare")
    if len(baseline) == 1:
        return 1.0
    from sklearn.metrics import ndcg_score  # loaded on use: the attribution monitor only

    names = list(baseline)
    relevance = np.abs(np.array([[baseline[name] for name in names]], dtype=np.float64))
    scores = np.abs(np.array([[current[name] for name in names]], dtype=np.float64))
    return float(ndcg_score(relevance, scores))
