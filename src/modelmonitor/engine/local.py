"""The single-machine engine: reads a source's partitions in order in this process and folds them.

A reader thread parses the next batch while the caller's thread summarises the current one (parsing
is Arrow, DuckDB and pyarrow.json work that releases the GIL), so memory holds at most
``PREFETCH_BATCHES`` + 1 batches (each sized in bytes by the readers) and one state. Batches keep
input order, so order-sensitive sketches (KLL's first level) see the rows as they were written.
``threads`` bounds DuckDB's parallelism; ``summarize`` may use threads of its own (``stats.summary``
does, per column).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import TypeVar

import pyarrow as pa

from modelmonitor.dataset.merge import MergeReport, Predictions, merge_predictions
from modelmonitor.dataset.reader import DatasetReader
from modelmonitor.dataset.report import ReadReport
from modelmonitor.dataset.rows import TARGET_BATCH_BYTES
from modelmonitor.dataset.source import DatasetSource
from modelmonitor.dataset.window import AnalysisWindow
from modelmonitor.engine.base import Progress

__all__ = ["PREFETCH_BATCHES", "LocalEngine", "keep_freed_arrow_memory"]

State = TypeVar("State")
Item = TypeVar("Item")
Result = TypeVar("Result")
PREFETCH_BATCHES = 1
_DONE = object()


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
        batches = (batch for partition in plan.partitions for batch in reader.read(partition, report))
        for batch in _prefetched(batches):
            report.rows += batch.num_rows
            state = merge(state, summarize(batch))
            if progress is not None and progress.on_batch is not None:
                progress.on_batch(batch)
        return state, report

    def each(self, items: Sequence[Item], task: Callable[[Item], Result]) -> list[Result]:
        return [task(item) for item in items]

    def merge_ground_truth(
        self,
        predictions: Predictions,
        window: AnalysisWindow,
        ground_truth_uri: str,
        until: datetime,
        merge_output_uri: str,
        *,
        time_budget_seconds: float | None = None,
    ) -> MergeReport:
        # the merged files are written on a thread while the analysis reads report.records
        return merge_predictions(
            predictions,
            window,
            ground_truth_uri,
            until,
            merge_output_uri,
            time_budget_seconds=time_budget_seconds,
            write_in_background=True,
        )


def keep_freed_arrow_memory() -> None:
    """For a process that runs one job and ends: Arrow keeps the memory it frees for its next batches.

    Arrow's default allocator (mimalloc) hands freed memory back to the kernel within milliseconds, so
    every batch faults its pages in again, zeroed: 0.4-0.5 s of system time over an hour of 1M capture
    records, 15% of the read. jemalloc with its decay turned off keeps them. Not for a long-lived
    process such as the service: its memory would stay at the peak of its largest read.
    """
    try:
        pool = pa.jemalloc_memory_pool()
    except NotImplementedError:  # a pyarrow built without jemalloc: the default allocator stays
        return
    pa.set_memory_pool(pool)
    pa.jemalloc_set_decay_ms(-1)


def _prefetched(batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
    """``batches`` produced by a reader thread, ``PREFETCH_BATCHES`` ahead; its errors raised here."""
    slots: queue.Queue[object] = queue.Queue(maxsize=PREFETCH_BATCHES)
    stop = threading.Event()

    def produce() -> None:
        try:
            for batch in batches:
                while not stop.is_set():
                    try:
                        slots.put(batch, timeout=0.1)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
            slots.put(_DONE)
        except BaseException as exc:  # handed to the consumer, which raises it
            slots.put(exc)

    worker = threading.Thread(target=produce, name="modelmonitor-reader", daemon=True)
    worker.start()
    try:
        while True:
            item = slots.get()
            if item is _DONE:
                return
            if isinstance(item, BaseException):
                raise item
            assert isinstance(item, pa.RecordBatch)
            yield item
    finally:
        stop.set()
        while worker.is_alive():
            try:
                slots.get_nowait()
            except queue.Empty:
                worker.join(timeout=0.1)
