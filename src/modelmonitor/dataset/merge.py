"""Captured predictions joined to their ground-truth labels: SageMaker's merge step.

SageMaker's rule (docs/sagemaker.md#ground-truth-records): a capture record in the analysis window is
joined to the label whose ``eventMetadata.eventId`` equals the capture's ``inferenceId``, or its
``eventId`` when the call had no inference id. Labels are read from the ground-truth hour folders
collected from the window's start up to the execution's scheduled time ``until`` (labels are collected
after the predictions; the schedule's offsets leave them time to arrive).

- Several labels for one id: the latest collection wins (the last hour folder, then the last file name,
  which starts with the upload's minute, second and millisecond, then the last line); the others are
  counted as ``duplicate_labels``.
- Predictions without a label (``unmatched_predictions``) and labels without a prediction in the window
  (``orphan_labels``) are counted, and the first ``MAX_LISTED_IDS`` ids of each are listed.
- Merged records are written as SageMaker writes them, the capture record plus ``groundTruthData``, under
  ``{output}/merge/{endpoint}/{variant}/yyyy/mm/dd/hh/part-00000-{uuid}.c000.jsonl`` (the capture's hour).

Two passes over the capture files keep memory flat: the first collects only (id, file, line) and the
model's output for the join, which DuckDB runs as a hash join; the second streams the files again and
writes the matched records. The labels are read while the first pass runs (both are Arrow parsing,
which releases the GIL). The matched records' labels and outputs are kept as columns
(``MergeReport.records``, ``MERGED_RECORDS``): the analysis reads them there, not from the files, and
with ``write_in_background`` the files are written on a thread of their own meanwhile
(``MergeReport.written_files`` waits for them). Unreadable records are bad records of the
``ReadReport``s, as everywhere.
"""

from __future__ import annotations

import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import PurePosixPath
from typing import Any, cast

import duckdb
import numpy as np
import orjson
import pyarrow as pa
import pyarrow.compute as pc

from modelmonitor.dataset.captured import BlockBuffers, capture_files, capture_lines, transform_output_files
from modelmonitor.dataset.ground_truth import read_ground_truth_lines
from modelmonitor.dataset.merge_capture import (
    KEYS_SCHEMA,
    PAYLOAD_TYPE,
    capture_keys,
    line_bytes,
    merged_lines,
)
from modelmonitor.dataset.report import BadRecord, ReadReport
from modelmonitor.dataset.source import DatasetFormat
from modelmonitor.dataset.window import AnalysisWindow, format_time, parse_time
from modelmonitor.errors import ConfigurationError, DatasetError, JobError, ModelMonitorError
from modelmonitor.formats.capture import split_capture_lines
from modelmonitor.formats.exit_message import MergeCounts
from modelmonitor.formats.layout import hour_path, join_uri
from modelmonitor.storage.objects import ObjectStore, store_for

__all__ = [
    "MAX_LISTED_IDS",
    "MERGED_RECORDS",
    "RECORDS_PER_PART",
    "MergeBudget",
    "MergeReport",
    "MergedRecord",
    "Predictions",
    "endpoint_predictions",
    "ground_truth_files",
    "label_file_table",
    "merge_ground_truth",
    "merge_predictions",
    "merge_transform_ground_truth",
    "read_merged",
    "transform_predictions",
]

MAX_LISTED_IDS = 1000
RECORDS_PER_PART = 100_000
# The merged records as the analysis reads them: where each came from (the capture or batch-transform
# output file and line, for messages), the label, and the model's output section (endpoint or batch).
MERGED_RECORDS = pa.schema(
    [
        ("uri", pa.dictionary(pa.int32(), pa.string())),
        ("line", pa.int64()),
        ("groundTruthData", pa.struct([("data", pa.string()), ("encoding", pa.string())])),
        (
            "captureData",
            pa.struct([("endpointOutput", PAYLOAD_TYPE), ("batchTransformOutput", PAYLOAD_TYPE)]),
        ),
    ]
)


@dataclass
class MergeReport:
    """What the merge joined, and what it could not."""

    captured: int = 0
    labels: int = 0
    matched: int = 0
    unmatched_predictions: int = 0
    orphan_labels: int = 0
    duplicate_labels: int = 0
    unmatched_ids: list[str] = field(default_factory=list)
    orphan_ids: list[str] = field(default_factory=list)
    capture_read: ReadReport = field(default_factory=ReadReport)
    label_read: ReadReport = field(default_factory=ReadReport)
    files: list[str] = field(default_factory=list)
    labels_until: datetime | None = None
    # the matched records as columns (MERGED_RECORDS), when the merge kept them (the local engine's)
    records: pa.Table | None = None
    writing: Future[list[str]] | None = field(default=None, repr=False, compare=False)

    def written_files(self) -> list[str]:
        """The merged files, once written: waits for a write in the background (raising its error)."""
        if self.writing is not None:
            writing, self.writing = self.writing, None
            self.files = writing.result()
        return self.files

    def require_matches(self, window: AnalysisWindow, ground_truth_uri: str) -> None:
        """Raise ``DatasetError`` when no prediction of the window has a label, saying which case it is."""
        if self.matched:
            return
        until = "" if self.labels_until is None else f" up to {format_time(self.labels_until)}"
        where = f"{window.describe()}; labels collected{until} read from {ground_truth_uri}"
        if not self.captured:
            reason = f"no captured prediction {where}"
        elif not self.labels:
            reason = f"no ground truth yet for the {self.captured} prediction(s) captured {where}"
        else:
            reason = (
                f"none of the {self.captured} prediction(s) captured {where} has a label: "
                f"{self.labels} label(s) read, none with a matching id (first ids without a label: "
                f"{', '.join(self.unmatched_ids[:3])}; first labels without a prediction: "
                f"{', '.join(self.orphan_ids[:3])})"
            )
        raise DatasetError(f"{reason}; model quality and bias monitoring need predictions with labels")

    def counts(self) -> MergeCounts:
        """The counts the exit message carries (for the dashboard)."""
        return MergeCounts(
            captured=self.captured,
            labels=self.labels,
            matched=self.matched,
            unmatched_predictions=self.unmatched_predictions,
            orphan_labels=self.orphan_labels,
            duplicate_labels=self.duplicate_labels,
        )

    def summary(self) -> str:
        return (
            f"{self.matched} matched of {self.captured} prediction(s) and {self.labels} label(s): "
            f"{self.unmatched_predictions} prediction(s) without a label, {self.orphan_labels} label(s) "
            f"without a prediction, {self.duplicate_labels} duplicate label(s) superseded; "
            f"captures: {self.capture_read.summary()}; labels: {self.label_read.summary()}"
        )


@dataclass(frozen=True)
class MergedRecord:
    """One merged record as read back: its place (for messages) and the parsed record."""

    uri: str
    line: int
    record: dict[str, Any]


def ground_truth_files(store: ObjectStore, prefix: str, start: datetime, until: datetime) -> list[str]:
    """Every ``*.jsonl`` of the ground-truth hour folders collected in ``[start, until)``, sorted.

    An hour folder counts when its hour overlaps the span: ``start``'s hour is read, and ``until``'s
    only when ``until`` is past the hour's start (a run due at 14:00 has not seen labels collected at 14:xx).
    """
    found: list[str] = []
    hour = start.replace(minute=0, second=0, microsecond=0)
    while hour < until:
        folder = join_uri(prefix, hour_path(hour))
        found.extend(
            e.uri for e in store.list_children(folder) if not e.is_folder and e.uri.endswith(".jsonl")
        )
        hour += timedelta(hours=1)
    return found


def label_file_table(uri: str, report: ReadReport) -> pa.Table:
    """The (event_id, data, encoding) labels of one ground-truth file, counted in ``report``."""
    report.files += 1
    return read_ground_truth_lines(uri, store_for(uri).read_bytes(uri), report).table


def _labels_table(files: list[str], report: ReadReport) -> pa.Table:
    tables = []
    sequence = 0
    for uri in files:
        table = label_file_table(uri, report)
        # a running number in collection order: the highest one of an id is its latest label
        order = pa.array(np.arange(sequence, sequence + table.num_rows, dtype=np.int64))
        sequence += table.num_rows
        tables.append(table.append_column("seq", order))
    if not tables:
        empty = {"event_id": pa.string(), "data": pa.string(), "encoding": pa.string(), "seq": pa.int64()}
        return pa.table({k: pa.array([], type=t) for k, t in empty.items()})
    return pa.concat_tables(tables)


@dataclass(frozen=True)
class Predictions:
    """Where the predictions are: endpoint capture files, or batch-transform output files.

    ``keys(uri, report)`` gives the (line, join key, output) table (``KEYS_SCHEMA``) of the predictions
    of one file that the window selects (the rest counted in ``report``); ``merged(uri, lines, data,
    encodings)`` gives (folder, merged records) of the sorted ``lines`` with their labels, the folder
    relative to the merge output and the records a binary array of lines that end with a newline
    (``line_bytes`` gives their bytes); ``section`` names the output in ``captureData``.
    """

    files: list[str]
    keys: Callable[[str, ReadReport], pa.Table]
    merged: Callable[[str, np.ndarray, pa.Array, pa.Array], Iterator[tuple[str, pa.Array]]]
    section: str

    def file_keys(self, uri: str, report: ReadReport) -> pa.Table:
        """``keys`` of one file, the file counted in ``report``."""
        report.files += 1
        return self.keys(uri, report)


def _captures_table(predictions: Predictions, report: ReadReport) -> pa.Table:
    tables = []
    for file_id, uri in enumerate(predictions.files):
        keys = predictions.file_keys(uri, report)
        file_ids = pa.array(np.full(keys.num_rows, file_id, dtype=np.int32))
        tables.append(keys.append_column("file_id", file_ids))
    if not tables:
        return KEYS_SCHEMA.append(pa.field("file_id", pa.int32())).empty_table()
    table = pa.concat_tables(tables)
    report.rows += table.num_rows
    return table


# The latest label of each id (the highest collection sequence).
_LATEST = """
CREATE TEMP TABLE latest AS
SELECT event_id, arg_max(data, seq) AS data, arg_max(encoding, seq) AS encoding FROM labels GROUP BY event_id
"""
# Each capture row with its id's latest label, and that label's row in ``latest`` (unordered).
_MATCHED = (
    "SELECT c.row AS capture_row, l.rowid AS label_row, l.data, l.encoding "
    "FROM captures c JOIN latest l ON c.key = l.event_id"
)
_ORPHANS = "SELECT l.event_id FROM latest l ANTI JOIN captures c ON c.key = l.event_id ORDER BY 1 LIMIT"


def _join(captures: pa.Table, labels: pa.Table, report: MergeReport) -> pa.Table:
    """(file_id, line, data, encoding, output) of every capture with a label, in capture order; the
    counts and the first ids of what did not match go to ``report``.

    DuckDB joins the keys alone; the captures' own columns are taken back by row in Arrow, and what
    did not match is what no joined row points at (numpy masks, not more joins).
    """
    rows = captures.num_rows
    keys = captures.select(["key"]).append_column("row", pa.array(np.arange(rows, dtype=np.int64)))
    with duckdb.connect() as db:
        db.register("captures", keys)
        db.register("labels", labels)
        db.execute(_LATEST)
        joined = cast(pa.Table, db.sql(_MATCHED).to_arrow_table())
        latest = db.execute("SELECT count(*) FROM latest").fetchone()
        assert latest is not None
        label_rows = joined.column("label_row").to_numpy()
        used = np.zeros(int(latest[0]), dtype=bool)
        used[label_rows] = True
        report.orphan_labels = int(latest[0] - np.count_nonzero(used))
        if report.orphan_labels:
            report.orphan_ids = [r[0] for r in db.execute(f"{_ORPHANS} {MAX_LISTED_IDS}").fetchall()]
    report.duplicate_labels = labels.num_rows - int(latest[0])
    # capture order: each capture row at most once, so its place is a scatter, not a sort
    capture_rows = joined.column("capture_row").to_numpy()
    place = np.full(rows, -1, dtype=np.int64)
    place[capture_rows] = np.arange(len(capture_rows))
    order = place[place >= 0]
    report.matched = len(order)
    unmatched = place < 0
    report.unmatched_predictions = int(np.count_nonzero(unmatched))
    if report.unmatched_predictions:
        missing = captures.column("key").filter(pa.array(unmatched))
        first = pc.sort_indices(missing)[:MAX_LISTED_IDS]
        report.unmatched_ids = missing.take(first).to_pylist()
    taken = pa.array(np.sort(capture_rows))
    chosen = pa.array(order)
    return pa.table(
        {
            "file_id": captures.column("file_id").take(taken),
            "line": captures.column("line").take(taken),
            "data": joined.column("data").take(chosen),
            "encoding": joined.column("encoding").take(chosen),
            "output": captures.column("output").take(taken),
        }
    )


def endpoint_predictions(destination: str, endpoint: str, window: AnalysisWindow) -> Predictions:
    """The captured predictions of ``endpoint``'s files in the window (merged by capture hour)."""
    store = store_for(destination)
    # each pass reads its files into buffers of its own, reused from file to file (the writing pass
    # may run on a thread while nothing else reads the keys)
    key_buffers, write_buffers = BlockBuffers(), BlockBuffers()

    def keys(uri: str, report: ReadReport) -> pa.Table:
        return capture_keys(store, uri, window, report, key_buffers)

    def merged(
        uri: str, lines: np.ndarray, data: pa.Array, encodings: pa.Array
    ) -> Iterator[tuple[str, pa.Array]]:
        folder = _capture_folder(uri)
        for merged_block in merged_lines(store, uri, lines, data, encodings, write_buffers):
            yield folder, merged_block

    return Predictions(capture_files(store, destination, endpoint, window), keys, merged, "endpointOutput")


@dataclass(frozen=True)
class _TransformOutput:
    """One record of a batch-transform output file with the inference id SageMaker appends to it."""

    inference_id: str
    inference_time: datetime
    data: str  # the model's output without the id and time
    encoding: str


def _transform_output(line: bytes, data_format: DatasetFormat) -> _TransformOutput:
    """The record of an output line; ``ValueError`` saying what is wrong (GenerateInferenceId's fields)."""
    text = line.decode("utf-8").rstrip("\r")
    if data_format is DatasetFormat.CSV:
        # GenerateInferenceId appends two columns: ...,<inference id>,<job start time>
        data, _, rest = text.rpartition(",")
        data, _, inference_id = data.rpartition(",")
        moment_text, encoding = rest, "CSV"
    else:
        value = orjson.loads(line)
        if not isinstance(value, dict):
            raise ValueError(f"expected a JSON object, got {type(value).__name__}")
        found_id, found_time = value.get("SageMakerInferenceId"), value.get("SageMakerInferenceTime")
        if not isinstance(found_id, str) or not isinstance(found_time, str):
            raise ValueError(
                "no SageMakerInferenceId / SageMakerInferenceTime keys (the transform job needs "
                "GenerateInferenceId, or the capture's run_batch, to join labels)"
            )
        inference_id, moment_text, data, encoding = found_id, found_time, text, "JSON"
    if not inference_id.strip() or not data:
        raise ValueError(
            "expected the output followed by the inference id and time columns that GenerateInferenceId "
            f"appends, got {text[:80]!r}"
        )
    moment = parse_time(moment_text, field="inference time")
    return _TransformOutput(inference_id.strip(), moment, data, encoding)


def _transform_lines(store: ObjectStore, uri: str) -> Iterator[tuple[int, bytes]]:
    content = store.read_bytes(uri)
    if not content.endswith(b"\n") and content.strip():
        content += b"\n"  # written by a user's job: the last line may lack its newline
    yield from split_capture_lines(content).lines


def transform_predictions(destination: str, data_format: DatasetFormat,
                          window: AnalysisWindow) -> Predictions:  # fmt: skip
    """The batch-transform outputs the window's manifests name (``merge_transform_ground_truth``)."""
    if data_format not in (DatasetFormat.CSV, DatasetFormat.JSON_LINES):
        raise ConfigurationError(
            "the ground-truth merge reads batch-transform output as CSV or JSON Lines; "
            f"got {data_format.value}"
        )
    store = store_for(destination)
    content_type = "text/csv" if data_format is DatasetFormat.CSV else "application/jsonlines"

    def keys(uri: str, report: ReadReport) -> pa.Table:
        lines: list[int] = []
        ids: list[str] = []
        outputs: list[dict[str, str]] = []
        for number, line in _transform_lines(store_for(uri), uri):
            report.records += 1
            try:
                output = _transform_output(line, data_format)
            except (ValueError, ModelMonitorError) as exc:
                report.bad(BadRecord(uri, number, None, str(exc)))
                continue
            report.records_in_window += 1
            lines.append(number)
            ids.append(output.inference_id)
            outputs.append(
                {"data": output.data, "encoding": output.encoding, "observedContentType": content_type}
            )
        return pa.table(
            [
                pa.array(lines, type=pa.int64()),
                pa.array(ids, type=pa.string()),
                pa.array(outputs, type=PAYLOAD_TYPE),
            ],
            schema=KEYS_SCHEMA,
        )

    def merged(
        uri: str, wanted: np.ndarray, data: pa.Array, encodings: pa.Array
    ) -> Iterator[tuple[str, pa.Array]]:
        labels = zip(data.to_pylist(), encodings.to_pylist(), strict=True)
        by_line = dict(zip(wanted.tolist(), labels, strict=True))
        for number, line in _transform_lines(store_for(uri), uri):
            label = by_line.get(number)
            if label is None:
                continue
            output = _transform_output(line, data_format)
            record = {
                "eventVersion": "0",
                "groundTruthData": {"data": label[0], "encoding": label[1]},
                "captureData": {
                    "batchTransformOutput": {
                        "observedContentType": content_type,
                        "mode": "OUTPUT",
                        "data": output.data,
                        "encoding": output.encoding,
                    }
                },
                "eventMetadata": {
                    "eventId": output.inference_id,
                    "inferenceId": output.inference_id,
                    "inferenceTime": format_time(output.inference_time),
                },
            }
            yield (
                f"batch-transform/{hour_path(output.inference_time)}",
                pa.array([orjson.dumps(record) + b"\n"]),
            )

    return Predictions(
        transform_output_files(store, destination, window), keys, merged, "batchTransformOutput"
    )


class _PartWriter:
    """Merged records into ``part-NNNNN-{uuid}.c000.jsonl`` files, one folder per variant and capture hour.

    Records come as binary arrays of lines with their newlines; a part's arrays are kept until it is
    written, then written from their value buffers one after the other: no Python object per record
    and no copy of the part.
    """

    def __init__(self, store: ObjectStore, prefix: str) -> None:
        self.store = store
        self.prefix = prefix
        self.run = uuid.uuid4()
        self.pending: dict[str, list[pa.Array]] = {}
        self.counts: dict[str, int] = defaultdict(int)
        self.parts: dict[str, int] = defaultdict(int)
        self.written: list[str] = []

    def add(self, folder: str, lines: pa.Array) -> None:
        position = 0
        while position < len(lines):
            room = RECORDS_PER_PART - self.counts[folder]
            taken = lines.slice(position, room)
            self.pending.setdefault(folder, []).append(taken)
            self.counts[folder] += len(taken)
            position += len(taken)
            if self.counts[folder] >= RECORDS_PER_PART:
                self._flush(folder)

    def _flush(self, folder: str) -> None:
        pieces = self.pending.pop(folder, None)
        self.counts[folder] = 0
        if not pieces:
            return
        name = f"part-{self.parts[folder]:05d}-{self.run}.c000.jsonl"
        self.parts[folder] += 1
        uri = join_uri(self.prefix, folder, name)
        self.store.write_parts(uri, (line_bytes(piece) for piece in pieces))
        self.written.append(uri)

    def close(self) -> list[str]:
        for folder in list(self.pending):
            self._flush(folder)
        return sorted(self.written)


def _capture_folder(uri: str) -> str:
    # {destination}/{endpoint}/{variant}/yyyy/mm/dd/hh/file.jsonl -> {endpoint}/{variant}/yyyy/mm/dd/hh
    return "/".join(PurePosixPath(uri).parts[-7:-1])


def merge_ground_truth(
    capture_destination: str,
    endpoint: str,
    window: AnalysisWindow,
    ground_truth_uri: str,
    until: datetime,
    merge_output_uri: str,
    *,
    time_budget_seconds: float | None = None,
    clock: Callable[[], float] = time.monotonic,
    write_in_background: bool = False,
) -> MergeReport:
    """Join the window's captures to their labels and write the merged records under ``merge_output_uri``.

    ``time_budget_seconds`` is the merge's share of the execution's maximum runtime (SageMaker splits
    it between merge and analysis): past it, the merge stops with a ``JobError`` saying so, between files.
    The matched records are ``report.records``; with ``write_in_background`` the function returns before
    the files are written, and ``report.written_files()`` waits for them (and raises the write's error).
    """
    return merge_predictions(
        endpoint_predictions(capture_destination, endpoint, window),
        window,
        ground_truth_uri,
        until,
        merge_output_uri,
        time_budget_seconds=time_budget_seconds,
        clock=clock,
        write_in_background=write_in_background,
    )


def merge_transform_ground_truth(
    destination: str,
    data_format: DatasetFormat,
    window: AnalysisWindow,
    ground_truth_uri: str,
    until: datetime,
    merge_output_uri: str,
    *,
    time_budget_seconds: float | None = None,
    clock: Callable[[], float] = time.monotonic,
    write_in_background: bool = False,
) -> MergeReport:
    """The merge for batch transform: the output files that the window's output manifests name, joined
    by the inference id ``GenerateInferenceId`` appended to each record (CSV: the second-last column;
    JSON Lines: ``SageMakerInferenceId``). Merged records hold the output, without the id and time, as
    ``captureData.batchTransformOutput``, under ``{output}/batch-transform/yyyy/mm/dd/hh/`` of the job's
    start. Output files have no header (the model writes one record per line): a header line, or any line
    without the id, is a bad record, counted and named, not skipped silently.
    """
    return merge_predictions(
        transform_predictions(destination, data_format, window),
        window,
        ground_truth_uri,
        until,
        merge_output_uri,
        time_budget_seconds=time_budget_seconds,
        clock=clock,
        write_in_background=write_in_background,
    )


class MergeBudget:
    """The merge's share of the maximum runtime: ``check(step)`` raises a ``JobError`` past it."""

    def __init__(self, seconds: float | None, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self.clock = clock
        self.deadline = None if seconds is None else clock() + seconds

    def check(self, step: str) -> None:
        if self.deadline is not None and self.clock() > self.deadline:
            raise JobError(
                f"the ground-truth merge took longer than its share of the maximum runtime "
                f"({self.seconds:g} s), while {step}; "
                "raise max_runtime_in_seconds or shorten the window"
            )


def merge_predictions(
    predictions: Predictions,
    window: AnalysisWindow,
    ground_truth_uri: str,
    until: datetime,
    merge_output_uri: str,
    *,
    time_budget_seconds: float | None = None,
    clock: Callable[[], float] = time.monotonic,
    write_in_background: bool = False,
) -> MergeReport:
    """The merge in this process (the local engine's): a DuckDB hash join of the keys to the labels
    (``merge_ground_truth`` says what ``write_in_background`` does)."""
    check_budget = MergeBudget(time_budget_seconds, clock).check
    report = MergeReport(labels_until=until)
    label_files = ground_truth_files(store_for(ground_truth_uri), ground_truth_uri, window.start, until)
    with ThreadPoolExecutor(1, thread_name_prefix="modelmonitor-labels") as pool:
        reading_labels = pool.submit(_labels_table, label_files, report.label_read)
        captures = _captures_table(predictions, report.capture_read)
        labels = reading_labels.result()
    check_budget("reading the captured records and the labels")
    report.captured = captures.num_rows
    report.labels = labels.num_rows
    matched = _join(captures, labels, report)
    del captures, labels
    report.records = _records(matched, predictions)

    def merged_of(file_id: int, first: int, stop: int) -> list[tuple[str, pa.Array]]:
        part = matched.slice(first, stop - first)
        lines = part.column("line").to_numpy()
        data, encodings = part.column("data").combine_chunks(), part.column("encoding").combine_chunks()
        return list(predictions.merged(predictions.files[file_id], lines, data, encodings))

    def write() -> list[str]:
        writer = _PartWriter(store_for(merge_output_uri), merge_output_uri)
        # matched is ordered by file. One file's merged lines are made on a thread while the previous
        # file's are written (the write is a system call, the making Arrow kernels: both free the GIL),
        # so at most two files' merged lines are held in memory, and the parts keep the files' order.
        file_ids = matched.column("file_id").to_numpy()
        bounds = np.searchsorted(file_ids, np.arange(len(predictions.files) + 1))
        with ThreadPoolExecutor(1, thread_name_prefix="modelmonitor-merge-lines") as making:
            previous: Future[list[tuple[str, pa.Array]]] | None = None
            for file_id in range(len(predictions.files)):
                check_budget("writing the merged records")
                first, stop = int(bounds[file_id]), int(bounds[file_id + 1])
                if first == stop:
                    continue
                current = making.submit(merged_of, file_id, first, stop)
                if previous is not None:
                    for folder, merged in previous.result():
                        writer.add(folder, merged)
                previous = current
            if previous is not None:
                for folder, merged in previous.result():
                    writer.add(folder, merged)
        return writer.close()

    if write_in_background:
        pool = ThreadPoolExecutor(1, thread_name_prefix="modelmonitor-merge-writer")
        report.writing = pool.submit(write)
        pool.shutdown(wait=False)  # the thread ends when the files are written
    else:
        report.files = write()
    return report


def _records(matched: pa.Table, predictions: Predictions) -> pa.Table:
    """The matched records as ``MERGED_RECORDS``: the analysis's columns."""
    file_ids = matched.column("file_id").combine_chunks()
    uris = pa.DictionaryArray.from_arrays(file_ids, pa.array(predictions.files, type=pa.string()))
    truth = pa.StructArray.from_arrays(
        [matched.column("data").combine_chunks(), matched.column("encoding").combine_chunks()],
        fields=list(MERGED_RECORDS.field("groundTruthData").type),
    )
    output = matched.column("output").combine_chunks()
    absent = pa.nulls(len(output), type=PAYLOAD_TYPE)
    sections = [output, absent] if predictions.section == "endpointOutput" else [absent, output]
    capture = pa.StructArray.from_arrays(sections, fields=list(MERGED_RECORDS.field("captureData").type))
    columns = [uris, matched.column("line").combine_chunks(), truth, capture]
    return pa.Table.from_arrays(columns, schema=MERGED_RECORDS)


def read_merged(uris: list[str], report: ReadReport) -> Iterator[MergedRecord]:
    """The merged records of ``uris``, in order; lines that are not JSON objects are bad records."""
    for uri in uris:
        report.files += 1
        for number, line in capture_lines(store_for(uri), uri, report):
            report.records += 1
            try:
                record = orjson.loads(line)
            except orjson.JSONDecodeError as exc:
                report.bad(BadRecord(uri, number, None, f"not valid JSON ({exc})"))
                continue
            if not isinstance(record, dict):
                report.bad(
                    BadRecord(uri, number, None, f"expected a JSON object, got {type(record).__name__}")
                )
                continue
            yield MergedRecord(uri, number, record)
