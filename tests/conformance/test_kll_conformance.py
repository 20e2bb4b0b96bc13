"""KLL sketches and buckets equal to the ones real SageMaker data-quality jobs wrote.

Both fixtures were produced by one Spark partition (small CSVs), so Deequ updated a single sketch row
by row in file order and never merged; feeding each column in file order reproduces them bit for bit.
"""

from __future__ import annotations

import csv
import json
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from modelmonitor.stats.distance import numerical_linf_distance
from modelmonitor.stats.kll import KLLSketch
from tests.conformance.truncated_statistics import complete_features

pytestmark = pytest.mark.conformance

CHURN_LOG = "ex-mm-introduction/notebook-output-extracts/statistics.from-baseline-job-log.PARTIAL.txt"
CHURN_CSV = "ex-mm-introduction/test_data/training-dataset-with-header.csv"
SDK_STATISTICS = "sdk-quality-check-step/data_quality/statistics.json"
SDK_CSV = "sdk-quality-check-step/data_quality/baseline_dataset.csv"


def read_columns(path: Path, names: list[str] | None) -> dict[str, np.ndarray]:
    with path.open(newline="") as handle:
        rows = list(csv.reader(handle))
    header = names if names is not None else rows[0]
    body = rows if names is not None else rows[1:]
    return {name: np.array([float(row[i]) for row in body]) for i, name in enumerate(header)}


def kll_of(feature: dict[str, Any]) -> tuple[dict[str, Any], list[tuple[float, float, float]]]:
    numbers = feature["numerical_statistics"]
    kll = numbers["distribution"]["kll"]
    buckets = [(b["lower_bound"], b["upper_bound"], b["count"]) for b in kll["buckets"]]
    return kll["sketch"], buckets


def sketch_in_file_order(values: np.ndarray) -> KLLSketch:
    sketch = KLLSketch.empty()
    sketch.update(values)
    return sketch


@pytest.fixture(scope="module")
def churn(conformance_dir: Path) -> tuple[list[dict[str, Any]], dict[str, np.ndarray]]:
    features = complete_features((conformance_dir / CHURN_LOG).read_text())
    return features, read_columns(conformance_dir / CHURN_CSV, names=None)


@pytest.fixture(scope="module")
def sdk(conformance_dir: Path) -> tuple[list[dict[str, Any]], dict[str, np.ndarray]]:
    features = json.loads((conformance_dir / SDK_STATISTICS).read_text())["features"]
    names = [f"_c{i}" for i in range(6)]
    return features, read_columns(conformance_dir / SDK_CSV, names=names)


def test_churn_log_holds_29_complete_features_of_2333_rows(churn: tuple[list[dict[str, Any]], Any]) -> None:
    features, _ = churn
    assert len(features) == 29
    sizes = {tuple(len(level) for level in kll_of(f)[0]["data"]) for f in features}
    assert sizes == {(283, 1025)}


@pytest.mark.parametrize("fixture", ["churn", "sdk"])
def test_sketch_data_equals_sagemakers(fixture: str, request: pytest.FixtureRequest) -> None:
    features, columns = request.getfixturevalue(fixture)
    mismatched = []
    for feature in features:
        expected, _ = kll_of(feature)
        assert expected["parameters"] == {"c": 0.64, "k": 2048.0}
        if sketch_in_file_order(columns[feature["name"]]).compactor_items() != expected["data"]:
            mismatched.append(feature["name"])
    assert mismatched == []


@pytest.mark.parametrize("fixture", ["churn", "sdk"])
def test_buckets_equal_sagemakers_from_our_sketch_and_from_theirs(
    fixture: str, request: pytest.FixtureRequest
) -> None:
    features, columns = request.getfixturevalue(fixture)
    for feature in features:
        sketch_data, expected = kll_of(feature)
        low, high = feature["numerical_statistics"]["min"], feature["numerical_statistics"]["max"]
        ours = sketch_in_file_order(columns[feature["name"]]).buckets(low, high)
        theirs = KLLSketch.from_compactor_items(sketch_data["data"], sketch_data["parameters"]["k"])
        assert ours == expected, feature["name"]
        assert theirs.buckets(low, high) == expected, feature["name"]


def test_churn_bucket_counts_are_estimates_within_the_error_bound(
    churn: tuple[list[dict[str, Any]], dict[str, np.ndarray]],
) -> None:
    features, columns = churn
    estimated_differs = 0
    for feature in features:
        values = columns[feature["name"]]
        sketch_data, expected = kll_of(feature)
        sketch = KLLSketch.from_compactor_items(sketch_data["data"])
        assert sketch.count == len(values) == 2333
        uppers = np.array([upper for _, upper, _ in expected])
        exact = np.searchsorted(np.sort(values), uppers, side="left")
        exact[-1] = len(values)
        exact_counts = np.diff(np.concatenate(([0], exact)))
        counts = np.array([count for _, _, count in expected])
        assert np.abs(counts - exact_counts).max() <= 0.01 * len(values)
        assert np.abs(sketch.ranks(values) - np.searchsorted(np.sort(values), values, "right")).max() <= (
            sketch.rank_error_bound()
        )
        estimated_differs += int(np.any(counts != exact_counts))
    assert estimated_differs > 0  # SageMaker's counts come from the sketch, not from the data


def test_distance_between_sagemakers_sketch_and_ours_is_zero(
    churn: tuple[list[dict[str, Any]], dict[str, np.ndarray]],
) -> None:
    features, columns = churn
    for feature in features:
        theirs = KLLSketch.from_compactor_items(kll_of(feature)[0]["data"])
        ours = sketch_in_file_order(columns[feature["name"]])
        assert numerical_linf_distance(theirs, ours, robust=False) == 0.0
