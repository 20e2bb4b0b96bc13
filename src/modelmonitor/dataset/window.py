"""The analysis window of an execution and the capture hour prefixes it touches.

SageMaker's rule: docs/sagemaker.md#analysis-window.

An execution scheduled at ``T`` reads records whose ``inferenceTime`` lies in
``[T + start_offset, T + end_offset)``. Offsets are ISO 8601 durations, normally negative (``-PT1H``,
``-P8D``, ``-P1D``). SageMaker's documentation also writes lenient forms such as ``-PT2D`` (days after
the ``T``) and ``-P6H`` (hours before it); each unit letter that has only one meaning is accepted where
it stands. ``M`` before ``T`` (months in ISO 8601, minutes in one SageMaker page) is ambiguous and refused.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from modelmonitor.errors import ScheduleError
from modelmonitor.formats.layout import hour_path, join_uri

__all__ = [
    "AnalysisWindow",
    "check_offsets",
    "format_offset",
    "format_time",
    "parse_offset",
    "parse_time",
]

DEFAULT_START_OFFSET = timedelta(hours=-1)
DEFAULT_END_OFFSET = timedelta(0)

_OFFSET = re.compile(r"^(?P<sign>[+-])?P(?P<date>[0-9.WDHMS]*)(?:T(?P<time>[0-9.WDHMS]*))?$")
_PART = re.compile(r"(\d+(?:\.\d+)?)([WDHMS])")
_UNIT_SECONDS = {"W": 7 * 86400.0, "D": 86400.0, "H": 3600.0, "S": 1.0}


def parse_offset(text: str, *, field: str = "offset") -> timedelta:
    """``-PT1H`` → ``timedelta(hours=-1)``; raise ScheduleError naming the field and the accepted forms."""
    stripped = text.strip().upper()
    match = _OFFSET.match(stripped)
    hint = "expected an ISO 8601 duration such as -PT1H, -P1D or -PT0H"
    if not match or not 1 <= len(stripped) <= 15:
        raise ScheduleError(f"{field}: {text!r} is not a duration; {hint}")
    total = 0.0
    for section in ("date", "time"):
        body = match.group(section) or ""
        consumed = "".join(number + unit for number, unit in _PART.findall(body))
        if consumed != body:
            raise ScheduleError(f"{field}: {text!r} is not a duration; {hint}")
        for number, unit in _PART.findall(body):
            if unit == "M":
                if section == "date":
                    raise ScheduleError(
                        f"{field}: {text!r}: 'M' before 'T' means months, which have no fixed length; "
                        "write minutes as PT{n}M and days as P{n}D"
                    )
                total += float(number) * 60.0
            else:
                total += float(number) * _UNIT_SECONDS[unit]
    if not (match.group("date") or match.group("time")) and not stripped.endswith("T"):
        raise ScheduleError(f"{field}: {text!r} has no amount; {hint}")
    sign = -1.0 if match.group("sign") == "-" else 1.0
    return timedelta(seconds=sign * total)


def format_offset(offset: timedelta) -> str:
    """``timedelta(hours=-1)`` → ``-PT1H`` (whole seconds)."""
    seconds = int(offset.total_seconds())
    sign = "-" if seconds < 0 else ""
    seconds = abs(seconds)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    text = f"{sign}P" + (f"{days}D" if days else "")
    clock = (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "") + (f"{secs}S" if secs else "")
    if clock or not days:
        text += "T" + (clock or "0H")
    return text


def format_time(moment: datetime) -> str:
    """SageMaker's container time text: ``2026-11-21T09:00:00Z``."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def parse_time(text: str, *, field: str = "time") -> datetime:
    """Parse ``2026-11-21T09:00:00Z`` (or any ISO 8601 time with an offset; naive means UTC)."""
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError as exc:
        raise ScheduleError(
            f"{field}: {text!r} is not an ISO 8601 time such as 2026-11-21T09:00:00Z"
        ) from exc
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


@dataclass(frozen=True)
class AnalysisWindow:
    """``[start, end)`` in UTC."""

    start: datetime
    end: datetime

    @classmethod
    def for_run(
        cls, scheduled: datetime, start_offset: timedelta | None, end_offset: timedelta | None
    ) -> AnalysisWindow:
        """The window of a run at ``scheduled``; errors when it is empty, reversed or longer than 24 h."""
        start_delta = DEFAULT_START_OFFSET if start_offset is None else start_offset
        end_delta = DEFAULT_END_OFFSET if end_offset is None else end_offset
        check_offsets(start_delta, end_delta)
        moment = scheduled.astimezone(UTC)
        return cls(start=moment + start_delta, end=moment + end_delta)

    @classmethod
    def unbounded(cls) -> AnalysisWindow:
        """Every moment: for reading captured files whole (a baseline made from captured traffic)."""
        return cls(start=datetime.min.replace(tzinfo=UTC), end=datetime.max.replace(tzinfo=UTC))

    def contains(self, moment: datetime) -> bool:
        return self.start <= moment < self.end

    def hours(self) -> Iterator[datetime]:
        """The start of every UTC hour that overlaps the window."""
        current = self.start.replace(minute=0, second=0, microsecond=0)
        while current < self.end:
            yield current
            current += timedelta(hours=1)

    def hour_prefixes(self, base: str) -> list[str]:
        """``{base}/yyyy/mm/dd/hh`` for each hour overlapping the window."""
        return [join_uri(base, hour_path(hour)) for hour in self.hours()]

    def describe(self) -> str:
        if self == AnalysisWindow.unbounded():
            return "at any time"
        return f"between {format_time(self.start)} and {format_time(self.end)}"


def check_offsets(start_offset: timedelta, end_offset: timedelta) -> None:
    """A window must end after it starts. SageMaker's own examples use 7-day windows (-P8D/-P1D), so no
    upper bound is enforced here."""
    if end_offset <= start_offset:
        raise ScheduleError(
            f"analysis window: end offset {format_offset(end_offset)} must come after "
            f"start offset {format_offset(start_offset)}"
        )
    if start_offset >= timedelta(0):
        raise ScheduleError(
            f"analysis window: start offset {format_offset(start_offset)} puts the whole window after the "
            "run, when nothing can have been captured yet; expected a negative offset such as -PT1H"
        )
