"""A CSV file's start read by Python's csv module: its header as written, and its width when DuckDB's
dialect sniffer gives up.

DuckDB renames duplicate header names its own way (``a``, ``a_1``); SageMaker's Spark reader appends
the column's index to every name that repeats, ignoring case (``a0``, ``A1``), and names an empty one
``_c{index}``. The names are taken from the header as written so statistics name columns as SageMaker's
do. The sniffer reads the first rows whole: one line over DuckDB's line-size limit there, or a file that
is not text, fails it, and ``start_of`` gives what is needed to read on without it.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass

from modelmonitor.storage.objects import store_for

__all__ = ["CsvStart", "spark_header_names", "start_of"]

_LINE_BYTES = 1 << 20  # a longer line is skipped (DuckDB rejects it as a row too)
_LINES = 100
_MOST_BYTES = 64 << 20  # never read further than this looking for lines


@dataclass(frozen=True)
class CsvStart:
    """The first records of a file that parse (each a list of fields), or why none is CSV text."""

    records: list[list[str]]
    not_text: str | None = None
    first_line: list[str] | None = None  # the record of line 1 when it is one whole line that parses

    @property
    def width(self) -> int | None:
        """The column count of most of the first records (None when none parsed)."""
        widths = [len(record) for record in self.records]
        return max(set(widths), key=widths.count) if widths else None


def start_of(uri: str) -> CsvStart:
    """The records among the file's first lines that parse; a line too long or not text is skipped."""
    records: list[list[str]] = []
    problem: str | None = None
    first_line: list[str] | None = None
    read = 0
    with store_for(uri).open(uri, "rb") as handle:
        for number in range(1, _LINES + 1):
            line: bytes = handle.readline(_LINE_BYTES)
            read += len(line)
            if not line or read > _MOST_BYTES:
                break
            if len(line) == _LINE_BYTES and not line.endswith(b"\n"):
                while line and not line.endswith(b"\n") and read < _MOST_BYTES:  # the rest of it
                    line = handle.readline(_LINE_BYTES)
                    read += len(line)
                continue
            if b"\x00" in line:
                problem = problem or f"not CSV text: a NUL byte on line {number}"
                continue
            try:
                text = line.decode("utf-8")
            except UnicodeDecodeError as exc:
                problem = problem or f"not CSV text: byte {exc.start} of line {number} is not UTF-8"
                continue
            try:  # a byte-order mark is not part of the first name
                parsed = list(csv.reader([text.removeprefix("\ufeff") if number == 1 else text]))
            except csv.Error:
                continue
            records += parsed
            if number == 1 and len(parsed) == 1:
                first_line = parsed[0]
    return CsvStart(records, None if records else problem, first_line)


def spark_header_names(header: list[str]) -> tuple[list[str], list[str]]:
    """Spark's names for ``header`` (see the module's docstring) and the names that repeated."""
    lowered = [name.lower() for name in header if name]
    repeated = sorted({name for name in lowered if lowered.count(name) > 1})
    names = [
        f"_c{index}" if not name else f"{name}{index}" if name.lower() in repeated else name
        for index, name in enumerate(header)
    ]
    return names, [name for name in dict.fromkeys(header) if name.lower() in repeated]
