"""Open a data set given as a file, a folder or a URI (local, ``s3://``, ...) for a scan by an engine.

A folder (or prefix) means every file below it, like SageMaker's ``dataset_source``. Remote files are
copied to a temporary folder first (DuckDB then reads them locally). Problems that do not stop the
run are returned as ``DatasetIssue`` values (the job logs them, the CLI prints them): empty files are
skipped, column names with spaces or capitals are flagged (SageMaker advises lowercase and
underscores, as Spark's column handling is fragile otherwise). A data set with no rows at all is an
error.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from modelmonitor.engine.base import Engine, Scan, TableFormat, TableSource
from modelmonitor.engine.local import LocalEngine
from modelmonitor.errors import DatasetError, NotFoundError
from modelmonitor.storage.objects import is_remote, store_for

__all__ = ["DatasetIssue", "DatasetSpec", "OpenDataset", "check_column_names", "open_dataset"]

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


@contextmanager
def open_dataset(spec: DatasetSpec, engine: Engine | None = None) -> Iterator[OpenDataset]:
    """Open ``spec`` for scanning; the scan's batches must be consumed inside the ``with`` block."""
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
        scan = engine.scan(TableSource(paths=readable, format=spec.format, header=spec.header))
        yield OpenDataset(spec=spec, files=readable, scan=scan, issues=issues)
