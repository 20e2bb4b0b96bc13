"""The HTTP model client against a real scikit-learn model server on loopback."""

from __future__ import annotations

import time

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from modelmonitor.analyzers.endpoint_predictor import (
    Deadline,
    EndpointPredictor,
    ModelCallError,
    OutOfTimeError,
)
from modelmonitor.errors import ConfigurationError
from modelmonitor.formats.clarify import PredictorConfig
from tests.model_server import model_server

FEATURES = ["a", "b", "c"]


@pytest.fixture(scope="module")
def model() -> LogisticRegression:
    generator = np.random.default_rng(0)
    x = generator.normal(size=(200, 3))
    y = (x[:, 0] + 0.5 * x[:, 1] > 0).astype(int)
    return LogisticRegression().fit(x, y)


@pytest.mark.parametrize(
    "config",
    [
        PredictorConfig(content_type="text/csv"),
        PredictorConfig(
            content_type="application/jsonlines",
            content_template='{"features":$features}',
            probability="score",
        ),
        PredictorConfig(
            content_type="application/json",
            content_template='{"instances":$records}',
            record_template="$features",
            probability="predictions[*].score",
        ),
    ],
    ids=["csv", "jsonlines", "json"],
)
def test_scores_every_row_in_batches_in_the_content_type(
    model: LogisticRegression, config: PredictorConfig
) -> None:
    rows = np.random.default_rng(1).normal(size=(25, 3))
    with (
        model_server(model) as server,
        EndpointPredictor(server.url, config, FEATURES, batch_rows=10) as predict,
    ):
        scores = predict(rows)
    assert scores.shape == (25, 1)
    np.testing.assert_allclose(scores[:, 0], model.predict_proba(rows)[:, 1], rtol=1e-12)
    assert server.requests == 3  # 10 + 10 + 5 rows
    assert predict.calls.requests == 3
    assert predict.calls.rows == 25
    assert predict.calls.failed_rows == 0


def test_retries_a_failing_call_and_counts_it(model: LogisticRegression) -> None:
    rows = np.zeros((4, 3))
    with (
        model_server(model, fail_first=2) as server,
        EndpointPredictor(server.url, PredictorConfig(), FEATURES, backoff_seconds=0.01) as predict,
    ):
        scores = predict(rows)
    assert scores.shape == (4, 1)
    assert predict.calls.retries == 2
    assert predict.calls.requests == 3
    assert predict.calls.failed_requests == 0


def test_rows_the_model_fails_on_raise_naming_the_rows_and_are_counted(model: LogisticRegression) -> None:
    rows = np.array([[0.0, 0.0, 0.0], [0.0, 0.0, 0.0], [999.0, 1.0, 2.0], [0.0, 0.0, 0.0]])
    with (
        model_server(model, fail_when=lambda row: row[0] > 100) as server,
        EndpointPredictor(
            server.url, PredictorConfig(), FEATURES, batch_rows=2, retries=1, backoff_seconds=0.01
        ) as predict,
    ):
        assert predict(rows[:2]).shape == (2, 1)
        with pytest.raises(ModelCallError) as error:
            predict(rows)
    message = str(error.value)
    assert "2 row(s) starting at row 2" in message
    assert "[999, 1, 2]" in message
    assert "HTTP 500" in message
    assert predict.calls.failed_requests == 1
    assert predict.calls.failed_rows == 2
    assert predict.calls.retries == 1  # a 500 is retried once, then given up


def test_a_slow_model_cannot_run_past_the_deadline(model: LogisticRegression) -> None:
    with model_server(model, delay=2.0) as server:
        deadline = Deadline.after(0.3)
        started = time.monotonic()
        with (
            EndpointPredictor(
                server.url, PredictorConfig(), FEATURES, deadline=deadline, retries=3
            ) as predict,
            pytest.raises(OutOfTimeError, match="time budget ran out"),
        ):
            predict(np.zeros((1, 3)))
        elapsed = time.monotonic() - started
    assert elapsed < 1.5, elapsed  # not 4 attempts x 2 s
    assert predict.calls.requests == 1  # one attempt timed out at the deadline; no retry after it


def test_an_answer_with_another_row_count_is_refused() -> None:
    predict = EndpointPredictor("http://127.0.0.1:9/", PredictorConfig(content_type="text/csv"), FEATURES)
    with pytest.raises(ValueError, match="2 prediction"):
        predict.scores(b"0.1\n0.2\n", 3)


def test_bad_settings_are_refused() -> None:
    with pytest.raises(ConfigurationError, match="http"):
        EndpointPredictor("127.0.0.1:8080", PredictorConfig(), FEATURES)
    with pytest.raises(ConfigurationError, match=r"\$features"):
        EndpointPredictor(
            "http://127.0.0.1:9/", PredictorConfig(content_type="application/jsonlines"), FEATURES
        )
