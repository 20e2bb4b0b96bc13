"""One contract for every mergeable state: identity, associativity, any chunking, differing columns."""

from __future__ import annotations

import importlib
import inspect
import itertools
import math
import pkgutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
import orjson
import pyarrow as pa
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import modelmonitor
from modelmonitor.analyzers.data_quality import DataQualityProfile
from modelmonitor.dataset.report import BadRecord, ReadReport
from modelmonitor.stats.kll import KLLSketch
from modelmonitor.stats.mergeable import Mergeable
from modelmonitor.stats.summary import (
    ColumnSummary,
    NumericSummary,
    TableSummary,
    summarize_array,
    summarize_batch,
)
from modelmonitor.stats.types import TypeCounts

VALUE = st.one_of(st.none(), st.sampled_from(["0", "1", "-2", "3.5", "x", "y", "true", "", "1e3", " 4"]))
COLUMNS = ("a", "b", "c")


@st.composite
def tables(draw: st.DrawFn) -> pa.Table:
    """A chunk of text rows holding some of the columns (partitions need not share columns)."""
    names = draw(st.lists(st.sampled_from(COLUMNS), min_size=1, max_size=3, unique=True))
    rows = draw(st.integers(0, 12))
    return pa.table(
        {name: pa.array(draw(st.lists(VALUE, min_size=rows, max_size=rows)), pa.string()) for name in names}
    )


def _whole(chunks: Sequence[pa.Table]) -> pa.Table:
    """The chunks as one table; a column a chunk lacks is null in its rows (first-seen column order)."""
    return pa.concat_tables(chunks, promote_options="default")


def _statistics(summary: TableSummary) -> dict[str, Any]:
    return DataQualityProfile(summary).to_statistics().to_dict()


def _assert_same_statistics(left: dict[str, Any], right: dict[str, Any]) -> None:
    """Equal to the last bit, sums and moments too (``stats.exact_sum``); NaN equals NaN."""
    assert orjson.dumps(left) == orjson.dumps(right)


def _first_columns(chunks: Sequence[pa.Table]) -> pa.Table:
    """One column of every chunk's first-column values, in order: the rows of a one-column state."""
    arrays = [chunk.column(0).combine_chunks() for chunk in chunks if chunk.num_columns]
    return pa.table({"v": pa.concat_arrays(arrays) if arrays else pa.array([], pa.string())})


@dataclass(frozen=True)
class Case:
    """How to make a state of one type from a chunk of rows, and when two states are the same."""

    state: type
    of: Callable[[pa.Table], Any]
    same: Callable[[Any, Any], None]
    combine: Callable[[Sequence[pa.Table]], pa.Table] = _whole
    of_all: Callable[[Sequence[pa.Table]], Any] | None = None  # the state of all chunks at once

    def whole(self, chunks: Sequence[pa.Table]) -> Any:
        return self.of_all(chunks) if self.of_all is not None else self.of(self.combine(chunks))


def _column(chunk: pa.Table) -> ColumnSummary:
    return summarize_array(chunk.column(0)) if chunk.num_columns else ColumnSummary.empty()


def _same_table(left: TableSummary, right: TableSummary) -> None:
    _assert_same_statistics(_statistics(left), _statistics(right))


def _same_column(left: ColumnSummary, right: ColumnSummary) -> None:
    _same_table(TableSummary(1, {"x": left}), TableSummary(1, {"x": right}))


def _same_numeric(left: NumericSummary, right: NumericSummary) -> None:
    _same_column(ColumnSummary(numeric=left), ColumnSummary(numeric=right))


def _read_into(report: ReadReport, chunk: pa.Table, path: str) -> ReadReport:
    """What reading a chunk as one file reports: each row a record, each null a bad record."""
    report.files += 1
    report.records += chunk.num_rows
    report.rows += chunk.num_rows
    for name in chunk.column_names:
        for line, value in enumerate(chunk.column(name).to_pylist(), start=1):
            if value is None:
                report.bad(BadRecord(path, line, name, "missing"))
            elif value == "":
                report.warn("empty_column", f"{path}:{line} ({name}) is empty")
    return report


def _report(chunk: pa.Table) -> ReadReport:
    return _read_into(ReadReport(), chunk, f"part-{chunk.num_rows}-{chunk.column_names}.csv")


def _one_report(chunks: Sequence[pa.Table]) -> ReadReport:
    """One report of reading every chunk, as a one-process reader would keep it."""
    report = ReadReport()
    for chunk in chunks:
        _read_into(report, chunk, f"part-{chunk.num_rows}-{chunk.column_names}.csv")
    return report


def _same(left: Any, right: Any) -> None:
    assert left == right


CASES = {
    "TypeCounts": Case(TypeCounts, lambda chunk: _column(chunk).types, _same, _first_columns),
    "NumericSummary": Case(
        NumericSummary, lambda chunk: _column(chunk).numeric, _same_numeric, _first_columns
    ),
    "KLLSketch": Case(KLLSketch, lambda chunk: _column(chunk).numeric.sketch, _same, _first_columns),
    "ColumnSummary": Case(ColumnSummary, _column, _same_column, _first_columns),
    "TableSummary": Case(TableSummary, summarize_batch, _same_table),
    "DataQualityProfile": Case(
        DataQualityProfile,
        lambda chunk: DataQualityProfile(summarize_batch(chunk)),
        lambda left, right: _same_table(left.summary, right.summary),
    ),
    "ReadReport": Case(ReadReport, _report, _same, of_all=_one_report),
}


def _merged(states: Sequence[Any], empty: Any) -> Any:
    result = empty
    for state in states:
        result = result.merge(state)
    return result


@pytest.mark.parametrize("name", sorted(CASES))
@settings(max_examples=40, deadline=None)
@given(chunks=st.lists(tables(), min_size=3, max_size=6))
def test_identity_associativity_and_any_chunking(name: str, chunks: list[pa.Table]) -> None:
    case = CASES[name]
    empty: Mergeable = case.state.empty()
    a, b, c = (case.of(chunk) for chunk in chunks[:3])
    case.same(empty.merge(a), a)
    case.same(a.merge(empty), a)
    case.same(a.merge(b).merge(c), a.merge(b.merge(c)))
    # Any chunking of the same rows, merged in order, gives the state of all the rows at once
    # (chunks hold different columns: a column a chunk lacks is null there).
    case.same(_merged([case.of(chunk) for chunk in chunks], empty), case.whole(chunks))


def test_merging_does_not_change_its_operands() -> None:
    left = summarize_batch(pa.table({"a": ["1", "2"]}))
    right = summarize_batch(pa.table({"b": ["x"]}))
    before = (_statistics(left), _statistics(right))
    left.merge(right)
    assert (_statistics(left), _statistics(right)) == before


def test_every_state_type_has_a_contract_case() -> None:
    """A class with ``empty`` and ``merge`` anywhere in the package must be covered above."""
    found = set()
    for module_info in pkgutil.walk_packages(modelmonitor.__path__, "modelmonitor."):
        if module_info.name.startswith(
            ("modelmonitor.cli", "modelmonitor.api", "modelmonitor.capture.proxy")
        ):
            continue
        module = importlib.import_module(module_info.name)
        for name, value in vars(module).items():
            if (
                inspect.isclass(value)
                and value.__module__ == module.__name__
                and callable(getattr(value, "empty", None))
                and callable(getattr(value, "merge", None))
                and not getattr(value, "_is_protocol", False)
            ):
                found.add(name)
    assert found <= set(CASES), f"state types without a contract case: {sorted(found - set(CASES))}"


def _ill_conditioned(seed: int, count: int = 20_000) -> np.ndarray:
    """Large values that nearly cancel, mixed with small ones: plain sums change with their grouping."""
    rng = np.random.default_rng(seed)
    large = rng.normal(size=count // 4) * 1e12
    small = rng.normal(size=count - 2 * large.size) * 1e-3
    return rng.permutation(np.concatenate([large, -large * (1 + 1e-9), small]))


def _chunked(values: np.ndarray, cuts: Sequence[int]) -> list[np.ndarray]:
    bounds = sorted({0, values.size, *(cut for cut in cuts if cut < values.size)})
    return [values[start:end] for start, end in itertools.pairwise(bounds)]


def test_plain_sums_of_the_ill_conditioned_data_depend_on_the_chunking() -> None:
    """The data of the next test is ill-conditioned: what it asserts does not hold for a plain sum."""
    values = _ill_conditioned(0)
    plain = {
        float(sum(np.cumsum(chunk)[-1] for chunk in _chunked(values, cuts)))
        for cuts in ([], [9000], [3, 15000])
    }
    assert len(plain) > 1


@settings(max_examples=30, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), cuts=st.lists(st.integers(0, 20_000), max_size=8))
def test_sums_are_bit_identical_for_any_chunking_of_ill_conditioned_data(seed: int, cuts: list[int]) -> None:
    values = _ill_conditioned(seed)
    whole = NumericSummary.of(values)
    chunks = [NumericSummary.of(chunk) for chunk in _chunked(values, cuts)]
    forward = _merged(chunks, NumericSummary.empty())
    half = len(chunks) // 2
    tree = _merged(chunks[:half], NumericSummary.empty()).merge(
        _merged(chunks[half:], NumericSummary.empty())
    )
    reverse = _merged(chunks[::-1], NumericSummary.empty())
    exact = [Fraction(value) for value in values.tolist()]
    variance = (sum(x * x for x in exact) - sum(exact) ** 2 / len(exact)) / len(exact)
    for merged in (forward, tree, reverse):
        assert merged.total == whole.total == math.fsum(values.tolist())  # the sum correctly rounded
        assert merged.mean == whole.mean
        assert merged.std_dev == whole.std_dev == math.sqrt(float(variance))
    table = _statistics(TableSummary(values.size, {"x": ColumnSummary(numeric=whole)}))
    assert _statistics(TableSummary(values.size, {"x": ColumnSummary(numeric=forward)})) == table
