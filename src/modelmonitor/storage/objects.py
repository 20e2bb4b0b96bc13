"""One object store over local paths and fsspec URIs (``s3://``, ``gs://``, ``memory://``, ...).

Every component that reads or writes files takes an ``ObjectStore`` (or a URI it turns into one), so the
same code serves a laptop directory and a bucket. Local paths are plain paths; a ``file://`` URI is the
same as its path.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import fsspec

from modelmonitor.errors import ConfigurationError, InputFileError, NotFoundError

__all__ = [
    "ObjectEntry",
    "ObjectStore",
    "absolute_location",
    "check_folder_location",
    "is_remote",
    "store_for",
]


def is_remote(uri: str) -> bool:
    """True for URIs with a scheme other than ``file``."""
    return "://" in uri and not uri.startswith("file://")


def absolute_location(uri: str) -> str:
    """``uri`` made independent of the working directory: a local path (or ``file://``) becomes absolute.

    Locations are stored (in the catalog, in job definitions) and used later by another process whose
    working directory is elsewhere (a job runs in its execution folder), so every local path is resolved
    where it is accepted. Remote URIs and the empty string are returned unchanged. Symbolic links are kept
    as given (the user may move what they point at); ``~`` is expanded.
    """
    if not uri or is_remote(uri):
        return uri
    local = os.path.abspath(os.path.expanduser(_strip_file_scheme(uri)))
    return local + "/" if uri.endswith("/") and not local.endswith("/") else local


def _strip_file_scheme(uri: str) -> str:
    return uri[len("file://") :] if uri.startswith("file://") else uri


@dataclass(frozen=True)
class ObjectEntry:
    """A listed object: its URI (with the store's scheme, a plain path for local files) and size."""

    uri: str
    size: int
    is_folder: bool = False


@dataclass(frozen=True)
class ObjectStore:
    """An fsspec filesystem for one protocol, with the few operations modelmonitor needs.

    ``options`` are passed to fsspec (for ``s3://``: ``endpoint_url``, ``key``, ``secret``, ...).
    """

    protocol: str = "file"
    options: Mapping[str, Any] = field(default_factory=dict)

    @property
    def fs(self) -> fsspec.AbstractFileSystem:
        return fsspec.filesystem(self.protocol, **dict(self.options))

    def _path(self, uri: str) -> str:
        return _strip_file_scheme(uri) if self.protocol == "file" else uri

    def exists(self, uri: str) -> bool:
        return bool(self.fs.exists(self._path(uri)))

    def read_bytes(self, uri: str) -> bytes:
        try:
            data: bytes = self.fs.cat_file(self._path(uri))
        except FileNotFoundError as exc:
            raise NotFoundError(f"{uri}: no such file") from exc
        except IsADirectoryError as exc:
            raise InputFileError("is a folder, expected a file", path=uri) from exc
        except OSError as exc:
            raise InputFileError(f"cannot read: {_reason(exc)}", path=uri) from exc
        return data

    def read_text(self, uri: str, encoding: str = "utf-8") -> str:
        return self.read_bytes(uri).decode(encoding)

    def write_bytes(self, uri: str, data: bytes) -> None:
        self.write_parts(uri, [data])

    def write_parts(self, uri: str, parts: Iterable[bytes | memoryview]) -> None:
        """One file of ``parts`` end to end, written as they come (never joined into one copy first)."""
        path = self._path(uri)
        try:
            if self.protocol == "file":
                _make_folder(Path(path).parent, uri)
            with self.fs.open(path, "wb") as handle:
                for part in parts:
                    handle.write(part)
        except IsADirectoryError as exc:
            raise ConfigurationError(f"{uri}: cannot write: a folder has this name") from exc
        except OSError as exc:
            raise ConfigurationError(f"{uri}: cannot write: {_reason(exc)}") from exc

    def write_text(self, uri: str, text: str, encoding: str = "utf-8") -> None:
        self.write_bytes(uri, text.encode(encoding))

    @contextmanager
    def open(self, uri: str, mode: str = "rb") -> Iterator[IO[Any]]:
        path = self._path(uri)
        if "w" in mode or "a" in mode:
            if self.protocol == "file":
                _make_folder(Path(path).parent, uri)
        elif not self.fs.exists(path):
            raise NotFoundError(f"{uri}: no such file")
        with self.fs.open(path, mode) as handle:
            yield handle

    def list_files(self, prefix: str, suffix: str = "") -> list[str]:
        """Every file below ``prefix`` (recursively) whose name ends with ``suffix``, sorted."""
        path = self._path(prefix)
        if not self.fs.exists(path):
            return []
        if self.fs.isfile(path):
            return [prefix] if prefix.endswith(suffix) else []
        found = self.fs.find(path)
        files = sorted(str(f) for f in found if str(f).endswith(suffix))
        if self.protocol == "file":
            return files
        return [f if "://" in f else f"{self.protocol}://{f}" for f in files]

    def _uri(self, path: str) -> str:
        return path if self.protocol == "file" or "://" in path else self.fs.unstrip_protocol(path)

    def list_entries(self, prefix: str) -> list[ObjectEntry]:
        """Every file below ``prefix`` (or ``prefix`` itself when it is a file) with its size, sorted."""
        path = self._path(prefix)
        fs = self.fs
        if not fs.exists(path):
            return []
        if fs.isfile(path):
            return [ObjectEntry(prefix, int(fs.size(path) or 0))]
        found = fs.find(path, detail=True)
        return sorted(
            (ObjectEntry(self._uri(str(name)), int(info.get("size") or 0)) for name, info in found.items()),
            key=lambda entry: entry.uri,
        )

    def list_children(self, prefix: str) -> list[ObjectEntry]:
        """The files and folders directly below ``prefix``, sorted; none when it does not exist."""
        path = self._path(prefix)
        fs = self.fs
        if not fs.exists(path) or fs.isfile(path):
            return []
        entries = [
            ObjectEntry(
                self._uri(str(info["name"])), int(info.get("size") or 0), info.get("type") == "directory"
            )
            for info in fs.ls(path, detail=True)
        ]
        return sorted(entries, key=lambda entry: entry.uri)

    def delete(self, uri: str) -> None:
        path = self._path(uri)
        if self.fs.exists(path):
            self.fs.rm(path, recursive=True)


def _reason(exc: OSError) -> str:
    return exc.strerror.lower() if exc.strerror else str(exc)


def _file_in_the_way(folder: Path) -> Path | None:
    """The first of ``folder`` and its parents that exists as something other than a folder."""
    return next((p for p in (folder, *folder.parents) if p.exists() and not p.is_dir()), None)


def check_folder_location(uri: str, what: str) -> None:
    """Refuse a local ``uri`` that cannot become a folder because it, or a folder above it, is a file.

    Said when the location is accepted (a capture destination, an output folder), not at the first
    write long after; remote URIs have no such files and are not checked.
    """
    if not uri or is_remote(uri):
        return
    in_the_way = _file_in_the_way(Path(_strip_file_scheme(uri)).expanduser())
    if in_the_way is not None:
        raise ConfigurationError(f"{what} {uri!r}: {in_the_way} is a file, expected a folder")


def _make_folder(folder: Path, uri: str) -> None:
    """``folder`` and its parents, or a ConfigurationError naming the one in the way (a file, no access)."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except (FileExistsError, NotADirectoryError) as exc:
        raise ConfigurationError(
            f"{uri}: cannot write: {_file_in_the_way(folder)} is a file, expected a folder"
        ) from exc
    except OSError as exc:
        raise ConfigurationError(f"{uri}: cannot make folder {folder}: {_reason(exc)}") from exc


def store_for(uri: str, options: Mapping[str, Any] | None = None) -> ObjectStore:
    """The store that serves ``uri``: local for plain paths and ``file://``, fsspec's protocol otherwise."""
    if not is_remote(uri):
        return ObjectStore("file", dict(options or {}))
    protocol = uri.split("://", 1)[0]
    if protocol in ("s3", "s3a"):
        protocol = "s3"
    try:
        fsspec.get_filesystem_class(protocol)
    except (ImportError, ValueError) as exc:
        raise ConfigurationError(
            f"{uri}: no filesystem for {protocol}:// (install the matching extra, e.g. modelmonitor[s3])"
        ) from exc
    return ObjectStore(protocol, dict(options or {}))
