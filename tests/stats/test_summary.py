"""Per-column summaries of Arrow batches and their merge: any chunking gives the same result."""

from __future__ import annotations

import itertools
import math
import os
import subprocess
import sys

import numpy as np
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from modelmonitor.stats.summary import (
    MAX_TRACKED_VALUES,
    NumericSummary,
    TableSummary,
    summarize_array,
    summarize_batch,
)
from modelmonitor.stats.types import TypeCounts


def test_strings_are_classified_and_parsed() -> None:
    column = summarize_array(pa.array(["1", "2.5", None, "- 3", "x", "true", "."]))
    assert column.types == TypeCounts(null=1, fractional=2, integral=2, boolean=1, string=1)
    # "." is fractional for Deequ but no number: it stays out of the moments, like Spark's cast.
    assert column.numeric.count == 3
    assert column.numeric.total == pytest.approx(0.5)
    assert column.numeric.minimum == -3.0
    assert column.numeric.maximum == 2.5
    assert column.values == {"1": 1, "2.5": 1, "- 3": 1, "x": 1, "true": 1, ".": 1}


def test_typed_columns() -> None:
    ints = summarize_array(pa.array([1, None, 3], type=pa.int64()))
    assert ints.types == TypeCounts(null=1, integral=2)
    assert ints.numeric.mean == 2.0
    floats = summarize_array(pa.array([1.5, float("nan"), None]))
    assert floats.types == TypeCounts(null=2, fractional=1)
    booleans = summarize_array(pa.array([True, False, True, None]))
    assert booleans.types.inferred_type() == "String"
    assert booleans.values == {"true": 2, "false": 1}
    nulls = summarize_array(pa.nulls(4))
    assert nulls.types == TypeCounts(null=4)


def test_nested_values_are_summarised_as_text() -> None:
    column = summarize_array(pa.array([{"a": 1}, None, {"a": 2}]))
    assert column.types.string == 2
    assert column.types.null == 1


def test_population_standard_deviation() -> None:
    values = np.array([2.0, 4.0, 4.0, 4.0, 5.0, 5.0, 7.0, 9.0])
    summary = NumericSummary.of(values)
    assert summary.std_dev == pytest.approx(2.0)
    assert summary.mean == 5.0


def test_large_batches_use_the_two_pass_formula() -> None:
    values = np.random.default_rng(1).normal(10.0, 3.0, 20_000)
    summary = NumericSummary.of(values)
    assert summary.std_dev == pytest.approx(float(np.std(values)), rel=1e-12)


def test_value_counts_beyond_the_cap_are_dropped() -> None:
    column = summarize_array(pa.array([f"v{i}" for i in range(MAX_TRACKED_VALUES + 1)]))
    assert column.values is None
    assert column.values_truncated


def test_columns_missing_from_a_batch_count_as_null() -> None:
    left = summarize_batch(pa.record_batch({"a": pa.array(["1", "2"])}))
    right = summarize_batch(pa.record_batch({"b": pa.array(["x"])}))
    merged = left.merge(right)
    assert list(merged.columns) == ["a", "b"]
    assert merged.columns["a"].types == TypeCounts(integral=2, null=1)
    assert merged.columns["b"].types == TypeCounts(string=1, null=2)
    assert merged.row_count == 3


cell = st.one_of(
    st.none(),
    st.integers(-1000, 1000).map(str),
    st.floats(-1e6, 1e6, allow_nan=False).map(lambda x: f"{x:.3f}"),
    st.sampled_from(["a", "b", "true", "north"]),
)


@settings(max_examples=40, deadline=None)
@given(
    rows=st.lists(st.tuples(cell, cell), min_size=1, max_size=300),
    cuts=st.lists(st.integers(0, 300), max_size=5),
)
def test_results_do_not_depend_on_chunking(
    rows: list[tuple[str | None, str | None]], cuts: list[int]
) -> None:
    table = pa.table(
        {"x": [r[0] for r in rows], "y": [r[1] for r in rows]},
        schema=pa.schema([("x", pa.string()), ("y", pa.string())]),
    )
    whole = summarize_batch(table)
    bounds = sorted({0, len(rows), *(c for c in cuts if c < len(rows))})
    merged = TableSummary.empty()
    for start, end in itertools.pairwise(bounds):
        merged = merged.merge(summarize_batch(table.slice(start, end - start)))
    assert merged.row_count == whole.row_count
    for name in ("x", "y"):
        a, b = whole.columns[name], merged.columns[name]
        assert a.types == b.types
        assert a.values == b.values
        assert a.numeric.count == b.numeric.count
        assert a.numeric.sketch.count == b.numeric.sketch.count
        if a.numeric.count:
            assert a.numeric.minimum == b.numeric.minimum
            assert a.numeric.maximum == b.numeric.maximum
            assert math.isclose(a.numeric.total, b.numeric.total, rel_tol=1e-9, abs_tol=1e-6)
            assert math.isclose(a.numeric.std_dev, b.numeric.std_dev, rel_tol=1e-9, abs_tol=1e-6)


@settings(max_examples=20, deadline=None)
@given(st.lists(st.floats(-1e3, 1e3, allow_nan=False), min_size=1, max_size=60), st.integers(0, 60))
def test_merge_is_commutative(values: list[float], cut: int) -> None:
    left = NumericSummary.of(np.array(values[:cut]))
    right = NumericSummary.of(np.array(values[cut:]))
    one, two = left.merge(right), right.merge(left)
    assert (one.count, one.sum_units, one.square_units) == (two.count, two.sum_units, two.square_units)
    assert one.minimum == two.minimum
    # Up to 8,192 values the sum and standard deviation are Spark's per-row ones, which follow row order.
    assert math.isclose(one.total, two.total, rel_tol=1e-12, abs_tol=1e-9)
    assert math.isclose(one.std_dev, two.std_dev, rel_tol=1e-9, abs_tol=1e-9)


def test_fast_numeric_parse_agrees_with_deequs_expressions() -> None:
    numeric = ["+5", "5.", ".5", "-3", "0", "12.25", None, "1e5", "nan"]
    plain = summarize_array(pa.array(numeric[:7]))  # all plain decimals: the one-parse path
    mixed = summarize_array(pa.array([*numeric[:7], "x"]))  # a string forces the regular expressions
    assert plain.types == TypeCounts(null=1, fractional=3, integral=3)
    assert mixed.types == TypeCounts(null=1, fractional=3, integral=3, string=1)
    assert plain.numeric.total == mixed.numeric.total == 19.75
    exponent = summarize_array(pa.array(numeric))
    assert exponent.types == TypeCounts(null=1, fractional=3, integral=3, string=2)


def test_bytes_hidden_in_null_slots_are_ignored() -> None:
    # Arrow allows a null string slot to keep bytes ("2.5" here); only visible values count.
    offsets = np.array([0, 3, 6, 7], dtype=np.int32)
    validity = np.packbits(np.array([1, 0, 1], dtype=np.uint8), bitorder="little")
    buffers = [pa.py_buffer(validity), pa.py_buffer(offsets.tobytes()), pa.py_buffer(b"1.52.53")]
    array = pa.Array.from_buffers(pa.string(), 3, buffers, null_count=1)
    assert array.to_pylist() == ["1.5", None, "3"]
    assert summarize_array(array).types == TypeCounts(null=1, fractional=1, integral=1)


def test_summaries_pickle_for_distributed_engines() -> None:
    import pickle

    summary = summarize_batch(
        pa.record_batch({"x": pa.array(["1", "2.5", None]), "s": pa.array(["a", "b", "a"])})
    )
    restored = pickle.loads(pickle.dumps(summary))
    assert restored.columns["x"].types == summary.columns["x"].types
    assert restored.columns["x"].numeric.sketch == summary.columns["x"].numeric.sketch
    assert restored.columns["s"].values == {"a": 2, "b": 1}


def test_wide_tables_track_fewer_distinct_values_per_column(monkeypatch: pytest.MonkeyPatch) -> None:
    from modelmonitor.analyzers.data_quality import DataQualityProfile
    from modelmonitor.stats import summary

    assert summary.value_cap(20) == summary.MAX_TRACKED_VALUES
    assert summary.value_cap(1000) == 1000  # 1,000 columns: the table tracks at most 1M values
    monkeypatch.setattr(summary, "TABLE_TRACKED_VALUES", 2000)  # two columns of 1,000 values each
    batch = pa.table({"few": [f"v{i % 10}" for i in range(1001)], "many": [f"v{i}" for i in range(1001)]})
    summarized = summary.summarize_batch(batch)
    assert summarized.columns["few"].values is not None
    assert summarized.columns["many"].values is None
    profile = DataQualityProfile(summarized)
    many = next(f for f in profile.to_statistics().features if f.name == "many")
    assert many.string_statistics is not None
    assert many.string_statistics.distinct_count == 1000.0
    assert any("more than 1000 distinct values" in w.message for w in profile.warnings())


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([1e300, -1e300, 1e300, -1e300], 1e300),  # squaring 1e300 overflowed: Infinity
        ([1e-300, 3e-300], 1e-300),  # squaring 1e-300 underflowed: 0
        ([1e-300, 3e-300] * 5000, 1e-300),  # the two-pass path of long batches
    ],
    ids=["huge", "tiny", "tiny-long"],
)
def test_std_dev_neither_overflows_nor_underflows(values: list[float], expected: float) -> None:
    whole = NumericSummary.of(np.array(values))
    halves = NumericSummary.of(np.array(values[:1])).merge(NumericSummary.of(np.array(values[1:])))
    assert math.isclose(whole.std_dev, expected, rel_tol=1e-12)
    assert math.isclose(halves.std_dev, expected, rel_tol=1e-12)


def test_merging_summaries_of_very_different_magnitudes() -> None:
    small, large = NumericSummary.of(np.array([1e-200, 2e-200])), NumericSummary.of(np.array([1e200, 3e200]))
    # mean 1e200; deviations -1, -1, 0, 2 (x 1e200): variance 1.5e400, which no double holds
    assert math.isclose(small.merge(large).std_dev, math.sqrt(1.5) * 1e200, rel_tol=1e-12)


_STD_DEV_OF_LONG_COLUMN = """
import numpy as np
from modelmonitor.stats.summary import NumericSummary
values = np.random.default_rng(7).normal(3.0, 2.0, 300_000)
print(NumericSummary.of(values).std_dev.hex())
"""


def test_moments_of_a_long_column_do_not_depend_on_blas_threads() -> None:
    # np.dot summed the squared deviations in OpenBLAS, whose last bits follow its thread count:
    # the same capture gave another std_dev on a machine with another number of cores.
    results = {
        threads: subprocess.run(
            [sys.executable, "-c", _STD_DEV_OF_LONG_COLUMN],
            env={**os.environ, "OPENBLAS_NUM_THREADS": threads},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for threads in ("1", "2")
    }
    assert results["1"] == results["2"]


def test_numeric_value_counts_skip_high_cardinality_by_the_texts_of_the_sample() -> None:
    # The first 8,192 rows decide whether a numeric chunk's value counts are kept (more than half of them
    # distinct: not categorical). Counting the parsed numbers is a shortcut only: 8,192 texts that are
    # 4,096 numbers ("7.5" and "7.50") are still too many texts. Nulls in the sample are not values: the
    # numbers compared are those of its non-null rows, not the first 8,192 numbers.
    rows = 20_000
    spelled_twice = [f"{i // 2}.5" + ("0" if i % 2 else "") for i in range(8192)] + ["1.5"] * (rows - 8192)
    nulls_first = [None] * 4000 + [str(i % 1000) for i in range(4192)]
    nulls_first += [str(100_000 + i) for i in range(rows - 8192)]
    batch = pa.table({"twice": spelled_twice, "nulls": nulls_first})
    columns = summarize_batch(batch).columns
    assert columns["twice"].types.fractional == rows
    assert columns["twice"].values is None
    assert columns["nulls"].types.null == 4000
    expected = {str(i): 5 if i < 192 else 4 for i in range(1000)}
    expected.update({str(100_000 + i): 1 for i in range(rows - 8192)})
    assert columns["nulls"].values == expected
    assert summarize_array(pa.array([str(i) for i in range(10000)])).values is None
    assert summarize_array(pa.array([str(i % 50) for i in range(10000)])).values == {
        str(i): 200 for i in range(50)
    }
