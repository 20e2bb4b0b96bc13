"""Uploading ground truth: a user's labels written where a model-quality execution finds them.

``upload_ground_truth`` reads a file or folder of labels (JSON Lines, CSV or Parquet) and writes them as
SageMaker's ground truth under ``{destination}/yyyy/mm/dd/hh/`` of their collection time.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import cast

from modelmonitor.dataset.ground_truth import (
    DEFAULT_ID_COLUMN,
    DEFAULT_LABEL_COLUMN,
    LabelFileFormat,
    read_label_files,
    write_ground_truth,
)
from modelmonitor.dataset.report import ReadReport
from modelmonitor.errors import ConfigurationError, DatasetError, NotFoundError
from modelmonitor.scheduler.clock import Clock, SystemClock
from modelmonitor.storage.objects import absolute_location, store_for

__all__ = ["GroundTruthUpload", "upload_ground_truth"]

logger = logging.getLogger("modelmonitor.service")

_LABEL_FORMATS: dict[str, LabelFileFormat] = {
    ".jsonl": "jsonl",
    ".json": "jsonl",
    ".csv": "csv",
    ".parquet": "parquet",
    ".pq": "parquet",
}


@dataclass(frozen=True)
class GroundTruthUpload:
    """What an upload wrote: the files (all in the collection hour's folder), the labels, the bad records."""

    destination: str
    collected_at: datetime
    files: list[str]
    label_count: int
    report: ReadReport


def _label_format(source: str, files: list[str], file_format: str | None) -> LabelFileFormat:
    if file_format is not None:
        if file_format not in ("jsonl", "csv", "parquet"):
            raise ConfigurationError(f"--format {file_format!r}: expected jsonl, csv or parquet")
        return cast(LabelFileFormat, file_format)
    formats = {_LABEL_FORMATS.get(Path(f).suffix.lower()) for f in files}
    if len(formats) != 1 or None in formats:
        seen = ", ".join(sorted(f or "?" for f in formats))
        raise ConfigurationError(
            f"{source}: cannot tell the format from the file names ({seen}); "
            "give --format jsonl, csv or parquet"
        )
    return cast(LabelFileFormat, formats.pop())


def upload_ground_truth(
    source: str,
    destination: str,
    *,
    file_format: str | None = None,
    id_column: str = DEFAULT_ID_COLUMN,
    label_column: str = DEFAULT_LABEL_COLUMN,
    collected_at: datetime | None = None,
    clock: Clock | None = None,
) -> GroundTruthUpload:
    """Write the labels of ``source`` (a file or a folder of files) as SageMaker's ground truth.

    They land in ``{destination}/yyyy/mm/dd/hh/`` of ``collected_at`` (default: now), where a
    model-quality execution finds them. Bad rows are counted and named in the report; an upload with no
    usable label at all is an error naming the file(s).
    """
    moment = collected_at or (clock or SystemClock()).now()
    if moment.tzinfo is None:
        raise ConfigurationError(f"collected_at {moment.isoformat()}: expected a time with a UTC offset")
    store = store_for(source)
    files = [f for f in store.list_files(source) if not Path(f).name.startswith((".", "_"))]
    if not files:
        raise NotFoundError(f"{source}: no such file or folder with labels")
    fmt = _label_format(source, files, file_format)
    report = ReadReport()
    labels = read_label_files(store, files, fmt, report, id_column=id_column, label_column=label_column)
    if not len(labels):
        first = f"; first: {report.bad_records[0]}" if report.bad_records else ""
        raise DatasetError(f"{source}: no usable label in {report.records} record(s){first}")
    target = absolute_location(destination)
    written = write_ground_truth(store_for(target), target, labels, moment)
    logger.info("ground truth: %d label(s) from %s to %s (%s)", len(labels), source, target, report.summary())
    return GroundTruthUpload(target, moment, written, len(labels), report)
