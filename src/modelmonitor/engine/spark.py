"""The Spark engine: each partition of the plan is a Spark task; only states and reports go to the driver.

The driver plans the read (``DatasetReader.plan``: the same files, in the same order, as the local
engine, a Parquet file above ``split_bytes`` cut into runs of its row groups so that one big file
still keeps every executor busy), then runs ``spark.range(n, numPartitions=n).mapInArrow(task)``: the
task of partition ``i`` reads partition ``i`` (a file or a run) with the same ``DatasetReader.read``,
folds the same ``summarize``/``merge`` over its batches in input order, and yields one Arrow row
``(index, pickled (state, ReadReport))``. The driver folds those states in partition order, so the
result does not depend on which task finished first. Rows never leave the executors. ``mapInArrow``
(rather than RDD ``mapPartitions``) because it also runs on Spark Connect sessions, which have no RDDs.

The session is the active one when there is one (a notebook, a spark-submit driver that made one), else
one built here with ``master`` (default ``local[*]``) and ``conf``; under spark-submit without a
``master`` here, with spark-submit's master, name and settings. For a local master built here the
workers run this interpreter (``PYSPARK_PYTHON`` unless set), so they import the same modelmonitor.
"""

from __future__ import annotations

import logging
import os
import pickle
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Generic, TypeVar

import pyarrow as pa

from modelmonitor.dataset.merge import MergeReport, Predictions
from modelmonitor.dataset.reader import DatasetReader, Partition
from modelmonitor.dataset.report import ReadReport
from modelmonitor.dataset.rows import TARGET_BATCH_BYTES
from modelmonitor.dataset.source import DatasetSource
from modelmonitor.dataset.window import AnalysisWindow
from modelmonitor.engine.base import Progress
from modelmonitor.engine.spark_merge import spark_merge_ground_truth
from modelmonitor.engine.spark_tasks import run_each
from modelmonitor.errors import ConfigurationError

__all__ = ["DEFAULT_MASTER", "MISSING_SPARK", "SPLIT_BYTES", "SparkEngine", "spark_session"]

State = TypeVar("State")
Item = TypeVar("Item")
Result = TypeVar("Result")
DEFAULT_MASTER = "local[*]"
MISSING_SPARK = "--engine spark needs pyspark and Java 17: pip install 'modelmonitor[spark]'"
_SCHEMA = "index long, state binary"
# A Parquet file above this is read by several tasks, runs of its row groups (Spark's own default for
# spark.sql.files.maxPartitionBytes).
SPLIT_BYTES = 128 * 2**20
# Set by spark-submit for the Python driver it starts: the JVM (with the submitted settings) is up.
_SUBMITTED = "PYSPARK_GATEWAY_PORT"
_log = logging.getLogger(__name__)


def spark_session(master: str | None = None, conf: Mapping[str, str] | None = None) -> Any:
    """The active SparkSession, else a new one; a ConfigurationError naming the extra if Spark can't start."""
    try:
        from pyspark.sql import SparkSession
    except ImportError as exc:
        raise ConfigurationError(f"{MISSING_SPARK} (pyspark is not installed: {exc})") from exc
    active = SparkSession.getActiveSession()
    if active is not None:
        _log.info("using the active Spark %s session", active.version)
        if master is not None or conf:
            _log.warning("a Spark session is active: its master and settings are used, --spark-* ignored")
        return active
    builder = SparkSession.builder
    if master is None and _SUBMITTED in os.environ:
        # Under spark-submit the JVM already holds --master, --name and --conf; a master or name set
        # here would override them (a job submitted to YARN would silently run locally).
        described = "from spark-submit"
    else:
        master = master or DEFAULT_MASTER
        described = master
        builder = builder.master(master).appName("modelmonitor")
        if master.startswith("local"):
            # PySpark takes its workers' interpreter from PYSPARK_PYTHON (default: python3 on the PATH,
            # which may lack modelmonitor); local workers run on this machine, so they run this one.
            os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    for key, value in dict(conf or {}).items():
        builder = builder.config(key, value)
    try:
        session = builder.getOrCreate()
    except Exception as exc:  # pyspark raises its own types (Java missing, gateway exited, bad conf)
        raise ConfigurationError(f"{MISSING_SPARK}; Spark did not start (master {described}): {exc}") from exc
    _log.info(
        "started Spark %s session, master %s", session.version, session.conf.get("spark.master", described)
    )
    return session


@dataclass(frozen=True)
class _PartitionTask(Generic[State]):
    """What each Spark task runs: read its partitions, fold their batches, yield the pickled states."""

    source: DatasetSource
    partitions: tuple[Partition, ...]
    summarize: Callable[[pa.RecordBatch], State]
    merge: Callable[[State, State], State]
    empty: State
    batch_bytes: int

    def __call__(self, ids: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        reader = DatasetReader(self.source, batch_bytes=self.batch_bytes)
        for id_batch in ids:
            for index in id_batch.column(0).to_pylist():
                report = ReadReport()
                state = self.empty
                for batch in reader.read(self.partitions[index], report):
                    report.rows += batch.num_rows
                    state = self.merge(state, self.summarize(batch))
                payload = pickle.dumps((state, report), protocol=pickle.HIGHEST_PROTOCOL)
                yield pa.RecordBatch.from_arrays(
                    [pa.array([index], pa.int64()), pa.array([payload], pa.binary())],
                    names=["index", "state"],
                )


@dataclass(frozen=True)
class SparkEngine:
    """``master``/``conf`` apply when no Spark session is active; ``batch_bytes`` as in ``LocalEngine``;
    Parquet files above ``split_bytes`` are split into runs of row groups, one task each."""

    master: str | None = None
    conf: Mapping[str, str] = field(default_factory=dict)
    batch_bytes: int = TARGET_BATCH_BYTES
    split_bytes: int = SPLIT_BYTES

    def aggregate(
        self,
        source: DatasetSource,
        summarize: Callable[[pa.RecordBatch], State],
        merge: Callable[[State, State], State],
        empty: State,
        *,
        progress: Progress | None = None,
    ) -> tuple[State, ReadReport]:
        spark = spark_session(self.master, self.conf)
        plan = DatasetReader(source, batch_bytes=self.batch_bytes).plan(self.split_bytes)
        report = ReadReport(warnings=list(plan.warnings))
        if progress is not None and progress.on_start is not None:
            progress.on_start(plan.total_rows)
        count = len(plan.partitions)
        if count == 0:
            return empty, report
        task = _PartitionTask(source, plan.partitions, summarize, merge, empty, self.batch_bytes)
        rows = spark.range(0, count, 1, count).mapInArrow(task, _SCHEMA).collect()
        state = empty
        for row in sorted(rows, key=lambda row: int(row["index"])):
            partial, partial_report = pickle.loads(row["state"])
            state = merge(state, partial)
            report = report.merge(partial_report)
        return state, report

    def each(self, items: Sequence[Item], task: Callable[[Item], Result]) -> list[Result]:
        return run_each(spark_session(self.master, self.conf), items, task)

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
        return spark_merge_ground_truth(
            spark_session(self.master, self.conf),
            predictions,
            window,
            ground_truth_uri,
            until,
            merge_output_uri,
            time_budget_seconds=time_budget_seconds,
        )
