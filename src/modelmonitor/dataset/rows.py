"""Rows → Arrow batches: the one converter every row-producing reader uses, sized in bytes.

Readers that see one record at a time (JSON Lines that DuckDB cannot read whole, capture payloads a
preprocess_handler turns into rows) collect dict rows here. Values are kept typed when a column holds
one kind, else written as text the way Spark hands values to Deequ (``cell``); a column whose every
value is missing is text. A batch is cut when it reaches ``TARGET_BATCH_BYTES``, so memory stays flat
however many columns a row has.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import orjson
import pyarrow as pa

__all__ = ["MAX_BATCH_ROWS", "TARGET_BATCH_BYTES", "RowBuffer", "cell", "rows_to_batch", "sized_batches"]

# About 64 MiB of Arrow data per batch: summarising has a fixed cost per batch and column, so batches
# should be large, but their size must not grow with the column count (1,000 columns at 200k rows).
TARGET_BATCH_BYTES = 32 * 2**20
MAX_BATCH_ROWS = 262_144
_FIRST_ROWS = 4096  # rows of the first batch of a row-producing reader, before the row width is known


def cell(value: Any) -> str | None:
    """A value as the text Spark hands to Deequ: numbers as written, ``true``/``false``, JSON for nesting."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return orjson.dumps(value, default=str).decode()


def _column(values: list[Any]) -> pa.Array:
    if all(value is None or isinstance(value, str) for value in values):
        return pa.array(values, type=pa.string())
    try:
        array = pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError, OverflowError):
        # Mixed kinds in one field (1 and "x"): keep every value, as text, like Spark's string cast.
        return pa.array([cell(value) for value in values], type=pa.string())
    return array


def rows_to_batch(rows: list[dict[str, Any]]) -> pa.RecordBatch:
    """Dict rows → one batch, columns in first-seen order; a key a row lacks is null in that row."""
    names: dict[str, None] = {}
    for row in rows:
        names.update(dict.fromkeys(row))
    arrays = [_column([row.get(name) for row in rows]) for name in names]
    return pa.RecordBatch.from_arrays(arrays, names=list(names))


class RowBuffer:
    """Collects rows and hands them out as batches of about ``target_bytes``."""

    def __init__(self, target_bytes: int = TARGET_BATCH_BYTES) -> None:
        self.target_bytes = target_bytes
        self.rows: list[dict[str, Any]] = []
        self._limit = _FIRST_ROWS

    def add(self, rows: Iterable[dict[str, Any]]) -> pa.RecordBatch | None:
        """Add rows; a batch when the buffer is full, else None."""
        self.rows.extend(rows)
        return self.flush() if len(self.rows) >= self._limit else None

    def flush(self) -> pa.RecordBatch | None:
        if not self.rows:
            return None
        batch = rows_to_batch(self.rows)
        self.rows = []
        per_row = max(1, batch.nbytes // max(1, batch.num_rows))
        self._limit = max(1, min(MAX_BATCH_ROWS, self.target_bytes // per_row))
        return batch


def sized_batches(
    batches: Iterable[pa.RecordBatch], target_bytes: int = TARGET_BATCH_BYTES
) -> Iterator[pa.RecordBatch]:
    """Batches of about ``target_bytes`` (at most ``MAX_BATCH_ROWS`` rows), in order, whatever sizes came in.

    Readers hand out vectors of a few thousand rows; summarising has a fixed cost per batch, so small
    batches are joined, and large ones cut, by their Arrow size rather than their row count.
    """
    pending: list[pa.RecordBatch] = []
    pending_rows = 0
    pending_bytes = 0
    for batch in batches:
        while batch.num_rows:
            per_row = max(1, batch.nbytes // max(1, batch.num_rows))
            room_rows = min(MAX_BATCH_ROWS - pending_rows, max(1, (target_bytes - pending_bytes) // per_row))
            take = min(room_rows, batch.num_rows)
            part = batch.slice(0, take)
            pending.append(part)
            pending_rows += take
            pending_bytes += take * per_row
            batch = batch.slice(take)
            if pending_rows >= MAX_BATCH_ROWS or pending_bytes >= target_bytes or batch.num_rows:
                yield _joined(pending)
                pending, pending_rows, pending_bytes = [], 0, 0
    if pending:
        yield _joined(pending)


def _joined(batches: list[pa.RecordBatch]) -> pa.RecordBatch:
    if len(batches) == 1:
        return batches[0]
    return pa.Table.from_batches(batches).combine_chunks().to_batches()[0]
