"""The request headers capture reads: the inference id SageMaker copies into the record, and a plain alias."""

from __future__ import annotations

from collections.abc import Iterable

__all__ = ["INFERENCE_ID_HEADERS", "header_value", "inference_id_from"]

# SageMaker's InvokeEndpoint header first, then the plain alias for servers that are not SageMaker-shaped.
INFERENCE_ID_HEADERS = (b"x-amzn-sagemaker-inference-id", b"x-inference-id")
_MAX_INFERENCE_ID_CHARS = 64


def inference_id_from(headers: Iterable[tuple[bytes, bytes]]) -> str | None:
    """The inference id of raw ASGI headers (lower-case names), or None when absent or blank.

    The value is UTF-8 (what clients send for non-ASCII ids); bytes that are not UTF-8 are read as
    ISO-8859-1, HTTP's historical charset, so an id is never lost. Any character is kept: the record writer
    escapes what JSON Lines readers could take for a line end. SageMaker accepts 1-64 characters; longer ids
    are cut to 64 rather than refused, since capture must never fail a request.
    """
    found: dict[bytes, bytes] = {}
    for name, value in headers:
        if name in INFERENCE_ID_HEADERS:
            found.setdefault(name, value)
    for name in INFERENCE_ID_HEADERS:
        raw = found.get(name)
        if raw is None:
            continue
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            text = raw.decode("latin-1")
        text = text.strip()
        if text:
            return text[:_MAX_INFERENCE_ID_CHARS]
    return None


def header_value(headers: Iterable[tuple[bytes, bytes]], name: bytes) -> str | None:
    """The first value of header ``name`` (lower-case bytes) in raw ASGI headers."""
    for key, value in headers:
        if key.lower() == name:
            return value.decode("latin-1")
    return None
