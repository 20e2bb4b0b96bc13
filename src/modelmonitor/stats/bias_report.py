"""A whole ``pre_training_bias_metrics`` / ``post_training_bias_metrics`` section of Clarify's analysis.json
from columns: the positive outcomes and facet groups decided by column kind (stats/bias_groups.py), the
metrics of each group (stats/bias.py), in Clarify's layout and order."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal, TypeAlias

import numpy as np
import pyarrow as pa
from numpy.typing import NDArray

from modelmonitor.errors import ConfigurationError
from modelmonitor.formats.clarify import BiasMetricsSection, FacetMetrics, MetricValue, metric_value
from modelmonitor.stats.bias import (
    POST_TRAINING_METRICS,
    PRE_TRAINING_METRICS,
    BiasInputs,
    Stage,
    bias_metrics,
)
from modelmonitor.stats.bias_groups import Given, facet_groups, positive_outcomes

Scalar = bool | int | float | str

__all__ = ["FacetColumn", "bias_section"]


# a numpy array, or a pyarrow Array / ChunkedArray (pyarrow is untyped here, so the alias is Any)
Column: TypeAlias = Any


@dataclass(frozen=True)
class FacetColumn:
    """A sensitive attribute: its name as written in analysis.json, its values, and the given group."""

    name: str
    values: Column
    value_or_threshold: Given | Scalar | None = None


def _numpy(column: Column) -> NDArray[Any]:
    # Arrow columns as pandas would hold them (Clarify reads with pandas): an integer column with nulls
    # becomes float with NaN, strings become Python objects.
    if isinstance(column, pa.Array | pa.ChunkedArray):
        return np.asarray(column.to_numpy(zero_copy_only=False))
    return np.asarray(column)


def _given(value: Given | Scalar | None) -> Given | None:
    # The SDK writes a lone facet value as is; a list is the usual shape.
    if isinstance(value, bool | int | float | str):
        return [value]
    return value


def _metric_names(stage: Stage, methods: Literal["all"] | Sequence[str]) -> list[str]:
    known = PRE_TRAINING_METRICS if stage == "pre_training" else POST_TRAINING_METRICS
    if methods == "all":
        return list(known)
    wrong = [name for name in methods if name not in known]
    if wrong:
        raise ConfigurationError(
            f"{stage} methods {wrong} are not {stage} bias metrics; expected some of {known}"
        )
    return list(methods)


def _check_lengths(rows: int, columns: dict[str, NDArray[Any] | None]) -> None:
    for what, column in columns.items():
        if column is not None and len(column) != rows:
            raise ConfigurationError(f"{what} has {len(column)} rows, the label has {rows}")


def bias_section(
    *,
    stage: Stage,
    label_name: str,
    labels: Column,
    label_values_or_threshold: Given,
    facets: Sequence[FacetColumn],
    predicted_labels: Column | None = None,
    group: Column | None = None,
    features: NDArray[np.float64] | None = None,
    methods: Literal["all"] | Sequence[str] = "all",
) -> BiasMetricsSection:
    """Every requested metric for every facet group, as analysis.json has it.

    ``features`` (rows x the columns other than label, prediction and facet, numeric) feed the flip test
    (FT); ``group`` is the group variable of CDDL/CDDPL. Undefined metrics carry an error, not a value.
    """
    if stage == "post_training" and predicted_labels is None:
        raise ConfigurationError("post-training bias metrics need the predicted labels")
    if not facets:
        raise ConfigurationError("no facet given: name at least one sensitive column")
    labels = _numpy(labels)
    predicted_labels = None if predicted_labels is None else _numpy(predicted_labels)
    group = None if group is None else _numpy(group)
    facet_values = {facet.name: _numpy(facet.values) for facet in facets}
    rows = len(labels)
    _check_lengths(
        rows,
        {"the predicted label": predicted_labels, "the group variable": group, "the features": features}
        | {f"facet {name!r}": values for name, values in facet_values.items()},
    )
    names = _metric_names(stage, methods)
    positive, predicted_positive = positive_outcomes(
        labels, label_values_or_threshold, predicted=predicted_labels if stage == "post_training" else None
    )
    section: dict[str, list[FacetMetrics]] = {}
    for facet in facets:
        entries = []
        groups = facet_groups(facet_values[facet.name], _given(facet.value_or_threshold), name=facet.name)
        for facet_group in groups:
            data = BiasInputs(
                facet=facet_group.mask,
                label=positive.mask,
                predicted=None if predicted_positive is None else predicted_positive.mask,
                group=group,
                features=features,
            )
            metrics = [
                MetricValue(name=m.name, description=m.description, value=metric_value(m.value))
                if m.value is not None
                else MetricValue(name=m.name, description=m.description, value=None, error=m.error)
                for m in bias_metrics(data, names)
            ]
            entries.append(FacetMetrics(value_or_threshold=facet_group.text, metrics=metrics))
        section[facet.name] = entries
    return BiasMetricsSection(label=label_name, facets=section, label_value_or_threshold=positive.text)
