"""Write and read the data-quality result files in a folder or under a URI (local, ``s3://``, ...).

File names are SageMaker's: ``statistics.json``, ``constraints.json``, ``constraint_violations.json``,
written in its Jackson text style.
"""

from __future__ import annotations

from typing import Protocol, TypeVar

from modelmonitor.errors import FormatError
from modelmonitor.formats.base import SageMakerFile
from modelmonitor.formats.constraints import ConstraintsFile
from modelmonitor.formats.layout import join_uri
from modelmonitor.formats.statistics import StatisticsFile
from modelmonitor.formats.violations import ViolationsFile
from modelmonitor.storage.objects import store_for

F = TypeVar("F", bound=SageMakerFile)

__all__ = [
    "CONSTRAINTS_FILE",
    "STATISTICS_FILE",
    "VIOLATIONS_FILE",
    "read_constraints",
    "read_document",
    "read_statistics",
    "read_violations",
    "write_file",
]

STATISTICS_FILE = "statistics.json"
CONSTRAINTS_FILE = "constraints.json"
VIOLATIONS_FILE = "constraint_violations.json"


class Document(Protocol):
    """A file's content: its JSON text as SageMaker writes it (a ``formats.base.SageMakerFile``)."""

    def to_json_text(self) -> str: ...


def write_file(folder_uri: str, name: str, document: Document) -> str:
    """Write ``document`` as ``folder_uri/name``; returns the file's URI."""
    uri = join_uri(folder_uri, name)
    store_for(uri).write_text(uri, document.to_json_text())
    return uri


def _file_uri(uri: str, default_name: str) -> str:
    """``uri`` itself when it names a file, else ``uri/default_name`` (a folder or prefix)."""
    if uri.endswith(".json"):
        return uri
    return join_uri(uri, default_name)


def _read_text(uri: str) -> str:
    data = store_for(uri).read_bytes(uri)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FormatError(f"not UTF-8 text (byte {exc.start})", path=uri) from exc


def read_document(uri: str, default_name: str, file_type: type[F]) -> F:
    """A file of ``file_type`` given as the file or the folder holding it as ``default_name``."""
    path = _file_uri(uri, default_name)
    return file_type.from_json_text(_read_text(path), source=path)


def read_statistics(uri: str) -> StatisticsFile:
    """A ``statistics.json`` given as the file or the folder holding it."""
    return read_document(uri, STATISTICS_FILE, StatisticsFile)


def read_constraints(uri: str) -> ConstraintsFile:
    """A ``constraints.json`` given as the file or the folder holding it."""
    return read_document(uri, CONSTRAINTS_FILE, ConstraintsFile)


def read_violations(uri: str) -> ViolationsFile:
    return read_document(uri, VIOLATIONS_FILE, ViolationsFile)
