from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from modelmonitor.dataset.window import AnalysisWindow, format_offset, parse_offset
from modelmonitor.errors import ScheduleError


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("-PT1H", timedelta(hours=-1)),
        ("-PT0H", timedelta(0)),
        ("-P8D", timedelta(days=-8)),
        ("-P1D", timedelta(days=-1)),
        ("-PT2D", timedelta(days=-2)),  # SageMaker's docs write days after the T
        ("-P6H", timedelta(hours=-6)),  # ... and hours before it
        ("-PT30M", timedelta(minutes=-30)),
        ("-P1DT2H", timedelta(days=-1, hours=-2)),
        ("PT1H", timedelta(hours=1)),
        ("-PT1.5H", timedelta(minutes=-90)),
    ],
)
def test_parse_offset(text: str, expected: timedelta) -> None:
    assert parse_offset(text) == expected


@pytest.mark.parametrize("text", ["-1H", "-P", "-PTXH", "-P1M", "1 hour", "-PT1H-"])
def test_bad_offsets_are_refused(text: str) -> None:
    with pytest.raises(ScheduleError):
        parse_offset(text, field="start_time_offset")


def test_month_is_refused_with_a_hint() -> None:
    with pytest.raises(ScheduleError, match="PT"):
        parse_offset("-P1M")


def test_format_offset_round_trips() -> None:
    for text in ("-PT1H", "-P8D", "-P1DT2H", "PT30M"):
        assert format_offset(parse_offset(text)) == text
    assert format_offset(parse_offset("-PT0H")) == "PT0H"


def test_window_of_sagemaker_example() -> None:
    # Scheduled 2020-01-09T13:00 with -P8D/-P1D reads 2020-01-01T13:00 .. 2020-01-08T13:00.
    window = AnalysisWindow.for_run(
        datetime(2020, 1, 9, 13, tzinfo=UTC), timedelta(days=-8), timedelta(days=-1)
    )
    assert window.start == datetime(2020, 1, 1, 13, tzinfo=UTC)
    assert window.end == datetime(2020, 1, 8, 13, tzinfo=UTC)


def test_default_window_is_the_previous_hour_half_open() -> None:
    window = AnalysisWindow.for_run(datetime(2026, 11, 21, 10, tzinfo=UTC), None, None)
    assert window.contains(datetime(2026, 11, 21, 9, tzinfo=UTC))
    assert window.contains(datetime(2026, 11, 21, 9, 59, 59, tzinfo=UTC))
    assert not window.contains(datetime(2026, 11, 21, 10, tzinfo=UTC))


def test_hour_prefixes_cover_partial_hours() -> None:
    window = AnalysisWindow(
        datetime(2026, 11, 21, 8, 30, tzinfo=UTC), datetime(2026, 11, 21, 10, 15, tzinfo=UTC)
    )
    assert window.hour_prefixes("s3://b/cap/ep/AllTraffic") == [
        "s3://b/cap/ep/AllTraffic/2026/11/21/08",
        "s3://b/cap/ep/AllTraffic/2026/11/21/09",
        "s3://b/cap/ep/AllTraffic/2026/11/21/10",
    ]


def test_end_before_start_is_an_error() -> None:
    with pytest.raises(ScheduleError, match="must come after"):
        AnalysisWindow.for_run(datetime(2026, 11, 21, tzinfo=UTC), timedelta(hours=-1), timedelta(hours=-2))
