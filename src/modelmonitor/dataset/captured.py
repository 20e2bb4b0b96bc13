"""Captured JSONL in an analysis window → rows, as SageMaker's analyzer flattens them.

Records and rows: docs/sagemaker.md#capture-records, #rows-of-a-capture-record.

- Files: ``{destination}/{endpoint}/{variant}/yyyy/mm/dd/hh/*.jsonl`` for every variant and every hour that
  overlaps the window; records are then kept only when ``inferenceTime`` lies in ``[start, end)``.
- A record's payloads become one or more rows: model **output columns first**, then input columns, named
  positionally ``_c0, _c1, ...`` (the job maps them to baseline feature names). CSV payloads split into
  lines and fields; JSON payloads flatten (``{"instances": [...]}`` and lists of rows give several rows).
- A line after the last newline is torn (a writer killed mid-write) and is counted; a complete line that is
  not a capture record is counted with ``file:line``; shadow-variant records are skipped and counted.
  Nothing here is ever fatal for one bad record.
"""

from __future__ import annotations

import base64
import binascii
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import orjson

from modelmonitor.dataset.window import AnalysisWindow, parse_time
from modelmonitor.errors import ModelMonitorError
from modelmonitor.formats.capture import split_capture_lines
from modelmonitor.formats.layout import join_uri
from modelmonitor.storage.objects import ObjectStore

__all__ = [
    "CaptureLineRef",
    "CapturedRecord",
    "ReadReport",
    "capture_files",
    "flatten_record",
    "iter_captured_records",
    "payload_rows",
    "transform_input_files",
]

Row = list[Any]
_ROW_KEYS = ("instances", "inputs", "data", "features", "predictions", "outputs", "scores", "results")
MAX_REPORTED_ISSUES = 50


@dataclass(frozen=True)
class CaptureLineRef:
    """Where a record came from, for messages: ``path:line``."""

    path: str
    line: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass(frozen=True)
class CapturedRecord:
    """One parsed capture line and where it was read."""

    raw: dict[str, Any]
    where: CaptureLineRef


@dataclass
class ReadReport:
    """Counts of what a read kept and skipped; ``issues`` names the first bad lines (file:line: why)."""

    files: int = 0
    lines: int = 0
    records_in_window: int = 0
    records_outside_window: int = 0
    shadow_records: int = 0
    torn_lines: int = 0
    bad_lines: int = 0
    issues: list[str] = field(default_factory=list)

    def problem(self, where: CaptureLineRef | str, message: str) -> None:
        self.bad_lines += 1
        if len(self.issues) < MAX_REPORTED_ISSUES:
            self.issues.append(f"{where}: {message}")


def capture_files(store: ObjectStore, destination: str, endpoint: str, window: AnalysisWindow) -> list[str]:
    """Every ``*.jsonl`` under any variant of ``endpoint`` in the hours the window overlaps, sorted."""
    root = join_uri(destination, endpoint)
    if not store.exists(root):
        return []
    found: list[str] = []
    for variant in sorted(store.fs.ls(store._path(root), detail=False)):
        variant_root = str(variant)
        if "://" in destination and "://" not in variant_root:
            variant_root = f"{destination.split('://', 1)[0]}://{variant_root}"
        for prefix in window.hour_prefixes(variant_root):
            if store.exists(prefix):
                names = store.fs.ls(store._path(prefix), detail=False)
                found.extend(
                    join_uri(prefix, str(name).rsplit("/", 1)[-1])
                    for name in names
                    if str(name).endswith(".jsonl")
                )
    return sorted(found)


def iter_captured_records(
    store: ObjectStore, files: list[str], window: AnalysisWindow, report: ReadReport
) -> Iterator[CapturedRecord]:
    """Records of ``files`` whose ``inferenceTime`` is in the window; everything else is counted."""
    for path in files:
        report.files += 1
        split = split_capture_lines(store.read_bytes(path))
        if split.torn:
            report.torn_lines += 1
            if len(report.issues) < MAX_REPORTED_ISSUES:
                report.issues.append(
                    f"{path}:{split.torn_line_number}: torn line (no final newline), skipped"
                )
        for number, line in split.lines:
            report.lines += 1
            where = CaptureLineRef(path, number)
            try:
                raw = orjson.loads(line)
                metadata = raw["eventMetadata"]
                moment = parse_time(str(metadata["inferenceTime"]), field="eventMetadata.inferenceTime")
                if not isinstance(raw.get("captureData"), dict):
                    raise KeyError("captureData")
            except (orjson.JSONDecodeError, TypeError) as exc:
                report.problem(where, f"not a JSON object ({exc})")
                continue
            except KeyError as exc:
                report.problem(where, f"field {exc.args[0]} is missing")
                continue
            except ModelMonitorError as exc:
                report.problem(where, str(exc))
                continue
            if not window.contains(moment):
                report.records_outside_window += 1
                continue
            if metadata.get("invocationSource") == "ShadowExperiment":
                report.shadow_records += 1
                continue
            report.records_in_window += 1
            yield CapturedRecord(raw=raw, where=where)


def _decode(section: dict[str, Any]) -> tuple[str, str]:
    """(text, encoding) of a payload; BASE64 payloads are decoded and re-typed by their content type."""
    data = section.get("data")
    if not isinstance(data, str):
        raise ValueError("field data is missing or not a string")
    if section.get("truncated") is True:
        # The capture side kept only the first bytes of an oversized payload: its rows are not whole.
        raise ValueError(f"{section.get('mode', 'payload')} was truncated at capture (over the size limit)")
    encoding = str(section.get("encoding", "CSV")).upper()
    if encoding == "BASE64":
        try:
            data = base64.b64decode(data, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise ValueError(f"BASE64 payload cannot be decoded as UTF-8 text ({exc})") from exc
        content_type = str(section.get("observedContentType") or "").lower()
        encoding = "JSON" if "json" in content_type else "CSV"
    return data, encoding


def _flatten_json(value: Any, prefix: str, out: dict[str, Any]) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _flatten_json(item, f"{prefix}.{key}" if prefix else str(key), out)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _flatten_json(item, f"{prefix}.{index}" if prefix else str(index), out)
    else:
        out[prefix or "value"] = value


def _json_rows(value: Any) -> list[Row]:
    if isinstance(value, dict):
        lists = [value[k] for k in _ROW_KEYS if isinstance(value.get(k), list)]
        if len(lists) == 1 and value:
            return _json_rows(lists[0])
    if isinstance(value, list) and value and all(isinstance(item, (list, dict)) for item in value):
        rows: list[Row] = []
        for item in value:
            rows.extend(
                _json_rows(item) if isinstance(item, dict) and _has_row_key(item) else [_one_row(item)]
            )
        return rows
    return [_one_row(value)]


def _has_row_key(value: dict[str, Any]) -> bool:
    return any(isinstance(value.get(k), list) for k in _ROW_KEYS)


def _one_row(value: Any) -> Row:
    flat: dict[str, Any] = {}
    _flatten_json(value, "", flat)
    return [None if v is None else str(v) for v in flat.values()]


def payload_rows(section: dict[str, Any]) -> list[Row]:
    """The rows of one payload: CSV lines split into fields, JSON flattened (values as text)."""
    text, encoding = _decode(section)
    if encoding == "JSON":
        try:
            return _json_rows(orjson.loads(text))
        except orjson.JSONDecodeError:
            # JSON Lines payload: one document per line.
            return [
                row for line in text.splitlines() if line.strip() for row in _json_rows(orjson.loads(line))
            ]
    lines = [line for line in text.splitlines() if line.strip()]
    return [
        [field if field != "" else None for field in fields]
        for fields in csv.reader(io.StringIO("\n".join(lines)))
    ]


def flatten_record(raw: dict[str, Any]) -> list[Row]:
    """Rows of a capture record: output columns first, then input columns (docs/sagemaker.md)."""
    capture = raw["captureData"]
    inputs = capture.get("endpointInput")
    outputs = capture.get("endpointOutput") or capture.get("batchTransformOutput")
    input_rows = payload_rows(inputs) if isinstance(inputs, dict) else []
    output_rows = payload_rows(outputs) if isinstance(outputs, dict) else []
    if not input_rows:
        return output_rows
    if not output_rows:
        return input_rows
    if len(output_rows) != len(input_rows):
        raise ValueError(
            f"{len(input_rows)} input row(s) but {len(output_rows)} output row(s); cannot pair them"
        )
    return [out + inp for out, inp in zip(output_rows, input_rows, strict=True)]


def _manifest_entries(data: bytes) -> list[str] | None:
    """The files an S3 manifest (``[{"prefix": ...}, "a.csv", ...]``) points at; None if not a manifest."""
    try:
        parsed = orjson.loads(data)
    except orjson.JSONDecodeError:
        return None
    if not (isinstance(parsed, list) and parsed and isinstance(parsed[0], dict) and "prefix" in parsed[0]):
        return None
    prefix = str(parsed[0]["prefix"])
    return [join_uri(prefix, str(name)) for name in parsed[1:] if isinstance(name, str)]


def transform_input_files(store: ObjectStore, destination: str, window: AnalysisWindow) -> list[str]:
    """Data files of batch-transform capture: ``{destination}/input/yyyy/mm/dd/hh/<manifest>`` resolved.

    Hour folders are those of the transform job's start (docs/sagemaker.md#batch-capture). A file in an
    hour folder that is not a manifest is taken as a data file itself (capture copied by hand).
    """
    found: list[str] = []
    for prefix in window.hour_prefixes(join_uri(destination, "input")):
        if not store.exists(prefix):
            continue
        for name in sorted(store.fs.ls(store._path(prefix), detail=False)):
            path = join_uri(prefix, str(name).rsplit("/", 1)[-1])
            entries = _manifest_entries(store.read_bytes(path))
            found.extend(entries if entries is not None else [path])
    return found
