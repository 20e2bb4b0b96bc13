"""Kernel SHAP over a predictor callable: exact on models whose Shapley values are known, Clarify's
aggregations, and the bad inputs of issue 10 (wrong baseline width, a model failing on some rows)."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from modelmonitor.errors import ConfigurationError, JobError
from modelmonitor.formats.clarify import AnalysisFile
from modelmonitor.stats.kernel_shap import global_shap_values, kernel_shap, to_explanations

FEATURES = ("age", "income", "tenure")
WEIGHTS = np.array([0.5, -2.0, 1.0])
BASELINE = np.array([[1.0, 2.0, 3.0]])
ROWS = np.array([[2.0, 2.0, 3.0], [1.0, 4.0, 0.0], [3.0, 1.0, 5.0], [0.0, 2.0, 1.0]])


def linear(rows: np.ndarray) -> np.ndarray:
    return np.asarray(rows @ WEIGHTS + 0.25)


def test_linear_model_gets_its_exact_shapley_values() -> None:
    # For f(x) = w·x + c against one baseline row b, φ_j = w_j (x_j − b_j) and E[f] = f(b).
    result = kernel_shap(linear, BASELINE, ROWS, feature_names=FEATURES)
    exact = WEIGHTS * (ROWS - BASELINE)
    np.testing.assert_allclose(result.local_values[:, :, 0], exact, atol=1e-10)
    assert result.expected_values.tolist() == pytest.approx([float(linear(BASELINE)[0])])
    assert result.label_names == ("label0",)
    assert result.skipped == ()


@pytest.mark.parametrize(
    ("agg_method", "aggregate"),
    [
        ("mean_abs", lambda v: np.mean(np.abs(v), axis=0)),
        ("median", lambda v: np.median(v, axis=0)),
        ("mean_sq", lambda v: np.mean(v**2, axis=0)),
    ],
    ids=["mean_abs", "median", "mean_sq"],
)
def test_global_values_by_clarify_agg_method(agg_method: str, aggregate: object) -> None:
    result = kernel_shap(linear, BASELINE, ROWS, feature_names=FEATURES)
    exact = aggregate(WEIGHTS * (ROWS - BASELINE))  # type: ignore[operator]
    values = global_shap_values(result, agg_method)  # type: ignore[arg-type]
    assert list(values) == ["label0"]
    assert [values["label0"][name] for name in FEATURES] == pytest.approx(list(exact), abs=1e-10)


def test_use_logit_explains_log_odds() -> None:
    def probability(rows: np.ndarray) -> np.ndarray:
        return np.asarray(1 / (1 + np.exp(-(rows @ WEIGHTS))))

    result = kernel_shap(probability, BASELINE, ROWS, feature_names=FEATURES, use_logit=True)
    np.testing.assert_allclose(result.local_values[:, :, 0], WEIGHTS * (ROWS - BASELINE), atol=1e-8)
    assert result.expected_values[0] == pytest.approx(float((BASELINE @ WEIGHTS)[0]))


def test_a_real_classifier_with_two_outputs_adds_up_to_its_predictions() -> None:
    rng = np.random.default_rng(3)
    x = rng.normal(size=(200, 3))
    y = (x[:, 0] - x[:, 1] > 0).astype(int)
    model = LogisticRegression().fit(x, y)
    result = kernel_shap(
        model.predict_proba, x[:20], x[:5], feature_names=FEATURES, label_names=["no", "yes"], seed=1
    )
    assert result.label_names == ("no", "yes")
    # efficiency: expected value plus the attributions is the prediction, per output
    totals = result.expected_values + result.local_values.sum(axis=1)
    np.testing.assert_allclose(totals, model.predict_proba(x[:5]), atol=1e-8)
    explanations = to_explanations(result, "mean_abs")
    text = AnalysisFile(explanations=explanations).to_json_text()
    again = AnalysisFile.from_json_text(text).explanations
    assert again is not None
    assert set(again.kernel_shap) == {"no", "yes"}
    assert set(again.kernel_shap["yes"].global_shap_values) == set(FEATURES)


def test_sampled_kernel_is_reproducible_by_seed_and_leaves_numpy_state_alone() -> None:
    names = [f"f{i}" for i in range(14)]  # too many features to enumerate: shap samples coalitions
    rng = np.random.default_rng(0)
    baseline, rows = rng.normal(size=(5, 14)), rng.normal(size=(2, 14))

    def model(data: np.ndarray) -> np.ndarray:
        return np.asarray(np.tanh(data).sum(axis=1) + data[:, 0] * data[:, 1])

    np.random.seed(123)
    before = np.random.get_state()[1].copy()  # type: ignore[index]
    first = kernel_shap(model, baseline, rows, feature_names=names, num_samples=60, seed=7)
    assert (np.random.get_state()[1] == before).all()  # type: ignore[index]
    second = kernel_shap(model, baseline, rows, feature_names=names, num_samples=60, seed=7)
    np.testing.assert_array_equal(first.local_values, second.local_values)


def test_baseline_with_the_wrong_number_of_columns_is_refused() -> None:
    with pytest.raises(
        ConfigurationError, match=r"the SHAP baseline has 2 columns, expected 3 \(the features"
    ):
        kernel_shap(linear, [[1.0, 2.0]], ROWS, feature_names=FEATURES)


def test_rows_the_model_fails_on_are_counted_and_reported() -> None:
    def fragile(rows: np.ndarray) -> np.ndarray:
        if (rows[:, 0] == 99.0).any():
            raise RuntimeError("model server answered 500")
        return linear(rows)

    rows = np.vstack([ROWS[:2], [[99.0, 1.0, 1.0]], ROWS[2:]])
    seen: list[tuple[int, int]] = []
    result = kernel_shap(
        fragile, BASELINE, rows, feature_names=FEATURES, progress=lambda d, t: seen.append((d, t))
    )
    assert result.explained_rows == (0, 1, 3, 4)
    assert [(s.row, s.reason) for s in result.skipped] == [(2, "RuntimeError: model server answered 500")]
    assert seen == [(1, 5), (2, 5), (3, 5), (4, 5), (5, 5)]
    np.testing.assert_allclose(result.local_values[:, :, 0], WEIGHTS * (ROWS - BASELINE), atol=1e-10)


def test_non_finite_predictions_skip_the_row_and_a_failing_baseline_is_an_error() -> None:
    def nan_on_big(rows: np.ndarray) -> np.ndarray:
        out = linear(rows)
        out[rows[:, 0] > 50] = np.nan
        return out

    result = kernel_shap(nan_on_big, BASELINE, [[60.0, 1.0, 1.0], [2.0, 2.0, 3.0]], feature_names=FEATURES)
    assert result.explained_rows == (1,)
    assert "not a finite number" in result.skipped[0].reason

    def broken(rows: np.ndarray) -> np.ndarray:
        raise ConnectionError("connection refused")

    with pytest.raises(JobError, match="the model failed on the SHAP baseline: ConnectionError"):
        kernel_shap(broken, BASELINE, ROWS, feature_names=FEATURES)


def test_no_explained_row_is_an_error_naming_the_reasons() -> None:
    def fails_off_baseline(rows: np.ndarray) -> np.ndarray:
        if (rows != BASELINE).any():
            raise TimeoutError("model timed out")
        return linear(rows)

    result = kernel_shap(fails_off_baseline, BASELINE, ROWS[:2], feature_names=FEATURES)
    with pytest.raises(JobError, match="no row could be explained: TimeoutError: model timed out"):
        global_shap_values(result)


def test_progress_returning_false_stops_with_the_rows_explained_so_far() -> None:
    seen: list[tuple[int, int]] = []

    def progress(done: int, total: int) -> bool:
        seen.append((done, total))
        return done < 2

    rows = np.arange(15.0).reshape(5, 3)
    result = kernel_shap(linear, np.zeros((1, 3)), rows, feature_names=FEATURES, progress=progress)
    assert seen == [(1, 5), (2, 5)]
    assert result.stopped
    assert result.explained_rows == (0, 1)
    assert not kernel_shap(linear, np.zeros((1, 3)), rows, feature_names=FEATURES).stopped
