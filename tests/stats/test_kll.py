"""KLLSketch: equal to a row-by-row transcription of Deequ, mergeable within its error bound."""

from __future__ import annotations

import math
import pickle
import re
from functools import reduce

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from modelmonitor.errors import FormatError
from modelmonitor.stats.kll import KLLSketch, deequ_bucket_range, level_capacity


class RowByRowDeequ:
    """Deequ's QuantileNonSample/NonSampleCompactor as written: one item at a time, plain lists.

    The oracle for the block-vectorised KLLSketch. Sorting uses Java's total order (-0.0 < 0.0).
    """

    def __init__(self, k: int, c: float) -> None:
        self.k, self.c = k, c
        self.levels: list[list[float]] = []
        self.compactions: list[int] = []
        self.offsets: list[int] = []
        self.expand()

    def capacity(self, height: int) -> int:
        return 2 * (math.ceil(self.k * math.pow(self.c, height) / 2) + 1)

    def expand(self) -> None:
        self.levels.append([])
        self.compactions.append(0)
        self.offsets.append(0)

    def size(self) -> int:
        return sum(len(level) for level in self.levels)

    def total_capacity(self) -> int:
        return sum(self.capacity(h) for h in range(len(self.levels)))

    def update(self, item: float) -> None:
        self.levels[0].append(item)
        if self.size() > self.total_capacity():
            self.condense()

    def condense(self) -> None:
        for height, level in enumerate(self.levels):
            if len(level) >= self.capacity(height):
                if height + 1 >= len(self.levels):
                    self.expand()
                self.levels[height + 1].extend(self.compact(height))
                return

    def compact(self, height: int) -> list[float]:
        level = self.levels[height]
        even = len(level) - len(level) % 2
        if self.compactions[height] % 2 == 1:
            self.offsets[height] = 1 - self.offsets[height]
        ordered = sorted(level[:even], key=lambda x: (x, math.copysign(1.0, x)))
        self.levels[height] = level[even:]
        self.compactions[height] += 1
        return ordered[self.offsets[height] : even : 2]

    def merge(self, other: RowByRowDeequ) -> RowByRowDeequ:
        while len(self.levels) < len(other.levels):
            self.expand()
        for height, level in enumerate(other.levels):
            self.levels[height] = self.levels[height] + level
        while self.size() >= self.total_capacity():
            self.condense()
        return self


def sketch_of(values: list[float], k: int = 2048, c: float = 0.64) -> KLLSketch:
    sketch = KLLSketch.empty(k, c)
    sketch.update(np.asarray(values, dtype=np.float64))
    return sketch


def merged_into(accumulated: KLLSketch, part: KLLSketch) -> KLLSketch:
    return part.merge(accumulated)


def exact_ranks(values: list[float], points: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    ordered = np.sort(np.asarray(values, dtype=np.float64))
    return np.searchsorted(ordered, points, side="right"), np.searchsorted(ordered, points, side="left")


finite = st.floats(allow_nan=False, allow_infinity=False, width=64)
small_ints = st.integers(min_value=-20, max_value=20).map(float)
values_lists = st.lists(st.one_of(finite, small_ints), max_size=600)
sizes = st.integers(min_value=2, max_value=40)
factors = st.sampled_from([0.3, 0.5, 0.64, 0.9, 1.0])


# -- the same state as Deequ, row by row ----------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(values=values_lists, k=sizes, c=factors, cuts=st.lists(st.integers(0, 600), max_size=5))
def test_block_update_equals_row_by_row_deequ(values: list[float], k: int, c: float, cuts: list[int]) -> None:
    oracle = RowByRowDeequ(k, c)
    for value in values:
        oracle.update(value)
    sketch = KLLSketch.empty(k, c)
    for block in np.split(np.asarray(values, dtype=np.float64), sorted(cuts)):
        sketch.update(block)
    assert sketch.compactor_items() == oracle.levels
    assert [np.signbit(level).tolist() for level in sketch.compactor_items()] == [
        np.signbit(level).tolist() for level in oracle.levels
    ]


@settings(max_examples=100, deadline=None)
@given(first=values_lists, second=values_lists, after=values_lists, k=sizes, c=factors)
def test_merge_then_update_equals_deequ(
    first: list[float], second: list[float], after: list[float], k: int, c: float
) -> None:
    left, right = RowByRowDeequ(k, c), RowByRowDeequ(k, c)
    for value in first:
        left.update(value)
    for value in second:
        right.update(value)
    merged_oracle = left.merge(right)
    for value in after:  # compaction counters carried through merge decide later offsets
        merged_oracle.update(value)
    merged = sketch_of(first, k, c).merge(sketch_of(second, k, c))
    merged.update(np.asarray(after, dtype=np.float64))
    assert merged.compactor_items() == merged_oracle.levels


def test_deequ_profile_fixtures_with_k_2() -> None:
    # Expected values from Deequ's KLLProfileTest (sketchSize 2, shrinkingFactor 0.64, 2 buckets).
    six = sketch_of([1.0, 2.0, 3.0, 4.0, 5.0, 6.0], k=2)
    assert six.compactor_items() == [[5.0, 6.0], [1.0, 3.0]]
    assert six.buckets(1.0, 6.0, 2) == [(1.0, 3.5, 4.0), (3.5, 6.0, 2.0)]
    thirty = sketch_of([float(i) for i in range(1, 31)], k=2)
    assert thirty.compactor_items() == [[27.0, 28.0, 29.0, 30.0], [25.0], [1.0, 6.0, 10.0, 15.0, 19.0, 23.0]]
    assert thirty.buckets(1.0, 30.0, 2) == [(1.0, 15.5, 16.0), (15.5, 30.0, 14.0)]


def test_capacities_and_first_compaction_at_default_parameters() -> None:
    assert [level_capacity(h, 2048, 0.64) for h in range(4)] == [2050, 1314, 842, 540]
    values = np.arange(2051, 0, -1, dtype=np.float64)  # descending, so sorting matters
    sketch = sketch_of(values.tolist()[:2050])
    assert [len(level) for level in sketch.compactor_items()] == [2050]
    sketch.update(values[2050:])
    level0, level1 = sketch.compactor_items()
    assert level0 == [1.0]  # the odd last item stays, unsorted
    assert level1 == [float(v) for v in range(2, 2052, 2)]  # offset 0 keeps the smaller of each pair


def test_negative_zero_sorts_before_zero_when_compacting() -> None:
    sketch = sketch_of([0.0, -0.0, 0.0, -0.0, 5.0], k=2)
    level1 = sketch.compactor_items()[1]
    assert np.signbit(level1).tolist() == [True, False]
    assert sketch.rank(0.0) == sketch.rank(-0.0) == 4  # IEEE comparisons when ranking


# -- queries ---------------------------------------------------------------------------------------


def test_ranks_count_weights_and_nan_queries_follow_deequ() -> None:
    sketch = KLLSketch.from_compactor_items([[3.0, 1.0], [2.0], [2.0]])  # weights 1, 1, 2, 4
    assert sketch.count == 8
    assert [sketch.rank(x) for x in (0.5, 1.0, 2.0, 2.5, 3.0)] == [0, 1, 7, 7, 8]
    assert [sketch.rank_exclusive(x) for x in (0.5, 1.0, 2.0, 2.5, 3.0)] == [0, 0, 1, 7, 7]
    assert sketch.ranks([1.0, 3.0]).tolist() == [1, 8]
    assert sketch.rank(math.nan) == 8
    assert sketch.rank_exclusive(math.nan) == 0
    assert sketch.cdf([2.0, 3.0]).tolist() == [7 / 8, 1.0]


def test_quantile_is_the_smallest_item_reaching_the_rank() -> None:
    sketch = sketch_of([float(v) for v in range(1, 11)])
    assert [sketch.quantile(q) for q in (0.0, 0.1, 0.15, 0.5, 1.0)] == [1.0, 1.0, 2.0, 5.0, 10.0]
    with pytest.raises(ValueError, match=r"in \[0, 1\]"):
        sketch.quantile(1.5)
    with pytest.raises(ValueError, match="empty"):
        KLLSketch.empty().quantile(0.5)


def test_deequ_quantiles_take_the_next_item_and_stop_after_the_last() -> None:
    assert sketch_of([1.0, 2.0, 3.0, 4.0]).quantiles(4) == [2.0, 3.0, 4.0]
    heavy_last = KLLSketch.from_compactor_items([[1.0, 2.0], [], [], [3.0]])  # weights 1, 1, 8
    assert heavy_last.quantiles(4) == [3.0, 3.0, 1.0]  # thresholds 2, 5, 7; the last item ends it


def test_buckets_compute_bounds_per_index_and_close_the_last_bucket() -> None:
    sketch = sketch_of([0.0, 105.24, 105.24000000000001, 200.0, 350.8])
    buckets = sketch.buckets(0.0, 350.8)
    assert buckets[3][0] == 105.24000000000001  # 0 + 350.8 * 3 / 10, not 3 * 35.08 summed
    assert [count for _, _, count in buckets] == [1.0, 0.0, 1.0, 1.0, 0.0, 1.0, 0.0, 0.0, 0.0, 1.0]
    assert sum(count for _, _, count in buckets) == sketch.count


def test_bucket_range_reproduces_deequs_int_bounds() -> None:
    assert deequ_bucket_range(5.0, 9.0) == (5.0, 9.0)
    assert deequ_bucket_range(3e9, 4e9) == (2147483647.0, 4e9)
    assert deequ_bucket_range(-4e9, -3e9) == (-4e9, -2147483648.0)


# -- mergeability ----------------------------------------------------------------------------------


@settings(max_examples=80, deadline=None)
@given(
    values=st.lists(small_ints, min_size=1, max_size=3000),
    cuts=st.lists(st.integers(0, 3000), max_size=8),
    k=st.sampled_from([8, 32, 200, 2048]),
    left_fold=st.booleans(),
)
def test_any_split_merged_has_exact_count_and_ranks_within_bound(
    values: list[float], cuts: list[int], k: int, left_fold: bool
) -> None:
    parts = [sketch_of(part.tolist(), k) for part in np.split(np.asarray(values), sorted(cuts))]
    # Fold left (p0.merge(p1)...) as Spark's treeReduce does, or the other way round.
    merged = reduce(KLLSketch.merge if left_fold else merged_into, parts)
    assert merged.count == len(values)
    points = np.arange(-21.0, 21.5, 0.5)
    inclusive, exclusive = exact_ranks(values, points)
    bound = merged.rank_error_bound()
    assert np.abs(merged.ranks(points) - inclusive).max() <= bound
    assert np.abs(merged.ranks_exclusive(points) - exclusive).max() <= bound
    for q in (0.0, 0.1, 0.25, 0.5, 0.9, 1.0):
        x = merged.quantile(q)
        true_inclusive, true_exclusive = exact_ranks(values, np.array([x]))
        assert true_inclusive[0] >= q * len(values) - bound
        assert true_exclusive[0] <= q * len(values) + bound


@settings(max_examples=60, deadline=None)
@given(a=values_lists, b=values_lists, c=values_lists, k=st.sampled_from([8, 40]))
def test_merge_is_associative_and_commutative_within_bound(
    a: list[float], b: list[float], c: list[float], k: int
) -> None:
    sa, sb, sc = sketch_of(a, k), sketch_of(b, k), sketch_of(c, k)
    left = sa.merge(sb).merge(sc)
    right = sa.merge(sb.merge(sc))
    swapped = sc.merge(sb).merge(sa)
    assert left.count == right.count == swapped.count == len(a) + len(b) + len(c)
    points = np.asarray(sorted(set(a + b + c)) or [0.0])
    for one, other in ((left, right), (left, swapped)):
        tolerance = one.rank_error_bound() + other.rank_error_bound()
        assert np.abs(one.ranks(points) - other.ranks(points)).max() <= tolerance


def test_merge_leaves_both_inputs_unchanged_and_checks_parameters() -> None:
    first, second = sketch_of([float(v) for v in range(3000)], k=8), sketch_of([1.0, 2.0], k=8)
    before = (first.compactor_items(), second.compactor_items())
    first.merge(second)
    assert (first.compactor_items(), second.compactor_items()) == before
    with pytest.raises(ValueError, match="different parameters"):
        first.merge(KLLSketch.empty())


def test_no_compaction_below_capacity_means_exact_ranks_and_zero_bound() -> None:
    values = [float(v % 97) for v in range(2000)]
    sketch = sketch_of(values)
    assert sketch.rank_error_bound() == 0
    points = np.arange(-1.0, 98.0)
    assert sketch.ranks(points).tolist() == exact_ranks(values, points)[0].tolist()


# -- reading SageMaker's sketch back ---------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(values=values_lists, k=sizes)
def test_compactor_items_round_trip(values: list[float], k: int) -> None:
    sketch = sketch_of(values, k)
    restored = KLLSketch.from_compactor_items(sketch.compactor_items(), float(k), 0.64)
    assert restored.compactor_items() == sketch.compactor_items()
    assert restored.count == sketch.count
    points = np.asarray(values or [0.0])
    assert restored.ranks(points).tolist() == sketch.ranks(points).tolist()


def test_structural_bound_covers_a_reconstructed_sketch() -> None:
    values = np.random.default_rng(7).normal(size=50_000)
    restored = KLLSketch.from_compactor_items(sketch_of(values.tolist()).compactor_items())
    points = np.quantile(values, np.linspace(0, 1, 101))
    error = np.abs(restored.ranks(points) - exact_ranks(values.tolist(), points)[0]).max()
    assert 0 < error <= restored.rank_error_bound()


@pytest.mark.parametrize(
    ("data", "k", "field"),
    [
        ([[1.0, "x"]], 2048.0, "sketch.data[0]"),
        ([[1.0], [[2.0]]], 2048.0, "sketch.data[1]"),
        ([[1.0]], 2048.5, "parameters.k"),
        ([[1.0]], 0.0, "parameters.k"),
    ],
    ids=["not-a-number", "nested", "fractional-k", "zero-k"],
)
def test_bad_sketch_data_names_the_field(data: list[list[float]], k: float, field: str) -> None:
    with pytest.raises(FormatError, match=f"field {re.escape(field)}:"):
        KLLSketch.from_compactor_items(data, k)


def test_empty_sketch_and_pickling() -> None:
    empty = KLLSketch.empty()
    assert empty.count == 0
    assert empty.compactor_items() == [[]]
    assert empty.buckets(0.0, 1.0) == [(i / 10, (i + 1) / 10, 0.0) for i in range(10)]
    sketch = sketch_of([float(v) for v in range(5000)])
    assert pickle.loads(pickle.dumps(sketch)) == sketch


def test_compaction_keeps_the_number_of_negative_zeros() -> None:
    # numpy's SIMD sort may return more -0.0 than it was given; a compaction must not invent any.
    values = [0.0] * 9 + [-0.0, 0.0]
    sketch = sketch_of(values, k=7, c=0.3)
    oracle = RowByRowDeequ(7, 0.3)
    for value in values:
        oracle.update(value)
    assert [np.signbit(level).tolist() for level in sketch.compactor_items()] == [
        np.signbit(level).tolist() for level in oracle.levels
    ]


def test_java_order_of_zeros_holds_beside_nan_and_for_sorted_runs() -> None:
    # The zero check looks at the smallest and largest values; a NaN sorts last and must not hide the
    # zeros before it. Runs (a level above 0) take numpy's stable sort, with the same result.
    from modelmonitor.stats.kll import _sorted_like_java

    values = np.array([0.0, np.nan, -0.0, 2.0, 0.0, -0.0, -1.0])
    for runs in (False, True):
        ordered = _sorted_like_java(values, runs=runs)
        assert ordered[:6].tolist() == [-1.0, -0.0, -0.0, 0.0, 0.0, 2.0]
        assert np.signbit(ordered[:6]).tolist() == [True, True, True, False, False, False]
        assert np.isnan(ordered[6])
    rng = np.random.default_rng(5)
    runs_of = np.concatenate([np.sort(rng.integers(-3, 4, 300).astype(np.float64) * s) for s in (1, -1, 1)])
    assert np.array_equal(_sorted_like_java(runs_of, runs=True), _sorted_like_java(runs_of))
    assert np.array_equal(
        np.signbit(_sorted_like_java(runs_of, runs=True)), np.signbit(_sorted_like_java(runs_of))
    )
