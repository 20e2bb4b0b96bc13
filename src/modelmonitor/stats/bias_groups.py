"""Which rows are the positive outcomes and which are the sensitive group, decided as Clarify decides.

Clarify turns the label, the predicted label and each facet into yes/no masks by the column's kind:

- *continuous*: a float column, or an integer column (or strings that all read as integers) with at least
  5% distinct values among its present values. The one given value is an exclusive lower bound: a row is in
  the group when ``threshold < value <= max``, and the group is written as the interval
  ``"(threshold, max]"`` (pandas' interval text: integers stay integers when the column and the threshold
  are both integral, else both ends are floats). So a 0/1 label read as float is continuous, and
  ``label_values_or_threshold=[0.5]`` then means ``label > 0.5``: be explicit about a column's type.
- *categorical*: everything else, and any column given more than one value. The rows whose value is one of
  the given values are the group, written as the values joined by ``","``. A value that matches nothing is
  tried again converted to the column's element type (``[1]`` against ``"1"`` strings). A facet given no
  values gets one group per distinct value, in order of first appearance.

Missing values (None, NaN) are never in a group; callers drop rows whose label or facet is missing and
count them.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from numpy.typing import NDArray

from modelmonitor.errors import ConfigurationError

__all__ = [
    "UNIQUENESS_THRESHOLD",
    "ColumnKind",
    "Group",
    "column_kind",
    "facet_groups",
    "positive_outcomes",
]

ColumnKind = Literal["categorical", "continuous"]
Given = Sequence[bool | int | float | str]

# Clarify's rule: an integer column with at least this fraction of distinct values is continuous.
UNIQUENESS_THRESHOLD = 0.05


@dataclass(frozen=True)
class Group:
    """Rows selected by a value list or a threshold, and the text Clarify writes for it."""

    text: str
    mask: NDArray[np.bool_]


def _present(values: NDArray[Any]) -> NDArray[Any]:
    if values.dtype.kind == "f":
        present: NDArray[Any] = values[~np.isnan(values)]
        return present
    if values.dtype.kind == "O":
        keep = np.array([v is not None and not (isinstance(v, float) and math.isnan(v)) for v in values])
        return values[keep] if len(values) else values
    return values


def _as_integers(values: NDArray[Any]) -> NDArray[np.int64] | None:
    try:
        return np.array([int(v) for v in values], dtype=np.int64)
    except (TypeError, ValueError, OverflowError):
        return None


def column_kind(values: NDArray[Any], given: Given | None = None) -> ColumnKind:
    """Clarify's column kind: see the module docstring."""
    if given is not None and len(given) > 1:
        return "categorical"
    present = _present(values)
    if len(present) == 0:
        return "categorical"
    distinct_fraction = len(np.unique(present.astype(str) if present.dtype.kind == "O" else present)) / len(
        present
    )
    kind = values.dtype.kind
    if kind == "f":
        return "continuous"
    if kind in "iu":
        return "continuous" if distinct_fraction >= UNIQUENESS_THRESHOLD else "categorical"
    if kind in "OUS" and all(isinstance(v, str) for v in present) and _as_integers(present) is not None:
        return "continuous" if distinct_fraction >= UNIQUENESS_THRESHOLD else "categorical"
    return "categorical"


def _number_text(value: float | int, integral: bool) -> str:
    return str(int(value)) if integral else repr(float(value))


def _threshold(given: Given | None, what: str) -> float | int:
    if not given or len(given) != 1:
        raise ConfigurationError(f"{what} is continuous: give exactly one threshold, got {list(given or [])}")
    value = given[0]
    if isinstance(value, bool):
        raise ConfigurationError(f"{what} is continuous: the threshold must be a number, got {value!r}")
    if isinstance(value, int | float):
        return value
    try:
        return float(value)
    except ValueError as exc:
        raise ConfigurationError(
            f"{what} is continuous: the threshold must be a number, got {value!r}"
        ) from exc


def _continuous_group(values: NDArray[Any], given: Given | None, what: str, top: Any | None = None) -> Group:
    threshold = _threshold(given, what)
    numbers = values.astype(np.int64) if values.dtype.kind in "OUS" else values
    maximum = np.nanmax(numbers) if top is None else top
    integral = numbers.dtype.kind in "iu" and isinstance(threshold, int)
    if abs(maximum) == threshold:
        # Clarify's interval list then has no interval at all: nobody is in the group, and its text is empty
        return Group(text="", mask=np.zeros(len(values), dtype=np.bool_))
    low, high = sorted([threshold, maximum])  # a threshold above the maximum gives (max, threshold]
    with np.errstate(invalid="ignore"):
        mask = (numbers > low) & (numbers <= high)
    text = f"({_number_text(low, integral)}, {_number_text(high, integral)}]"
    return Group(text=text, mask=np.asarray(mask, dtype=np.bool_))


def _converted(values: NDArray[Any], given: Given) -> list[Any]:
    # Clarify's second try: the given values converted to the type of the column's first element.
    first = values[0].item() if isinstance(values[0], np.generic) else values[0]
    converted: list[Any] = []
    for value in given:
        try:
            converted.append(type(first)(value))
        except (TypeError, ValueError):
            try:
                converted.append(float(value))
            except (TypeError, ValueError):
                converted.append(value)
    return converted


def _categorical_group(values: NDArray[Any], given: Given) -> Group:
    mask = np.isin(values, np.array(list(given), dtype=object)) if len(values) else np.zeros(0, np.bool_)
    if not mask.any() and len(values):
        mask = np.isin(values, np.array(_converted(values, given), dtype=object))
    return Group(text=",".join(str(v) for v in given), mask=np.asarray(mask, dtype=np.bool_))


def positive_outcomes(
    labels: NDArray[Any], given: Given, *, predicted: NDArray[Any] | None = None
) -> tuple[Group, Group | None]:
    """The positive-label mask (and text ``label_value_or_threshold``), and the positive-prediction mask.

    A continuous label's interval ends at the largest label *or* prediction, as Clarify's does; predicted
    labels must be of the label's kind.
    """
    if not given:
        raise ConfigurationError("label_values_or_threshold is empty: give the positive label value(s)")
    kind = column_kind(labels, given)
    if kind == "categorical":
        label_group = _categorical_group(labels, given)
        predicted_group = None if predicted is None else _categorical_group(predicted, given)
    else:
        label_group = _continuous_group(labels, given, "the label")
        predicted_group = None
        if predicted is not None:
            if column_kind(predicted, given) != "continuous":
                raise ConfigurationError(
                    "predicted labels are categorical but labels are continuous: both must be of one kind"
                )
            both = np.concatenate([labels.astype(np.float64), predicted.astype(np.float64)])
            top = np.nanmax(both)
            predicted_group = _continuous_group(
                predicted.astype(np.float64), given, "the predicted label", top
            )
            label_group = Group(
                text=label_group.text, mask=_continuous_group(labels, given, "label", top).mask
            )
    if predicted is not None and kind == "categorical" and column_kind(predicted, given) != "categorical":
        raise ConfigurationError(
            "predicted labels are continuous but labels are categorical: both must be of one kind"
        )
    return label_group, predicted_group


def facet_groups(values: NDArray[Any], given: Given | None, *, name: str = "facet") -> list[Group]:
    """The sensitive group(s) of one facet column: one per given value list or threshold, else one per
    distinct value."""
    if column_kind(values, given) == "continuous":
        return [_continuous_group(values, given, f"facet {name!r}")]
    if given:
        return [_categorical_group(values, given)]
    present = _present(values)
    _, first_seen = np.unique(
        present.astype(str) if present.dtype.kind == "O" else present, return_index=True
    )
    groups = []
    for index in sorted(first_seen):
        value = present[index]
        plain = value.item() if isinstance(value, np.generic) else value
        groups.append(Group(text=str(plain), mask=np.asarray(values == value, dtype=np.bool_)))
    return groups
