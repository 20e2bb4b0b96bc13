from __future__ import annotations

import re
import uuid
from datetime import UTC, datetime, timedelta, timezone

from modelmonitor.formats.layout import capture_file_name, capture_hour_prefix, execution_output_prefix


def test_capture_prefix_uses_the_utc_hour() -> None:
    moment = datetime(2024, 1, 19, 21, 6, 8, tzinfo=timezone(timedelta(hours=1)))
    assert capture_hour_prefix("s3://b/capture/", "churn", "AllTraffic", moment) == (
        "s3://b/capture/churn/AllTraffic/2024/01/19/20"
    )


def test_capture_file_name_has_sagemakers_shape() -> None:
    ident = uuid.UUID("0b7bfd33-c8a7-4adf-a09a-98fd0af79974")
    name = capture_file_name(datetime(2024, 1, 19, 20, 20, 48, 871_999, tzinfo=UTC), ident)
    assert name == "20-48-871-0b7bfd33-c8a7-4adf-a09a-98fd0af79974.jsonl"
    assert re.fullmatch(r"\d\d-\d\d-\d{3}-[0-9a-f-]{36}\.jsonl", capture_file_name(datetime.now(UTC)))


def test_execution_output_prefix_with_and_without_endpoint() -> None:
    at = datetime(2026, 11, 21, 10, tzinfo=UTC)
    assert execution_output_prefix("/out", "ep", "sched", at) == "/out/ep/sched/2026/11/21/10"
    assert execution_output_prefix("/out", None, "sched", at) == "/out/sched/2026/11/21/10"


def test_split_capture_lines_applies_the_torn_line_rule() -> None:
    from modelmonitor.formats.capture import split_capture_lines

    split = split_capture_lines(b'{"a":1}\n\n{"b":2}\n{"c"')
    assert split.lines == [(1, b'{"a":1}'), (3, b'{"b":2}')]
    assert (split.torn, split.torn_line_number) == (True, 4)
    only_torn = split_capture_lines(b'{"c"')
    assert (only_torn.lines, only_torn.torn, only_torn.torn_line_number) == ([], True, 1)
    whitespace_tail = split_capture_lines(b'{"a":1}\n  ')
    assert (len(whitespace_tail.lines), whitespace_tail.torn) == (1, False)
