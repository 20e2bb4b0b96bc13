"""Clarify's label/facet handling by column type, and whole analysis.json sections."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest

from modelmonitor.errors import ConfigurationError
from modelmonitor.formats.clarify import AnalysisFile
from modelmonitor.stats.bias import POST_TRAINING_METRICS
from modelmonitor.stats.bias_groups import column_kind, facet_groups, positive_outcomes
from modelmonitor.stats.bias_report import FacetColumn, bias_section


@pytest.mark.parametrize(
    ("values", "given", "kind"),
    [
        (np.array([0.0, 1.0] * 50), [1], "continuous"),  # a 0/1 label read as float
        (np.array([0, 1] * 50), [1], "categorical"),  # 2 distinct of 100: under 5%
        (np.arange(100) % 5, None, "continuous"),  # 5 distinct of 100: at 5%
        (np.arange(100) % 4, None, "categorical"),
        (np.array(["1", "2", "3"] * 10, dtype=object), None, "continuous"),  # integer strings, 10% distinct
        (np.array(["a", "b", "c"] * 10, dtype=object), None, "categorical"),
        (np.array([0.5, 1.5, 2.5]), [0.5, 1.5], "categorical"),  # two values given: a value list
        (np.array([True, False] * 3), None, "categorical"),
    ],
    ids=["float01", "int01", "int-5pct", "int-4pct", "int-strings", "strings", "two-values", "bool"],
)
def test_column_kind(values: np.ndarray, given: list[float] | None, kind: str) -> None:
    assert column_kind(values, given) == kind


def test_float_01_label_with_value_1_has_no_positives() -> None:
    # Clarify's rule, not a bug of ours: float labels are continuous and 1 is then "label > 1"; with 1 the
    # maximum, Clarify's interval list is empty, and so is the text it writes.
    labels = np.array([0.0, 1.0, 1.0, 0.0])
    positive, _ = positive_outcomes(labels, [1])
    assert not positive.mask.any()
    assert positive.text == ""
    above, _ = positive_outcomes(labels, [2])
    assert not above.mask.any()
    assert above.text == "(1.0, 2.0]"
    positive, _ = positive_outcomes(labels, [0.5])
    assert positive.mask.tolist() == [False, True, True, False]
    assert positive.text == "(0.5, 1.0]"


def test_integer_threshold_on_integer_column_is_written_as_integers() -> None:
    ages = np.arange(20, 80)
    [group] = facet_groups(ages, [40])
    assert group.text == "(40, 79]"
    assert int(group.mask.sum()) == 39


def test_given_value_matching_nothing_is_tried_as_the_column_type() -> None:
    labels = np.array(["1", "0", "1", "0"] * 25, dtype=object)  # 2% distinct: categorical
    positive, _ = positive_outcomes(labels, [1])
    assert positive.mask.tolist() == [True, False, True, False] * 25
    assert positive.text == "1"


def test_facet_without_values_gives_one_group_per_value_in_order_of_appearance() -> None:
    groups = facet_groups(np.array(["b", "a", "b", "c"], dtype=object), None)
    assert [g.text for g in groups] == ["b", "a", "c"]
    assert groups[0].mask.tolist() == [True, False, True, False]


def test_continuous_facet_needs_one_threshold() -> None:
    with pytest.raises(ConfigurationError, match="facet 'income' is continuous"):
        facet_groups(np.linspace(0, 1, 50), None, name="income")


def test_predicted_labels_must_be_of_the_label_kind() -> None:
    with pytest.raises(ConfigurationError, match="both must be of one kind"):
        positive_outcomes(np.array([0, 1] * 50), [1], predicted=np.linspace(0, 1, 100))


def test_post_training_section_with_two_facets_in_clarify_layout() -> None:
    rng = np.random.default_rng(7)
    rows = 200
    labels = rng.integers(0, 2, rows)
    predicted = rng.integers(0, 2, rows)
    sex = rng.integers(0, 2, rows)
    race = rng.choice(np.array(["x", "y", "z"], dtype=object), rows)
    features = rng.normal(size=(rows, 3))
    section = bias_section(
        stage="post_training",
        label_name="Target",
        labels=labels,
        label_values_or_threshold=[1],
        facets=[FacetColumn("Sex", sex, [0]), FacetColumn("Race", race)],
        predicted_labels=predicted,
        group=rng.integers(0, 4, rows),
        features=features,
    )
    assert list(section.facets) == ["Sex", "Race"]
    assert [g.value_or_threshold for g in section.facets["Race"]] == list(dict.fromkeys(race.tolist()))
    for groups in section.facets.values():
        for group in groups:
            assert [m.name for m in group.metrics] == sorted(POST_TRAINING_METRICS)
            assert all(isinstance(m.value, float) and m.error is None for m in group.metrics)
    text = AnalysisFile(post_training_bias_metrics=section).to_json_text()
    assert AnalysisFile.from_json_text(text).post_training_bias_metrics == section


def test_infinite_metric_is_written_as_clarify_string() -> None:
    facet = np.array([0, 0, 0, 0, 1, 1, 1, 1] * 20)
    labels = np.array([1, 0, 1, 0, 1, 1, 0, 0] * 20)
    predicted = np.array([1, 1, 0, 0, 0, 0, 0, 0] * 20)  # d: false negatives only, no false positive
    section = bias_section(
        stage="post_training",
        label_name="y",
        labels=labels,
        label_values_or_threshold=[1],
        facets=[FacetColumn("f", facet, [1])],
        predicted_labels=predicted,
        methods=["TE"],
    )
    [te] = section.facets["f"][0].metrics
    assert te.value == "Infinity"
    assert '"value": "Infinity"' in AnalysisFile(post_training_bias_metrics=section).to_json_text()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"stage": "post_training"}, "need the predicted labels"),
        ({"facets": []}, "no facet given"),
        ({"methods": ["DPPL"]}, "are not pre_training bias metrics"),
        ({"group": np.zeros(3)}, "the group variable has 3 rows, the label has 4"),
    ],
    ids=["no-predictions", "no-facet", "wrong-stage-metric", "short-group"],
)
def test_bad_configuration_is_refused_clearly(kwargs: dict[str, object], message: str) -> None:
    arguments: dict[str, object] = {
        "stage": "pre_training",
        "label_name": "y",
        "labels": np.array([0, 1, 0, 1]),
        "label_values_or_threshold": [1],
        "facets": [FacetColumn("f", np.array([0, 0, 1, 1]), [1])],
    } | kwargs
    with pytest.raises(ConfigurationError, match=message):
        bias_section(**arguments)  # type: ignore[arg-type]


def test_arrow_columns_give_the_numpy_result() -> None:
    rng = np.random.default_rng(11)
    labels = rng.integers(0, 2, 120)
    sex = rng.choice(np.array(["f", "m"], dtype=object), 120)
    age = rng.integers(18, 80, 120)
    arguments = {
        "stage": "pre_training",
        "label_name": "y",
        "label_values_or_threshold": [1],
    }
    from_numpy = bias_section(
        labels=labels,
        facets=[FacetColumn("sex", sex, ["f"])],
        group=age,
        **arguments,  # type: ignore[arg-type]
    )
    from_arrow = bias_section(
        labels=pa.array(labels),
        facets=[FacetColumn("sex", pa.chunked_array([sex[:60].tolist(), sex[60:].tolist()]), ["f"])],
        group=pa.array(age),
        **arguments,  # type: ignore[arg-type]
    )
    assert from_arrow == from_numpy


def test_facet_with_a_single_value_reports_errors_not_a_crash() -> None:
    section = bias_section(
        stage="pre_training",
        label_name="y",
        labels=np.array([0, 1] * 50),
        label_values_or_threshold=[1],
        facets=[FacetColumn("country", np.array(["us"] * 100, dtype=object))],
    )
    [group] = section.facets["country"]
    assert group.value_or_threshold == "us"
    assert {m.error for m in group.metrics if m.name != "CDDL"} == {"Negated facet set is empty"}
    assert all(m.value is None for m in group.metrics)


def test_a_lone_facet_value_is_read_as_a_one_value_list() -> None:
    # BiasConfig(facet_name=["a", "b"], facet_values_or_threshold=[0, 1]) writes "value_or_threshold": 0
    facet = np.array([0, 1, 0, 1] * 25)
    lone = bias_section(
        stage="pre_training",
        label_name="y",
        labels=np.array([1, 1, 0, 0] * 25),
        label_values_or_threshold=[1],
        facets=[FacetColumn("f", facet, 0)],
    )
    listed = bias_section(
        stage="pre_training",
        label_name="y",
        labels=np.array([1, 1, 0, 0] * 25),
        label_values_or_threshold=[1],
        facets=[FacetColumn("f", facet, [0])],
    )
    assert lone == listed
