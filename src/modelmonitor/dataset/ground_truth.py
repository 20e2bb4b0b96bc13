"""Ground-truth labels: read the files users upload, write and read SageMaker's ground-truth layout.

SageMaker's records and layout: docs/sagemaker.md#ground-truth-records. One JSON object per line,
``{"groundTruthData": {"data": "1", "encoding": "CSV"}, "eventMetadata": {"eventId": "17"},
"eventVersion": "0"}``, in ``{prefix}/yyyy/mm/dd/hh/*.jsonl`` where the hour is when the labels were
*collected* (uploaded), not when the predictions were made.

Uploads may be JSON Lines in that format, or CSV (with a header) or Parquet with an id column and a
label column (``inference_id`` and ``label`` unless named otherwise). A row without an id or a label, a
line that is not JSON or lacks a field, is a bad record: counted in the ``ReadReport`` and named with
``file:line`` (the row number for Parquet), never fatal. Labels are kept as the text written (``"1"``,
``"0.25"``, ``"cat"``); whether they parse for the problem type is decided when metrics are computed.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pajson
import pyarrow.parquet as pq

from modelmonitor.dataset.report import BadRecord, ReadReport
from modelmonitor.errors import InputFileError
from modelmonitor.formats.capture import split_capture_lines
from modelmonitor.formats.layout import capture_file_name, hour_path, join_uri
from modelmonitor.storage.objects import ObjectStore

__all__ = [
    "DEFAULT_ID_COLUMN",
    "DEFAULT_LABEL_COLUMN",
    "GROUND_TRUTH_SCHEMA",
    "LabelFileFormat",
    "Labels",
    "read_ground_truth_lines",
    "read_label_file",
    "read_label_files",
    "write_ground_truth",
]

LabelFileFormat = Literal["jsonl", "csv", "parquet"]
DEFAULT_ID_COLUMN = "inference_id"
DEFAULT_LABEL_COLUMN = "label"
MAX_RECORDS_PER_FILE = 100_000
# event_id: the capture's inferenceId (or eventId) the label belongs to; data/encoding: groundTruthData.
GROUND_TRUTH_SCHEMA = pa.schema([("event_id", pa.string()), ("data", pa.string()), ("encoding", pa.string())])


@dataclass(frozen=True)
class Labels:
    """Labels read from one upload, as columns (``GROUND_TRUTH_SCHEMA``)."""

    table: pa.Table

    def __len__(self) -> int:
        return int(self.table.num_rows)


def _table(ids: list[str], data: list[str], encodings: list[str]) -> pa.Table:
    return pa.table([ids, data, encodings], schema=GROUND_TRUTH_SCHEMA)


_RECORD = pa.schema(
    [
        ("groundTruthData", pa.struct([("data", pa.string()), ("encoding", pa.string())])),
        ("eventMetadata", pa.struct([("eventId", pa.string())])),
    ]
)
_PARSE = pajson.ParseOptions(explicit_schema=_RECORD, unexpected_field_behavior="ignore")


def read_ground_truth_lines(path: str, content: bytes, report: ReadReport) -> Labels:
    """SageMaker ground-truth JSON Lines; a malformed line is a bad record.

    Unlike capture files (written by our capture, where a last line without a newline is a writer cut
    short), label files come from users' code, and AWS's own samples write one record with no final
    newline: the last line is read like the others, and is a bad record if it was cut.

    pyarrow's JSON reader parses the file at once; records it cannot take as they are (a missing or
    empty field, another encoding) are read again one by one, in their place, for the message. A file
    pyarrow cannot parse (a line that is not JSON, a field of another type, a blank line) is read record
    by record: the same labels and the same bad records either way.
    """
    if not content.endswith(b"\n") and content.strip():
        content += b"\n"
    fast = _columnar(path, content, report)
    if fast is not None:
        return fast
    split = split_capture_lines(content)
    ids: list[str] = []
    data: list[str] = []
    encodings: list[str] = []
    for number, line in split.lines:
        report.records += 1
        parsed = _ground_truth_record(path, number, line, report)
        if parsed is not None:
            ids.append(parsed[0])
            data.append(parsed[1])
            encodings.append(parsed[2])
    report.rows += len(ids)
    return Labels(_table(ids, data, encodings))


def _columnar(path: str, content: bytes, report: ReadReport) -> Labels | None:
    if not content:
        return Labels(_table([], [], []))
    try:
        parsed = pajson.read_json(pa.BufferReader(content), parse_options=_PARSE)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    if parsed.num_rows != content.count(b"\n"):
        return None  # blank lines were skipped: rows no longer match line numbers
    truth = parsed.column("groundTruthData").combine_chunks()
    metadata = parsed.column("eventMetadata").combine_chunks()
    ids = pc.fill_null(metadata.field("eventId"), "")
    data = pc.fill_null(truth.field("data"), "")
    encodings = pc.fill_null(truth.field("encoding"), "CSV")
    good = pc.and_(
        pc.and_(pc.not_equal(ids, ""), pc.not_equal(data, "")), pc.is_in(encodings, pa.array(["CSV", "JSON"]))
    )
    good = pc.fill_null(good, False)
    table = pa.table([ids, data, encodings], schema=GROUND_TRUTH_SCHEMA)
    report.records += parsed.num_rows
    if pc.all(good).as_py():
        report.rows += parsed.num_rows
        return Labels(table)
    # the few records that break a rule: read again one by one, for the message
    lines = content.split(b"\n")
    for index in np.flatnonzero(~good.to_numpy(zero_copy_only=False)):
        _ground_truth_record(path, int(index) + 1, lines[index], report)
    kept = table.filter(good)
    report.rows += kept.num_rows
    return Labels(kept)


def _ground_truth_record(
    path: str, number: int, line: bytes, report: ReadReport
) -> tuple[str, str, str] | None:
    try:
        value: Any = orjson.loads(line)
    except orjson.JSONDecodeError as exc:
        report.bad(BadRecord(path, number, None, f"not valid JSON ({exc})"))
        return None
    if not isinstance(value, dict):
        report.bad(BadRecord(path, number, None, f"expected a JSON object, got {type(value).__name__}"))
        return None
    truth = value.get("groundTruthData")
    metadata = value.get("eventMetadata")
    event_id = metadata.get("eventId") if isinstance(metadata, dict) else None
    label = truth.get("data") if isinstance(truth, dict) else None
    encoding = truth.get("encoding", "CSV") if isinstance(truth, dict) else None
    if not isinstance(event_id, str) or not event_id:
        report.bad(BadRecord(path, number, "eventMetadata.eventId", _expected_text(event_id)))
        return None
    if not isinstance(label, str) or not label:
        report.bad(BadRecord(path, number, "groundTruthData.data", _expected_text(label)))
        return None
    if encoding not in ("CSV", "JSON"):
        report.bad(
            BadRecord(path, number, "groundTruthData.encoding", f"expected CSV or JSON, got {encoding!r}")
        )
        return None
    return event_id, label, encoding


def _expected_text(found: Any) -> str:
    got = "it is missing" if found is None else f"got {orjson.dumps(found).decode()[:40]}"
    return f"expected a non-empty string, {got}"


def _read_csv(path: str, content: bytes, id_column: str, label_column: str, report: ReadReport) -> Labels:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputFileError(f"not UTF-8 text (byte {exc.start})", path=path) from exc
    reader = csv.reader(io.StringIO(text, newline=""))
    header = next(reader, None)
    if header is None:
        raise InputFileError("empty file; expected a header line naming the id and label columns", path=path)
    positions = _positions(path, header, id_column, label_column)
    ids: list[str] = []
    data: list[str] = []
    for fields in reader:
        if not any(field.strip() for field in fields):
            continue
        report.records += 1
        row = _row(path, reader.line_num, fields, positions, (id_column, label_column), report)
        if row is not None:
            ids.append(row[0])
            data.append(row[1])
    report.rows += len(ids)
    return Labels(_table(ids, data, ["CSV"] * len(ids)))


def _positions(path: str, header: list[str], id_column: str, label_column: str) -> tuple[int, int]:
    names = [name.strip() for name in header]
    missing = [name for name in (id_column, label_column) if name not in names]
    if missing:
        raise InputFileError(
            f"no column {', '.join(repr(m) for m in missing)} in the header; got {names}; "
            "name the columns with --id-column and --label-column",
            path=path,
            line=1,
        )
    return names.index(id_column), names.index(label_column)


def _row(
    path: str,
    line: int,
    fields: list[str],
    positions: tuple[int, int],
    names: tuple[str, str],
    report: ReadReport,
) -> tuple[str, str] | None:
    values = []
    for position, name in zip(positions, names, strict=True):
        value = fields[position].strip() if position < len(fields) else ""
        if not value:
            report.bad(BadRecord(path, line, name, "empty; expected an id and a label on every row"))
            return None
        values.append(value)
    return values[0], values[1]


def _read_parquet(path: str, content: bytes, id_column: str, label_column: str, report: ReadReport) -> Labels:
    try:
        table = pq.read_table(pa.BufferReader(content))
    except (pa.ArrowInvalid, OSError) as exc:
        raise InputFileError(f"not a Parquet file ({exc})", path=path) from exc
    _positions(path, table.column_names, id_column, label_column)
    ids: list[str] = []
    data: list[str] = []
    columns = (table.column(id_column).to_pylist(), table.column(label_column).to_pylist())
    for index, (event_id, label) in enumerate(zip(*columns, strict=True)):
        report.records += 1
        values = ["" if v is None else _text(v) for v in (event_id, label)]
        row = _row(path, index + 1, values, (0, 1), (id_column, label_column), report)
        if row is not None:
            ids.append(row[0])
            data.append(row[1])
    report.rows += len(ids)
    return Labels(_table(ids, data, ["CSV"] * len(ids)))


def _text(value: Any) -> str:
    # Parquet keeps types: a boolean label is written as SageMaker's CSV would carry it, 1/0.
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value).strip()


def read_label_file(
    store: ObjectStore,
    uri: str,
    file_format: LabelFileFormat,
    report: ReadReport,
    *,
    id_column: str = DEFAULT_ID_COLUMN,
    label_column: str = DEFAULT_LABEL_COLUMN,
) -> Labels:
    """The labels of one uploaded file; bad rows go to ``report``."""
    content = store.read_bytes(uri)
    report.files += 1
    if file_format == "jsonl":
        return read_ground_truth_lines(uri, content, report)
    if file_format == "csv":
        return _read_csv(uri, content, id_column, label_column, report)
    return _read_parquet(uri, content, id_column, label_column, report)


def read_label_files(
    store: ObjectStore,
    uris: list[str],
    file_format: LabelFileFormat,
    report: ReadReport,
    *,
    id_column: str = DEFAULT_ID_COLUMN,
    label_column: str = DEFAULT_LABEL_COLUMN,
) -> Labels:
    """The labels of several uploaded files, in order."""
    tables = [
        read_label_file(store, uri, file_format, report, id_column=id_column, label_column=label_column).table
        for uri in uris
    ]
    return Labels(pa.concat_tables(tables) if tables else _table([], [], []))


def _lines(labels: Labels) -> Iterator[bytes]:
    for event_id, data, encoding in zip(
        labels.table.column("event_id").to_pylist(),
        labels.table.column("data").to_pylist(),
        labels.table.column("encoding").to_pylist(),
        strict=True,
    ):
        yield orjson.dumps(
            {
                "groundTruthData": {"data": data, "encoding": encoding},
                "eventMetadata": {"eventId": event_id},
                "eventVersion": "0",
            }
        )


def write_ground_truth(
    store: ObjectStore,
    destination: str,
    labels: Labels,
    collected_at: datetime,
    *,
    max_records_per_file: int = MAX_RECORDS_PER_FILE,
) -> list[str]:
    """Write ``labels`` as SageMaker's ground truth under ``{destination}/yyyy/mm/dd/hh/``; the files written.

    The hour is the collection time; file names are unique (minute, second, milliseconds and a UUID, as
    capture files), so uploads in the same hour never overwrite each other.
    """
    folder = join_uri(destination, hour_path(collected_at))
    written: list[str] = []
    batch: list[bytes] = []
    for line in _lines(labels):
        batch.append(line)
        if len(batch) == max_records_per_file:
            written.append(_write_file(store, folder, batch, collected_at))
            batch = []
    if batch:
        written.append(_write_file(store, folder, batch, collected_at))
    return written


def _write_file(store: ObjectStore, folder: str, lines: list[bytes], collected_at: datetime) -> str:
    uri = join_uri(folder, capture_file_name(collected_at))
    store.write_bytes(uri, b"\n".join(lines) + b"\n")
    return uri
