"""The one reader: a ``DatasetSource`` → partitions (files) → Arrow batches, with one ``ReadReport``.

``DatasetReader.plan`` lists the files to read (a folder or prefix means every file below it, hidden
ones left out; capture means the endpoint's files in the window's hours; manifests are resolved to the
files they name) and warns about empty files. ``DatasetReader.read`` streams one partition's rows:
tables through ``dataset.tables``, capture through ``dataset.captured``, each record through the
preprocess_handler when the source names one. An engine reads partitions where it likes and merges
their reports. ``check_read`` then says, in words a person can act on, when nothing was left to analyse.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import orjson
import pyarrow as pa

from modelmonitor.dataset.captured import (
    BlockBuffers,
    capture_buffers,
    capture_files,
    read_capture_file,
    transform_input_files,
)
from modelmonitor.dataset.preprocess import Preprocessor
from modelmonitor.dataset.report import BadRecord, ReadReport, ReadWarning
from modelmonitor.dataset.rows import TARGET_BATCH_BYTES, RowBuffer
from modelmonitor.dataset.source import DatasetFormat, DatasetSource
from modelmonitor.dataset.tables import parquet_layout, read_table_file
from modelmonitor.errors import DatasetError, NotFoundError
from modelmonitor.storage.objects import ObjectEntry, is_remote, store_for

__all__ = ["DatasetReader", "Partition", "ReadPlan", "check_read"]

_log = logging.getLogger(__name__)
_HIDDEN = ("_", ".")


@dataclass(frozen=True)
class Partition:
    """One file to read, in the format its bytes are in; or, for a split Parquet file, a run of its row
    groups (``row_groups``, consecutive indices; None: the whole file)."""

    uri: str
    format: DatasetFormat
    row_groups: tuple[int, ...] | None = None


@dataclass(frozen=True)
class ReadPlan:
    partitions: tuple[Partition, ...]
    warnings: tuple[ReadWarning, ...] = ()
    total_rows: int | None = None  # known up front for Parquet only


@dataclass
class DatasetReader:
    """Reads one source; build one per engine worker (the preprocess script is loaded on first use)."""

    source: DatasetSource
    threads: int | None = None
    batch_bytes: int = TARGET_BATCH_BYTES
    _preprocessor: Preprocessor | None = field(default=None, init=False, repr=False)
    # Capture blocks are read into the same buffers file after file (dataset.captured.BlockBuffers).
    _capture_buffers: BlockBuffers = field(default_factory=capture_buffers, init=False, repr=False)

    def plan(self, split_bytes: int | None = None) -> ReadPlan:
        """The partitions to read, in input order.

        With ``split_bytes``, a Parquet file larger than that is cut into runs of whole row groups of
        about ``split_bytes`` compressed bytes each, so a distributed engine reads one big file with
        several tasks (a file of one row group stays whole). Merged in order, the runs' states are the
        whole file's; its read report counts it once.
        """
        source = self.source
        if source.format is DatasetFormat.CAPTURE_JSONL and source.endpoint is None:
            return self._plan_tables(split_bytes)
        if source.format is DatasetFormat.CAPTURE_JSONL:
            assert source.window is not None
            assert source.endpoint is not None
            files = [
                uri
                for destination in source.uris
                for uri in capture_files(store_for(destination), destination, source.endpoint, source.window)
            ]
            return ReadPlan(tuple(Partition(uri, DatasetFormat.CAPTURE_JSONL) for uri in files))
        if source.format is DatasetFormat.BATCH_MANIFEST:
            assert source.window is not None
            files = [
                uri
                for destination in source.uris
                for uri in transform_input_files(store_for(destination), destination, source.window)
            ]
            return ReadPlan(tuple(Partition(uri, source.manifest_data_format) for uri in files))
        return self._plan_tables(split_bytes)

    def _plan_tables(self, split_bytes: int | None) -> ReadPlan:
        entries = [entry for uri in self.source.uris for entry in _files(uri)]
        warnings = tuple(
            ReadWarning("empty_file", f"{entry.uri}: file is empty; skipped")
            for entry in entries
            if entry.size == 0
        )
        readable = [entry.uri for entry in entries if entry.size > 0]
        if not readable:
            shown = ", ".join(entry.uri for entry in entries) or ", ".join(self.source.uris)
            raise DatasetError(f"{shown}: no data to read (the data set is empty)")
        if self.source.format is not DatasetFormat.PARQUET:
            return ReadPlan(tuple(Partition(uri, self.source.format) for uri in readable), warnings)
        partitions: list[Partition] = []
        total = 0
        for uri in readable:
            rows, group_bytes = parquet_layout(uri)
            total += rows
            runs = _row_group_runs(group_bytes, split_bytes) if self.source.preprocessor is None else []
            if len(runs) > 1:
                partitions += [Partition(uri, DatasetFormat.PARQUET, run) for run in runs]
            else:
                partitions.append(Partition(uri, DatasetFormat.PARQUET))
        return ReadPlan(tuple(partitions), warnings, total)

    @property
    def preprocessor(self) -> Preprocessor | None:
        if self.source.preprocessor is not None and self._preprocessor is None:
            self._preprocessor = Preprocessor(
                self.source.preprocessor, logging.getLogger("modelmonitor.preprocess")
            )
        return self._preprocessor

    def read(self, partition: Partition, report: ReadReport) -> Iterator[pa.RecordBatch]:
        """The rows of one partition, in input order; what could not be read goes to ``report``."""
        if partition.format is DatasetFormat.CAPTURE_JSONL:
            yield from read_capture_file(
                partition.uri, self.source, report, self.preprocessor, self.batch_bytes, self._capture_buffers
            )
        elif self.preprocessor is not None:
            yield from _preprocessed_table_file(
                partition, self.source.header, report, self.preprocessor, self.batch_bytes
            )
        else:
            yield from read_table_file(
                partition.uri,
                partition.format,
                self.source.header,
                report,
                threads=self.threads,
                batch_bytes=self.batch_bytes,
                row_groups=partition.row_groups,
            )


def _row_group_runs(group_bytes: tuple[int, ...], split_bytes: int | None) -> list[tuple[int, ...]]:
    """Consecutive row groups in runs of at least ``split_bytes`` (the last run may be smaller)."""
    if split_bytes is None:
        return []
    runs: list[tuple[int, ...]] = []
    start, size = 0, 0
    for index, group in enumerate(group_bytes):
        size += group
        if size >= split_bytes:
            runs.append(tuple(range(start, index + 1)))
            start, size = index + 1, 0
    if start < len(group_bytes):
        runs.append(tuple(range(start, len(group_bytes))))
    return runs


def _files(uri: str) -> list[ObjectEntry]:
    """The files of a file, folder or prefix; hidden files (``_``/``.`` names below it) left out."""
    store = store_for(uri)
    if not is_remote(uri):
        path = Path(uri.removeprefix("file://"))
        if not path.exists():
            raise NotFoundError(f"{path}: no such file or folder")
        uri = str(path)
    entries = store.list_entries(uri)
    if not entries and is_remote(uri):
        raise NotFoundError(f"{uri}: no files found")
    root = uri.rstrip("/") + "/"
    return [
        entry
        for entry in entries
        if entry.uri == uri
        or not any(part.startswith(_HIDDEN) for part in entry.uri.removeprefix(root).split("/"))
    ]


def _preprocessed_table_file(
    partition: Partition, header: bool, report: ReadReport, preprocessor: Preprocessor, batch_bytes: int
) -> Iterator[pa.RecordBatch]:
    """Rows from ``preprocess_handler`` called once per CSV line (as text) or JSON line (as a value)."""
    report.files += 1
    buffer = RowBuffer(batch_bytes)
    with store_for(partition.uri).open(partition.uri, "rb") as handle:
        for number, raw in enumerate(handle, start=1):
            if (partition.format is DatasetFormat.CSV and header and number == 1) or not raw.strip():
                continue
            report.records += 1
            try:
                text = raw.decode("utf-8").rstrip("\r\n")
                record: Any = orjson.loads(text) if partition.format is DatasetFormat.JSON_LINES else text
            except (UnicodeDecodeError, orjson.JSONDecodeError) as exc:
                report.bad(BadRecord(partition.uri, number, None, f"cannot be read: {exc}"))
                continue
            produced = preprocessor.apply(record, partition.uri, number, report)
            batch = buffer.add(produced or [])
            if batch is not None:
                yield batch
    batch = buffer.flush()
    if batch is not None:
        yield batch


def check_read(
    source: DatasetSource, report: ReadReport, preprocess_error_threshold: float | None = None
) -> None:
    """Raise, with the reason, when a read left nothing to analyse or the preprocessor failed too often.

    ``preprocess_error_threshold`` (a fraction) applies to monitoring executions; without it a failed
    record is only a counted bad record, as for baselines.
    """
    window = source.window.describe() if source.window is not None else ""
    if source.format is DatasetFormat.CAPTURE_JSONL and report.records_in_window == 0:
        raise DatasetError(f"no captured data {window} under {source.describe()} ({report.summary()})")
    if source.format is DatasetFormat.BATCH_MANIFEST and report.files == 0:
        raise DatasetError(f"no batch-transform data {window} under {source.describe()}")
    if preprocess_error_threshold is not None:
        report.check_preprocess(preprocess_error_threshold)
    if report.rows == 0:
        if source.format in (DatasetFormat.CAPTURE_JSONL, DatasetFormat.BATCH_MANIFEST):
            records = (
                report.records_in_window if source.format is DatasetFormat.CAPTURE_JSONL else report.records
            )
            raise DatasetError(
                f"all {records} records {window} were dropped (by the preprocessor, or as bad records)"
            )
        first = f"; first: {report.bad_records[0]}" if report.bad_records else ""
        raise DatasetError(
            f"{source.describe()}: no data rows to analyse ({report.bad_record_count} bad records{first})"
        )
