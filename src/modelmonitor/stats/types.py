"""Deequ's data-type inference: which of Integral, Fractional, String a column's values are.

SageMaker's analyzer reads CSV as strings and lets Deequ (2.0.2, the version in its image) classify
each non-null value with three regular expressions, checked in this order:

* Fractional ``^(-|\\+)? ?\\d*\\.\\d*$``  (a decimal point is required; ``1e5`` is *not* fractional)
* Integral   ``^(-|\\+)? ?\\d*$``
* Boolean    ``^(true|false)$``
* anything else is String.

A column's type is then decided from the counts (Deequ ``DataTypeHistogram.determineType``): all
null → Unknown; any String, or Boolean mixed with numbers → String; only Boolean → Boolean (SageMaker has
no Boolean type, so we report String); any Fractional → Fractional; else Integral.
"""

from __future__ import annotations

from dataclasses import dataclass

from modelmonitor.formats.statistics import InferredType

__all__ = [
    "BOOLEAN_PATTERN",
    "FRACTIONAL_PATTERN",
    "INTEGRAL_PATTERN",
    "InferredType",
    "TypeCounts",
    "match_fraction",
]

FRACTIONAL_PATTERN = r"^(-|\+)? ?\d*\.\d*$"
INTEGRAL_PATTERN = r"^(-|\+)? ?\d*$"
BOOLEAN_PATTERN = r"^(true|false)$"


@dataclass(frozen=True)
class TypeCounts:
    """How many values of a column fell in each of Deequ's type classes (a mergeable state)."""

    null: int = 0
    fractional: int = 0
    integral: int = 0
    boolean: int = 0
    string: int = 0

    @classmethod
    def empty(cls) -> TypeCounts:
        return cls()

    def merge(self, other: TypeCounts) -> TypeCounts:
        return TypeCounts(
            null=self.null + other.null,
            fractional=self.fractional + other.fractional,
            integral=self.integral + other.integral,
            boolean=self.boolean + other.boolean,
            string=self.string + other.string,
        )

    @property
    def present(self) -> int:
        return self.fractional + self.integral + self.boolean + self.string

    @property
    def total(self) -> int:
        return self.present + self.null

    def inferred_type(self) -> InferredType:
        """Deequ's ``determineType``, with Boolean reported as String (SageMaker has no Boolean)."""
        if self.present == 0:
            return "Unknown"
        numeric = self.fractional + self.integral
        if self.string > 0 or (self.boolean > 0 and numeric > 0):
            return "String"
        if self.boolean > 0:
            return "String"
        if self.fractional > 0:
            return "Fractional"
        return "Integral"


def match_fraction(counts: TypeCounts, expected: InferredType) -> float | None:
    """Fraction of non-null values that are of the ``expected`` type.

    Integral values count as Fractional (docs/sagemaker.md#how-each-check-is-computed). String is the
    type of a column with any value that is not a number (Deequ's ``determineType``), numbers included:
    a column of ``A12, 123, 456, B7`` is String, so all its values match String, and checking a file
    against its own baseline finds nothing. Only a column whose values are all numbers no longer
    matches (0 %): SageMaker's own negative test declares a numeric column String and expects a
    violation. ``None`` when there is nothing to judge.
    """
    present = counts.present
    if present == 0 or expected == "Unknown":
        return None
    if expected == "String":
        return 1.0 if counts.inferred_type() == "String" else 0.0
    if expected == "Fractional":
        return (counts.fractional + counts.integral) / present
    return counts.integral / present
