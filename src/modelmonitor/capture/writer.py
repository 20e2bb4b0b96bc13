"""The writer thread: drains the capture queue, appends lines to hourly files, flushes, rotates, uploads.

- Every 100 ms (or ``flush_interval`` if shorter, and sooner when the queue is half full) queued lines are
  written with one ``write`` per file; once written they are in the kernel's page cache and survive a
  ``kill -9`` of this process, so a crash loses at most the lines queued since the last write.
- A file holds the records of one UTC hour (the hour of ``inferenceTime``). It is closed, with ``fsync``,
  when it reaches ``max_file_bytes``, when ``max_file_age`` has passed, when its hour is over and it got
  nothing new, and on shutdown.
- A batch that cannot be written (the folder cannot be opened, the disk is full) is held and retried every
  cycle; a write cut short is truncated back to the last complete line (or, if that fails, the file is
  closed and a new one opened), so no record already written is ever followed by a broken one. Held
  records beyond ``queue_size`` (oldest first) and those still held at shutdown are counted as
  ``dropped_write_error``; problems are logged rate-limited with exact counts (``ThrottledLog``).
- Local destinations are written in place. Object-store destinations (``s3://`` ...) are written to a local
  spool file first and uploaded by the upload thread (``SpoolUploader``) when the file is closed, so
  spooling never waits on the object store; the spool of a writer that died is uploaded by the
  next writer started on the same spool directory, to that writer's own destination and only when it is the
  one the dead writer had (the spool's ``destination.txt`` is compared, never obeyed). Recovery reads regular
  files only, never through a symlink.
- Capture files are created 0600 in 0700 folders; the spool root must be a private folder of this user
  (``storage.private``), since whatever lies in it is uploaded with the proxy's credentials.
"""

from __future__ import annotations

import logging
import os
import shutil
import stat
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from modelmonitor.capture.buffer import CaptureBuffer
from modelmonitor.capture.config import CaptureSettings
from modelmonitor.capture.guard import DiskGuard
from modelmonitor.capture.metrics import CaptureStats
from modelmonitor.capture.records import CaptureLine, hour_of
from modelmonitor.capture.throttled_log import ThrottledLog
from modelmonitor.capture.uploader import SpoolUploader
from modelmonitor.formats.layout import capture_file_name, join_uri
from modelmonitor.settings import Settings
from modelmonitor.storage.objects import ObjectStore, is_remote, store_for
from modelmonitor.storage.private import make_private_dirs, open_private, require_private_dir

__all__ = ["CaptureWriter", "default_spool_dir"]

logger = logging.getLogger("modelmonitor.capture")

_DESTINATION_FILE = "destination.txt"
_LONGEST_CYCLE_SECONDS = 0.1


_LONGEST_DESTINATION_BYTES = 4096
# How long a graceful stop waits for uploads; what is left stays in the spool for the next proxy.
UPLOAD_DRAIN_SECONDS = 5.0
# Bounded object-store calls for s3:// (botocore's defaults are 60 s per read with retries).
_S3_TIMEOUTS = {"connect_timeout": 5, "read_timeout": 20, "retries": {"max_attempts": 2}}


def default_spool_dir() -> Path:
    """Where object-store destinations are spooled when no spool directory is configured: under the home
    (``MODELMONITOR_HOME``, default ``~/.modelmonitor``), never in the shared temporary folder."""
    return Settings.from_env().home / "capture-spool"


@dataclass
class _OpenFile:
    hour: str
    local_path: Path
    final_uri: str | None  # None when the local path is the final place
    handle: int
    opened_monotonic: float
    size: int = 0
    written_this_cycle: bool = False


# Spool folders are named ``{pid}-{process token}-{writer id}``. The token tells this process's folders (other
# writers in the same process) from those of an earlier process that had the same pid (a restarted container).
_PROCESS_TOKEN = uuid.uuid4().hex[:8]


def _spool_owner_alive(folder_name: str) -> bool | None:
    """Whether the process that owns a spool folder still runs; None for a folder not named by us."""
    parts = folder_name.split("-")
    if len(parts) != 3 or not parts[0].isdigit():
        return None
    pid, token = int(parts[0]), parts[1]
    if pid == os.getpid():
        return token == _PROCESS_TOKEN
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class CaptureWriter:
    """Owns the capture files of one process. ``start`` spawns the thread; ``close`` drains and stops it."""

    def __init__(
        self,
        settings: CaptureSettings,
        buffer: CaptureBuffer,
        stats: CaptureStats,
        guard: DiskGuard | None = None,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self._settings = settings
        self._buffer = buffer
        self._stats = stats
        self.guard = guard
        self._clock = clock
        self._remote = is_remote(settings.destination)
        self._uploader: SpoolUploader | None = (
            SpoolUploader(_bounded_store(settings.destination, settings.storage_options), stats)
            if self._remote
            else None
        )
        if self._remote:
            spool_root = Path(settings.spool_dir) if settings.spool_dir else default_spool_dir()
            # Checked here, so a proxy with an unsafe spool refuses to start instead of serving.
            require_private_dir(spool_root, "capture spool folder")
            self._spool_root: Path | None = spool_root
            self.local_root = spool_root / f"{os.getpid()}-{_PROCESS_TOKEN}-{uuid.uuid4().hex[:12]}"
        else:
            self._spool_root = None
            self.local_root = Path(settings.destination.removeprefix("file://"))
        self._files: dict[str, _OpenFile] = {}
        self._held: list[CaptureLine] = []  # records whose write failed, retried next cycle
        self._recovered: list[Path] = []
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._last_guard_check = 0.0
        self._problems = ThrottledLog(logger)
        # Cycles begun and finished, for ``flush``: a waiter needs a whole cycle that began after it asked.
        self._cycles = threading.Condition()
        self._cycles_begun = 0
        self._cycles_done = 0

    # -- lifecycle -------------------------------------------------------------------------------------
    def start(self) -> None:
        if self._thread is not None:
            return
        self._stopping.clear()  # a writer may be started again after close (an app's lifespan restarting)
        make_private_dirs(self.local_root)
        if self._remote:
            marker = open_private(self.local_root / _DESTINATION_FILE, os.O_WRONLY | os.O_TRUNC)
            with os.fdopen(marker, "wb") as handle:
                handle.write(self._settings.destination.encode("utf-8"))
            assert self._uploader is not None
            self._uploader.start()
            self._recover_orphaned_spools()
        if self.guard is not None:
            self.guard.check()
            self._last_guard_check = time.monotonic()
        self._thread = threading.Thread(target=self._run, name="modelmonitor-capture-writer", daemon=True)
        self._thread.start()

    def close(self, timeout_seconds: float = 30.0) -> None:
        """Write everything queued, fsync and close every file; upload spooled files for at most
        ``UPLOAD_DRAIN_SECONDS`` (the rest stays in the spool); idempotent."""
        if self._thread is None:
            return
        self._stopping.set()
        self._buffer.wakeup.set()
        self._thread.join(timeout_seconds)
        self._thread = None
        if self._uploader is not None:
            self._uploader.drain(UPLOAD_DRAIN_SECONDS)
            for owner in self._recovered:
                if not _spooled_files(owner):
                    shutil.rmtree(owner, ignore_errors=True)
            self._recovered = []
            self._remove_spool_dir_if_empty(self.local_root)

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def flush(self, timeout_seconds: float = 10.0) -> bool:
        """Have the writer run a cycle now and wait for it: every record queued before the call is then
        written (or held after a failed write), and files past their hour or age are closed (and handed
        to the uploader). True when that cycle finished within ``timeout_seconds``; False when it did
        not or the writer is not running. For tests and embedders that need the files now, instead of
        waiting a flush interval."""
        if not self.running:
            return False
        with self._cycles:
            # A cycle under way may have drained the queue before these records came: wait for the next.
            wanted = self._cycles_begun + 1
            self._buffer.wakeup.set()
            return (
                self._cycles.wait_for(
                    lambda: self._cycles_done >= wanted or not self.running, timeout_seconds
                )
                and self._cycles_done >= wanted
            )

    # -- the loop --------------------------------------------------------------------------------------
    def _run(self) -> None:
        # Small, frequent batches: the writer holds the GIL for a short while each time, so request latency
        # does not jump once a second. ``flush_interval`` stays the promised upper bound.
        interval = min(self._settings.flush_interval.total_seconds(), _LONGEST_CYCLE_SECONDS)
        while not self._stopping.is_set():
            self._buffer.wakeup.wait(interval)
            self._buffer.wakeup.clear()
            self._cycle()
        self._cycle()
        if self._held:  # the last attempt failed too: these records cannot outlive the process
            self._stats.dropped_write_error += len(self._held)
            self._problems.report(
                "lost", "capture records still unwritable at shutdown, lost", len(self._held)
            )
            self._held = []
        for open_file in list(self._files.values()):
            self._close_file(open_file)
        self._problems.flush()

    def _cycle(self) -> None:
        with self._cycles:
            self._cycles_begun += 1
        try:
            self._write(self._buffer.drain())
            self._rotate()
            self._check_disk()
        except Exception:  # the writer must outlive any single failure; the request path never sees it
            self._stats.write_errors += 1
            logger.exception("capture writer cycle failed")
        finally:
            with self._cycles:
                self._cycles_done += 1
                self._cycles.notify_all()

    def _write(self, lines: list[CaptureLine]) -> None:
        now = time.monotonic()
        self._stats.last_flush_monotonic = now
        if self._held:
            lines = self._held + lines
            self._held = []
        if not lines:
            return
        by_hour: dict[str, list[CaptureLine]] = {}
        for line in lines:
            by_hour.setdefault(line.hour, []).append(line)
        for hour, batch in by_hour.items():
            if not self._write_batch(hour, batch):
                self._hold(batch)
        self._stats.flush_lag_seconds = now - lines[0].enqueued_monotonic

    def _write_batch(self, hour: str, batch: list[CaptureLine]) -> bool:
        """One ``write`` of ``batch`` to its hour's file; False, none of it left in a file, on failure."""
        chunk = b"".join(line.data for line in batch)
        try:
            open_file = self._file_for(hour)
        except OSError as exc:
            self._stats.write_errors += 1
            where = f"{self.local_root}/{self._settings.endpoint_name}/{self._settings.variant_name}/{hour}"
            self._problems.report("open", f"capture file in {where} cannot be opened: {exc}", len(batch))
            return False
        try:
            _write_all(open_file.handle, chunk)
        except OSError as exc:
            self._stats.write_errors += 1
            self._undo_partial_write(open_file)
            self._problems.report(
                "write", f"capture write to {open_file.local_path} failed: {exc}", len(batch)
            )
            return False
        open_file.size += len(chunk)
        open_file.written_this_cycle = True
        self._stats.records_written += len(batch)
        self._stats.bytes_written += len(chunk)
        if open_file.size >= self._settings.max_file_bytes:
            self._close_file(open_file)
        return True

    def _undo_partial_write(self, open_file: _OpenFile) -> None:
        """Cut a short write back to the file's last complete line; close the file if that fails."""
        try:
            os.ftruncate(open_file.handle, open_file.size)
        except OSError as exc:
            # The partial line stays as the file's torn tail (readers skip it); nothing is appended after it.
            self._problems.report(
                "truncate", f"capture file {open_file.local_path} cannot be truncated: {exc}"
            )
            self._close_file(open_file)

    def _hold(self, batch: list[CaptureLine]) -> None:
        """Keep a failed batch for the next cycle, at most ``queue_size`` records (the oldest are lost)."""
        self._held.extend(batch)
        excess = len(self._held) - self._settings.queue_size
        if excess > 0:
            self._held = self._held[excess:]
            self._stats.dropped_write_error += excess
            self._problems.report("lost", "capture records lost: writes keep failing", excess)

    def _rotate(self) -> None:
        current_hour = hour_of(self._clock())
        max_age = self._settings.max_file_age.total_seconds() if self._settings.max_file_age else None
        now = time.monotonic()
        for open_file in list(self._files.values()):
            idle_past_hour = open_file.hour != current_hour and not open_file.written_this_cycle
            too_old = max_age is not None and now - open_file.opened_monotonic >= max_age
            if idle_past_hour or too_old:
                self._close_file(open_file)
            else:
                open_file.written_this_cycle = False

    def _check_disk(self) -> None:
        if self.guard is None:
            return
        now = time.monotonic()
        if now - self._last_guard_check >= self._settings.disk_check_interval.total_seconds():
            self._last_guard_check = now
            self.guard.check()

    # -- files -----------------------------------------------------------------------------------------
    def _file_for(self, hour: str) -> _OpenFile:
        existing = self._files.get(hour)
        if existing is not None:
            return existing
        s = self._settings
        name = capture_file_name(datetime.fromtimestamp(self._clock(), UTC))
        relative = f"{s.endpoint_name}/{s.variant_name}/{hour}/{name}"
        local_path = self.local_root / relative
        make_private_dirs(local_path.parent)
        handle = open_private(local_path, os.O_WRONLY | os.O_APPEND)
        final_uri = join_uri(s.destination, relative) if self._remote else None
        opened = _OpenFile(hour, local_path, final_uri, handle, time.monotonic())
        self._files[hour] = opened
        return opened

    def _close_file(self, open_file: _OpenFile) -> None:
        self._files.pop(open_file.hour, None)
        try:
            os.fsync(open_file.handle)
        except OSError as exc:
            self._stats.write_errors += 1
            self._problems.report("fsync", f"capture fsync of {open_file.local_path} failed: {exc}")
        finally:
            os.close(open_file.handle)
        self._stats.files_closed += 1
        if open_file.final_uri is not None and self._uploader is not None:
            self._uploader.submit(open_file.local_path, open_file.final_uri)

    def _recover_orphaned_spools(self) -> None:
        assert self._spool_root is not None
        assert self._uploader is not None
        destination = self._settings.destination
        for owner in sorted(self._spool_root.iterdir()):
            if owner == self.local_root or _spool_owner_alive(owner.name) is not False:
                continue
            info = os.lstat(owner)
            if not stat.S_ISDIR(info.st_mode) or info.st_uid != os.geteuid():
                logger.warning("capture: %s in the spool is not a folder of this user; left alone", owner)
                continue
            was_for = _read_destination(owner)
            if was_for != destination:
                logger.warning(
                    "capture: spool of a stopped writer in %s was for %s, not this proxy's %s; left alone",
                    owner,
                    was_for,
                    destination,
                )
                continue
            for path in _spooled_files(owner):
                relative = path.relative_to(owner).as_posix()
                self._uploader.submit(path, join_uri(destination, relative))
            self._recovered.append(owner)
            logger.warning("capture: uploading the spool of a stopped writer from %s", owner)

    def _remove_spool_dir_if_empty(self, root: Path) -> None:
        if not any(root.rglob("*.jsonl")):
            shutil.rmtree(root, ignore_errors=True)


def _bounded_store(destination: str, options: Mapping[str, Any]) -> ObjectStore:
    """The destination's store; for ``s3://`` with bounded timeouts unless ``config_kwargs`` is given."""
    store = store_for(destination, options)
    if store.protocol == "s3" and "config_kwargs" not in options:
        store = store_for(destination, {**options, "config_kwargs": _S3_TIMEOUTS})
    return store


def _read_destination(owner: Path) -> str | None:
    """The destination a spool folder was written for, or None when its marker is missing or not a file."""
    try:
        descriptor = os.open(owner / _DESTINATION_FILE, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
    except OSError:
        return None
    with os.fdopen(descriptor, "rb") as handle:
        if not stat.S_ISREG(os.fstat(descriptor).st_mode):
            return None
        return handle.read(_LONGEST_DESTINATION_BYTES).decode("utf-8", errors="replace").strip()


def _spooled_files(owner: Path) -> list[Path]:
    """The regular ``*.jsonl`` files below ``owner``; symlinks (to files or folders) are not followed."""
    found: list[Path] = []
    for folder, _, names in os.walk(owner, followlinks=False):
        for name in names:
            path = Path(folder) / name
            if name.endswith(".jsonl") and stat.S_ISREG(os.lstat(path).st_mode):
                found.append(path)
    return sorted(found)


def _write_all(handle: int, chunk: bytes) -> None:
    view = memoryview(chunk)
    while view:
        written = os.write(handle, view)
        view = view[written:]
