"""The contract of every partial state: ``empty()`` and an associative ``merge``.

An engine may split a data set into any partitions and batches, summarise each and merge the states
in any grouping (left to right on one machine, a tree on a cluster); the result is the state of the
whole data set. That holds when ``empty()`` is the identity of ``merge`` and ``merge`` is
associative — exactly for counts, minima, maxima and value counts, up to float rounding for sums and
moments, and within the KLL sketch's rank-error bound for quantiles. States whose columns differ
(a JSON key some rows lack) merge as if the missing columns were null.

One contract test (``tests/stats/test_mergeable.py``) runs over every state type in the package
and fails when a type with ``empty`` and ``merge`` is added without a case there.
"""

from __future__ import annotations

from typing import Protocol, Self

__all__ = ["Mergeable"]


class Mergeable(Protocol):
    @classmethod
    def empty(cls) -> Self:
        """The identity of ``merge``: the state of no rows."""
        ...

    def merge(self, other: Self) -> Self:
        """The state of this state's rows followed by ``other``'s; neither is changed."""
        ...
