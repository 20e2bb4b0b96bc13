"""What reading a data set kept, skipped and warned about: one ``ReadReport`` for every reader.

A record that cannot be read (a line DuckDB rejects, JSON that does not parse, a capture record with a
missing field, a truncated or undecodable payload, a preprocess_handler that raised) is a bad record:
counted, named with ``file:line`` (the first ``MAX_NAMED_BAD_RECORDS`` of them) and never fatal.
Warnings do not lose data (empty files, a torn last line, column names Spark trips on, empty columns).
Reports of partitions merge, like the statistics, so a distributed engine returns one report.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from modelmonitor.errors import UserScriptError

__all__ = ["MAX_NAMED_BAD_RECORDS", "BadRecord", "ReadReport", "ReadWarning", "WarningKind"]

MAX_NAMED_BAD_RECORDS = 1000
MAX_WARNINGS = 1000

WarningKind = Literal[
    "empty_file", "column_name", "empty_column", "truncated_values", "torn_line", "mostly_numeric"
]


@dataclass(frozen=True)
class BadRecord:
    """A record that could not be read: where, which field (when known), why."""

    path: str
    line: int | None
    field: str | None
    message: str

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        column = f" (field {self.field})" if self.field else ""
        return f"{where}{column}: {self.message}"


@dataclass(frozen=True)
class ReadWarning:
    """Something about the input that loses no data but deserves a look."""

    kind: WarningKind
    message: str


@dataclass
class ReadReport:
    """Counts and names of what a read kept and skipped (a mergeable state).

    ``records`` counts the records read (lines of JSON Lines and capture files, rows of CSV and
    Parquet); ``rows`` the rows handed to the analysis (a capture record or a preprocessed record may
    make several, or none). Capture reads also count the well-formed records in the window, and the
    records outside it and the shadow records (both skipped by design, not bad). ``preprocessed``,
    ``preprocess_failed`` and
    ``preprocess_dropped`` count the records a preprocess_handler saw, raised on, and dropped.
    """

    files: int = 0
    records: int = 0
    rows: int = 0
    records_in_window: int = 0
    outside_window: int = 0
    shadow_records: int = 0
    torn_lines: int = 0
    bad_record_count: int = 0
    bad_records: list[BadRecord] = field(default_factory=list)
    warnings: list[ReadWarning] = field(default_factory=list)
    preprocessed: int = 0
    preprocess_failed: int = 0
    preprocess_dropped: int = 0

    @classmethod
    def empty(cls) -> ReadReport:
        return cls()

    def bad(self, record: BadRecord) -> None:
        self.bad_record_count += 1
        if len(self.bad_records) < MAX_NAMED_BAD_RECORDS:
            self.bad_records.append(record)

    def warn(self, kind: WarningKind, message: str) -> None:
        if len(self.warnings) < MAX_WARNINGS:
            self.warnings.append(ReadWarning(kind, message))

    def torn(self, path: str, line: int) -> None:
        self.torn_lines += 1
        self.warn("torn_line", f"{path}:{line}: torn line (no final newline), skipped")

    def merge(self, other: ReadReport) -> ReadReport:
        return ReadReport(
            files=self.files + other.files,
            records=self.records + other.records,
            rows=self.rows + other.rows,
            records_in_window=self.records_in_window + other.records_in_window,
            outside_window=self.outside_window + other.outside_window,
            shadow_records=self.shadow_records + other.shadow_records,
            torn_lines=self.torn_lines + other.torn_lines,
            bad_record_count=self.bad_record_count + other.bad_record_count,
            bad_records=(self.bad_records + other.bad_records)[:MAX_NAMED_BAD_RECORDS],
            warnings=(self.warnings + other.warnings)[:MAX_WARNINGS],
            preprocessed=self.preprocessed + other.preprocessed,
            preprocess_failed=self.preprocess_failed + other.preprocess_failed,
            preprocess_dropped=self.preprocess_dropped + other.preprocess_dropped,
        )

    @property
    def preprocess_failed_fraction(self) -> float:
        return self.preprocess_failed / self.preprocessed if self.preprocessed else 0.0

    def check_preprocess(self, error_threshold: float) -> None:
        """Raise UserScriptError when the preprocess_handler failed on more than ``error_threshold``."""
        if self.preprocess_failed_fraction <= error_threshold:
            return
        failures = [bad for bad in self.bad_records if bad.message.startswith("preprocess_handler raised")]
        first = f"; first: {failures[0]}" if failures else ""
        raise UserScriptError(
            f"preprocess_handler failed on {self.preprocess_failed} of {self.preprocessed} records "
            f"({self.preprocess_failed_fraction:.0%}, threshold {error_threshold:.0%}){first}"
        )

    def summary(self) -> str:
        text = (
            f"{self.files} file(s), {self.records} record(s), {self.rows} row(s), {self.bad_record_count} bad"
        )
        if self.torn_lines or self.outside_window or self.shadow_records:
            text += (
                f", {self.torn_lines} torn, {self.outside_window} outside the window, "
                f"{self.shadow_records} shadow"
            )
        if self.preprocessed:
            text += (
                f"; preprocess_handler: {self.preprocessed} records, {self.preprocess_failed} failed, "
                f"{self.preprocess_dropped} dropped"
            )
        return text
