"""Captured JSONL in an analysis window → rows, as SageMaker's analyzer flattens them.

Records and rows: docs/sagemaker.md#capture-records, #rows-of-a-capture-record.

- Files: ``{destination}/{endpoint}/{variant}/yyyy/mm/dd/hh/*.jsonl`` for every variant and every hour that
  overlaps the window; records are then kept only when ``inferenceTime`` lies in ``[start, end)``.
- A record's payloads become one or more rows: model **output columns first**, then input columns, named
  positionally ``_c0, _c1, ...`` (the job maps them to baseline feature names). CSV payloads split into
  lines and fields; JSON payloads flatten (``{"instances": [...]}`` and lists of rows give several rows).
- A line after the last newline is torn (a writer killed mid-write) and is counted; a complete line that is
  not a capture record is counted with ``file:line``; shadow-variant records are skipped and counted.
  Nothing here is ever fatal for one bad record.
- Files are streamed through fsspec a block at a time (never copied, never read whole).
"""

from __future__ import annotations

import base64
import binascii
import csv
import io
from collections import deque
from collections.abc import Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import fields
from typing import Any, Protocol, cast

import numpy as np
import orjson
import pyarrow as pa

from modelmonitor.dataset.capture_blocks import CaptureBlock, rows_to_columns, select_block
from modelmonitor.dataset.preprocess import CapturedData, Preprocessor
from modelmonitor.dataset.report import BadRecord, ReadReport
from modelmonitor.dataset.rows import TARGET_BATCH_BYTES, RowBuffer
from modelmonitor.dataset.source import DatasetSource
from modelmonitor.dataset.window import AnalysisWindow, parse_time
from modelmonitor.errors import ModelMonitorError
from modelmonitor.formats.capture import split_capture_lines
from modelmonitor.formats.layout import join_uri
from modelmonitor.storage.objects import ObjectStore, store_for

__all__ = [
    "BlockBuffers",
    "CaptureBlock",
    "capture_blocks",
    "capture_buffers",
    "capture_files",
    "capture_lines",
    "flatten_record",
    "payload_rows",
    "read_capture_file",
    "record_in_window",
    "transform_input_files",
    "transform_output_files",
]

Row = list[Any]
_ROW_KEYS = ("instances", "inputs", "data", "features", "predictions", "outputs", "scores", "results")
# Capture files are read at most this much at a time (the batch budget, 32 MiB by default, when
# smaller), cut at the last newline: a 32 MiB block becomes one batch of about 63k rows of 32 columns,
# long enough for summarize_batch to use a thread per column.
_CHUNK_BYTES = 64 * 2**20
_ROW_TYPE = pa.list_(pa.string())
# Blocks of one file parsed at once: parsing is Arrow work that releases the GIL, so the blocks use the
# cores the engine's summarising thread leaves; each holds one block and its batch in memory.
PARALLEL_BLOCKS = 2


def capture_files(store: ObjectStore, destination: str, endpoint: str, window: AnalysisWindow) -> list[str]:
    """Every ``*.jsonl`` under any variant of ``endpoint`` in the hours the window overlaps, sorted."""
    found: list[str] = []
    for variant in store.list_children(join_uri(destination, endpoint)):
        if not variant.is_folder:
            continue
        for prefix in window.hour_prefixes(variant.uri):
            found.extend(
                entry.uri
                for entry in store.list_children(prefix)
                if not entry.is_folder and entry.uri.endswith(".jsonl")
            )
    return sorted(found)


class BlockBuffers:
    """Buffers capture blocks are read into, taken in turn and reused from block to block, file to file.

    A fresh buffer of 32 MiB is mapped and zeroed by the kernel each time it is allocated (0.4 s of
    system time per million records); a reused one is not. A reader of blocks into ``count`` buffers
    may still hold ``count`` - 1 blocks when it asks for the next.
    """

    def __init__(self, count: int = 1) -> None:
        self._ring = [bytearray() for _ in range(count)]
        self._turn = 0

    def current(self, size: int) -> bytearray:
        """The buffer whose turn it is, at least ``size`` bytes long."""
        if len(self._ring[self._turn]) < size:
            # Room for the line cut off the last block, so that a buffer is not grown block after block.
            self._ring[self._turn] = bytearray(size + size // 16)
        return self._ring[self._turn]

    def advance(self) -> None:
        """The current buffer holds a block handed out: the next one's turn."""
        self._turn = (self._turn + 1) % len(self._ring)


def capture_buffers() -> BlockBuffers:
    """Buffers for ``read_capture_file``: one per block being parsed and one for the block being read.

    When the next block is read, ``PARALLEL_BLOCKS`` - 1 blocks may still be parsed; one buffer more
    than strictly needed, so that a block is never overwritten while a thread might read it.
    """
    return BlockBuffers(PARALLEL_BLOCKS + 1)


def capture_blocks(
    store: ObjectStore,
    uri: str,
    report: ReadReport,
    block_bytes: int = _CHUNK_BYTES,
    buffers: BlockBuffers | None = None,
) -> Iterator[CaptureBlock]:
    """Blocks of complete lines, streamed about ``block_bytes`` at a time, read into ``buffers``.

    Each block ends after a newline; the bytes after the file's last newline are a torn line, counted
    by ``formats.capture.split_capture_lines``, the torn-line rule every capture reader shares. A block
    is valid until the caller asks for the next one, unless ``buffers`` says longer.
    """
    buffers = buffers or BlockBuffers()
    base = 0
    carry = b""
    with store.open(uri, "rb") as handle:
        while True:
            # The line cut off the last block comes first, then block_bytes more: blocks (and so
            # batches, which KLL sketches see) end where they always did.
            size = len(carry) + block_bytes
            buffer = buffers.current(size)
            view = memoryview(buffer)
            view[: len(carry)] = carry
            # fsspec's files (local and remote) are io.IOBase objects with readinto.
            got = _fill(cast(_ReadsInto, handle), view[len(carry) : size])
            if not got:
                break
            filled = len(carry) + got
            cut = buffer.rfind(b"\n", 0, filled) + 1
            carry = bytes(view[cut:filled])
            if not cut:
                continue
            lines = buffer.count(b"\n", 0, cut)
            yield CaptureBlock(base, lines, buffer, cut)
            buffers.advance()
            base += lines
    tail = split_capture_lines(carry)
    if tail.torn:
        report.torn(uri, base + tail.torn_line_number)


class _ReadsInto(Protocol):
    def readinto(self, buffer: memoryview, /) -> int | None: ...


def _fill(handle: _ReadsInto, view: memoryview) -> int:
    """Bytes read into ``view``: as many as it holds, fewer only at the end of the file."""
    filled = 0
    while filled < len(view):
        got = handle.readinto(view[filled:])
        if not got:
            break
        filled += got
    return filled


def capture_lines(store: ObjectStore, uri: str, report: ReadReport) -> Iterator[tuple[int, bytes]]:
    """(line number, line) of every complete non-blank line, streamed; a torn last line is counted."""
    for block in capture_blocks(store, uri, report):
        for relative, line in split_capture_lines(block.to_bytes()).lines:
            yield block.base + relative, line


def read_capture_file(
    uri: str,
    source: DatasetSource,
    report: ReadReport,
    preprocessor: Preprocessor | None,
    batch_bytes: int = TARGET_BATCH_BYTES,
    buffers: BlockBuffers | None = None,
) -> Iterator[pa.RecordBatch]:
    """Rows of one capture file's records in the window: preprocessed, or flattened output-first.

    Without a preprocessor, each block is checked and split columnar (``dataset.capture_blocks``);
    the records that need it are read one by one in their place, so rows keep their input order.
    ``PARALLEL_BLOCKS`` blocks are parsed at once, each into a report of its own, added to ``report``
    in the blocks' order (the same counts and the same bad records, in the same order, as one by one).
    Blocks are read into ``buffers`` (``capture_buffers()``; pass the same ones for every file).
    """
    assert source.window is not None
    report.files += 1
    store = store_for(uri)
    buffers = buffers or capture_buffers()
    if preprocessor is not None:
        blocks = capture_blocks(store, uri, report, min(_CHUNK_BYTES, batch_bytes), buffers)
        yield from _preprocessed(blocks, uri, source, report, preprocessor, batch_bytes)
        return
    tail = ReadReport()  # the torn last line: counted after every block's records
    blocks = capture_blocks(store, uri, tail, min(_CHUNK_BYTES, batch_bytes), buffers)
    with ThreadPoolExecutor(PARALLEL_BLOCKS, thread_name_prefix="modelmonitor-capture") as pool:
        pending: deque[Future[tuple[pa.RecordBatch, ReadReport]]] = deque()
        for block in blocks:
            pending.append(pool.submit(_block_rows, block, uri, source))
            if len(pending) == PARALLEL_BLOCKS:
                yield from _added(pending.popleft().result(), report)
        while pending:
            yield from _added(pending.popleft().result(), report)
    _add(report, tail)


def _added(parsed: tuple[pa.RecordBatch, ReadReport], report: ReadReport) -> Iterator[pa.RecordBatch]:
    batch, part = parsed
    _add(report, part)
    if batch.num_rows:
        yield batch


def _add(report: ReadReport, part: ReadReport) -> None:
    """``part`` added into ``report`` in place (the caller holds ``report``)."""
    merged = report.merge(part)
    for name in (item.name for item in fields(ReadReport)):
        setattr(report, name, getattr(merged, name))


def _block_rows(block: CaptureBlock, uri: str, source: DatasetSource) -> tuple[pa.RecordBatch, ReadReport]:
    """One block's rows as text columns, and the report of its records."""
    assert source.window is not None
    report = ReadReport()
    base = block.base
    selection = select_block(
        block,
        source.window,
        outputs=source.capture_outputs,
        inputs=source.capture_inputs,
        report=report,
    )
    if selection is None:
        rows = _record_rows(block.to_bytes(), base, uri, source, report)
        return rows_to_columns(pa.array(rows, type=_ROW_TYPE)), report
    if not len(selection.slow):
        return selection.columns(), report
    lines = block.to_bytes().split(b"\n")
    rows = []
    keys: list[int] = []
    for index, checked in zip(selection.slow.tolist(), selection.checked.tolist(), strict=True):
        number = base + index + 1
        raw = (
            orjson.loads(lines[index])
            if checked
            else record_in_window(lines[index], uri, number, source.window, report)
        )
        produced = _flattened(raw, uri, number, source, report) if raw is not None else []
        rows.extend(produced)
        keys.extend([index] * len(produced))
    order = np.argsort(np.concatenate([selection.fast, np.asarray(keys, dtype=np.int64)]), kind="stable")
    every = pa.concat_arrays([selection.fields, pa.array(rows, type=_ROW_TYPE)])
    return rows_to_columns(every.take(pa.array(order))), report


def _flattened(
    raw: dict[str, Any], uri: str, number: int, source: DatasetSource, report: ReadReport
) -> list[Row]:
    try:
        return flatten_record(raw, outputs=source.capture_outputs, inputs=source.capture_inputs)
    except (ValueError, KeyError, TypeError) as exc:
        report.bad(BadRecord(uri, number, None, str(exc)))
        return []


def _record_rows(block: bytes, base: int, uri: str, source: DatasetSource, report: ReadReport) -> list[Row]:
    """Rows of a block read record by record (the rules of ``record_in_window`` and ``flatten_record``)."""
    assert source.window is not None
    rows: list[Row] = []
    for relative, line in split_capture_lines(block).lines:
        raw = record_in_window(line, uri, base + relative, source.window, report)
        if raw is not None:
            rows.extend(_flattened(raw, uri, base + relative, source, report))
    return rows


def _preprocessed(
    blocks: Iterator[CaptureBlock],
    uri: str,
    source: DatasetSource,
    report: ReadReport,
    preprocessor: Preprocessor,
    batch_bytes: int,
) -> Iterator[pa.RecordBatch]:
    """Rows the preprocess_handler makes of each record (the record itself: the default flattening)."""
    assert source.window is not None
    buffer = RowBuffer(batch_bytes)
    for block in blocks:
        for relative, line in split_capture_lines(block.to_bytes()).lines:
            number = block.base + relative
            raw = record_in_window(line, uri, number, source.window, report)
            if raw is None:
                continue
            produced = preprocessor.apply(CapturedData(raw), uri, number, report)
            if produced is None:
                flat = _flattened(raw, uri, number, source, report)
                produced = [{f"_c{i}": value for i, value in enumerate(row)} for row in flat]
            batch = buffer.add(produced)
            if batch is not None:
                yield batch
    batch = buffer.flush()
    if batch is not None:
        yield batch


def record_in_window(
    line: bytes, uri: str, number: int, window: AnalysisWindow, report: ReadReport
) -> dict[str, Any] | None:
    """The record of a line when its inferenceTime is in the window; everything else is counted."""
    report.records += 1
    try:
        raw: dict[str, Any] = orjson.loads(line)
        metadata = raw["eventMetadata"]
        moment = parse_time(str(metadata["inferenceTime"]), field="eventMetadata.inferenceTime")
        if not isinstance(raw.get("captureData"), dict):
            raise KeyError("captureData")
    except (orjson.JSONDecodeError, TypeError) as exc:
        report.bad(BadRecord(uri, number, None, f"not a JSON object ({exc})"))
        return None
    except KeyError as exc:
        report.bad(BadRecord(uri, number, None, f"field {exc.args[0]} is missing"))
        return None
    except ModelMonitorError as exc:
        report.bad(BadRecord(uri, number, None, str(exc)))
        return None
    if not window.contains(moment):
        report.outside_window += 1
        return None
    if metadata.get("invocationSource") == "ShadowExperiment":
        report.shadow_records += 1
        return None
    report.records_in_window += 1
    return raw


def _decode(section: dict[str, Any]) -> tuple[str, str]:
    """(text, encoding) of a payload; BASE64 payloads are decoded and re-typed by their content type."""
    data = section.get("data")
    if not isinstance(data, str):
        raise ValueError("field data is missing or not a string")
    if section.get("truncated") is True:
        # The capture side kept only the first bytes of an oversized payload: its rows are not whole.
        raise ValueError(f"{section.get('mode', 'payload')} was truncated at capture (over the size limit)")
    encoding = str(section.get("encoding", "CSV")).upper()
    if encoding == "BASE64":
        try:
            data = base64.b64decode(data, validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise ValueError(f"BASE64 payload cannot be decoded as UTF-8 text ({exc})") from exc
        content_type = str(section.get("observedContentType") or "").lower()
        encoding = "JSON" if "json" in content_type else "CSV"
    return data, encoding


def _flatten_json(value: Any, prefix: str, out: dict[str, Any]) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            _flatten_json(item, f"{prefix}.{key}" if prefix else str(key), out)
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _flatten_json(item, f"{prefix}.{index}" if prefix else str(index), out)
    else:
        out[prefix or "value"] = value


def _json_rows(value: Any) -> list[Row]:
    if isinstance(value, dict):
        lists = [value[k] for k in _ROW_KEYS if isinstance(value.get(k), list)]
        if len(lists) == 1 and value:
            return _json_rows(lists[0])
    if isinstance(value, list) and value and all(isinstance(item, (list, dict)) for item in value):
        rows: list[Row] = []
        for item in value:
            rows.extend(
                _json_rows(item) if isinstance(item, dict) and _has_row_key(item) else [_one_row(item)]
            )
        return rows
    return [_one_row(value)]


def _has_row_key(value: dict[str, Any]) -> bool:
    return any(isinstance(value.get(k), list) for k in _ROW_KEYS)


def _one_row(value: Any) -> Row:
    flat: dict[str, Any] = {}
    _flatten_json(value, "", flat)
    return [None if v is None else str(v) for v in flat.values()]


def payload_rows(section: dict[str, Any]) -> list[Row]:
    """The rows of one payload: CSV lines split into fields, JSON flattened (values as text)."""
    text, encoding = _decode(section)
    if encoding == "JSON":
        try:
            return _json_rows(orjson.loads(text))
        except orjson.JSONDecodeError:
            # JSON Lines payload: one document per line.
            return [
                row for line in text.splitlines() if line.strip() for row in _json_rows(orjson.loads(line))
            ]
    lines = [line for line in text.splitlines() if line.strip()]
    return [
        [field if field != "" else None for field in fields]
        for fields in csv.reader(io.StringIO("\n".join(lines)))
    ]


def flatten_record(raw: dict[str, Any], *, outputs: bool = True, inputs: bool = True) -> list[Row]:
    """Rows of a capture record: output columns first, then input columns (docs/sagemaker.md)."""
    capture = raw["captureData"]
    input_section = capture.get("endpointInput") if inputs else None
    output_section = (
        (capture.get("endpointOutput") or capture.get("batchTransformOutput")) if outputs else None
    )
    input_rows = payload_rows(input_section) if isinstance(input_section, dict) else []
    output_rows = payload_rows(output_section) if isinstance(output_section, dict) else []
    if not input_rows:
        return output_rows
    if not output_rows:
        return input_rows
    if len(output_rows) != len(input_rows):
        raise ValueError(
            f"{len(input_rows)} input row(s) but {len(output_rows)} output row(s); cannot pair them"
        )
    return [out + inp for out, inp in zip(output_rows, input_rows, strict=True)]


def _manifest_entries(data: bytes) -> list[str] | None:
    """The files an S3 manifest (``[{"prefix": ...}, "a.csv", ...]``) points at; None if not a manifest."""
    try:
        parsed = orjson.loads(data)
    except orjson.JSONDecodeError:
        return None
    if not (isinstance(parsed, list) and parsed and isinstance(parsed[0], dict) and "prefix" in parsed[0]):
        return None
    prefix = str(parsed[0]["prefix"])
    return [join_uri(prefix, str(name)) for name in parsed[1:] if isinstance(name, str)]


def transform_input_files(store: ObjectStore, destination: str, window: AnalysisWindow) -> list[str]:
    """Data files of batch-transform capture: ``{destination}/input/yyyy/mm/dd/hh/<manifest>`` resolved.

    Hour folders are those of the transform job's start (docs/sagemaker.md#batch-capture). A file in an
    hour folder that is not a manifest is taken as a data file itself (capture copied by hand).
    """
    return _transform_files(store, join_uri(destination, "input"), window)


def transform_output_files(store: ObjectStore, destination: str, window: AnalysisWindow) -> list[str]:
    """The transform jobs' output files (``{destination}/output/...`` manifests), as for the inputs."""
    return _transform_files(store, join_uri(destination, "output"), window)


def _transform_files(store: ObjectStore, base: str, window: AnalysisWindow) -> list[str]:
    found: list[str] = []
    for prefix in window.hour_prefixes(base):
        for entry in store.list_children(prefix):
            if entry.is_folder:
                continue
            entries = _manifest_entries(store.read_bytes(entry.uri))
            found.extend(entries if entries is not None else [entry.uri])
    return found
