"""AWS's day-of-week field, checked against a reference written from AWS's "Schedule expressions" rules.

The reference below decides for one date whether a day-of-week field matches it, directly from the
documented meaning (1-7 = SUN-SAT; ``,`` lists, ``-`` ranges, ``/`` steps from a day, ``L`` the last day
of the week or ``nL`` the month's last such day, ``n#k`` the month's k-th such day). The scheduler instead
translates the field for croniter; both must give the same runs.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from modelmonitor.errors import ScheduleError
from modelmonitor.scheduler.cron import next_run, parse_expression

NAMES = ["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"]


def aws_weekday(day: date) -> int:
    """SUN=1 ... SAT=7."""
    return day.isoweekday() % 7 + 1


def _day(token: str) -> int:
    return int(token) if token.isdigit() else NAMES.index(token.upper()) + 1


def _item_matches(item: str, weekday: int) -> bool:
    body, _, step_text = item.partition("/")
    step = int(step_text) if step_text else 1
    if body == "*":
        first, last = 1, 7
    elif "-" in body:
        start, end = body.split("-")
        first, last = _day(start), _day(end)
    else:
        first = _day(body)
        last = 7 if step_text else first
    return first <= weekday <= last and (weekday - first) % step == 0


def reference_matches(field: str, day: date) -> bool:
    weekday = aws_weekday(day)
    if field in ("?", "*"):
        return True
    if field == "L":
        return weekday == 7
    if field.endswith("L"):
        return weekday == _day(field[:-1]) and (day + timedelta(days=7)).month != day.month
    if "#" in field:
        named, nth = field.split("#")
        return weekday == _day(named) and (day.day - 1) // 7 + 1 == int(nth)
    return any(_item_matches(item, weekday) for item in field.split(","))


def reference_runs(field: str, hour: int, after: datetime, count: int) -> list[datetime]:
    runs: list[datetime] = []
    day = after.date()
    while len(runs) < count:
        moment = datetime(day.year, day.month, day.day, hour, tzinfo=UTC)
        if moment > after and reference_matches(field, day):
            runs.append(moment)
        day += timedelta(days=1)
    return runs


days = st.integers(1, 7)
day_tokens = st.one_of(days.map(str), days.map(lambda d: NAMES[d - 1]))
steps = st.integers(1, 8)


@st.composite
def simple_items(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["day", "range", "star-step", "day-step", "range-step"]))
    if kind == "day":
        return draw(day_tokens)
    if kind == "star-step":
        return f"*/{draw(steps)}"
    first = draw(days)
    first_token = draw(st.sampled_from([str(first), NAMES[first - 1]]))
    if kind == "day-step":
        return f"{first_token}/{draw(steps)}"
    last = draw(st.integers(first, 7))
    text = f"{first_token}-{draw(st.sampled_from([str(last), NAMES[last - 1]]))}"
    return text if kind == "range" else f"{text}/{draw(steps)}"


fields = st.one_of(
    st.lists(simple_items(), min_size=1, max_size=3).map(",".join),
    st.just("L"),
    day_tokens.map(lambda t: f"{t}L"),
    st.tuples(day_tokens, st.integers(1, 5)).map(lambda p: f"{p[0]}#{p[1]}"),
)


@settings(max_examples=300, deadline=None)
@given(
    field=fields,
    hour=st.integers(0, 23),
    after=st.datetimes(datetime(2000, 1, 1), datetime(2090, 12, 31)).map(lambda d: d.replace(tzinfo=UTC)),
)
def test_runs_equal_the_documented_meaning(field: str, hour: int, after: datetime) -> None:
    parsed = parse_expression(f"cron(0 {hour} ? * {field} *)")
    runs: list[datetime] = []
    current: datetime | None = after
    for _ in range(4):
        assert current is not None
        current = next_run(parsed, current)
        assert current is not None
        runs.append(current)
    assert runs == reference_runs(field, hour, after, 4)


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        ("*/2", ["Sun", "Tue", "Thu", "Sat"]),  # was */1 (every day) before AWS's numbering was honoured
        ("2/2", ["Mon", "Wed", "Fri"]),  # was 1/1
        ("MON-FRI", ["Mon", "Tue", "Wed", "Thu", "Fri"]),
    ],
    ids=["star-step", "day-step", "names"],
)
def test_steps_count_from_aws_numbers(field: str, expected: list[str]) -> None:
    runs: list[datetime] = []
    current = datetime(2026, 11, 21, 12, tzinfo=UTC)  # a Saturday
    while len(runs) < 7:
        found = next_run(f"cron(0 0 ? * {field} *)", current)
        assert found is not None
        runs.append(found)
        current = found
    assert sorted({r.strftime("%a") for r in runs}, key=lambda d: NAMES.index(d.upper())) == expected


def test_first_monday_and_last_friday_are_understood() -> None:
    after = datetime(2026, 11, 21, tzinfo=UTC)
    assert next_run("cron(0 9 ? * 2#1 *)", after) == datetime(2026, 12, 7, 9, tzinfo=UTC)
    assert next_run("cron(0 9 ? * 6L *)", after) == datetime(2026, 11, 27, 9, tzinfo=UTC)


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("cron(0 0 ? * 8 *)", "'8' is not 1-7"),
        ("cron(0 0 ? * 0 *)", "'0' is not 1-7"),
        ("cron(0 0 ? * 2-9 *)", "'9' is not 1-7"),
        ("cron(0 0 ? * 9/2 *)", "'9' is not 1-7"),
        ("cron(0 0 ? * 8L *)", "'8' is not 1-7"),
        ("cron(0 0 ? * 2#6 *)", "after '#' expected 1-5"),
        ("cron(0 0 ? * FRI-MON *)", "earlier day"),
        ("cron(0 0 ? * */0 *)", "step must be >= 1"),
        ("cron(0 0 ? * MON,2#1 *)", "expected a day"),
        ("cron(0 0 31 2 ? *)", "never run"),
        ("cron(0 0 30 2 ? *)", "never run"),
    ],
    ids=[
        "eight",
        "zero",
        "range-past-7",
        "step-from-9",
        "last-8",
        "sixth-week",
        "wrapping",
        "step-0",
        "mixed",
        "feb-31",
        "feb-30",
    ],
)
def test_fields_aws_refuses_are_refused(expression: str, message: str) -> None:
    with pytest.raises(ScheduleError, match=message):
        parse_expression(expression)


def test_a_leap_day_schedule_is_kept() -> None:
    assert next_run("cron(0 0 29 2 ? *)", datetime(2026, 11, 21, tzinfo=UTC)) == datetime(
        2028, 2, 29, tzinfo=UTC
    )
