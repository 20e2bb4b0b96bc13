"""The engine contract: fold a per-batch function over a data set where its data lives, merge the states.

``Engine.aggregate(source, summarize, merge, empty)`` reads ``source`` (a ``dataset.DatasetSource``)
partition by partition, calls ``summarize`` on every Arrow record batch and merges the states with
``merge`` (``empty`` is its identity). It returns the merged state and the merged ``ReadReport``. An
engine knows nothing about what is computed: ``summarize`` is a plain, picklable function of one
``pyarrow.RecordBatch`` (e.g. ``stats.summary.summarize_batch``), so a distributed engine can run it
on its executors (Spark ``mapInArrow``) and merge only the states on the driver. ``merge`` must be
associative with ``empty`` as identity (``stats.mergeable``); batch boundaries are the engine's choice.

``Engine.each(items, task)`` runs a picklable ``task`` on every item (a file to read) where the data
lives and returns the results in item order: for analyses whose per-file result is small next to the
file (model quality's columns of one merged file). ``Engine.merge_ground_truth`` is the ground-truth
merge of model quality and bias (``dataset.merge``): a DuckDB hash join here, a Spark join on Spark.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, TypeVar

import pyarrow as pa

from modelmonitor.dataset.merge import MergeReport, Predictions
from modelmonitor.dataset.report import ReadReport
from modelmonitor.dataset.source import DatasetSource
from modelmonitor.dataset.window import AnalysisWindow

__all__ = ["Engine", "Progress"]

State = TypeVar("State")
Item = TypeVar("Item")
Result = TypeVar("Result")


@dataclass(frozen=True)
class Progress:
    """Callbacks for a progress display: the row total when known, then each batch read."""

    on_start: Callable[[int | None], None] | None = None
    on_batch: Callable[[pa.RecordBatch], None] | None = None


class Engine(Protocol):
    def aggregate(
        self,
        source: DatasetSource,
        summarize: Callable[[pa.RecordBatch], State],
        merge: Callable[[State, State], State],
        empty: State,
        *,
        progress: Progress | None = None,
    ) -> tuple[State, ReadReport]:
        """Summarise every batch of ``source`` and merge the states; bad records go to the report."""
        ...

    def each(self, items: Sequence[Item], task: Callable[[Item], Result]) -> list[Result]:
        """``task(item)`` of every item, where the data lives; the results in item order."""
        ...

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
        """The predictions joined to their labels, merged records written under ``merge_output_uri``
        (possibly still being written when it returns: ``MergeReport.written_files`` waits for them);
        the local engine also keeps the matched records as columns, ``MergeReport.records``."""
        ...
