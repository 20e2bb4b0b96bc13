"""Deequ-compatible KLL quantile sketch: the ``distribution.kll`` of SageMaker's statistics.json.

SageMaker's data-quality analyzer runs Deequ's ``KLLSketch`` analyzer (``QuantileNonSample`` with
``NonSampleCompactor``, sketch size k = 2048, shrinking factor c = 0.64). This module reproduces that
algorithm step for step, so that feeding a column's values in the same order gives the same
``sketch.data`` bit for bit (checked against real SageMaker output in tests/conformance):

- Level ``h`` holds items of weight ``2**h``; its capacity is ``2 * (ceil(k * c**h / 2) + 1)``.
  Level 0 is the largest, unlike textbook KLL.
- ``update`` appends to level 0. When the number of stored items exceeds the summed capacity of
  all levels, *one* compaction runs: the lowest level at or over its capacity.
- A compaction sorts the level's first even number of items (Java total order, -0.0 < 0.0), keeps
  every other one starting at ``offset`` and moves them, sorted, to the next level. An odd last item
  stays behind, unsorted. ``offset`` flips before every compaction whose count so far is odd, so a
  level keeps offsets 0, 1, 1, 0, 0, 1, 1, ... (Deequ's random offset is commented out).
- ``merge`` appends the other sketch's level ``h`` after this one's, then compacts (one level at a
  time, lowest first) while the item count is at or over the total capacity. The compaction
  counters of the receiving sketch are kept; the other's are dropped.

Every compaction at level ``h`` moves any rank by at most ``2**h``; `rank_error_bound` adds these up.
Deequ's ``getRank`` uses IEEE comparisons, so -0.0 and 0.0 rank as equal.

Order matters. Deequ (``KLLRunner``) updates one sketch per Spark partition row by row, then merges
the partitions' sketches with ``treeReduce``, whose last step merges on the driver in the order the
tasks finish. One partition (a small input file) is therefore reproducible exactly; several are not,
even by SageMaker itself. Merging partitions in their index order keeps our output deterministic.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import numpy.typing as npt

from modelmonitor.errors import FormatError

__all__ = [
    "DEFAULT_SHRINKING_FACTOR",
    "DEFAULT_SKETCH_SIZE",
    "KLLSketch",
    "deequ_bucket_range",
    "level_capacity",
]

DEFAULT_SKETCH_SIZE = 2048
DEFAULT_SHRINKING_FACTOR = 0.64

# Deequ starts its running min/max of a KLL state at Int.MaxValue / Int.MinValue (as doubles).
_DEEQU_INITIAL_MIN = 2147483647.0
_DEEQU_INITIAL_MAX = -2147483648.0

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
_EMPTY = np.empty(0, dtype=np.float64)


def level_capacity(level: int, sketch_size: int, shrinking_factor: float) -> int:
    """Items level ``level`` may hold before it is compacted (Deequ ``QuantileNonSample.capacity``)."""
    return 2 * (math.ceil(sketch_size * math.pow(shrinking_factor, level) / 2) + 1)


def deequ_bucket_range(minimum: float, maximum: float) -> tuple[float, float]:
    """The (start, end) Deequ's KLL buckets use for a column whose true range is [minimum, maximum].

    Deequ tracks the range inside the KLL state starting from Int.MaxValue / Int.MinValue, so a
    column whose values are all above 2147483647 (or all below -2147483648) gets buckets starting
    (ending) at that bound instead of at its real minimum (maximum).
    """
    return min(_DEEQU_INITIAL_MIN, minimum), max(_DEEQU_INITIAL_MAX, maximum)


def _sorted_like_java(values: FloatArray, *, runs: bool = False) -> FloatArray:
    """Sort as ``Array[Double].sorted`` does: numpy's order, except that -0.0 comes before 0.0.

    ``runs``: the values are a few sorted runs one after the other (a level above 0 is the promoted
    halves of the compactions below it), which numpy's stable sort (timsort) merges in about 40% less
    time than its default sort takes. Equal values are indistinguishable except for the sign of zero, which
    is set below, so both sorts give the same array.
    """
    ordered = np.sort(values, kind="stable" if runs else None)
    # No zero, no signs to order. (A NaN sorts last, where ordered[-1] < 0.0 is False: zeros are looked for.)
    if len(ordered) < 2 or ordered[0] > 0.0 or ordered[-1] < 0.0:
        return ordered
    low = int(ordered.searchsorted(0.0, side="left"))
    high = int(ordered.searchsorted(0.0, side="right"))
    if high - low > 1:
        # Counted in the input: numpy's SIMD sort (2.x on x86) may write a run of equal zeros back with
        # other signs than it read (min/max networks), so the sorted copy can hold more -0.0 than given.
        negative_zeros = int(np.count_nonzero((values == 0.0) & np.signbit(values)))
        ordered[low : low + negative_zeros] = -0.0
        ordered[low + negative_zeros : high] = 0.0
    return ordered


class KLLSketch:
    """Mergeable quantile sketch, state for state the same as Deequ's ``QuantileNonSample[Double]``.

    Level buffers are never modified in place (always replaced), so copies share them safely. The item
    count and the summed capacity are kept up to date rather than added up: ``update`` asks for both
    before every compaction (about one per thousand values).
    """

    __slots__ = (
        "_capacities",
        "_compactions",
        "_error_bound",
        "_levels",
        "_offsets",
        "_size",
        "_total_capacity",
        "shrinking_factor",
        "sketch_size",
    )

    def __init__(self, sketch_size: int, shrinking_factor: float) -> None:
        if sketch_size <= 0:
            raise ValueError(f"sketch_size must be a positive integer, got {sketch_size}")
        if not 0.0 < shrinking_factor <= 1.0:
            raise ValueError(f"shrinking_factor must be in (0, 1], got {shrinking_factor}")
        self.sketch_size = sketch_size
        self.shrinking_factor = shrinking_factor
        self._levels: list[FloatArray] = []
        self._compactions: list[int] = []  # Deequ NonSampleCompactor.numOfCompress
        self._offsets: list[int] = []  # Deequ NonSampleCompactor.offset
        self._capacities: list[int] = []
        self._size = 0  # items stored, over all levels
        self._total_capacity = 0  # sum of _capacities
        self._error_bound = 0  # sum of 2**h over the compactions behind this sketch (not Deequ state)
        self._expand()

    # -- construction -------------------------------------------------------------------------

    @classmethod
    def empty(
        cls, sketch_size: int = DEFAULT_SKETCH_SIZE, shrinking_factor: float = DEFAULT_SHRINKING_FACTOR
    ) -> KLLSketch:
        return cls(sketch_size, shrinking_factor)

    @classmethod
    def from_compactor_items(
        cls,
        data: Sequence[Sequence[float]],
        sketch_size: float = DEFAULT_SKETCH_SIZE,
        shrinking_factor: float = DEFAULT_SHRINKING_FACTOR,
    ) -> KLLSketch:
        """Rebuild a sketch from ``sketch.data`` and ``sketch.parameters`` (Deequ ``reconstruct``).

        As in Deequ, the compaction counters and offsets start again from zero.
        Raises FormatError naming the offending ``data[i][j]`` or parameter.
        """
        if sketch_size != int(sketch_size) or sketch_size <= 0:
            raise FormatError(f"expected a positive whole number, got {sketch_size!r}", field="parameters.k")
        if not 0.0 < shrinking_factor <= 1.0:
            raise FormatError(f"expected a number in (0, 1], got {shrinking_factor!r}", field="parameters.c")
        sketch = cls(int(sketch_size), float(shrinking_factor))
        levels = [_level_from_items(items, index) for index, items in enumerate(data)]
        while len(sketch._levels) < len(levels):
            sketch._expand()
        sketch._levels[: len(levels)] = levels
        sketch._size = sum(len(level) for level in levels)
        sketch._error_bound = sketch._structural_error_bound()
        return sketch

    def copy(self) -> KLLSketch:
        clone = KLLSketch.__new__(KLLSketch)
        clone.sketch_size = self.sketch_size
        clone.shrinking_factor = self.shrinking_factor
        clone._levels = list(self._levels)
        clone._compactions = list(self._compactions)
        clone._offsets = list(self._offsets)
        clone._capacities = list(self._capacities)
        clone._size = self._size
        clone._total_capacity = self._total_capacity
        clone._error_bound = self._error_bound
        return clone

    # -- state --------------------------------------------------------------------------------

    @property
    def count(self) -> int:
        """Total weight: the number of values the sketch has seen."""
        return sum(len(level) << height for height, level in enumerate(self._levels))

    @property
    def item_count(self) -> int:
        """Number of items stored (Deequ ``compactorActualSize``)."""
        return self._size

    @property
    def total_capacity(self) -> int:
        """Summed capacity of the current levels (Deequ ``compactorTotalSize``)."""
        return self._total_capacity

    def compactor_items(self) -> list[list[float]]:
        """The items per level, level 0 first, in stored order: statistics.json ``sketch.data``."""
        return [level.tolist() for level in self._levels]

    def items(self) -> FloatArray:
        """All stored items in one array, level 0 first (weights are not included)."""
        return np.concatenate(self._levels)

    def rank_error_bound(self) -> int:
        """An upper bound on |estimated rank - true rank| for any point (not part of Deequ).

        A compaction at level h moves any rank by at most 2**h; the sketch adds these up over its
        own compactions and those of every sketch merged into it. A sketch read back from
        ``sketch.data`` has no history; it gets `_structural_error_bound` instead.
        """
        return self._error_bound

    def _structural_error_bound(self) -> int:
        """A looser bound from the levels alone, for a sketch built by Deequ with these parameters.

        Every item above level h came out of a compaction at level h, and each such compaction
        outputs at least capacity(h)/2 items, which caps how many compactions level h has seen.
        """
        bound = 0
        for height in range(len(self._levels) - 1):
            weight_above = sum(len(level) << h for h, level in enumerate(self._levels) if h > height)
            items_passed_up = weight_above >> (height + 1)
            compactions = items_passed_up // (self._capacities[height] // 2)
            bound += compactions << height
        return bound

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, KLLSketch):
            return NotImplemented
        return (
            self.sketch_size == other.sketch_size
            and self.shrinking_factor == other.shrinking_factor
            and self._compactions == other._compactions
            and self._offsets == other._offsets
            and len(self._levels) == len(other._levels)
            and all(np.array_equal(a, b) for a, b in zip(self._levels, other._levels, strict=True))
        )

    __hash__ = None  # type: ignore[assignment]  # mutable

    def __repr__(self) -> str:
        sizes = [len(level) for level in self._levels]
        return (
            f"KLLSketch(k={self.sketch_size}, c={self.shrinking_factor}, count={self.count}, levels={sizes})"
        )

    # -- building -----------------------------------------------------------------------------

    def update(self, values: npt.ArrayLike) -> None:
        """Add values in order, as Deequ's per-row ``update`` would, a block at a time.

        Between two compactions Deequ only appends to level 0, and it compacts exactly when the item
        count first exceeds the total capacity; so whole blocks up to that point are appended at once.
        """
        array = np.asarray(values, dtype=np.float64).ravel()
        position, end = 0, len(array)
        while position < end:
            room = self._total_capacity - self._size + 1  # the item that makes the count exceed it
            block = array[position : position + room]
            self._levels[0] = np.concatenate((self._levels[0], block))
            self._size += len(block)
            position += len(block)
            if len(block) == room:
                self._condense()

    def merge(self, other: KLLSketch) -> KLLSketch:
        """A new sketch: Deequ ``this.merge(that)`` on a copy of this one (this one is unchanged)."""
        if (self.sketch_size, self.shrinking_factor) != (other.sketch_size, other.shrinking_factor):
            raise ValueError(
                f"cannot merge KLL sketches with different parameters: (k={self.sketch_size}, "
                f"c={self.shrinking_factor}) and (k={other.sketch_size}, c={other.shrinking_factor})"
            )
        merged = self.copy()
        merged._error_bound += other._error_bound
        while len(merged._levels) < len(other._levels):
            merged._expand()
        for height, level in enumerate(other._levels):
            if len(level):
                merged._levels[height] = np.concatenate((merged._levels[height], level))
                merged._size += len(level)
        while merged._size >= merged._total_capacity and merged._condense():
            pass
        return merged

    def _expand(self) -> None:
        height = len(self._levels)
        self._levels.append(_EMPTY)
        self._compactions.append(0)
        self._offsets.append(0)
        capacity = level_capacity(height, self.sketch_size, self.shrinking_factor)
        self._capacities.append(capacity)
        self._total_capacity += capacity

    def _condense(self) -> bool:
        """Compact the lowest level at or over capacity (Deequ ``condense``); False if there is none."""
        levels, capacities = self._levels, self._capacities
        for height in range(len(levels)):
            if len(levels[height]) >= capacities[height]:
                if height + 1 == len(levels):
                    self._expand()
                promoted = self._compact(height)
                levels[height + 1] = np.concatenate((levels[height + 1], promoted))
                return True
        return False

    def _compact(self, height: int) -> FloatArray:
        """Halve one level (Deequ ``NonSampleCompactor.compact``) and return the promoted items."""
        level = self._levels[height]
        even = len(level) - len(level) % 2
        compactions = self._compactions[height]
        if compactions % 2 == 1:
            self._offsets[height] = 1 - self._offsets[height]
        promoted = _sorted_like_java(level[:even], runs=height > 0)[self._offsets[height] :: 2]
        self._levels[height] = level[even:].copy()  # the odd last item, if any, stays
        self._compactions[height] = compactions + 1
        self._size -= even - len(promoted)
        self._error_bound += 1 << height
        return promoted

    # -- queries ------------------------------------------------------------------------------

    def _cumulative(self) -> tuple[FloatArray, IntArray, int]:
        """Sorted non-NaN items, their cumulative weights with a leading 0, and the NaN weight."""
        items = np.concatenate(self._levels)
        weights = np.concatenate(
            [np.full(len(level), 1 << height, dtype=np.int64) for height, level in enumerate(self._levels)]
        )
        order = np.argsort(items, kind="stable")
        items, weights = items[order], weights[order]
        nan_start = int(np.searchsorted(items, np.nan, side="left"))
        nan_weight = int(weights[nan_start:].sum())
        cumulative = np.concatenate((np.zeros(1, dtype=np.int64), np.cumsum(weights[:nan_start])))
        return items[:nan_start], cumulative, nan_weight

    def ranks(self, points: npt.ArrayLike) -> IntArray:
        """Weight of items <= each point (Deequ ``getRank``; a NaN item counts as <= anything)."""
        items, cumulative, nan_weight = self._cumulative()
        query = np.asarray(points, dtype=np.float64)
        return cumulative[np.searchsorted(items, query, side="right")] + nan_weight

    def ranks_exclusive(self, points: npt.ArrayLike) -> IntArray:
        """Weight of items < each point (Deequ ``getRankExclusive``; nothing is < NaN)."""
        items, cumulative, _ = self._cumulative()
        query = np.asarray(points, dtype=np.float64)
        ranks = cumulative[np.searchsorted(items, query, side="left")]
        return np.where(np.isnan(query), 0, ranks)

    def rank(self, x: float) -> int:
        return int(self.ranks(x))

    def rank_exclusive(self, x: float) -> int:
        return int(self.ranks_exclusive(x))

    def cdf(self, points: npt.ArrayLike) -> FloatArray:
        """Fraction of the weight <= each point, as Deequ's ``numericalDistance`` evaluates it."""
        total = self.count
        if total == 0:
            raise ValueError("the CDF of an empty KLL sketch is undefined")
        return self.ranks(points) / float(total)

    def quantile(self, q: float) -> float:
        """The smallest item whose rank (weight <= it) reaches ``q * count``; q in [0, 1]."""
        if not 0.0 <= q <= 1.0:
            raise ValueError(f"quantile q must be in [0, 1], got {q}")
        items, cumulative, _ = self._cumulative()
        if len(items) == 0:
            raise ValueError("the quantile of an empty KLL sketch is undefined")
        index = int(np.searchsorted(cumulative[1:], q * float(cumulative[-1]), side="left"))
        return float(items[min(index, len(items) - 1)])

    def quantiles(self, count: int) -> list[float]:
        """Deequ ``quantiles(count)``: the 1/count .. (count-1)/count quantiles, quirks included.

        Deequ takes the item *after* the one where the running weight reaches ``j * W // count``, and
        once it has used the last item it leaves the remaining quantiles at the smallest item.
        """
        if count < 1:
            raise ValueError(f"count must be at least 1, got {count}")
        items, cumulative, _ = self._cumulative()
        if len(items) == 0:
            return []
        total = int(cumulative[-1])
        thresholds = np.array([j * total // count for j in range(1, count)], dtype=np.int64)
        consumed = np.searchsorted(cumulative, thresholds, side="left")  # items taken before stopping
        picked = items[np.minimum(consumed, len(items) - 1)]
        exhausted = np.flatnonzero(consumed >= len(items))
        if len(exhausted):
            picked[exhausted[0] + 1 :] = items[0]
        return [float(value) for value in picked]

    def buckets(self, minimum: float, maximum: float, count: int = 10) -> list[tuple[float, float, float]]:
        """Equal-width (lower, upper, estimated count) buckets from minimum to maximum (Deequ ``KLLSketch``).

        Bounds are computed per bucket as ``minimum + (maximum - minimum) * i / count``. A bucket
        counts the weight in [lower, upper); the last one also counts weight equal to ``maximum``.
        """
        if count < 1:
            raise ValueError(f"count must be at least 1, got {count}")
        span = maximum - minimum
        lowers = [minimum + span * i / float(count) for i in range(count)]
        uppers = [minimum + span * (i + 1) / float(count) for i in range(count)]
        below_lower = self.ranks_exclusive(lowers)
        below_upper = self.ranks_exclusive(uppers)
        below_upper[-1] = self.rank(uppers[-1])
        counts = (below_upper - below_lower).tolist()
        return [(lower, upper, float(n)) for lower, upper, n in zip(lowers, uppers, counts, strict=True)]


def _level_from_items(items: Sequence[float], index: int) -> FloatArray:
    try:
        level = np.array(items, dtype=np.float64)
    except (TypeError, ValueError) as error:
        raise FormatError(f"expected a list of numbers: {error}", field=f"sketch.data[{index}]") from None
    if level.ndim != 1:
        raise FormatError(
            f"expected a flat list of numbers, got shape {level.shape}", field=f"sketch.data[{index}]"
        )
    return level
