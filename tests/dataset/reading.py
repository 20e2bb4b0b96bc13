"""Read a source through the local engine into plain rows, for asserting what a reader produced."""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from modelmonitor.dataset.report import ReadReport
from modelmonitor.dataset.source import DatasetSource
from modelmonitor.engine.local import LocalEngine

Rows = list[dict[str, Any]]


def _rows(batch: pa.RecordBatch) -> Rows:
    return batch.to_pylist()


def _concat(left: Rows, right: Rows) -> Rows:
    return left + right


def read_rows(source: DatasetSource, engine: LocalEngine | None = None) -> tuple[Rows, ReadReport]:
    """Every row of ``source`` in order, and the read report."""
    return (engine or LocalEngine()).aggregate(source, _rows, _concat, [])


def read_batches(source: DatasetSource, engine: LocalEngine | None = None) -> list[pa.RecordBatch]:
    batches, _ = (engine or LocalEngine()).aggregate(source, lambda b: [b], _concat_batches, [])
    return batches


def _concat_batches(left: list[pa.RecordBatch], right: list[pa.RecordBatch]) -> list[pa.RecordBatch]:
    return left + right
