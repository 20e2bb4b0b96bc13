"""An execution's input: the rows of an analysis window, streamed as Arrow batches of text columns.

Real-time capture (``sagemakerCaptureJson``): the window's capture records, through the user's
``preprocess_handler`` when there is one, else flattened (``dataset.captured``). Batch-transform capture
(csv/json/parquet): the data files the window's manifests point at, read by the local engine. Rows are
yielded ``batch_rows`` at a time, so memory holds one batch however large the window; types are inferred
by the analyzer from the text, as Deequ does with CSV.

``check`` runs after the batches were consumed and raises with an actionable message when the window
had no data, or when too many records broke the preprocessor.
"""

from __future__ import annotations

import logging
import tempfile
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

import pyarrow as pa

from modelmonitor.dataset.captured import (
    ReadReport,
    capture_files,
    flatten_record,
    iter_captured_records,
    transform_input_files,
)
from modelmonitor.dataset.preprocess import PreprocessReport, RecordPreprocessor
from modelmonitor.dataset.window import AnalysisWindow
from modelmonitor.engine.base import TableFormat, TableSource
from modelmonitor.engine.local import LocalEngine
from modelmonitor.errors import ConfigurationError, DatasetError, UserScriptError
from modelmonitor.storage.objects import is_remote, store_for

__all__ = ["WindowReader", "is_capture_format", "rows_to_batch"]

DEFAULT_BATCH_ROWS = 10_000


def is_capture_format(dataset_format: Mapping[str, Any]) -> bool:
    return bool({"sagemakerCaptureJson", "sagemakerMergeJson"} & set(dataset_format))


def rows_to_batch(rows: list[dict[str, Any]]) -> pa.RecordBatch:
    """Rows (dicts) → one batch of text columns, in first-seen column order; absent keys are null."""
    columns: dict[str, None] = {}
    for row in rows:
        for key in row:
            columns.setdefault(key, None)
    arrays = [
        pa.array([None if r.get(name) is None else str(r[name]) for r in rows], type=pa.string())
        for name in columns
    ]
    return pa.RecordBatch.from_arrays(arrays, names=list(columns))


def _table_format(dataset_format: Mapping[str, Any]) -> tuple[TableFormat, bool]:
    lowered = {str(k).lower(): v for k, v in dataset_format.items()}
    if "csv" in lowered:
        options = {str(k).lower(): v for k, v in (lowered["csv"] or {}).items()}
        return "csv", bool(options.get("header", False))
    if "json" in lowered:
        return "json", False
    if "parquet" in lowered:
        return "parquet", False
    raise ConfigurationError(f"dataset_format {dict(dataset_format)!r}: expected csv, json or parquet")


class WindowReader:
    """Reads one window; ``report``/``preprocess`` are complete once ``batches()`` is exhausted."""

    def __init__(
        self,
        *,
        source: str,
        dataset_format: Mapping[str, Any],
        window: AnalysisWindow,
        endpoint_name: str | None,
        preprocessor_script: str | None,
        logger: logging.Logger,
        batch_rows: int = DEFAULT_BATCH_ROWS,
    ) -> None:
        self.source = source
        self.dataset_format = dataset_format
        self.window = window
        self.endpoint_name = endpoint_name
        self.logger = logger
        self.batch_rows = batch_rows
        self.report = ReadReport()
        self.rows = 0
        self.capture = is_capture_format(dataset_format)
        if self.capture and not endpoint_name:
            raise ConfigurationError("sagemaker_endpoint_name is required to read captured data")
        if preprocessor_script and not self.capture:
            raise UserScriptError("record_preprocessor_script is only applied to captured (JSON Lines) data")
        self.preprocessor = RecordPreprocessor(preprocessor_script, logger) if preprocessor_script else None

    @property
    def preprocess(self) -> PreprocessReport | None:
        return self.preprocessor.report if self.preprocessor else None

    def batches(self) -> Iterator[pa.RecordBatch]:
        produced = self._captured() if self.capture else self._transformed()
        for batch in produced:
            self.rows += batch.num_rows
            yield batch

    def _captured(self) -> Iterator[pa.RecordBatch]:
        assert self.endpoint_name is not None
        store = store_for(self.source)
        files = capture_files(store, self.source, self.endpoint_name, self.window)
        rows: list[dict[str, Any]] = []
        for record in iter_captured_records(store, files, self.window, self.report):
            produced = self.preprocessor.apply(record.raw, record.where) if self.preprocessor else None
            if produced is None:
                try:
                    flat = flatten_record(record.raw)
                except (ValueError, KeyError, TypeError) as exc:
                    self.report.problem(record.where, str(exc))
                    continue
                produced = [{f"_c{i}": v for i, v in enumerate(row)} for row in flat]
            rows.extend(produced)
            if len(rows) >= self.batch_rows:
                yield rows_to_batch(rows)
                rows = []
        if rows:
            yield rows_to_batch(rows)
        for issue in self.report.issues:
            self.logger.warning("skipped: %s", issue)

    def _transformed(self) -> Iterator[pa.RecordBatch]:
        store = store_for(self.source)
        files = transform_input_files(store, self.source, self.window)
        self.report.files = len(files)
        if not files:
            return
        table_format, header = _table_format(self.dataset_format)
        with tempfile.TemporaryDirectory(prefix="modelmonitor-batch-") as tmp:
            local: list[str] = []
            for index, uri in enumerate(files):
                if is_remote(uri):
                    target = Path(tmp) / f"{index:05d}-{uri.rsplit('/', 1)[-1]}"
                    target.write_bytes(store_for(uri).read_bytes(uri))
                    local.append(str(target))
                else:
                    local.append(uri)
            scan = LocalEngine(batch_rows=self.batch_rows).scan(
                TableSource(paths=local, format=table_format, header=header)
            )
            for batch in scan.batches:
                self.report.records_in_window += batch.num_rows
                yield batch
            for bad in scan.bad_records:
                self.report.problem(str(bad.path), str(bad))
                self.logger.warning("skipped: %s", bad)

    def summary(self) -> str:
        r = self.report
        return (
            f"{r.files} file(s), {r.lines} line(s), {r.records_outside_window} outside the window, "
            f"{r.bad_lines} bad, {r.torn_lines} torn, {r.shadow_records} shadow"
        )

    def check(self, error_threshold: float) -> None:
        """Raise when the window had nothing to analyse or the preprocessor failed too often."""
        if self.capture:
            where = f"{self.source.rstrip('/')}/{self.endpoint_name}"
            if self.report.records_in_window == 0:
                raise DatasetError(
                    f"no captured data {self.window.describe()} under {where} ({self.summary()})"
                )
        elif self.report.files == 0:
            raise DatasetError(f"no batch-transform data {self.window.describe()} under {self.source}/input")
        pre = self.preprocess
        if pre is not None and pre.failed_fraction > error_threshold:
            first = pre.errors[0] if pre.errors else ""
            raise UserScriptError(
                f"preprocess_handler failed on {pre.failed} of {pre.records} records "
                f"({pre.failed_fraction:.0%}, threshold {error_threshold:.0%}); first: {first}"
            )
        if self.rows == 0:
            raise DatasetError(
                f"all {self.report.records_in_window} records {self.window.describe()} were dropped "
                "(by the preprocessor, or as bad records)"
            )
