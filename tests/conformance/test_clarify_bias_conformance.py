"""Our pre-training bias metrics reproduce the two real Clarify analysis.json files whose input is published.

Tolerances (../shared/conformance/NOTES.md): KL, JS and LP to 1e-12 relative (numpy's summation and norm
differ in the last digit between versions), every other metric and every group text exactly.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pyarrow.csv as pa_csv
import pytest

from modelmonitor.formats.clarify import AnalysisFile, BiasMetricsSection
from modelmonitor.stats.bias_report import FacetColumn, bias_section

pytestmark = pytest.mark.conformance

LAST_DIGIT_METRICS = {"KL", "JS", "LP"}


def assert_same_metrics(ours: BiasMetricsSection, theirs: BiasMetricsSection) -> None:
    assert ours.label == theirs.label
    assert ours.label_value_or_threshold == theirs.label_value_or_threshold
    assert ours.facets.keys() == theirs.facets.keys()
    for facet, their_groups in theirs.facets.items():
        our_groups = ours.facets[facet]
        assert [g.value_or_threshold for g in our_groups] == [g.value_or_threshold for g in their_groups]
        for our_group, their_group in zip(our_groups, their_groups, strict=True):
            assert [m.name for m in our_group.metrics] == [m.name for m in their_group.metrics]
            for our, their in zip(our_group.metrics, their_group.metrics, strict=True):
                assert our.description == their.description
                assert isinstance(our.value, float)
                assert isinstance(their.value, float)
                if our.name in LAST_DIGIT_METRICS:
                    assert math.isclose(our.value, their.value, rel_tol=1e-12), our.name
                else:
                    assert our.value == their.value, our.name


def test_clarify_check_step_pre_training_metrics(conformance_dir: Path) -> None:
    # Headerless CSV Label,F1..F4; ClarifyCheckStep's BiasConfig: label [1], facet F1 threshold 0.5, group F2.
    table = pa_csv.read_csv(
        conformance_dir / "sdk-clarify-check-step/dataset.csv",
        read_options=pa_csv.ReadOptions(column_names=["Label", "F1", "F2", "F3", "F4"]),
    )
    column = {name: table.column(name).to_numpy() for name in table.column_names}
    ours = bias_section(
        stage="pre_training",
        label_name="Label",
        labels=column["Label"],
        label_values_or_threshold=[1],
        facets=[FacetColumn("F1", column["F1"], [0.5])],
        group=column["F2"],
    )
    theirs = AnalysisFile.from_path(
        conformance_dir / "sdk-clarify-check-step/data_bias/good_cases/analysis.json"
    )
    assert theirs.pre_training_bias_metrics is not None
    assert_same_metrics(ours, theirs.pre_training_bias_metrics)
    # the float facet is continuous: the group is the interval up to the column's maximum
    assert ours.facets["F1"][0].value_or_threshold == "(0.5, 0.9936148802477393]"


def test_adult_bias_baseline_pre_training_metrics(conformance_dir: Path) -> None:
    # The bias-monitor notebook's BiasConfig: label Target [1], facet Sex [0] (feature 9), group Age (0).
    data = json.loads((conformance_dir / "ex-mm-fairness-json/test_data/validation-dataset.json").read_text())
    features = np.array([row["features"] for row in data["instances"]])
    labels = np.array([row["label"] for row in data["instances"]])
    ours = bias_section(
        stage="pre_training",
        label_name="Target",
        labels=labels,
        label_values_or_threshold=[1],
        facets=[FacetColumn("Sex", features[:, 9], [0])],
        group=features[:, 0],
    )
    theirs = AnalysisFile.from_path(
        conformance_dir / "ex-mm-fairness-json/notebook-output-extracts/bias-baseline-analysis.json"
    )
    assert theirs.pre_training_bias_metrics is not None
    assert_same_metrics(ours, theirs.pre_training_bias_metrics)
