"""The single-machine engine: reads a source's partitions in order in this process and folds them.

Memory holds one batch (sized in bytes by the readers) and one state. Batches keep input order, so
order-sensitive sketches (KLL's first level) see the rows as they were written. ``threads`` bounds
DuckDB's parallelism; ``summarize`` may use threads of its own (``stats.summary`` does, per column).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TypeVar

import pyarrow as pa

from modelmonitor.dataset.reader import DatasetReader
from modelmonitor.dataset.report import ReadReport
from modelmonitor.dataset.rows import TARGET_BATCH_BYTES
from modelmonitor.dataset.source import DatasetSource
from modelmonitor.engine.base import Progress

__all__ = ["LocalEngine"]

State = TypeVar("State")


@dataclass(frozen=True)
class LocalEngine:
    """``batch_bytes`` is the Arrow size batches are cut to (tests cut small to prove it changes nothing)."""

    threads: int | None = None
    batch_bytes: int = TARGET_BATCH_BYTES

    def aggregate(
        self,
        source: DatasetSource,
        summarize: Callable[[pa.RecordBatch], State],
        merge: Callable[[State, State], State],
        empty: State,
        *,
        progress: Progress | None = None,
    ) -> tuple[State, ReadReport]:
        reader = DatasetReader(source, threads=self.threads, batch_bytes=self.batch_bytes)
        plan = reader.plan()
        report = ReadReport(warnings=list(plan.warnings))
        if progress is not None and progress.on_start is not None:
            progress.on_start(plan.total_rows)
        state = empty
        for partition in plan.partitions:
            for batch in reader.read(partition, report):
                report.rows += batch.num_rows
                state = merge(state, summarize(batch))
                if progress is not None and progress.on_batch is not None:
                    progress.on_batch(batch)
        return state, report
