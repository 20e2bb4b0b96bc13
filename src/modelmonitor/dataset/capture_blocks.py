"""Capture records parsed columnar: a block of JSON Lines → Arrow envelope → CSV payloads split in Arrow.

The common capture record — in a well-formed envelope, with a CSV payload of one unquoted line —
never becomes a Python object: pyarrow's JSON reader parses the envelope of a whole block, Arrow
kernels check the time, the window and shadow traffic, and split the output and input payloads into
fields. ``select_block`` says which records are such; the others are handed back by line index, to
be read by the per-record rules of ``dataset.captured`` (which name every problem with
``file:line``). ``rows_to_columns`` then turns the rows of both kinds, in input order, into one batch
of text columns ``_c0, _c1, ...``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv
import pyarrow.json as pajson

from modelmonitor.dataset.report import ReadReport
from modelmonitor.dataset.window import AnalysisWindow

__all__ = ["BlockSelection", "CaptureBlock", "rows_to_columns", "select_block"]

_SECTION = pa.struct([("data", pa.string()), ("encoding", pa.string()), ("truncated", pa.bool_())])
_ENVELOPE = pa.schema(
    [
        (
            "captureData",
            pa.struct(
                [
                    ("endpointInput", _SECTION),
                    ("endpointOutput", _SECTION),
                    ("batchTransformOutput", _SECTION),
                ]
            ),
        ),
        ("eventMetadata", pa.struct([("inferenceTime", pa.string()), ("invocationSource", pa.string())])),
    ]
)
_PARSE = pajson.ParseOptions(explicit_schema=_ENVELOPE, unexpected_field_behavior="ignore")
_READ = pajson.ReadOptions(use_threads=True, block_size=16 * 2**20)
_CSV_PARSE = pacsv.ParseOptions(
    delimiter=",", quote_char=False, escape_char=False, newlines_in_values=False, ignore_empty_lines=False
)
_TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
# Characters that make str.splitlines() cut a payload, and the CSV quote: such payloads take the
# per-record path, which splits lines and honours quotes.
_NOT_ONE_PLAIN_LINE = '[\r\n\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"]'
# A payload of Python's whitespace only is a blank line, which the per-record path drops
# (str.strip()); RE2's \s is ASCII only, so U+00A0 alone was read as one field. The class is
# str.isspace()'s set, checked by tests/dataset/test_capture_blocks.py.
BLANK_PAYLOAD = (
    r"^[\t\n\x0b\x0c\r\x1c-\x1f \x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}"
    r"\x{202f}\x{205f}\x{3000}]*$"
)
# Above this share of records needing Python, the whole block is read record by record.
_MAX_PER_RECORD_SHARE = 0.25


@dataclass(frozen=True)
class CaptureBlock:
    """Complete lines of a capture file: the first ``size`` bytes of ``buffer``, ending after a newline.

    ``base`` lines of the file came before it. ``buffer`` is one of the buffers
    ``dataset.captured.capture_blocks`` reuses (``BlockBuffers`` says how long a block stays valid).
    """

    base: int
    lines: int
    buffer: bytearray
    size: int

    @property
    def data(self) -> memoryview:
        return memoryview(self.buffer)[: self.size]

    def to_bytes(self) -> bytes:
        return bytes(self.data)

    def holds_any(self, *characters: bytes) -> bool:
        """Whether any of the single-byte ``characters`` is in the block (memchr fast)."""
        return any(self.buffer.find(character, 0, self.size) >= 0 for character in characters)


@dataclass(frozen=True)
class BlockSelection:
    """A block's records: ``fast`` line indexes with their ``payloads``, and the ``slow`` ones.

    ``payloads`` holds each fast record's CSV payloads as one line, output first, joined by a comma.
    ``checked`` tells whether a slow record's envelope already passed (only its payload needs the
    per-record flattening) or whether the per-record reader must check it from scratch.
    """

    fast: np.ndarray
    payloads: pa.Array
    slow: np.ndarray
    checked: np.ndarray

    @property
    def fields(self) -> pa.ListArray:
        """Each fast record's fields, to be put in order among the slow records' rows."""
        return _split(self.payloads)

    def columns(self) -> pa.RecordBatch:
        """The fast records as a batch of text columns (when there are no slow ones to interleave)."""
        return _csv_columns(self.payloads) or rows_to_columns(self.fields)


def _valid(array: pa.Array) -> np.ndarray:
    """True where ``array`` is not null (most arrays have no nulls: no conversion then)."""
    if array.null_count == 0:
        return np.ones(len(array), dtype=bool)
    return np.asarray(array.is_valid().to_numpy(zero_copy_only=False), dtype=bool)


def _true(array: pa.Array) -> np.ndarray:
    """True where the boolean array is true; null counts as false."""
    if not pc.any(array).as_py():
        return np.zeros(len(array), dtype=bool)
    return np.asarray(pc.fill_null(array, False).to_numpy(zero_copy_only=False), dtype=bool)


def select_block(
    block: CaptureBlock, window: AnalysisWindow, *, outputs: bool, inputs: bool, report: ReadReport
) -> BlockSelection | None:
    """Check and select a block of complete lines columnar; None when it must be read line by line.

    Counts the block's records, those outside the window, shadow records and the records in the window
    (for the records it hands back unchecked, the per-record reader counts them).
    """
    try:
        table = pajson.read_json(
            pa.BufferReader(pa.py_buffer(block.data)), read_options=_READ, parse_options=_PARSE
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None
    if table.num_rows != block.lines:
        return None  # blank lines were skipped: rows no longer match line numbers
    capture = table.column("captureData").combine_chunks()
    metadata = table.column("eventMetadata").combine_chunks()
    times = pc.strptime(metadata.field("inferenceTime"), format=_TIME_FORMAT, unit="s", error_is_null=True)
    envelope_ok = _valid(capture) & _valid(metadata) & _valid(times)
    if np.count_nonzero(~envelope_ok) > _MAX_PER_RECORD_SHARE * len(envelope_ok):
        return None
    seconds = times.cast(pa.int64()).to_numpy(zero_copy_only=False)
    seconds = np.where(envelope_ok, seconds, 0)
    in_window = envelope_ok & (seconds >= window.start.timestamp()) & (seconds < window.end.timestamp())
    shadow = in_window & _true(pc.equal(metadata.field("invocationSource"), "ShadowExperiment"))
    selected = in_window & ~shadow
    report.records += int(np.count_nonzero(envelope_ok))
    report.outside_window += int(np.count_nonzero(envelope_ok & ~in_window))
    report.shadow_records += int(np.count_nonzero(shadow))
    report.records_in_window += int(np.count_nonzero(selected))

    output = capture.field("endpointOutput")
    if output.null_count:
        output = pc.if_else(output.is_valid(), output, capture.field("batchTransformOutput"))
    sections = ([output] if outputs else []) + ([capture.field("endpointInput")] if inputs else [])
    # The parser took no raw control character, so a line break or a quote in a payload is a JSON
    # escape (a backslash) or, for U+0085, U+2028 and U+2029, raw UTF-8 led by C2 or E2: a block
    # without these bytes has only payloads of one plain line, and no regular expression is run.
    one_line = not block.holds_any(b"\\", b"\xc2", b"\xe2")
    plain = selected.copy()
    some_payload = np.zeros(len(selected), dtype=bool)
    payloads: list[pa.Array] = []
    for section in sections:
        present = _valid(section)
        data, simple = _plain_csv(section, one_line)
        plain &= ~present | simple
        some_payload |= present
        payloads.append(data)
    fast = np.flatnonzero(plain & some_payload)
    slow = np.flatnonzero((selected & ~plain) | ~envelope_ok)
    if len(slow) > _MAX_PER_RECORD_SHARE * max(1, len(selected)):
        # Undo the counts: the whole block is read record by record instead.
        report.records -= int(np.count_nonzero(envelope_ok))
        report.outside_window -= int(np.count_nonzero(envelope_ok & ~in_window))
        report.shadow_records -= int(np.count_nonzero(shadow))
        report.records_in_window -= int(np.count_nonzero(selected))
        return None
    if len(fast) < len(selected):
        indexes = pa.array(fast)
        payloads = [payload.take(indexes) for payload in payloads]
    return BlockSelection(fast=fast, payloads=_joined(payloads), slow=slow, checked=envelope_ok[slow])


def _plain_csv(section: pa.StructArray, one_line: bool) -> tuple[pa.Array, np.ndarray]:
    """A section's payload text (trailing newlines cut) and where it is one plain CSV line.

    ``one_line``: the block holds no payload with a line break or a quote (``select_block``).
    """
    data = section.field("data")
    odd = np.zeros(len(data), dtype=bool)
    if not one_line:
        found = pc.match_substring_regex(data, _NOT_ONE_PLAIN_LINE)
        if pc.any(found).as_py():
            data = pc.utf8_rtrim(data, characters="\r\n")
            found = pc.match_substring_regex(data, _NOT_ONE_PLAIN_LINE)
        odd = _true(found)
    encoding = section.field("encoding")
    simple = (
        _valid(data)
        & ~odd
        & ~_true(pc.match_substring_regex(data, BLANK_PAYLOAD))
        & ~_true(section.field("truncated"))
        & ~_true(pc.is_in(pc.utf8_upper(encoding), pa.array(["JSON", "BASE64"])))
    )
    return data, simple


def _joined(payloads: list[pa.Array]) -> pa.Array:
    """Each row's payloads (output first) as one line joined by commas.

    A row whose section is absent has a null payload, which adds no fields.
    """
    if len(payloads) == 1:
        return payloads[0]
    if all(payload.null_count == 0 for payload in payloads):
        return pc.binary_join_element_wise(*payloads, ",")
    return pc.binary_join_element_wise(*payloads, ",", null_handling="skip")


def _csv_columns(lines: pa.Array) -> pa.RecordBatch | None:
    """Lines of as many fields each as text columns, by Arrow's CSV reader; None when counts differ.

    The lines hold no quote and no line break (``_plain_csv``), so reading them as CSV without
    quoting splits them on commas exactly as ``_split`` does, columns and nulls alike, and in one
    pass where splitting and then taking each column copies every field twice.
    """
    if len(lines) == 0 or lines.null_count:
        return None
    # As many columns as the first line has fields: a line with another count fails the read.
    names = [f"_c{position}" for position in range(str(lines[0].as_py()).count(",") + 1)]
    text = pc.binary_join_element_wise(lines, "", "\n")  # each line with its line break
    offsets = np.frombuffer(text.buffers()[1], dtype=np.int32)[text.offset : text.offset + len(text) + 1]
    data = text.buffers()[2].slice(int(offsets[0]), int(offsets[-1] - offsets[0]))
    try:
        table = pacsv.read_csv(
            pa.BufferReader(data),
            # One block, one thread: one chunk per column (the reader thread runs beside the summaries).
            read_options=pacsv.ReadOptions(column_names=names, use_threads=False, block_size=data.size + 1),
            parse_options=_CSV_PARSE,
            convert_options=pacsv.ConvertOptions(
                column_types=dict.fromkeys(names, pa.string()),
                null_values=[""],
                strings_can_be_null=True,
                check_utf8=False,  # the JSON reader checked it
            ),
        )
    except pa.ArrowInvalid:
        return None
    if table.num_rows != len(lines):
        return None
    return table.combine_chunks().to_batches()[0]


def _split(joined: pa.Array) -> pa.ListArray:
    """Each row's joined payloads split on commas into one list of fields; "" is null."""
    fields = pc.split_pattern(joined, ",")
    values = fields.values
    if values.null_count == 0 and values.offset == 0:
        # Empty fields become nulls by giving the values a validity bitmap: no copy of the text.
        present = pc.not_equal(values, "")
        values = pa.Array.from_buffers(
            pa.string(), len(values), [present.buffers()[1], *values.buffers()[1:]], offset=0
        )
    else:
        values = pc.if_else(pc.equal(values, ""), pa.scalar(None, pa.string()), values)
    return pa.ListArray.from_arrays(fields.offsets, values)


def rows_to_columns(rows: pa.ListArray) -> pa.RecordBatch:
    """Rows given as lists of fields → a batch of text columns ``_c0.._cN`` (short rows end in nulls)."""
    lengths = pc.fill_null(pc.list_value_length(rows), 0).to_numpy(zero_copy_only=False).astype(np.int64)
    width = int(lengths.max()) if len(lengths) else 0
    values = pc.list_flatten(rows)
    columns = []
    if len(lengths) and int(lengths.min()) == width:
        # Every row has every field (the usual case): column j is every width-th value from j.
        for position in range(width):
            columns.append(values.take(pa.array(np.arange(position, len(values), width))))
    else:
        starts = np.cumsum(lengths) - lengths
        for position in range(width):
            valid = lengths > position
            index = pa.array(np.where(valid, starts + position, 0), mask=~valid)
            columns.append(values.take(index))
    return pa.RecordBatch.from_arrays(columns, names=[f"_c{position}" for position in range(width)])
