"""The endpoint side of the ground-truth merge, columnar: captured records → join keys, and merged lines.

``capture_keys`` reads one capture file a block at a time: pyarrow's JSON reader parses the envelopes
of a whole block (``eventMetadata`` and the model's output, ``captureData.endpointOutput``, which the
analysis reads, but not the input), Arrow kernels check the time, the window and shadow traffic and pick
the join key, ``coalesce(inferenceId, eventId)``. A record
whose envelope is not as expected (a missing field, a time in another format) is read again by the
per-record rule (``dataset.captured.record_in_window``), in its place, so that it is named with
``file:line``; a block pyarrow cannot parse (a line that is not JSON, a blank line, a field of another
type) is read record by record. Either way the keys and the counts are the same.

``merged_lines`` writes a merged record without parsing the capture record again: the label goes in
front of the record's own fields, ``{"groundTruthData": {...}, <the capture record's fields>}``. A line
that does not start with ``{`` or already names ``groundTruthData`` is parsed and written as an object.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pajson

from modelmonitor.dataset.captured import BlockBuffers, CaptureBlock, capture_blocks, record_in_window
from modelmonitor.dataset.report import ReadReport
from modelmonitor.dataset.window import AnalysisWindow
from modelmonitor.formats.capture import split_capture_lines
from modelmonitor.storage.objects import ObjectStore

__all__ = ["KEYS_SCHEMA", "PAYLOAD_TYPE", "capture_keys", "line_bytes", "merged_lines", "payload_of"]

# A payload section as the analysis reads it (dataset.attributes.payload_value): null when absent.
PAYLOAD_TYPE = pa.struct(
    [("data", pa.string()), ("encoding", pa.string()), ("observedContentType", pa.string())]
)
# line: the record's line number in its file; key: what its label's eventId must equal; output: the
# model's output (captureData.endpointOutput)
KEYS_SCHEMA = pa.schema([("line", pa.int64()), ("key", pa.string()), ("output", PAYLOAD_TYPE)])
_ENVELOPE = pa.schema(
    [
        ("captureData", pa.struct([("endpointOutput", PAYLOAD_TYPE)])),
        (
            "eventMetadata",
            pa.struct(
                [
                    ("eventId", pa.string()),
                    ("inferenceId", pa.string()),
                    ("inferenceTime", pa.string()),
                    ("invocationSource", pa.string()),
                ]
            ),
        ),
    ]
)
_PARSE = pajson.ParseOptions(explicit_schema=_ENVELOPE, unexpected_field_behavior="ignore")
_READ = pajson.ReadOptions(use_threads=True, block_size=16 * 2**20)
_TIME_FORMAT = "%Y-%m-%dT%H:%M:%SZ"
MERGE_BLOCK_BYTES = 8 * 2**20


def _key_of(raw: dict[str, object]) -> str:
    metadata = raw["eventMetadata"]
    assert isinstance(metadata, dict)
    return str(metadata.get("inferenceId") or metadata.get("eventId") or "")


def payload_of(section: object) -> dict[str, str | None] | None:
    """A parsed payload section as ``PAYLOAD_TYPE`` holds it: what ``payload_value`` would read of it
    (``data`` only when it is text; the encoding and content type as text)."""
    if not isinstance(section, dict):
        return None
    data, encoding, content_type = (section.get(k) for k in ("data", "encoding", "observedContentType"))
    return {
        "data": data if isinstance(data, str) else None,
        "encoding": None if encoding is None else str(encoding),
        "observedContentType": None if content_type is None else str(content_type),
    }


def _output_of(raw: dict[str, object]) -> dict[str, str | None] | None:
    capture = raw["captureData"]
    assert isinstance(capture, dict)
    return payload_of(capture.get("endpointOutput"))


def _record_by_record(
    uri: str, base: int, block: bytes, window: AnalysisWindow, report: ReadReport
) -> tuple[np.ndarray, pa.Array, pa.Array]:
    lines: list[int] = []
    keys: list[str] = []
    outputs: list[dict[str, str | None] | None] = []
    for relative, line in split_capture_lines(block).lines:
        raw = record_in_window(line, uri, base + relative, window, report)
        if raw is not None:
            lines.append(base + relative)
            keys.append(_key_of(raw))
            outputs.append(_output_of(raw))
    return (
        np.asarray(lines, dtype=np.int64),
        pa.array(keys, type=pa.string()),
        pa.array(outputs, type=PAYLOAD_TYPE),
    )


def _block_keys(
    uri: str, captured: CaptureBlock, window: AnalysisWindow, report: ReadReport
) -> tuple[np.ndarray, pa.Array, pa.Array]:
    """(line numbers, keys, outputs) of the block's records in the window, in line order (parsed from
    the reused buffer itself; the results are copies, valid after the next block is read)."""
    base = captured.base
    try:
        table = pajson.read_json(
            pa.BufferReader(pa.py_buffer(captured.data)), read_options=_READ, parse_options=_PARSE
        )
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        table = None
    if table is None or table.num_rows != captured.lines:
        return _record_by_record(uri, base, captured.to_bytes(), window, report)
    capture = table.column("captureData").combine_chunks()
    metadata = table.column("eventMetadata").combine_chunks()
    times = pc.strptime(metadata.field("inferenceTime"), format=_TIME_FORMAT, unit="s", error_is_null=True)
    envelope_ok = pc.and_(pc.and_(capture.is_valid(), metadata.is_valid()), times.is_valid())
    ok = np.asarray(envelope_ok.to_numpy(zero_copy_only=False), dtype=bool)
    seconds = np.where(ok, pc.fill_null(times.cast(pa.int64()), 0).to_numpy(zero_copy_only=False), 0)
    in_window = ok & (seconds >= window.start.timestamp()) & (seconds < window.end.timestamp())
    source = metadata.field("invocationSource")
    shadow = in_window & np.asarray(
        pc.fill_null(pc.equal(source, "ShadowExperiment"), False).to_numpy(zero_copy_only=False), dtype=bool
    )
    selected = in_window & ~shadow
    report.records += int(np.count_nonzero(ok))
    report.outside_window += int(np.count_nonzero(ok & ~in_window))
    report.shadow_records += int(np.count_nonzero(shadow))
    report.records_in_window += int(np.count_nonzero(selected))
    inference_id = metadata.field("inferenceId")
    has_id = pc.fill_null(pc.not_equal(inference_id, ""), False)
    keys = pc.fill_null(pc.if_else(has_id, inference_id, metadata.field("eventId")), "")
    indexes = np.flatnonzero(selected)
    numbers: np.ndarray = base + 1 + indexes
    taken = pa.array(indexes)
    chosen = keys.take(taken)
    outputs = capture.field("endpointOutput").take(taken)
    if ok.all():
        return numbers, chosen, outputs
    # records whose envelope is not as expected: the per-record rule names them, in their place
    raw_lines = captured.to_bytes().split(b"\n")
    extra_lines: list[int] = []
    extra_keys: list[str] = []
    extra_outputs: list[dict[str, str | None] | None] = []
    for index in np.flatnonzero(~ok):
        raw = record_in_window(raw_lines[index], uri, base + 1 + int(index), window, report)
        if raw is not None:
            extra_lines.append(base + 1 + int(index))
            extra_keys.append(_key_of(raw))
            extra_outputs.append(_output_of(raw))
    if not extra_lines:
        return numbers, chosen, outputs
    all_lines = np.concatenate([numbers, np.asarray(extra_lines, dtype=np.int64)])
    all_keys = pa.concat_arrays([chosen, pa.array(extra_keys, type=pa.string())])
    all_outputs = pa.concat_arrays([outputs, pa.array(extra_outputs, type=PAYLOAD_TYPE)])
    order = pa.array(np.argsort(all_lines, kind="stable"))
    return all_lines[np.asarray(order)], all_keys.take(order), all_outputs.take(order)


def capture_keys(
    store: ObjectStore,
    uri: str,
    window: AnalysisWindow,
    report: ReadReport,
    buffers: BlockBuffers | None = None,
) -> pa.Table:
    """(line, key, output) of every record of ``uri`` in the window (``KEYS_SCHEMA``); the rest counted."""
    lines: list[np.ndarray] = []
    keys: list[pa.Array] = []
    outputs: list[pa.Array] = []
    for block in capture_blocks(store, uri, report, buffers=buffers):
        block_lines, block_keys, block_outputs = _block_keys(uri, block, window, report)
        lines.append(block_lines)
        keys.append(block_keys)
        outputs.append(block_outputs)
    if not lines:
        return KEYS_SCHEMA.empty_table()
    return pa.table(
        [pa.array(np.concatenate(lines), type=pa.int64()), pa.concat_arrays(keys), pa.concat_arrays(outputs)],
        schema=KEYS_SCHEMA,
    )


def _merged_object(line: bytes, data: str, encoding: str) -> bytes:
    record = orjson.loads(line)
    merged = {"groundTruthData": {"data": data, "encoding": encoding}}
    merged.update((k, v) for k, v in record.items() if k != "groundTruthData")
    return orjson.dumps(merged)


def _label_prefixes(data: pa.Array, encodings: pa.Array) -> pa.Array:
    """``{"groundTruthData": {...},`` of each label, built once per distinct label."""
    pairs = pc.binary_join_element_wise(data, encodings, "\x00").dictionary_encode()
    prefixes = []
    for pair in pairs.dictionary.to_pylist():
        label, encoding = pair.split("\x00")
        body = orjson.dumps({"data": label, "encoding": encoding})
        prefixes.append(b'{"groundTruthData":' + body + b",")
    return pa.array(prefixes, type=pa.binary()).take(pairs.indices)


def line_bytes(lines: pa.Array) -> memoryview:
    """The bytes of a binary array's values end to end: merged lines (with their newlines) as written."""
    offsets = np.frombuffer(lines.buffers()[1], dtype=np.int32)[lines.offset : lines.offset + len(lines) + 1]
    return memoryview(lines.buffers()[2])[int(offsets[0]) : int(offsets[-1])]


def _block_lines(block: bytes | memoryview) -> pa.Array:
    """The block's lines (each with its newline) as one binary array over the block's own buffer."""
    ends = np.flatnonzero(np.frombuffer(block, dtype=np.uint8) == 10)
    offsets = np.concatenate(([0], ends + 1)).astype(np.int32)
    with_newlines = pa.Array.from_buffers(
        pa.binary(), len(ends), [None, pa.py_buffer(offsets.tobytes()), pa.py_buffer(block)]
    )
    return with_newlines


def merged_lines(
    store: ObjectStore,
    uri: str,
    wanted: np.ndarray,
    data: pa.Array,
    encodings: pa.Array,
    buffers: BlockBuffers | None = None,
) -> Iterator[pa.Array]:
    """The merged records of the lines ``wanted`` (sorted) of ``uri``, with their labels' ``data`` and
    ``encodings``, each ending with a newline, as binary arrays, one per block read: in Arrow, the label
    prefix joined to each line after its ``{``; the arrays' values are the merged file's bytes as they
    are written. Blocks of ``MERGE_BLOCK_BYTES`` keep the copies Arrow makes small."""
    prefixes = _label_prefixes(data, encodings)
    position = 0
    for captured in capture_blocks(store, uri, ReadReport(), MERGE_BLOCK_BYTES, buffers):
        # the block's lines are taken (copied) out of the reused buffer before the next block is read
        base, count, block = captured.base, captured.lines, captured.data
        stop = int(np.searchsorted(wanted, base + count, side="right"))
        if stop == position:
            continue
        indexes = wanted[position:stop] - base - 1
        lines = _block_lines(block).take(pa.array(indexes))
        # the line without its "{", behind the label: {"groundTruthData":{...},"captureData":...}\n
        # (an explicit stop: pyarrow's default one overflows its output size)
        bodies = pc.binary_slice(lines, 1, len(block) + 1)
        merged = pc.binary_join_element_wise(prefixes.slice(position, stop - position), bodies, b"")
        plain = pc.and_(pc.starts_with(lines, "{"), pc.greater(pc.binary_length(lines), 3))
        if captured.buffer.find(b'"groundTruthData"', 0, captured.size) != -1:  # one search, not one a line
            plain = pc.and_(plain, pc.invert(pc.match_substring(lines, '"groundTruthData"')))
        if not pc.all(plain).as_py():
            span = stop - position
            labels = list(
                zip(
                    data.slice(position, span).to_pylist(),
                    encodings.slice(position, span).to_pylist(),
                    strict=True,
                )
            )
            texts = merged.to_pylist()
            for index in np.flatnonzero(~plain.to_numpy(zero_copy_only=False)).tolist():
                raw = lines[index].as_py().rstrip(b"\n")
                texts[index] = _merged_object(raw, *labels[index]) + b"\n"
            merged = pa.array(texts, type=pa.binary())
        yield merged
        position = stop
