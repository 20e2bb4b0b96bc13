"""Reading and writing a monitoring file by URI (local path or fsspec URI), for the SDK's file objects.

``Statistics.from_s3_uri``, ``Constraints.save`` and friends go through here rather than to the object
store themselves, so an interface never reaches below the service.
"""

from __future__ import annotations

from modelmonitor.errors import FormatError
from modelmonitor.storage.objects import store_for

__all__ = ["read_text", "write_text"]


def read_text(uri: str) -> str:
    """The UTF-8 text at ``uri``; NotFoundError when it does not exist, FormatError when not UTF-8."""
    data = store_for(uri).read_bytes(uri)
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise FormatError(f"not UTF-8 text (byte {exc.start})", path=uri) from exc


def write_text(uri: str, text: str) -> None:
    store_for(uri).write_text(uri, text)
