"""Schedule expressions: SageMaker's ``cron(...)`` forms, ``NOW``, and standard 5-field cron.

SageMaker's forms: docs/sagemaker.md#schedule-expressions.

Pure: ``next_run(expression, after)`` is a function of its arguments only (no clock). All times are UTC.

SageMaker's form is the six-field AWS cron ``cron(minutes hours day-of-month month day-of-week year)``
with ``?`` in one of the day fields. We translate it to the five standard fields croniter understands
(dropping the year, which must be ``*``); ``?`` becomes ``*``. ``NOW`` is a one-time schedule: it has
exactly one run, at the time the schedule was created.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from croniter import croniter

from modelmonitor.errors import ScheduleError

__all__ = ["NOW", "ScheduleExpression", "next_run", "parse_expression", "runs_between"]

NOW = "NOW"
_AWS_CRON = re.compile(r"^cron\((?P<body>[^()]*)\)$")


@dataclass(frozen=True)
class ScheduleExpression:
    """A parsed expression: ``text`` as the user gave it; ``cron`` the five standard fields (None for NOW)."""

    text: str
    cron: str | None

    @property
    def is_one_time(self) -> bool:
        return self.cron is None


def _to_utc(moment: datetime) -> datetime:
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


def parse_expression(text: str) -> ScheduleExpression:
    """Parse ``cron(0 * ? * * *)``, ``NOW`` or ``0 * * * *``; raise ScheduleError saying what is accepted."""
    stripped = text.strip()
    if not 1 <= len(stripped) <= 256:
        raise ScheduleError(f"schedule expression {text!r}: length must be 1-256 characters")
    if stripped.upper() == NOW:
        return ScheduleExpression(text=NOW, cron=None)
    match = _AWS_CRON.match(stripped)
    if match:
        fields = match.group("body").split()
        if len(fields) != 6:
            raise ScheduleError(
                f"schedule expression {text!r}: cron(...) needs 6 fields "
                "(minutes hours day-of-month month day-of-week year), e.g. cron(0 * ? * * *)"
            )
        minute, hour, dom, month, dow, year = fields
        if year not in ("*", "?"):
            raise ScheduleError(f"schedule expression {text!r}: a year field other than * is not supported")
        if "?" not in (dom, dow):
            raise ScheduleError(
                f"schedule expression {text!r}: one of day-of-month or day-of-week must be '?'"
            )
        # AWS numbers days of the week 1-7 from Sunday; standard cron numbers them 0-6.
        dow = re.sub(r"\d+", lambda m: str(int(m.group()) - 1), dow)
        five = " ".join(f.replace("?", "*") for f in (minute, hour, dom, month, dow))
    else:
        fields = stripped.split()
        if len(fields) != 5:
            raise ScheduleError(
                f"schedule expression {text!r}: expected cron(...) with 6 fields, NOW, "
                "or a standard 5-field cron expression such as '0 * * * *'"
            )
        five = " ".join(fields)
    if not croniter.is_valid(five):
        raise ScheduleError(f"schedule expression {text!r}: not a valid cron expression ({five!r})")
    return ScheduleExpression(text=stripped, cron=five)


def next_run(expression: ScheduleExpression | str, after: datetime) -> datetime | None:
    """The first scheduled time strictly after ``after``; None for ``NOW`` (it has no recurring runs)."""
    parsed = parse_expression(expression) if isinstance(expression, str) else expression
    if parsed.cron is None:
        return None
    nxt = croniter(parsed.cron, _to_utc(after)).get_next(datetime)
    assert isinstance(nxt, datetime)
    return _to_utc(nxt)


def runs_between(expression: ScheduleExpression | str, after: datetime, until: datetime) -> list[datetime]:
    """Every scheduled time in ``(after, until]``, in order (used to report missed slots)."""
    parsed = parse_expression(expression) if isinstance(expression, str) else expression
    times: list[datetime] = []
    current = next_run(parsed, after)
    while current is not None and current <= _to_utc(until):
        times.append(current)
        current = next_run(parsed, current)
    return times
