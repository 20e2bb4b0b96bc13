"""The upload thread: copies closed spool files to the object store, so the writer never waits on it.

The local spool is the durable buffer: a file stays there until its upload succeeded. A failed upload is
retried with a growing pause (1 s doubling to 30 s) for as long as the process runs; a file still there
when the process ends is uploaded by the next proxy started on the same spool (``CaptureWriter``). The
writer only enqueues; ``drain`` at shutdown waits a bounded time and then leaves the rest to the spool, so
neither spooling nor a graceful stop depends on the object store answering. Uploads open the spool file
without following a symlink and copy a regular file only.
"""

from __future__ import annotations

import logging
import os
import queue
import shutil
import stat
import threading
import time
from pathlib import Path

from modelmonitor.capture.metrics import CaptureStats
from modelmonitor.capture.throttled_log import ThrottledLog
from modelmonitor.storage.objects import ObjectStore

__all__ = ["SpoolUploader"]

logger = logging.getLogger("modelmonitor.capture")

_COPY_CHUNK_BYTES = 1024 * 1024
_FIRST_RETRY_SECONDS = 1.0
_LONGEST_RETRY_SECONDS = 30.0


class NotRegularFileError(OSError):
    """A spool entry that is not a regular file (a symlink, a FIFO, a device): never uploaded."""


class SpoolUploader:
    """``submit(path, uri)`` from the writer thread; the upload thread does the rest."""

    def __init__(self, store: ObjectStore, stats: CaptureStats) -> None:
        self._store = store
        self._stats = stats
        self._queue: queue.Queue[tuple[Path, str]] = queue.Queue()
        self._outstanding = 0  # submitted and not yet uploaded or given up; guarded by _idle
        self._idle = threading.Condition()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._log = ThrottledLog(logger)

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stopping.clear()
        self._thread = threading.Thread(target=self._run, name="modelmonitor-capture-uploader", daemon=True)
        self._thread.start()

    def submit(self, local_path: Path, uri: str) -> None:
        with self._idle:
            self._outstanding += 1
        self._queue.put((local_path, uri))

    @property
    def outstanding(self) -> int:
        with self._idle:
            return self._outstanding

    def drain(self, timeout_seconds: float) -> int:
        """Wait up to ``timeout_seconds`` for every submitted file; stop the thread; the number left."""
        deadline = time.monotonic() + timeout_seconds
        with self._idle:
            while self._outstanding and time.monotonic() < deadline:
                self._idle.wait(min(0.1, max(0.0, deadline - time.monotonic())))
            left = self._outstanding
        self._stopping.set()
        self._queue.put((Path(), ""))  # wakes the thread; an empty uri is never uploaded
        if self._thread is not None:
            self._thread.join(min(1.0, max(0.0, deadline - time.monotonic())) if left else 1.0)
            self._thread = None
        if left:
            logger.warning("capture: %d spooled file(s) not uploaded yet; they stay in the spool", left)
        self._log.flush()
        return left

    def _run(self) -> None:
        pause = _FIRST_RETRY_SECONDS
        while not self._stopping.is_set():
            local_path, uri = self._queue.get()
            if not uri:
                continue
            if self._upload_once(local_path, uri):
                pause = _FIRST_RETRY_SECONDS
                self._done()
                continue
            self._queue.put((local_path, uri))  # kept for a later attempt, after the others
            if self._stopping.wait(pause):
                return
            pause = min(pause * 2, _LONGEST_RETRY_SECONDS)

    def _done(self) -> None:
        with self._idle:
            self._outstanding -= 1
            self._idle.notify_all()

    def _upload_once(self, local_path: Path, uri: str) -> bool:
        """True when the file is uploaded (and removed) or can never be: gone, or not a regular file."""
        try:
            descriptor = os.open(local_path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK)
        except FileNotFoundError:  # removed by hand: nothing left to retry
            self._stats.upload_errors += 1
            self._log.report(
                "vanished", f"capture spool file {local_path} vanished before its upload to {uri}"
            )
            return True
        except OSError as exc:  # a symlink (ELOOP) or unreadable: never uploaded
            self._stats.upload_errors += 1
            self._log.report("refused", f"capture spool file {local_path} not uploaded: {exc}")
            return True
        try:
            with os.fdopen(descriptor, "rb") as source:
                if not stat.S_ISREG(os.fstat(source.fileno()).st_mode):
                    raise NotRegularFileError(f"{local_path} is not a regular file")
                with self._store.fs.open(uri, "wb") as target:
                    shutil.copyfileobj(source, target, _COPY_CHUNK_BYTES)
        except NotRegularFileError as exc:
            self._stats.upload_errors += 1
            self._log.report("refused", f"capture spool file not uploaded: {exc}")
            return True
        except Exception as exc:  # network, credentials, bucket: keep the spool file and retry later
            self._stats.upload_errors += 1
            self._log.report("failed", f"capture upload of {local_path} to {uri} failed, will retry: {exc}")
            return False
        local_path.unlink(missing_ok=True)
        return True
