"""Data for the feature-attribution tests: a logistic model whose features matter a > b > c, traffic
shaped like its training data, and traffic whose importance shifts (a held still, c spread wide)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression

FEATURES = ["a", "b", "c"]
WEIGHTS = np.array([3.0, 1.5, 0.5])


def features(rows: int, *, shifted: bool = False, seed: int = 0) -> np.ndarray:
    generator = np.random.default_rng(seed)
    x = generator.normal(size=(rows, 3))
    if shifted:
        x[:, 0] = generator.normal(scale=0.01, size=rows)  # a no longer varies: it explains nothing
        x[:, 2] *= 8.0  # c varies eight times as much: it explains most
    return x


def trained_model(seed: int = 0) -> LogisticRegression:
    x = features(1000, seed=seed)
    noise = np.random.default_rng(seed + 1).normal(scale=0.5, size=len(x))
    y = (x @ WEIGHTS + noise > 0).astype(int)
    return LogisticRegression().fit(x, y)


def write_csv(
    path: Path, rows: np.ndarray, *, labels: np.ndarray | None = None, header: bool = False
) -> Path:
    lines = []
    if header:
        lines.append(",".join((["label"] if labels is not None else []) + FEATURES))
    for index, row in enumerate(rows):
        cells = [f"{v:.6f}" for v in row]
        if labels is not None:
            cells.insert(0, str(int(labels[index])))
        lines.append(",".join(cells))
    path.write_text("\n".join(lines) + "\n")
    return path
