from __future__ import annotations

from datetime import UTC, datetime

import pytest

from modelmonitor.errors import ScheduleError
from modelmonitor.model_monitor.cron_expression_generator import CronExpressionGenerator
from modelmonitor.scheduler.cron import next_run, parse_expression, runs_between

T = datetime(2026, 11, 21, 9, 30, tzinfo=UTC)  # a Saturday


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        (CronExpressionGenerator.hourly(), datetime(2026, 11, 21, 10, tzinfo=UTC)),
        (CronExpressionGenerator.daily(), datetime(2026, 11, 22, 0, tzinfo=UTC)),
        (CronExpressionGenerator.daily(17), datetime(2026, 11, 21, 17, tzinfo=UTC)),
        (CronExpressionGenerator.daily_every_x_hours(2), datetime(2026, 11, 21, 10, tzinfo=UTC)),
        (
            CronExpressionGenerator.daily_every_x_hours(12, starting_hour=17),
            datetime(2026, 11, 21, 17, tzinfo=UTC),
        ),
        ("0 * * * *", datetime(2026, 11, 21, 10, tzinfo=UTC)),
        ("cron(0 12 ? * 2 *)", datetime(2026, 11, 23, 12, tzinfo=UTC)),  # AWS 2 = Monday
        ("cron(0 12 ? * MON *)", datetime(2026, 11, 23, 12, tzinfo=UTC)),
    ],
    ids=["hourly", "daily", "daily-17", "every-2h", "17/12", "five-field", "aws-dow-number", "aws-dow-name"],
)
def test_next_run(expression: str, expected: datetime) -> None:
    assert next_run(expression, T) == expected


def test_next_run_is_strictly_after() -> None:
    on_the_hour = datetime(2026, 11, 21, 10, tzinfo=UTC)
    assert next_run("cron(0 * ? * * *)", on_the_hour) == datetime(2026, 11, 21, 11, tzinfo=UTC)


def test_every_12_hours_from_17_runs_once_a_day() -> None:
    runs = runs_between("cron(0 17/12 ? * * *)", T, datetime(2026, 11, 23, 9, tzinfo=UTC))
    assert [r.hour for r in runs] == [17, 17]


def test_now_is_one_time() -> None:
    parsed = parse_expression(CronExpressionGenerator.now())
    assert parsed.is_one_time
    assert next_run(parsed, T) is None


def test_runs_between_lists_missed_slots() -> None:
    runs = runs_between("cron(0 * ? * * *)", T, datetime(2026, 11, 21, 13, tzinfo=UTC))
    assert [r.hour for r in runs] == [10, 11, 12, 13]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("cron(0 * * * *)", "6 fields"),
        ("cron(0 * 1 * MON *)", "must be '?'"),
        ("cron(0 * ? * * 2027)", "year"),
        ("every hour", "expected cron"),
        ("cron(0 25 ? * * *)", "not a valid cron"),
        ("", "length"),
    ],
    ids=["five-in-aws", "no-question-mark", "year", "words", "hour-25", "empty"],
)
def test_bad_expressions_say_what_is_accepted(text: str, message: str) -> None:
    with pytest.raises(ScheduleError, match=message):
        parse_expression(text)
