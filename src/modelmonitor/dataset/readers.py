"""Open a data set given as a file, a folder or a URI (local, ``s3://``, ...) for a scan by an engine.

A folder (or prefix) means every file below it, like SageMaker's ``dataset_source``. Remote files are
copied to a temporary folder first (DuckDB then reads them locally). Problems that do not stop the
run are returned as ``DatasetIssue`` values (the job logs them, the CLI prints them): empty files are
skipped, column names with spaces or capitals are flagged (SageMaker advises lowercase and
underscores, as Spark's column handling is fragile otherwise). A data set with no rows at all is an
error.
"""

from __future__ import annotations

import inspect
import logging
import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import orjson
import pyarrow as pa

from modelmonitor.dataset.preprocess import load_script
from modelmonitor.engine.base import BadRecord, Engine, Scan, TableFormat, TableSource
from modelmonitor.engine.local import LocalEngine
from modelmonitor.errors import ConfigurationError, DatasetError, NotFoundError
from modelmonitor.storage.objects import is_remote, store_for

__all__ = ["DatasetIssue", "DatasetSpec", "OpenDataset", "check_column_names", "open_dataset"]

_log = logging.getLogger(__name__)
_SPARK_SAFE_NAME = re.compile(r"^[a-z0-9_]+$")
_HIDDEN = ("_", ".")


@dataclass(frozen=True)
class DatasetSpec:
    """Where the data is and how to read it (SageMaker's ``dataset_format``: csv/json/parquet)."""

    uri: str
    format: TableFormat = "csv"
    header: bool = False


@dataclass(frozen=True)
class DatasetIssue:
    """A warning about the input that does not stop the run."""

    kind: Literal["empty_file", "column_name", "empty_column", "bad_record", "truncated_values"]
    message: str


@dataclass
class OpenDataset:
    """A started scan plus the warnings found while opening the data set."""

    spec: DatasetSpec
    files: list[str]
    scan: Scan
    issues: list[DatasetIssue] = field(default_factory=list)


def check_column_names(names: list[str]) -> list[DatasetIssue]:
    """One warning naming the columns that are not lowercase letters, digits and underscores."""
    unsafe = [name for name in names if not _SPARK_SAFE_NAME.match(name)]
    if not unsafe:
        return []
    shown = ", ".join(repr(name) for name in unsafe[:8])
    more = f" and {len(unsafe) - 8} more" if len(unsafe) > 8 else ""
    return [
        DatasetIssue(
            "column_name",
            f"{len(unsafe)} column name(s) with spaces, capitals or other characters: {shown}{more}; "
            "SageMaker advises lowercase letters, digits and underscores (Spark-based tools can trip on "
            "others); names are kept as is",
        )
    ]


def _local_files(path: Path) -> list[Path]:
    if path.is_file():
        return [path]
    if path.is_dir():
        return sorted(
            p
            for p in path.rglob("*")
            if p.is_file() and not any(part.startswith(_HIDDEN) for part in p.relative_to(path).parts)
        )
    raise NotFoundError(f"{path}: no such file or folder")


@contextmanager
def _materialised(uri: str) -> Iterator[list[Path]]:
    """Local paths of the data set's files; remote objects are copied to a temporary folder."""
    if not is_remote(uri):
        yield _local_files(Path(uri.removeprefix("file://")))
        return
    store = store_for(uri)
    remote_files = store.list_files(uri)
    if not remote_files:
        raise NotFoundError(f"{uri}: no files found")
    with tempfile.TemporaryDirectory(prefix="modelmonitor-data-") as folder:
        local = []
        for index, remote in enumerate(remote_files):
            target = Path(folder) / f"{index:06d}-{Path(remote).name}"
            target.write_bytes(store.read_bytes(remote))
            local.append(target)
        yield local


def _header_only(path: Path) -> bool:
    with path.open("rb") as handle:
        first = handle.readline()
        rest = handle.read(4096)
    return bool(first.strip()) and not rest.strip()


def _cell(value: Any) -> str | None:
    """A handler's value as the text Spark would hand to Deequ (numbers as written, JSON for nesting)."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return str(value)
    return orjson.dumps(value, default=str).decode()


def _handler_rows(result: Any) -> list[dict[str, Any]]:
    if isinstance(result, dict):
        return [result]
    if isinstance(result, list) and all(isinstance(item, dict) for item in result):
        return result
    raise TypeError(
        f"preprocess_handler must return a dict, a list of dicts or [], got {type(result).__name__}"
    )


def _preprocessed_batches(
    files: list[str], spec: DatasetSpec, script: str, scan: Scan, batch_rows: int
) -> Iterator[pa.RecordBatch]:
    """Rows from ``preprocess_handler`` called once per CSV line (as text) or JSON line (as a dict)."""
    _, handler = load_script(script, "preprocess_handler")
    with_logger = "logger" in inspect.signature(handler).parameters
    rows: list[dict[str, Any]] = []
    for path in files:
        with Path(path).open("rb") as handle:
            for number, raw in enumerate(handle, start=1):
                if (spec.format == "csv" and spec.header and number == 1) or not raw.strip():
                    continue
                try:
                    text = raw.decode("utf-8").rstrip("\r\n")
                    record: Any = orjson.loads(text) if spec.format == "json" else text
                except (UnicodeDecodeError, orjson.JSONDecodeError) as exc:
                    scan.bad_records.append(BadRecord(path, number, None, f"cannot be read: {exc}"))
                    continue
                try:
                    result = handler(record, _log) if with_logger else handler(record)
                    produced = _handler_rows(result)
                except Exception as exc:  # the user's code: count the record, keep going
                    scan.bad_records.append(BadRecord(path, number, None, f"preprocess_handler: {exc!r}"))
                    continue
                for row in produced:
                    cells = {
                        str(key): _cell(value)
                        for key, value in sorted(row.items(), key=lambda kv: str(kv[0]))
                    }
                    scan.columns.extend(name for name in cells if name not in scan.columns)
                    rows.append(cells)
                if len(rows) >= batch_rows:
                    yield _text_batch(rows, scan.columns)
                    rows = []
    if rows:
        yield _text_batch(rows, scan.columns)


def _text_batch(rows: list[dict[str, Any]], columns: list[str]) -> pa.RecordBatch:
    names = [name for name in columns if any(name in row for row in rows)]
    arrays = [pa.array([row.get(name) for row in rows], type=pa.string()) for name in names]
    return pa.RecordBatch.from_arrays(arrays, names=names)


@contextmanager
def open_dataset(
    spec: DatasetSpec, engine: Engine | None = None, record_preprocessor_script: str | None = None
) -> Iterator[OpenDataset]:
    """Open ``spec`` for scanning; the scan's batches must be consumed inside the ``with`` block.

    With ``record_preprocessor_script`` (CSV and JSON only, as in SageMaker) every record goes
    through its ``preprocess_handler``; a record whose handler fails is a counted bad record.
    """
    if record_preprocessor_script is not None and spec.format == "parquet":
        raise ConfigurationError("record_preprocessor_script works with csv and json data sets, not parquet")
    engine = engine or LocalEngine()
    with _materialised(spec.uri) as files:
        issues: list[DatasetIssue] = []
        readable: list[str] = []
        for path in files:
            if path.stat().st_size == 0:
                issues.append(DatasetIssue("empty_file", f"{path}: file is empty; skipped"))
            elif spec.format == "csv" and spec.header and _header_only(path):
                issues.append(DatasetIssue("empty_file", f"{path}: has a header line but no data rows"))
                readable.append(str(path))
            else:
                readable.append(str(path))
        if not readable:
            shown = ", ".join(str(f) for f in files) or spec.uri
            raise DatasetError(f"{shown}: no data to read (the data set is empty)")
        if record_preprocessor_script is not None:
            scan = Scan(columns=[], batches=iter(()))
            scan.batches = _preprocessed_batches(readable, spec, record_preprocessor_script, scan, 65_536)
        else:
            scan = engine.scan(TableSource(paths=readable, format=spec.format, header=spec.header))
        yield OpenDataset(spec=spec, files=readable, scan=scan, issues=issues)
