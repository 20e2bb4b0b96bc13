"""The ground-truth merge on Spark: the same rule as ``dataset.merge``, the join as a Spark join.

Three Spark jobs over DataFrames, no rows on the driver:

1. keys: one task per prediction file (``spark.range(n, numPartitions=n).mapInArrow``) runs the local
   engine's ``Predictions.file_keys`` (capture envelopes or batch-transform lines → ``(line, key)``,
   the key ``inferenceId`` falling back to ``eventId``); labels: one task per ground-truth file runs
   ``label_file_table``. Each task also yields its file's ``ReadReport`` as one extra row, so the bad
   records and counts are the local engine's, merged in file order on the driver.
2. the join: the latest label of each id (``max_by`` over the collection order: hour folder, file name,
   line, as the local engine's running number), joined to the keys; the counts of unmatched predictions,
   orphan and superseded duplicate labels, and the first ``MAX_LISTED_IDS`` ids of each (sorted as
   DuckDB sorts them: by bytes), are aggregates.
3. the write: the matched ``(file, line, label)`` rows, shuffled by file and sorted by line, go to one
   task per file group, which reads its prediction file again and writes the merged records with the
   local engine's ``Predictions.merged``, as Spark names its output: ``part-{file:05d}-{run}.c{k:03d}.jsonl``
   (``k`` counts the ``RECORDS_PER_PART`` chunks of one file) in the capture's hour folder. Only the
   names of the written files travel back.

The merged records are the local engine's, and ``MergeReport.files`` lists them in the order the local
engine analyses its matched records: by prediction file, then line (a prediction file's records share
one hour folder: a capture file is an hour's, a transform's outputs carry its start time). The files are
cut differently (one part per prediction file and folder, not one per 100,000 records of a folder).
Executors write the merged files themselves: on a cluster the execution's output must be a store every
executor reaches (``s3://``), as docs/spark.md says.
"""

from __future__ import annotations

import itertools
import pickle
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import numpy as np
import pyarrow as pa

from modelmonitor.dataset.merge import (
    MAX_LISTED_IDS,
    RECORDS_PER_PART,
    MergeBudget,
    MergeReport,
    Predictions,
    ground_truth_files,
    label_file_table,
)
from modelmonitor.dataset.merge_capture import line_bytes
from modelmonitor.dataset.report import ReadReport
from modelmonitor.dataset.window import AnalysisWindow
from modelmonitor.formats.layout import join_uri
from modelmonitor.storage.objects import store_for

__all__ = ["spark_merge_ground_truth"]

_KEYS = pa.schema(
    [("file_id", pa.int32()), ("line", pa.int64()), ("key", pa.string()), ("report", pa.binary())]
)
_LABELS = pa.schema(
    [("file_id", pa.int32()), ("seq", pa.int64())]
    + [(name, pa.string()) for name in ("event_id", "data", "encoding")]
    + [("report", pa.binary())]
)
_DDL = {pa.int32(): "int", pa.int64(): "long", pa.string(): "string", pa.binary(): "binary"}
_WRITTEN = "folder string, file_id int, chunk int, uri string, records long"


def _report_row(schema: pa.Schema, file_id: int, report: ReadReport) -> pa.RecordBatch:
    """The extra row of a file's task: its read report, the other columns null."""
    arrays = [pa.array([file_id], pa.int32())]
    arrays += [pa.nulls(1, field.type) for field in list(schema)[1:-1]]
    arrays.append(pa.array([pickle.dumps(report, protocol=pickle.HIGHEST_PROTOCOL)], pa.binary()))
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


@dataclass(frozen=True)
class _KeysTask:
    predictions: Predictions

    def __call__(self, ids: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for id_batch in ids:
            for file_id in id_batch.column(0).to_pylist():
                report = ReadReport()
                keys = self.predictions.file_keys(self.predictions.files[file_id], report)
                rows = keys.num_rows
                yield pa.RecordBatch.from_arrays(
                    [
                        pa.array(np.full(rows, file_id, dtype=np.int32)),
                        keys.column("line").combine_chunks(),
                        keys.column("key").combine_chunks(),
                        pa.nulls(rows, pa.binary()),
                    ],
                    schema=_KEYS,
                )
                yield _report_row(_KEYS, file_id, report)


@dataclass(frozen=True)
class _LabelsTask:
    files: tuple[str, ...]

    def __call__(self, ids: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for id_batch in ids:
            for file_id in id_batch.column(0).to_pylist():
                report = ReadReport()
                table = label_file_table(self.files[file_id], report)
                rows = table.num_rows
                # collection order: files in hour-folder and name order, then lines
                seq = (np.int64(file_id) << 32) + np.arange(rows, dtype=np.int64)
                yield pa.RecordBatch.from_arrays(
                    [
                        pa.array(np.full(rows, file_id, dtype=np.int32)),
                        pa.array(seq),
                        *(table.column(n).combine_chunks().cast(pa.string()) for n in _LABELS.names[2:5]),
                        pa.nulls(rows, pa.binary()),
                    ],
                    schema=_LABELS,
                )
                yield _report_row(_LABELS, file_id, report)


@dataclass(frozen=True)
class _WriteTask:
    """Merged records of the matched rows of each prediction file, written beside the local engine's."""

    predictions: Predictions
    output_uri: str
    run: str

    def __call__(self, batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        pending: list[pa.RecordBatch] = []
        for batch in batches:  # rows sorted by (file_id, line); a file's rows may span batches
            file_ids = batch.column(0).to_numpy()
            bounds = [0, *(np.flatnonzero(np.diff(file_ids)) + 1).tolist(), len(file_ids)]
            for start, stop in itertools.pairwise(bounds):
                piece = batch.slice(start, stop - start)
                if pending and pending[0].column(0)[0].as_py() != piece.column(0)[0].as_py():
                    yield self._write(pending)
                    pending = []
                pending.append(piece)
        if pending:
            yield self._write(pending)

    def _write(self, pieces: list[pa.RecordBatch]) -> pa.RecordBatch:
        table = pa.Table.from_batches(pieces)
        file_id = int(table.column("file_id")[0].as_py())
        lines = table.column("line").to_numpy()
        data = table.column("data").combine_chunks().cast(pa.string())
        encodings = table.column("encoding").combine_chunks().cast(pa.string())
        uri = self.predictions.files[file_id]
        store = store_for(self.output_uri)
        written: list[tuple[str, int, int, str, int]] = []
        by_folder: dict[str, list[pa.Array]] = {}
        for folder, merged in self.predictions.merged(uri, lines, data, encodings):
            by_folder.setdefault(folder, []).append(merged)  # batch transform: one record at a time
        for folder, pieces_of_folder in by_folder.items():
            merged = pa.concat_arrays(pieces_of_folder)  # lines that end with their newline
            for chunk, start in enumerate(range(0, len(merged), RECORDS_PER_PART)):
                taken = merged.slice(start, RECORDS_PER_PART)
                name = f"part-{file_id:05d}-{self.run}.c{chunk:03d}.jsonl"
                target = join_uri(self.output_uri, folder, name)
                store.write_parts(target, [line_bytes(taken)])
                written.append((folder, file_id, chunk, target, len(taken)))
        columns = list(zip(*written, strict=True)) if written else [(), (), (), (), ()]
        types = (pa.string(), pa.int32(), pa.int32(), pa.string(), pa.int64())
        return pa.RecordBatch.from_arrays(
            [pa.array(column, kind) for column, kind in zip(columns, types, strict=True)],
            names=["folder", "file_id", "chunk", "uri", "records"],
        )


def _per_file(spark: Any, count: int, task: Callable[..., Any], schema: pa.Schema) -> Any:
    """One task per file (an empty frame of ``schema`` without files), persisted: read once, used thrice."""
    ddl = ", ".join(f"{field.name} {_DDL[field.type]}" for field in schema)
    frame = spark.range(0, count, 1, max(count, 1)).mapInArrow(task, ddl)
    return frame.persist()


def _merged_reports(frame: Any) -> ReadReport:
    rows = frame.where("report IS NOT NULL").select("file_id", "report").collect()
    report = ReadReport()
    for row in sorted(rows, key=lambda row: int(row["file_id"])):
        report = report.merge(pickle.loads(row["report"]))
    return report


def spark_merge_ground_truth(
    spark: Any,
    predictions: Predictions,
    window: AnalysisWindow,
    ground_truth_uri: str,
    until: datetime,
    merge_output_uri: str,
    *,
    time_budget_seconds: float | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> MergeReport:
    """``dataset.merge.merge_predictions`` as Spark jobs: the same report, the same merged records."""
    from pyspark.sql import functions as F  # noqa: N812  (pyspark's own idiom)

    budget = MergeBudget(time_budget_seconds, clock)
    report = MergeReport(labels_until=until)
    label_store = store_for(ground_truth_uri)
    label_files = tuple(ground_truth_files(label_store, ground_truth_uri, window.start, until))
    keys_frame = _per_file(spark, len(predictions.files), _KeysTask(predictions), _KEYS)
    labels_frame = _per_file(spark, len(label_files), _LabelsTask(label_files), _LABELS)
    latest = None
    try:
        report.capture_read = _merged_reports(keys_frame)
        keys = keys_frame.where("report IS NULL").select("file_id", "line", "key")
        report.captured = keys.count()
        report.capture_read.rows += report.captured
        budget.check("reading the captured records")
        report.label_read = _merged_reports(labels_frame)
        labels = labels_frame.where("report IS NULL")
        report.labels = labels.count()
        latest = (
            labels.groupBy("event_id")
            .agg(
                F.max_by("data", "seq").alias("data"),
                F.max_by("encoding", "seq").alias("encoding"),
                F.count(F.lit(1)).alias("copies"),
            )
            .persist()
        )
        duplicates = latest.agg(F.sum(F.col("copies") - 1)).first()
        report.duplicate_labels = int(duplicates[0] or 0) if duplicates is not None else 0
        unmatched = keys.join(latest, keys["key"] == latest["event_id"], "left_anti").select("key")
        orphans = latest.join(keys, latest["event_id"] == keys["key"], "left_anti").select("event_id")
        report.unmatched_predictions = unmatched.count()
        report.orphan_labels = orphans.count()
        report.unmatched_ids = [row[0] for row in unmatched.orderBy("key").limit(MAX_LISTED_IDS).collect()]
        report.orphan_ids = [row[0] for row in orphans.orderBy("event_id").limit(MAX_LISTED_IDS).collect()]
        matched = keys.join(latest, keys["key"] == latest["event_id"]).select(
            "file_id", "line", "data", "encoding"
        )
        budget.check("joining the labels")
        task = _WriteTask(predictions, merge_output_uri, str(uuid.uuid4()))
        written = (
            matched.repartition("file_id")
            .sortWithinPartitions("file_id", "line")
            .mapInArrow(task, _WRITTEN)
            .collect()
        )
        budget.check("writing the merged records")
    finally:
        for frame in (keys_frame, labels_frame, latest):
            if frame is not None:
                frame.unpersist()
    ordered = sorted(written, key=lambda row: (int(row["file_id"]), row["folder"], int(row["chunk"])))
    report.matched = sum(int(row["records"]) for row in ordered)
    report.files = [str(row["uri"]) for row in ordered]
    return report
