"""Deequ's type classes and type decision, value by value and for whole columns."""

from __future__ import annotations

import re

import pytest

from modelmonitor.stats.types import (
    BOOLEAN_PATTERN,
    FRACTIONAL_PATTERN,
    INTEGRAL_PATTERN,
    TypeCounts,
    match_fraction,
)


def _classify(text: str) -> str:
    if re.match(FRACTIONAL_PATTERN, text):
        return "fractional"
    if re.match(INTEGRAL_PATTERN, text):
        return "integral"
    if re.match(BOOLEAN_PATTERN, text):
        return "boolean"
    return "string"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("3.0", "fractional"),
        ("-0.5", "fractional"),
        ("+ 2.", "fractional"),
        (".5", "fractional"),
        ("42", "integral"),
        ("-7", "integral"),
        ("- 7", "integral"),
        ("true", "boolean"),
        ("True", "string"),
        ("1e5", "string"),
        ("abc", "string"),
        ("1,5", "string"),
    ],
    ids=lambda value: repr(value),
)
def test_values_fall_in_deequs_classes(text: str, expected: str) -> None:
    assert _classify(text) == expected


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        (TypeCounts(null=5), "Unknown"),
        (TypeCounts(integral=3, null=1), "Integral"),
        (TypeCounts(integral=3, fractional=1), "Fractional"),
        (TypeCounts(integral=3, string=1), "String"),
        (TypeCounts(boolean=2), "String"),
        (TypeCounts(boolean=2, integral=1), "String"),
    ],
    ids=["all-null", "integral", "fractional-wins", "any-string", "boolean", "boolean-and-number"],
)
def test_column_type_is_decided_like_deequ(counts: TypeCounts, expected: str) -> None:
    assert counts.inferred_type() == expected


def test_merge_adds_counts() -> None:
    merged = TypeCounts(null=1, integral=2).merge(TypeCounts(fractional=3, string=4, boolean=5))
    assert merged == TypeCounts(null=1, fractional=3, integral=2, boolean=5, string=4)
    assert merged.present == 14
    assert merged.total == 15


def test_match_fraction_treats_integral_as_fractional() -> None:
    counts = TypeCounts(integral=6, fractional=2, string=2, null=10)
    assert match_fraction(counts, "Integral") == pytest.approx(0.6)
    assert match_fraction(counts, "Fractional") == pytest.approx(0.8)
    # Any text makes the column String, numbers included: all its values match its own type.
    assert match_fraction(counts, "String") == 1.0
    assert match_fraction(TypeCounts(integral=6, fractional=2), "String") == 0.0
    assert match_fraction(TypeCounts(null=3), "Integral") is None
    assert match_fraction(counts, "Unknown") is None
