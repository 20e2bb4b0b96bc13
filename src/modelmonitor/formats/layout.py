"""Where SageMaker's files live: capture partitions, capture file names, execution outputs (§1.3, §9.6)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

from modelmonitor.errors import ConfigurationError

__all__ = [
    "DEFAULT_VARIANT",
    "NAME_MAX_CHARS",
    "capture_file_name",
    "capture_hour_prefix",
    "check_name",
    "execution_output_prefix",
    "hour_path",
    "join_uri",
]

DEFAULT_VARIANT = "AllTraffic"
NAME_MAX_CHARS = 63


def check_name(kind: str, name: str) -> str:
    """``name`` if it is 1-63 letters, digits, ``-`` or ``_``; else a ConfigurationError naming ``kind``.

    The one naming rule of endpoints, variants, schedules, alerts and batch jobs: each becomes a path segment
    of capture files or outputs, so a name can never be ``..``, hold a ``/`` or start a hidden file.
    """
    if not name or len(name) > NAME_MAX_CHARS or not all(c.isalnum() or c in "-_" for c in name):
        raise ConfigurationError(
            f"{kind} name {name!r}: expected 1-{NAME_MAX_CHARS} letters, digits, '-' or '_'"
        )
    return name


def join_uri(base: str, *parts: str) -> str:
    """Join path parts onto a local path or URI with single slashes."""
    text = base.rstrip("/")
    for part in parts:
        text += "/" + part.strip("/")
    return text


def hour_path(moment: datetime) -> str:
    """``yyyy/mm/dd/hh`` of a UTC moment (naive datetimes are taken as UTC)."""
    utc = moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    return utc.strftime("%Y/%m/%d/%H")


def capture_hour_prefix(destination: str, endpoint: str, variant: str, moment: datetime) -> str:
    """``{destination}/{endpoint}/{variant}/yyyy/mm/dd/hh`` for the hour holding ``moment``."""
    return join_uri(destination, endpoint, variant, hour_path(moment))


def capture_file_name(flushed_at: datetime, unique: uuid.UUID | None = None) -> str:
    """``{MM}-{SS}-{mmm}-{uuid4}.jsonl``, the name SageMaker gives a capture file (minute, second, millis)."""
    utc = flushed_at.astimezone(UTC) if flushed_at.tzinfo else flushed_at.replace(tzinfo=UTC)
    ident = unique or uuid.uuid4()
    return f"{utc:%M-%S}-{utc.microsecond // 1000:03d}-{ident}.jsonl"


def execution_output_prefix(output_uri: str, endpoint: str | None, schedule: str, scheduled: datetime) -> str:
    """``{output}/{endpoint}/{schedule}/yyyy/mm/dd/hh``; batch-transform schedules have no endpoint part."""
    parts = [p for p in (endpoint, schedule) if p]
    return join_uri(output_uri, *parts, hour_path(scheduled))
