"""The exit message: SageMaker's sentence, the violation count as data, one writer and one reader."""

from __future__ import annotations

from pathlib import Path

import pytest

from modelmonitor.errors import FormatError
from modelmonitor.formats.exit_message import ExitMessage, MergeCounts
from modelmonitor.formats.statuses import ExecutionStatus


def test_sentences_are_sagemakers() -> None:
    assert ExitMessage.completed(0).text == "Completed: Job completed successfully with no violations."
    assert (
        ExitMessage.completed(60).text
        == "CompletedWithViolations: Job completed successfully with 60 violations."
    )
    assert ExitMessage.failed("baseline missing\nsecond line").text == "Failed: baseline missing"


@pytest.mark.parametrize("count", [0, 1, 60], ids=["none", "one", "many"])
def test_round_trip_carries_the_count_as_data(tmp_path: Path, count: int) -> None:
    path = tmp_path / "message"
    ExitMessage.completed(count).write(path)
    assert path.read_text().splitlines()[1] == f'{{"violation_count": {count}}}'
    assert ExitMessage.read(path) == ExitMessage.completed(count)


def test_what_the_job_read_round_trips_as_data(tmp_path: Path) -> None:
    path = tmp_path / "message"
    window = ("2026-11-21T09:00:00+00:00", "2026-11-21T10:00:00+00:00")
    written = ExitMessage.completed(2, records=1200, bad_records=3, window=window)
    written.write(path)
    assert path.read_text().splitlines()[1] == (
        '{"violation_count": 2, "records": 1200, "bad_records": 3, '
        '"window": ["2026-11-21T09:00:00+00:00", "2026-11-21T10:00:00+00:00"]}'
    )
    read = ExitMessage.read(path)
    assert (read.records, read.bad_records, read.window) == (1200, 3, window)
    # An older message (the count only) still reads, the rest unknown.
    older = ExitMessage.parse('CompletedWithViolations: x\n{"violation_count": 2}')
    assert (older.violation_count, older.records, older.bad_records, older.window) == (2, None, None, None)


def test_the_merge_counts_round_trip_as_data(tmp_path: Path) -> None:
    path = tmp_path / "message"
    counts = MergeCounts(
        captured=300, labels=290, matched=280, unmatched_predictions=20, orphan_labels=10, duplicate_labels=2
    )
    ExitMessage.completed(1, records=280, merge=counts).write(path)
    assert path.read_text().splitlines()[1] == (
        '{"violation_count": 1, "records": 280, "merge": {"captured": 300, "labels": 290, "matched": 280, '
        '"unmatched_predictions": 20, "orphan_labels": 10, "duplicate_labels": 2}}'
    )
    assert ExitMessage.read(path).merge == counts
    assert ExitMessage.parse('Completed: ok\n{"violation_count": 0}').merge is None


def test_the_count_is_not_read_from_the_sentence() -> None:
    # A SageMaker container writes the sentence only: the count is unknown, not guessed from the words.
    text = "CompletedWithViolations: Job completed successfully with 5 violations.\n"
    message = ExitMessage.parse(text)
    assert message.status == ExecutionStatus.COMPLETED_WITH_VIOLATIONS
    assert message.violation_count is None
    assert ExitMessage.parse("Completed: fine").violation_count == 0


def test_failed_keeps_the_reason() -> None:
    assert ExitMessage.parse("Failed: the baseline is gone\n") == ExitMessage(
        ExecutionStatus.FAILED, None, "the baseline is gone"
    )


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ("", "empty"),
        ("Done: all good", "expected a line starting with Completed:"),
        ("Completed", "expected a line starting with Completed:"),
        ("Completed: ok\nnot json", "JSON object with violation_count"),
        ('Completed: ok\n{"violation_count": -1}', "expected an integer >= 0"),
        ('Completed: ok\n{"violation_count": 2}', "disagrees"),
        ('CompletedWithViolations: x\n{"violation_count": 0}', "disagrees"),
        ('Completed: ok\n{"violation_count": 0, "records": "12"}', "records: got '12', expected an integer"),
        ('Completed: ok\n{"violation_count": 0, "bad_records": -3}', "bad_records: got -3"),
        ('Completed: ok\n{"violation_count": 0, "window": ["2026-11-21"]}', "window: got"),
        (
            'Completed: ok\n{"violation_count": 0, "merge": {"matched": 3}}',
            "merge: got .* counts >= 0: captured",
        ),
    ],
    ids=[
        "empty",
        "unknown-word",
        "no-colon",
        "bad-data",
        "negative",
        "completed-with-count",
        "cwv-zero",
        "records-text",
        "bad-records-negative",
        "window-one-end",
        "merge-incomplete",
    ],
)
def test_unreadable_messages_are_errors(text: str, match: str) -> None:
    with pytest.raises(FormatError, match=match):
        ExitMessage.parse(text, source="exec/7/message")


def test_a_missing_file_is_an_error_naming_it(tmp_path: Path) -> None:
    with pytest.raises(FormatError, match=r"message: the job wrote no exit message"):
        ExitMessage.read(tmp_path / "message")
