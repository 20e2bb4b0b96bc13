"""Turn one request/response pair into one capture line, byte-compatible with SageMaker's.

The record's shape: docs/sagemaker.md#capture-records.

Key order follows real capture files: ``captureData{endpointInput, endpointOutput}``, ``eventMetadata{eventId,
[inferenceId], inferenceTime}``, ``eventVersion``; compact JSON; one line per invocation.

Payload rules:
- the media type (content type without parameters) in the CSV list gives ``CSV``, in the JSON list ``JSON``,
  anything else ``BASE64`` (as SageMaker does);
- a CSV/JSON payload that is not valid UTF-8 is stored as ``BASE64`` instead of failing;
- U+0085, U+2028 and U+2029 are written as JSON escapes, so no line splitter cuts a record in two;
- a payload larger than ``max_payload_bytes`` keeps its first ``max_payload_bytes`` bytes, stored as
  ``BASE64`` (a cut text is no longer a valid CSV row or JSON document), and the event carries
  ``"truncated":true``.
"""

from __future__ import annotations

import base64
import os
import time
import uuid
from typing import Literal, NamedTuple

import orjson

from modelmonitor.capture.config import CaptureSettings

__all__ = [
    "CaptureLine",
    "EventIds",
    "PayloadEncoder",
    "SecondTexts",
    "build_capture_line",
    "escape_line_separators",
    "hour_of",
    "inference_time_of",
]

Mode = Literal["INPUT", "OUTPUT"]


class CaptureLine(NamedTuple):
    """One encoded record waiting for the writer: its hour partition, its bytes (ending in a newline).

    A named tuple, not a frozen dataclass: built once per captured call, it is ten times cheaper.
    """

    hour: str
    data: bytes
    enqueued_monotonic: float


def inference_time_of(epoch_seconds: float) -> str:
    """``YYYY-MM-DDTHH:MM:SSZ``, second precision, as SageMaker writes ``inferenceTime``."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(epoch_seconds))


def hour_of(epoch_seconds: float) -> str:
    """``yyyy/mm/dd/hh`` partition of a UTC moment."""
    return time.strftime("%Y/%m/%d/%H", time.gmtime(epoch_seconds))


class SecondTexts:
    """``(inferenceTime, hour)`` texts of the current second, formatted once per second, not per record."""

    __slots__ = ("_second", "_texts")

    def __init__(self) -> None:
        self._second = -1
        self._texts = ("", "")

    def of(self, epoch_seconds: float) -> tuple[str, str]:
        second = int(epoch_seconds)
        if second != self._second:
            self._texts = (inference_time_of(second), hour_of(second))
            self._second = second
        return self._texts


class EventIds:
    """Random (version 4) UUID texts from a buffer of ``os.urandom`` bytes, several times faster than
    ``str(uuid.uuid4())``; a forked child refills the buffer so processes never share ids."""

    __slots__ = ("_buffer", "_offset", "_pid")

    _BATCH = 16 * 256

    def __init__(self) -> None:
        self._buffer = b""
        self._offset = 0
        self._pid = 0

    def next(self) -> str:
        if self._offset >= len(self._buffer) or self._pid != os.getpid():
            self._buffer = os.urandom(self._BATCH)
            self._offset = 0
            self._pid = os.getpid()
        raw = self._buffer[self._offset : self._offset + 16]
        self._offset += 16
        h = raw.hex()
        variant = "89ab"[raw[8] & 0x3]
        return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-{variant}{h[17:20]}-{h[20:32]}"


class PayloadEncoder:
    """Chooses the encoding of a payload from its content type and size, never raising on bad bytes."""

    def __init__(self, settings: CaptureSettings) -> None:
        self._csv = frozenset(t.lower() for t in settings.csv_content_types)
        self._json = frozenset(t.lower() for t in settings.json_content_types)
        self._limit = settings.max_payload_bytes

    def _text_encoding(self, content_type: str | None) -> Literal["CSV", "JSON"] | None:
        if not content_type:
            return None
        media = content_type.split(";", 1)[0].strip().lower()
        if media in self._csv:
            return "CSV"
        if media in self._json:
            return "JSON"
        return None

    def encode(
        self, body: bytes, content_type: str | None, mode: Mode, total_size: int | None = None
    ) -> dict[str, object]:
        """The ``endpointInput``/``endpointOutput`` object for ``body``.

        ``total_size`` is the real payload size when ``body`` was already cut while being collected.
        """
        size = len(body) if total_size is None else total_size
        event: dict[str, object] = {"observedContentType": content_type, "mode": mode}
        if size > self._limit:
            event["data"] = base64.b64encode(body[: self._limit]).decode("ascii")
            event["encoding"] = "BASE64"
            event["truncated"] = True
            return event
        encoding = self._text_encoding(content_type)
        if encoding is not None:
            try:
                event["data"] = body.decode("utf-8")
                event["encoding"] = encoding
                return event
            except UnicodeDecodeError:
                pass
        event["data"] = base64.b64encode(body).decode("ascii")
        event["encoding"] = "BASE64"
        return event


def build_capture_line(
    *,
    input_event: dict[str, object] | None,
    output_event: dict[str, object] | None,
    inference_id: str | None,
    epoch_seconds: float,
    event_id: str | None = None,
    event_ids: EventIds | None = None,
    second_texts: SecondTexts | None = None,
) -> CaptureLine:
    """Encode one capture record as a compact JSON line in SageMaker's key order.

    ``event_ids`` and ``second_texts`` are the caller's caches for the hot path (see ``CapturePipeline``).
    """
    capture_data: dict[str, object] = {}
    if input_event is not None:
        capture_data["endpointInput"] = input_event
    if output_event is not None:
        capture_data["endpointOutput"] = output_event
    if second_texts is not None:
        inference_time, hour = second_texts.of(epoch_seconds)
    else:
        inference_time, hour = inference_time_of(epoch_seconds), hour_of(epoch_seconds)
    if event_id is None:
        event_id = event_ids.next() if event_ids is not None else str(uuid.uuid4())
    metadata: dict[str, object] = {"eventId": event_id}
    if inference_id:
        metadata["inferenceId"] = inference_id
    metadata["inferenceTime"] = inference_time
    record = {"captureData": capture_data, "eventMetadata": metadata, "eventVersion": "0"}
    return CaptureLine(
        hour=hour,
        data=escape_line_separators(orjson.dumps(record, option=orjson.OPT_APPEND_NEWLINE)),
        enqueued_monotonic=time.monotonic(),
    )


# Characters that are valid raw inside a JSON string but that line splitters other than ``\n`` (Python's
# str.splitlines, JavaScript) take for a line end; orjson writes them raw. In compact JSON these UTF-8
# sequences can only occur inside strings, so replacing them with their escapes keeps every value equal.
_LINE_SEPARATOR_ESCAPES = (
    (b"\xc2\x85", b"\\u0085"),
    (b"\xe2\x80\xa8", b"\\u2028"),
    (b"\xe2\x80\xa9", b"\\u2029"),
)


def escape_line_separators(line: bytes) -> bytes:
    """``line`` with U+0085, U+2028 and U+2029 written as JSON escapes (other controls orjson escapes)."""
    for raw, escaped in _LINE_SEPARATOR_ESCAPES:
        if raw in line:
            line = line.replace(raw, escaped)
    return line
