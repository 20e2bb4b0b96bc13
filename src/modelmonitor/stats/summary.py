"""Mergeable per-column summaries: the partial state of a data-quality profile.

``summarize_batch`` turns one Arrow record batch into a ``TableSummary``; ``TableSummary.merge`` combines
two of them. Any split of a data set into batches, summarised and merged in any grouping, gives the
same counts, min, max, sums, means and standard deviations exactly (the sums are kept exact) and KLL
sketches that agree within their error bound. This is the function a distributed engine calls
on each partition (Spark ``mapInArrow``), and the local engine on each DuckDB batch.

Input columns come in two kinds:

* strings (CSV read as text, as SageMaker's Spark job reads it): each value is classified with Deequ's
  regular expressions (``stats.types``) and numeric-looking values are parsed as doubles;
* typed Arrow columns (JSON, Parquet): integers are Integral, floats Fractional, booleans Boolean;
  float NaN counts as missing.

Categorical value counts are kept for every column whose values may end up a String feature, up to
``value_cap`` distinct values per column (memory stays flat); beyond that they are dropped and the column
is flagged ``values_truncated``. The cap is ``MAX_TRACKED_VALUES`` for tables of up to 20 columns and
shrinks for wider ones, so that the whole table tracks at most ``TABLE_TRACKED_VALUES`` values (but never
fewer than 1,000 per column): 1,000 columns of many distinct values would otherwise hold gigabytes.
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from modelmonitor.stats.exact_sum import SQUARE_EXPONENT, SUM_EXPONENT, exact_sums, to_float
from modelmonitor.stats.kll import KLLSketch
from modelmonitor.stats.types import BOOLEAN_PATTERN, FRACTIONAL_PATTERN, INTEGRAL_PATTERN, TypeCounts

__all__ = [
    "ColumnSummary",
    "NumericSummary",
    "TableSummary",
    "summarize_array",
    "summarize_batch",
    "value_cap",
]

SKETCH_SIZE = 2048
SHRINKING_FACTOR = 0.64
MAX_TRACKED_VALUES = 50_000
TABLE_TRACKED_VALUES = 1_000_000
MIN_TRACKED_VALUES = 1_000  # SageMaker's categorical distribution shows at most this many buckets
# A numeric chunk whose first values are mostly distinct keeps no value counts (it is not categorical).
_CARDINALITY_SAMPLE = 8192
# Batches at least this long are summarised one column per thread (Arrow and numpy release the GIL).
PARALLEL_MIN_ROWS = 65_536
# Up to this many values per column, the standard deviation follows Spark's per-row (Welford) updates.
SEQUENTIAL_MOMENTS_MAX = 8192

# After the optional sign, Deequ allows one space ("- 5"); a double parser does not.
_SIGN_SPACE = r"^([+-]?) "
# Values Deequ calls numeric but no parser reads ("", "-", "+", "."): Spark's cast makes them null.
_UNPARSEABLE = r"^[+-]?\.?$"


@dataclass(frozen=True)
class NumericSummary:
    """Exact sums, extremes and a KLL sketch of the values that parse as numbers.

    ``sum_units`` and ``square_units`` are Σx and Σx² exactly, as integers (``stats.exact_sum``), so
    merging adds integers and the sum, mean and standard deviation do not depend on how the data was
    cut into batches and partitions or in which order the states were merged: the local engine and
    Spark write the same bits. While a column has at most ``SEQUENTIAL_MOMENTS_MAX`` values, ``head``
    keeps them in input order and the sum and standard deviation are Spark's within one partition —
    the left-to-right double sum and the per-row (Welford) update — bit for bit what SageMaker writes
    for such data (its conformance files are). Beyond that, ``total`` is Σx correctly rounded and m2 is
    ``Σx² - (Σx)² / count`` rounded once from the exact sums. ``mean`` is ``total / count`` (Deequ's
    ``Mean``) and the standard deviation the population one, ``sqrt(m2 / count)`` (Deequ's
    ``StandardDeviation``).
    """

    count: int = 0
    sum_units: int = 0
    square_units: int = 0
    head: bytes | None = b""
    minimum: float = float("inf")
    maximum: float = float("-inf")
    sketch: KLLSketch = field(default_factory=lambda: KLLSketch.empty(SKETCH_SIZE, SHRINKING_FACTOR))

    @classmethod
    def empty(cls) -> NumericSummary:
        return cls()

    @classmethod
    def of(cls, values: np.ndarray) -> NumericSummary:
        """Summary of float64 values, in their input order (the sketch's level 0 keeps that order)."""
        if values.size == 0:
            return cls()
        values = np.ascontiguousarray(values, dtype=np.float64)
        sum_units, square_units = exact_sums(values)
        sketch = KLLSketch.empty(SKETCH_SIZE, SHRINKING_FACTOR)
        sketch.update(values)
        return cls(
            count=int(values.size),
            sum_units=sum_units,
            square_units=square_units,
            head=values.tobytes() if values.size <= SEQUENTIAL_MOMENTS_MAX else None,
            minimum=float(values.min()),
            maximum=float(values.max()),
            sketch=sketch,
        )

    def merge(self, other: NumericSummary) -> NumericSummary:
        if other.count == 0:
            return self
        if self.count == 0:
            return other
        count = self.count + other.count
        head = None
        if self.head is not None and other.head is not None and count <= SEQUENTIAL_MOMENTS_MAX:
            head = self.head + other.head
        return NumericSummary(
            count=count,
            sum_units=self.sum_units + other.sum_units,
            square_units=self.square_units + other.square_units,
            head=head,
            minimum=min(self.minimum, other.minimum),
            maximum=max(self.maximum, other.maximum),
            sketch=self.sketch.merge(other.sketch),
        )

    @property
    def total(self) -> float:
        if self.head is not None:
            # Spark's sum within a partition, left to right: SageMaker's bits for such data.
            return float(np.cumsum(np.frombuffer(self.head, dtype=np.float64))[-1])
        return to_float(self.sum_units, SUM_EXPONENT)

    @property
    def mean(self) -> float:
        return self.total / self.count if self.count else float("nan")

    @property
    def std_dev(self) -> float:
        if not self.count:
            return float("nan")
        if self.head is not None:
            values = np.frombuffer(self.head, dtype=np.float64)
            # Scaled by a power of two (exact) so that squaring neither overflows nor underflows.
            scale = _power_of_two_scale(float(np.max(np.abs(values))))
            _, m2 = _welford(values / scale)
            return float(np.sqrt(max(m2, 0.0) / self.count)) * scale
        return _exact_std_dev(self.count, self.sum_units, self.square_units)


def _exact_std_dev(count: int, sum_units: int, square_units: int) -> float:
    """sqrt((Σx² - (Σx)²/n) / n) from the exact sums, with one rounding before the square root.

    n² var = n Σx² - (Σx)², an exact integer count of 2**-2148; the quotient is taken near 1 (shifted
    by an even power of two) so that neither it nor its square root overflows or underflows.
    """
    numerator = count * square_units - sum_units * sum_units
    if numerator <= 0:
        return 0.0
    denominator = (count * count) << -SQUARE_EXPONENT
    shift = numerator.bit_length() - denominator.bit_length()
    shift -= shift % 2
    ratio = numerator / (denominator << shift) if shift >= 0 else (numerator << -shift) / denominator
    return math.ldexp(math.sqrt(ratio), shift // 2)


def _power_of_two_scale(largest_magnitude: float) -> float:
    """2**e with largest_magnitude < 2**e (1.0 for 0 or a non-finite magnitude)."""
    if largest_magnitude == 0.0 or not math.isfinite(largest_magnitude):
        return 1.0
    return math.ldexp(1.0, math.frexp(largest_magnitude)[1])


def _welford(values: np.ndarray) -> tuple[float, float]:
    """Spark's ``CentralMomentAgg`` row by row: the mean and m2 its stddev_pop would hold."""
    mean = 0.0
    m2 = 0.0
    for count, value in enumerate(values.tolist(), start=1):
        delta = value - mean
        delta_n = delta / count
        mean += delta_n
        m2 += delta * (delta - delta_n)
    return mean, m2


def value_cap(columns: int) -> int:
    """Distinct values tracked per column of a table of ``columns`` columns."""
    return max(MIN_TRACKED_VALUES, min(MAX_TRACKED_VALUES, TABLE_TRACKED_VALUES // max(1, columns)))


def _merge_values(
    left: Mapping[str, int] | None, right: Mapping[str, int] | None, cap: int
) -> dict[str, int] | None:
    if left is None or right is None or len(left) > cap or len(right) > cap:
        return None
    merged = dict(left)
    for value, count in right.items():
        merged[value] = merged.get(value, 0) + count
    return merged if len(merged) <= cap else None


@dataclass(frozen=True)
class ColumnSummary:
    """Everything a data-quality profile needs about one column, for a part of the rows.

    ``values`` maps each distinct value (as Spark would print it) to its count; ``None`` means the
    counts were not kept (more than ``value_cap`` distinct values, or typed numbers).
    """

    types: TypeCounts = field(default_factory=TypeCounts)
    numeric: NumericSummary = field(default_factory=NumericSummary)
    values: Mapping[str, int] | None = field(default_factory=dict)
    value_cap: int = MAX_TRACKED_VALUES

    @classmethod
    def empty(cls) -> ColumnSummary:
        return cls()

    @classmethod
    def all_null(cls, rows: int) -> ColumnSummary:
        return cls(types=TypeCounts(null=rows))

    def merge(self, other: ColumnSummary) -> ColumnSummary:
        return ColumnSummary(
            types=self.types.merge(other.types),
            numeric=self.numeric.merge(other.numeric),
            values=_merge_values(self.values, other.values, min(self.value_cap, other.value_cap)),
            value_cap=min(self.value_cap, other.value_cap),
        )

    @property
    def values_truncated(self) -> bool:
        return self.values is None


@dataclass(frozen=True)
class TableSummary:
    """Per-column summaries of some rows of a table, in column order; merge with ``merge``."""

    row_count: int = 0
    columns: Mapping[str, ColumnSummary] = field(default_factory=dict)

    @classmethod
    def empty(cls) -> TableSummary:
        return cls()

    def merge(self, other: TableSummary) -> TableSummary:
        # A column absent from one side (a JSON key that part of the rows lack) is null in its rows.
        merged: dict[str, ColumnSummary] = {}
        for name, column in self.columns.items():
            right = other.columns.get(name, ColumnSummary.all_null(other.row_count))
            merged[name] = column.merge(right)
        for name, column in other.columns.items():
            if name not in merged:
                merged[name] = ColumnSummary.all_null(self.row_count).merge(column)
        return TableSummary(row_count=self.row_count + other.row_count, columns=merged)


def _count_true(mask: pa.Array) -> int:
    result = pc.sum(mask).as_py()
    return int(result or 0)


def _value_counts(array: pa.Array, cap: int) -> dict[str, int] | None:
    counted = pc.value_counts(array.drop_null())
    if len(counted) > cap:
        return None
    return dict(zip(counted.field("values").to_pylist(), counted.field("counts").to_pylist(), strict=True))


def _decimal_marks(array: pa.Array) -> int | None:
    """How many non-null values hold a decimal point; None if any value has an exponent (``e``/``E``).

    Works on the bytes of the string column with numpy (Arrow's substring kernels are far slower here).
    Only called on values that all parse as doubles, so each holds at most one point.
    """
    _, offsets_buffer, data_buffer = array.buffers()
    offsets = np.frombuffer(offsets_buffer, dtype=np.int32)[array.offset : array.offset + len(array) + 1]
    if data_buffer is None or offsets[-1] == offsets[0]:
        return 0
    data = np.frombuffer(data_buffer, dtype=np.uint8)[offsets[0] : offsets[-1]]
    if np.any((data == ord("e")) | (data == ord("E"))):
        return None
    is_point = data == ord(".")
    if array.null_count == 0:
        return int(np.count_nonzero(is_point))
    valid = array.is_valid().to_numpy(zero_copy_only=False)
    if not np.diff(offsets)[~valid].any():  # null slots hold no bytes (as DuckDB and Arrow write them)
        return int(np.count_nonzero(is_point))
    rows = np.searchsorted(offsets, np.flatnonzero(is_point) + offsets[0], side="right") - 1
    return int(np.count_nonzero(valid[rows]))


def _numbers_fast(array: pa.Array) -> tuple[TypeCounts, np.ndarray] | None:
    """Type counts and numbers of a column whose every value parses as a plain decimal, else None.

    Arrow's double parser accepts ``[+-]digits[.digits]`` plus exponents, ``nan`` and ``inf``; without
    the last three that is exactly Deequ's numeric set, split by the decimal point. One parse instead
    of three regular expressions: most columns of a CSV are numbers.
    """
    try:
        pc.cast(array.slice(0, 64), pa.float64())  # a failing parse of a whole column is slow
        floats = pc.cast(array, pa.float64())
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    numbers = floats.drop_null().to_numpy(zero_copy_only=False)
    if not np.isfinite(numbers).all():
        return None
    marks = _decimal_marks(array)
    if marks is None:
        return None
    fractional = marks
    types = TypeCounts(null=array.null_count, fractional=fractional, integral=len(numbers) - fractional)
    return types, numbers


def _numeric_value_counts(array: pa.Array, numbers: np.ndarray, cap: int) -> dict[str, int] | None:
    """Value counts of an all-numeric chunk, skipped early when a sample shows high cardinality.

    ``numbers`` are the chunk's non-null values parsed, in row order. Different texts may parse to one
    number ("1.0", "1.00") but one text never to two, so the sample holds at least as many distinct texts
    as distinct numbers: counting the numbers (a numpy sort) decides the usual high-cardinality column
    about ten times faster than hashing its texts, with the same outcome.
    """
    sample = array.slice(0, _CARDINALITY_SAMPLE)
    ordered = np.sort(numbers[: len(sample) - sample.null_count])
    if len(ordered) and int(np.count_nonzero(ordered[1:] != ordered[:-1])) + 1 > _CARDINALITY_SAMPLE // 2:
        return None
    if len(pc.value_counts(sample.drop_null())) > _CARDINALITY_SAMPLE // 2:
        return None
    return _value_counts(array, cap)


def _categorical(counted: pa.StructArray, nulls: int) -> ColumnSummary | None:
    """Summary of a text column from its value counts, when no value looks like a number.

    Classifying each distinct value once (weighted by its count) is much cheaper than classifying
    every row; a column with numeric-looking values needs its numbers in row order, so None.
    """
    values, counts = counted.field("values"), counted.field("counts")
    numeric_like = pc.or_(
        pc.match_substring_regex(values, FRACTIONAL_PATTERN),
        pc.match_substring_regex(values, INTEGRAL_PATTERN),
    )
    if pc.any(numeric_like).as_py():
        return None
    boolean = pc.sum(pc.filter(counts, pc.match_substring_regex(values, BOOLEAN_PATTERN))).as_py() or 0
    present = pc.sum(counts).as_py() or 0
    types = TypeCounts(null=nulls, boolean=int(boolean), string=int(present - boolean))
    return ColumnSummary(types=types, values=dict(zip(values.to_pylist(), counts.to_pylist(), strict=True)))


def _summarize_strings(array: pa.Array, cap: int) -> ColumnSummary:
    if pa.types.is_large_string(array.type) or pa.types.is_string_view(array.type):
        array = array.cast(pa.string())
    fast = _numbers_fast(array)
    if fast is not None:
        types, numbers = fast
        return ColumnSummary(
            types=types, numeric=NumericSummary.of(numbers), values=_numeric_value_counts(array, numbers, cap)
        )
    counted = pc.value_counts(array.drop_null())
    if len(counted) <= cap:
        categorical = _categorical(counted, array.null_count)
        if categorical is not None:
            return categorical
    fractional = pc.match_substring_regex(array, FRACTIONAL_PATTERN)
    integral = pc.match_substring_regex(array, INTEGRAL_PATTERN)
    boolean = pc.match_substring_regex(array, BOOLEAN_PATTERN)
    nulls = array.null_count
    n_fractional = _count_true(fractional)
    n_integral = _count_true(pc.and_(integral, pc.invert(fractional)))
    n_boolean = _count_true(boolean)
    types = TypeCounts(
        null=nulls,
        fractional=n_fractional,
        integral=n_integral,
        boolean=n_boolean,
        string=len(array) - nulls - n_fractional - n_integral - n_boolean,
    )
    numeric_like = pc.filter(array, pc.or_(fractional, integral))
    cleaned = pc.replace_substring_regex(numeric_like, _SIGN_SPACE, r"\1")
    parseable = pc.filter(cleaned, pc.invert(pc.match_substring_regex(cleaned, _UNPARSEABLE)))
    numbers = pc.cast(parseable, pa.float64()).to_numpy(zero_copy_only=False)
    return ColumnSummary(types=types, numeric=NumericSummary.of(numbers), values=_value_counts(array, cap))


def _summarize_numbers(array: pa.Array, cap: int, *, integral: bool) -> ColumnSummary:
    # safe=False: an integer beyond 2^53 (uint64 up to 2^64-1) rounds to the nearest double, as the same
    # digits read from a CSV do, instead of Arrow refusing the cast. Nulls become NaN.
    numbers = array.cast(pa.float64(), safe=False).to_numpy(zero_copy_only=False)
    numbers = numbers[~np.isnan(numbers)]
    if not np.isfinite(numbers).all():
        # ±inf is not a number to Deequ: SageMaker's Spark hands it over as the text "Infinity", typed
        # String, as "inf" in a CSV is here. Summarised as text, a column never gets NaN bucket bounds.
        return _summarize_strings(array.cast(pa.string()), cap)
    present = len(numbers)
    if present == 0:
        # Nothing to summarise: like a text column of nulls (distinct_count 0), not as untracked values.
        return ColumnSummary.all_null(len(array))
    types = TypeCounts(
        null=len(array) - present, integral=present if integral else 0, fractional=0 if integral else present
    )
    return ColumnSummary(types=types, numeric=NumericSummary.of(numbers), values=None)


def _as_text(array: pa.Array) -> pa.Array:
    """Any other Arrow type as strings, the way Spark would print it (nested values as JSON)."""
    try:
        return array.cast(pa.string())
    except (pa.ArrowNotImplementedError, pa.ArrowInvalid):
        import orjson

        texts = [
            None if item is None else orjson.dumps(item, default=str).decode() for item in array.to_pylist()
        ]
        return pa.array(texts, type=pa.string())


def summarize_array(array: pa.Array | pa.ChunkedArray, cap: int = MAX_TRACKED_VALUES) -> ColumnSummary:
    """Summary of one column (any Arrow type), keeping value counts up to ``cap`` distinct values."""
    summary = _summarize_column(array, cap)
    return summary if cap == MAX_TRACKED_VALUES else replace(summary, value_cap=cap)


def _summarize_column(array: pa.Array | pa.ChunkedArray, cap: int) -> ColumnSummary:
    if isinstance(array, pa.ChunkedArray):
        array = array.combine_chunks()
    kind = array.type
    if pa.types.is_null(kind):
        return ColumnSummary.all_null(len(array))
    if pa.types.is_string(kind) or pa.types.is_large_string(kind) or pa.types.is_string_view(kind):
        return _summarize_strings(array, cap)
    if pa.types.is_integer(kind):
        return _summarize_numbers(array, cap, integral=True)
    if pa.types.is_floating(kind) or pa.types.is_decimal(kind):
        return _summarize_numbers(array, cap, integral=False)
    if pa.types.is_boolean(kind):
        texts = array.cast(pa.string())
        types = TypeCounts(null=array.null_count, boolean=len(array) - array.null_count)
        return ColumnSummary(types=types, values=_value_counts(texts, cap))
    return _summarize_strings(_as_text(array), cap)


def summarize_batch(batch: pa.RecordBatch | pa.Table, threads: int | None = None) -> TableSummary:
    """The per-partition function: summaries of every column of one batch.

    Long batches are summarised one column per thread (``threads``, default: the CPU count); the
    result does not depend on it.
    """
    arrays = [batch.column(index) for index in range(batch.num_columns)]
    cap = value_cap(len(arrays))
    workers = threads if threads is not None else (os.cpu_count() or 1)
    if workers > 1 and batch.num_rows >= PARALLEL_MIN_ROWS and len(arrays) > 1:
        with ThreadPoolExecutor(max_workers=workers) as pool:
            summaries = list(pool.map(summarize_array, arrays, [cap] * len(arrays)))
    else:
        summaries = [summarize_array(array, cap) for array in arrays]
    return TableSummary(
        row_count=batch.num_rows, columns=dict(zip(batch.schema.names, summaries, strict=True))
    )
