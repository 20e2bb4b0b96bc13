"""The engine contract: scan a table into Arrow record batches, and fold a per-batch function over them.

An engine knows nothing about what is computed. ``fold`` takes the per-batch function (e.g.
``stats.summary.summarize_batch``) and the state's ``merge``; a distributed engine runs the same
function on each partition (Spark ``mapInArrow``) and merges the states on the driver.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Literal, Protocol, TypeVar

import pyarrow as pa

__all__ = ["BadRecord", "Engine", "Scan", "TableFormat", "TableSource", "fold"]

TableFormat = Literal["csv", "json", "parquet"]

State = TypeVar("State")


@dataclass(frozen=True)
class TableSource:
    """Local files holding one table. ``header`` matters for CSV only (no header: ``_c0.._cN``)."""

    paths: Sequence[str]
    format: TableFormat
    header: bool = False


@dataclass(frozen=True)
class BadRecord:
    """A record that could not be read: counted and reported, never silently dropped."""

    path: str
    line: int | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        column = f" (field {self.field})" if self.field else ""
        return f"{where}{column}: {self.message}"


@dataclass
class Scan:
    """The batches of a table; ``bad_records`` is complete once ``batches`` is exhausted."""

    columns: list[str]
    batches: Iterator[pa.RecordBatch]
    total_rows: int | None = None
    bad_records: list[BadRecord] = field(default_factory=list)


class Engine(Protocol):
    def scan(self, source: TableSource) -> Scan:
        """Start reading ``source``; batches arrive in file order, rows in input order."""
        ...


def fold(
    batches: Iterable[pa.RecordBatch],
    summarize: Callable[[pa.RecordBatch], State],
    merge: Callable[[State, State], State],
    empty: State,
    on_batch: Callable[[pa.RecordBatch], None] | None = None,
) -> State:
    """Summarise each batch and merge the states in order; memory holds one batch and one state."""
    state = empty
    for batch in batches:
        state = merge(state, summarize(batch))
        if on_batch is not None:
            on_batch(batch)
    return state
