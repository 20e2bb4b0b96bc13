"""A scikit-learn credit model for the bias-drift end-to-end test, served by uvicorn on loopback.

POST /invocations  text/csv lines ``sex,age,income`` → the probability of approval (label 1) of each line.
POST /shift        from now on the model takes 0.5 off the probability of every applicant of sex 0: a
                   model update that turned against one facet value, on purpose.
GET  /ping         health.

The model is a logistic regression fitted at start-up on seeded synthetic applicants (``applicants``), so
the test and the server agree on every row without sharing a file.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from sklearn.linear_model import LogisticRegression
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route


def applicants(count: int, seed: int) -> tuple[NDArray[np.float64], NDArray[np.int64]]:
    """Rows ``sex, age, income`` and their true labels (approval depends on income, not on sex)."""
    rng = np.random.default_rng(seed)
    sex = rng.integers(0, 2, count)
    age = rng.integers(20, 24, count)
    income = np.round(rng.normal(50, 10, count), 2)
    label = (income + rng.normal(0, 5, count) > 50).astype(np.int64)
    return np.column_stack([sex, age, income]).astype(np.float64), label


_features, _labels = applicants(2000, seed=1)
_model = LogisticRegression(max_iter=1000).fit(_features, _labels)
_state = {"shifted": False}


def score(row: NDArray[np.float64]) -> float:
    probability = float(_model.predict_proba(row.reshape(1, -1))[0, 1])
    if _state["shifted"] and row[0] == 0:
        probability = max(0.0, probability - 0.5)
    return probability


async def invocations(request: Request) -> Response:
    """One score per CSV line (a baselining job sends many rows in one request)."""
    lines = [line for line in (await request.body()).decode().splitlines() if line.strip()]
    scores = [score(np.array([float(v) for v in line.split(",")])) for line in lines]
    return Response("\n".join(f"{value:.6f}" for value in scores), media_type="text/csv")


async def shift(_: Request) -> Response:
    _state["shifted"] = True
    return Response("shifted", media_type="text/plain")


async def ping(_: Request) -> Response:
    return Response("ok", media_type="text/plain")


app = Starlette(
    routes=[
        Route("/invocations", invocations, methods=["POST"]),
        Route("/shift", shift, methods=["POST"]),
        Route("/ping", ping),
    ]
)
