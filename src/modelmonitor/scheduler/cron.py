"""Schedule expressions: SageMaker's ``cron(...)`` forms, ``NOW``, and standard 5-field cron.

SageMaker's forms: docs/sagemaker.md#schedule-expressions.

Pure: ``next_run(expression, after)`` is a function of its arguments only (no clock). All times are UTC.

SageMaker's form is the six-field AWS cron ``cron(minutes hours day-of-month month day-of-week year)``
with ``?`` in one of the day fields. We translate it to the five standard fields croniter understands
(dropping the year, which must be ``*``); ``?`` becomes ``*``. ``NOW`` is a one-time schedule: it has
exactly one run, at the time the schedule was created.

AWS numbers the days of the week 1-7 from Sunday (or SUN-SAT) and allows ``,``, ``-``, ``/`` (from a
day onwards: ``2/2`` is MON, WED, FRI), ``L`` (alone: Saturday; ``6L``: the month's last Friday) and
``#`` (``2#1``: its first Monday). croniter numbers them 0-6, and a step there counts from 0, so
lists, ranges and steps are expanded to the days they name before being renumbered.

An expression no date matches (``cron(0 0 31 2 ? *)``) is refused here, so a schedule that could
never run is never stored: with the year always ``*``, one match means matches forever.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from croniter import CroniterBadDateError, croniter

from modelmonitor.errors import ScheduleError

__all__ = ["NOW", "ScheduleExpression", "next_run", "parse_expression", "runs_between"]

NOW = "NOW"
_AWS_CRON = re.compile(r"^cron\((?P<body>[^()]*)\)$")
_DAY_NUMBERS = {"SUN": 1, "MON": 2, "TUE": 3, "WED": 4, "THU": 5, "FRI": 6, "SAT": 7}
_DAY_ITEM = re.compile(r"(?P<first>\*|\w+)(?:-(?P<last>\w+))?(?:/(?P<step>\d+))?")
# Any fixed moment serves to ask whether an expression ever matches (see the module docstring).
_PROBE_FROM = datetime(2000, 1, 1, tzinfo=UTC)


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
        five = " ".join([*(f.replace("?", "*") for f in (minute, hour, dom, month)), _day_of_week(dow, text)])
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
    try:
        croniter(five, _PROBE_FROM).get_next(datetime)
    except CroniterBadDateError as exc:
        raise ScheduleError(
            f"schedule expression {text!r}: no date matches it, so it would never run"
        ) from exc
    return ScheduleExpression(text=stripped, cron=five)


def _aws_day(token: str, text: str) -> int:
    number = int(token) if token.isdigit() else _DAY_NUMBERS.get(token)
    if number is None or not 1 <= number <= 7:
        raise ScheduleError(
            f"schedule expression {text!r}: day of week {token!r} is not 1-7 (SUN=1 ... SAT=7) or SUN-SAT"
        )
    return number


def _day_of_week(field: str, text: str) -> str:
    """AWS's day-of-week field (1-7 = SUN-SAT) as croniter's (0-6 = SUN-SAT)."""
    upper = field.upper()
    if upper in ("?", "*"):
        return "*"
    if upper == "L":
        return "6"  # the last day of the week, Saturday
    last_in_month = re.fullmatch(r"(\w+)L", upper)
    if last_in_month:
        return f"L{_aws_day(last_in_month.group(1), text) - 1}"
    nth_in_month = re.fullmatch(r"(\w+)#(\d+)", upper)
    if nth_in_month:
        nth = int(nth_in_month.group(2))
        if not 1 <= nth <= 5:
            raise ScheduleError(f"schedule expression {text!r}: {field!r}: after '#' expected 1-5, got {nth}")
        return f"{_aws_day(nth_in_month.group(1), text) - 1}#{nth}"
    days: set[int] = set()
    for item in upper.split(","):
        match = _DAY_ITEM.fullmatch(item)
        if match is None or (match.group("first") == "*" and match.group("last") is not None):
            raise ScheduleError(
                f"schedule expression {text!r}: day of week {item!r}: expected a day, a range (MON-FRI), "
                "a step (*/2, 2/2, 1-5/2), a list of those, L, 6L or 2#1"
            )
        step = int(match.group("step") or 1)
        if step < 1:
            raise ScheduleError(f"schedule expression {text!r}: day of week {item!r}: a step must be >= 1")
        if match.group("first") == "*":
            first, last = 1, 7
        else:
            first = _aws_day(match.group("first"), text)
            if match.group("last") is not None:
                last = _aws_day(match.group("last"), text)
            else:
                last = 7 if match.group("step") else first
        if first > last:
            raise ScheduleError(
                f"schedule expression {text!r}: day of week {item!r}: a range goes from the earlier day "
                "to the later one (SUN=1 ... SAT=7)"
            )
        days.update(range(first, last + 1, step))
    return ",".join(str(day - 1) for day in sorted(days))


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
