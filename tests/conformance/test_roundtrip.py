"""Every real data-quality statistics/constraints/violations file round-trips through our models.

Files are recognised by their top-level keys; model-quality and Clarify files (their monitors are later
issues, with their own round-trip tests) and data files are not collected here. Files in SageMaker's
Jackson style come back byte for byte; the others (hand-written SDK fixtures) come back as equal JSON values.
"""

from __future__ import annotations

import json
import re
import warnings
from pathlib import Path
from typing import Any

import pytest

from modelmonitor.formats.base import SageMakerFile, UnknownKeyWarning
from modelmonitor.formats.constraints import ConstraintsFile
from modelmonitor.formats.statistics import FeatureStatistics, StatisticsFile
from modelmonitor.formats.violations import ViolationsFile
from tests.conftest import CONFORMANCE_DIR as CONFORMANCE

pytestmark = pytest.mark.conformance

CHURN_STATISTICS = "ex-mm-introduction/notebook-output-extracts/statistics.from-baseline-job-log.PARTIAL.txt"

# Top-level keys of files that belong to other monitors or are not results at all.
OTHER_KINDS = {
    "regression_metrics",
    "binary_classification_metrics",
    "multiclass_classification_metrics",
    "regression_constraints",
    "binary_classification_constraints",
    "multiclass_classification_constraints",
    "pre_training_bias_metrics",
    "post_training_bias_metrics",
    "explanations",
    "instances",
    "captureData",
    "dataset_type",
}


def data_quality_kind(data: Any) -> type[SageMakerFile] | None:
    """Which of our models a parsed file is, by its keys; None for files of other kinds."""
    if not isinstance(data, dict) or OTHER_KINDS & data.keys():
        return None
    if "violations" in data:
        items = data["violations"]
        return ViolationsFile if all("feature_name" in item for item in items) else None
    if "features" in data and "dataset" in data:
        return StatisticsFile
    if "features" in data:
        return ConstraintsFile
    return None


def _json_files() -> list[Path]:
    return sorted(CONFORMANCE.rglob("*.json"))


def _data_quality_files() -> list[Path]:
    return [p for p in _json_files() if data_quality_kind(json.loads(p.read_text(encoding="utf-8")))]


def test_the_real_files_are_found(conformance_dir: Path) -> None:
    kinds = [data_quality_kind(json.loads(p.read_text(encoding="utf-8"))) for p in _json_files()]
    assert kinds.count(StatisticsFile) >= 2
    assert kinds.count(ConstraintsFile) >= 4
    assert kinds.count(ViolationsFile) >= 1


@pytest.mark.parametrize("path", _data_quality_files(), ids=lambda p: str(p.relative_to(CONFORMANCE)))
def test_round_trip_without_loss(conformance_dir: Path, path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    data = json.loads(text)
    model = data_quality_kind(data)
    assert model is not None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UnknownKeyWarning)  # old SDK fixtures carry retired keys
        loaded = model.from_json_text(text, source=str(path))
    assert loaded.to_dict() == data
    if '" : ' in text:  # written by SageMaker's Jackson printer (a committed copy may gain a final newline)
        assert loaded.to_json_text() == text.removesuffix("\n")


def test_logged_churn_features_round_trip(conformance_dir: Path) -> None:
    text = (conformance_dir / CHURN_STATISTICS).read_text(encoding="utf-8")
    decoder = json.JSONDecoder()
    position = text.index('"features" : [') + len('"features" : [')
    count = 0
    while True:
        position = re.compile(r"[\s,]*").match(text, position).end()  # type: ignore[union-attr]
        try:
            feature, position = decoder.raw_decode(text, position)
        except json.JSONDecodeError:
            break
        assert FeatureStatistics.model_validate(feature).to_dict() == feature
        count += 1
    assert count == 29
