"""The exit message of a job: SageMaker's one-line outcome, with the violation count as data.

SageMaker's wording: docs/sagemaker.md#violations-and-the-exit-message.

A job writes it to ``output_message_file`` (SageMaker: ``/opt/ml/output/message``); the scheduler reads it
back to decide the execution's status. This module is the only writer and the only reader. The file holds
SageMaker's sentence on its first line — all a SageMaker custom container writes — and, when written here,
a second line with the data as JSON (``{"violation_count": 2}``), so the count is never read out of prose.
The built-in job adds what it read — ``records`` and ``bad_records`` (the read report's counts) and the
analysis ``window`` (ISO 8601 start and end) — for the dashboard's execution page — and, after a
ground-truth merge (model quality, bias), its counts (``merge``: ``MergeCounts``); all are optional::

    CompletedWithViolations: Job completed successfully with 2 violations.
    {"violation_count": 2, "records": 1200, "bad_records": 3, "window": ["2026-11-21T09:00:00+00:00", ...],
     "merge": {"captured": 1200, "labels": 1180, "matched": 1150, "unmatched_predictions": 50, ...}}

The sentence's first word (before ``:``) is the status: ``Completed``, ``CompletedWithViolations`` or
``Failed``; anything else, or a malformed data line, is unreadable (``FormatError``), which the scheduler
records as Failed — an execution never completes on a message it could not read.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from modelmonitor.errors import FormatError
from modelmonitor.formats.statuses import ExecutionStatus

__all__ = ["ExitMessage", "MergeCounts"]

_OUTCOMES = (
    ExecutionStatus.COMPLETED,
    ExecutionStatus.COMPLETED_WITH_VIOLATIONS,
    ExecutionStatus.FAILED,
)


@dataclass(frozen=True)
class MergeCounts:
    """What a ground-truth merge joined: predictions ``captured`` and ``labels`` read, those ``matched``,
    predictions without a label, labels without a prediction, and duplicate labels superseded."""

    captured: int
    labels: int
    matched: int
    unmatched_predictions: int
    orphan_labels: int
    duplicate_labels: int

    @classmethod
    def parse(cls, value: object, source: str) -> MergeCounts:
        names = [name for name in cls.__dataclass_fields__]
        if not isinstance(value, dict) or not all(_is_count(value.get(name)) for name in names):
            raise FormatError(
                f"merge: got {value!r}, expected an object of counts >= 0: {', '.join(names)}",
                path=source,
                line=2,
            )
        return cls(*(int(value[name]) for name in names))


@dataclass(frozen=True)
class ExitMessage:
    """``status`` is Completed, CompletedWithViolations or Failed; ``reason`` says why a job failed.

    ``sentence`` is the first line as read from a file (a custom monitor's own words are kept as written).
    """

    status: ExecutionStatus
    violation_count: int | None = None
    reason: str | None = None
    sentence: str | None = field(default=None, compare=False)
    records: int | None = None
    bad_records: int | None = None
    window: tuple[str, str] | None = None
    merge: MergeCounts | None = None

    @classmethod
    def completed(
        cls,
        violation_count: int,
        *,
        records: int | None = None,
        bad_records: int | None = None,
        window: tuple[str, str] | None = None,
        merge: MergeCounts | None = None,
    ) -> ExitMessage:
        """The outcome of an analysis that ran: Completed, or CompletedWithViolations when it found any;
        with what it read when known."""
        if violation_count < 0:
            raise ValueError(f"violation_count: got {violation_count}, expected 0 or more")
        status = ExecutionStatus.COMPLETED_WITH_VIOLATIONS if violation_count else ExecutionStatus.COMPLETED
        return cls(
            status, violation_count, records=records, bad_records=bad_records, window=window, merge=merge
        )

    @classmethod
    def failed(cls, reason: str) -> ExitMessage:
        """A failed job; only the first line of ``reason`` is kept (the message is one line)."""
        lines = str(reason).strip().splitlines()
        return cls(ExecutionStatus.FAILED, None, lines[0] if lines else "the job failed")

    @property
    def text(self) -> str:
        """SageMaker's sentence, e.g. ``Completed: Job completed successfully with no violations.``"""
        if self.sentence is not None:
            return self.sentence
        if self.status == ExecutionStatus.FAILED:
            return f"Failed: {self.reason or 'the job failed'}"
        if self.violation_count:
            return f"{self.status}: Job completed successfully with {self.violation_count} violations."
        return f"{self.status}: Job completed successfully with no violations."

    def render(self) -> str:
        """The file's text: the sentence, then the data line when there is data."""
        if self.violation_count is None:
            return self.text + "\n"
        data: dict[str, object] = {"violation_count": self.violation_count}
        for key in ("records", "bad_records", "window"):
            if (value := getattr(self, key)) is not None:
                data[key] = list(value) if key == "window" else value
        if self.merge is not None:
            data["merge"] = asdict(self.merge)
        return self.text + "\n" + json.dumps(data) + "\n"

    def write(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(self.render(), encoding="utf-8")

    @classmethod
    def parse(cls, text: str, *, source: str = "exit message") -> ExitMessage:
        """Read a message file's text; raise FormatError naming ``source`` when it is not one."""
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        if not lines:
            raise FormatError(
                "the exit message is empty; expected 'Completed: ...' or 'Failed: ...'", path=source
            )
        word, colon, rest = lines[0].partition(":")
        status = next((s for s in _OUTCOMES if s.value == word.strip()), None)
        if status is None or not colon:
            raise FormatError(
                f"got {lines[0][:120]!r}, expected a line starting with Completed:, "
                "CompletedWithViolations: or Failed:",
                path=source,
                line=1,
            )
        if status == ExecutionStatus.FAILED:
            return cls(status, None, rest.strip() or None, lines[0])
        data = cls._data(lines[1:], source)
        count = _optional_count(data, "violation_count", source)
        if count is None and status == ExecutionStatus.COMPLETED:
            count = 0
        if count is not None and (count > 0) != (status == ExecutionStatus.COMPLETED_WITH_VIOLATIONS):
            raise FormatError(f"status {status} disagrees with violation_count {count}", path=source, line=2)
        return cls(
            status,
            count,
            None,
            lines[0],
            records=_optional_count(data, "records", source),
            bad_records=_optional_count(data, "bad_records", source),
            window=_window(data, source),
            merge=None if data.get("merge") is None else MergeCounts.parse(data["merge"], source),
        )

    @staticmethod
    def _data(data_lines: list[str], source: str) -> dict[str, object]:
        if not data_lines:
            return {}  # a SageMaker container writes the sentence only: the count is unknown
        try:
            data = json.loads(data_lines[0])
            count = data["violation_count"]
        except (ValueError, KeyError, TypeError) as exc:
            raise FormatError(
                f"got {data_lines[0][:120]!r}, expected a JSON object with violation_count ({exc!r})",
                path=source,
                line=2,
            ) from exc
        if not _is_count(count):
            raise FormatError(
                f"violation_count: got {count!r}, expected an integer >= 0", path=source, line=2
            )
        return dict(data)

    @classmethod
    def read(cls, path: Path) -> ExitMessage:
        """The message a job wrote to ``path``; FormatError when it is missing or unreadable."""
        try:
            text = path.read_text("utf-8")
        except FileNotFoundError as exc:
            raise FormatError("the job wrote no exit message", path=str(path)) from exc
        except (OSError, UnicodeDecodeError) as exc:
            raise FormatError(f"the exit message cannot be read ({exc})", path=str(path)) from exc
        return cls.parse(text, source=str(path))


def _is_count(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def _optional_count(data: dict[str, object], key: str, source: str) -> int | None:
    value = data.get(key)
    if value is None:
        return None
    if not _is_count(value):
        raise FormatError(f"{key}: got {value!r}, expected an integer >= 0", path=source, line=2)
    assert isinstance(value, int)
    return value


def _window(data: dict[str, object], source: str) -> tuple[str, str] | None:
    value = data.get("window")
    if value is None:
        return None
    if not (isinstance(value, list) and len(value) == 2 and all(isinstance(v, str) for v in value)):
        raise FormatError(
            f"window: got {value!r}, expected [start, end] as ISO 8601 text", path=source, line=2
        )
    return (value[0], value[1])
