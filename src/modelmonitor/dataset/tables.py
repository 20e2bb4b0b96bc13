"""One file of a table (CSV, JSON Lines, Parquet) → Arrow batches, bad rows named in the read report.

CSV is read as text (``all_varchar``) by DuckDB, the way SageMaker's Spark job hands strings to Deequ,
so type inference sees what SageMaker sees; an empty field is null. Rows DuckDB cannot read (too few
or too many fields, bytes that are not UTF-8) are rejected with their line and counted as bad records;
the read goes on. JSON Lines take DuckDB's fast path when every line is an object; when some line is
not, the file is read line by line so each bad line is named. Parquet is read by pyarrow in batches sized
from its footer, streaming each column chunk, so memory does not follow the row-group size.

Remote files are read through fsspec where they are: DuckDB is handed the fsspec filesystem, pyarrow
an fsspec file; nothing is copied to a temporary folder first.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import duckdb
import orjson
import pyarrow as pa
import pyarrow.parquet as pq

from modelmonitor.dataset.csv_header import CsvStart, spark_header_names, start_of
from modelmonitor.dataset.report import BadRecord, ReadReport
from modelmonitor.dataset.rows import MAX_BATCH_ROWS, TARGET_BATCH_BYTES, RowBuffer, sized_batches
from modelmonitor.dataset.source import DatasetFormat
from modelmonitor.errors import DatasetError
from modelmonitor.storage.objects import is_remote, store_for

__all__ = ["DUCKDB_MEMORY_LIMIT", "connect", "parquet_layout", "parse_json_line", "read_table_file"]

# A streaming scan needs little of DuckDB's buffer pool, and without a cap its cache grows with the
# input (default: 80 % of RAM).
DUCKDB_MEMORY_LIMIT = "512MB"
_READER_ROWS = 8192  # rows per batch DuckDB hands over; sized_batches joins them by bytes
# The names DuckDB gives a repeated header name (a_1) or an empty one (column3): then the header is read
# as written, and named as SageMaker's Spark reader names it (dataset/csv_header.py).
_DUCKDB_RENAMED = re.compile(r".+_\d+|column\d+")
_PARQUET_READ_BUFFER = 2**20


def connect(uri: str | None = None, threads: int | None = None) -> duckdb.DuckDBPyConnection:
    """A DuckDB connection for reading; remote URIs are served by their fsspec filesystem."""
    con = duckdb.connect()
    if threads is not None:
        con.execute(f"SET threads = {int(threads)}")
    con.execute("SET memory_limit = ?", [DUCKDB_MEMORY_LIMIT])
    con.execute("SET enable_progress_bar = false")  # progress is the caller's to show
    if uri is not None and is_remote(uri):
        con.register_filesystem(store_for(uri).fs)
    return con


def _sql_text(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def read_table_file(
    uri: str,
    format: DatasetFormat,
    header: bool,
    report: ReadReport,
    *,
    threads: int | None = None,
    batch_bytes: int = TARGET_BATCH_BYTES,
    row_groups: tuple[int, ...] | None = None,
) -> Iterator[pa.RecordBatch]:
    """The rows of one file, in order, in batches of about ``batch_bytes``; bad rows go to ``report``.

    ``row_groups`` (Parquet only) reads those row groups of the file; the file is counted in
    ``report`` by the run that starts at its first row group.
    """
    if row_groups is None or row_groups[0] == 0:
        report.files += 1
    if format is DatasetFormat.CSV:
        yield from _csv(uri, header, report, threads, batch_bytes)
    elif format is DatasetFormat.JSON_LINES:
        yield from _json_lines(uri, report, threads, batch_bytes)
    elif format is DatasetFormat.PARQUET:
        yield from _parquet(uri, report, batch_bytes, row_groups)
    else:
        raise DatasetError(f"{uri}: {format.value} is not a table format; expected csv, json or parquet")


def _csv_query(uri: str, header: bool, width: int | None = None) -> str:
    # ``width`` given: no sniffing, that many text columns (the sniffer failed on the file's start).
    columns = (
        ""
        if width is None
        else "auto_detect = false, columns = {"
        + ", ".join(f"'_c{index}': 'VARCHAR'" for index in range(width))
        + "}, "
    )
    return (
        f"SELECT * FROM read_csv({_sql_text(uri)}, {columns}all_varchar = true, "
        f"header = {'true' if header else 'false'}, "
        "delim = ',', quote = '\"', escape = '\"', null_padding = false, "
        "store_rejects = true, ignore_errors = true)"
    )


def _csv_reader(
    con: duckdb.DuckDBPyConnection, uri: str, header: bool
) -> tuple[pa.RecordBatchReader, list[str] | None]:
    """DuckDB's reader of the file, and the header as written when DuckDB's names may not be it."""
    try:
        reader = con.sql(_csv_query(uri, header)).to_arrow_reader(_READER_ROWS)
    except duckdb.Error as exc:
        # The sniffer reads the first rows whole: a line over the size limit there fails it, as does a
        # file that is not text. Read on without it, so that line is one rejected row.
        start = start_of(uri)
        width = CsvStart(start.records[1:] if header else start.records).width or start.width
        if start.not_text is not None or width is None:
            reason = start.not_text or f"no comma-separated rows found ({_first_line(exc)})"
            raise DatasetError(f"{uri}: cannot read as CSV: {reason}") from exc
        try:
            reader = con.sql(_csv_query(uri, header, width)).to_arrow_reader(_READER_ROWS)
        except duckdb.Error as again:
            raise DatasetError(f"{uri}: cannot read as CSV: {_first_line(again)}") from again
        return reader, start.first_line if header else None
    renamed = any(_DUCKDB_RENAMED.fullmatch(name) for name in reader.schema.names)
    if header and renamed:
        return reader, start_of(uri).first_line
    return reader, None


def _first_line(exc: Exception) -> str:
    """DuckDB's error without the reader settings it lists below it."""
    return str(exc).splitlines()[0]


def _csv(
    uri: str, header: bool, report: ReadReport, threads: int | None, batch_bytes: int
) -> Iterator[pa.RecordBatch]:
    con = connect(uri, threads)
    try:
        reader, written = _csv_reader(con, uri, header)
        names = list(reader.schema.names)
        if not header:
            names = [f"_c{index}" for index in range(len(names))]
        elif written is not None and len(written) == len(names):
            names, repeated = spark_header_names(written)
            if repeated:
                report.warn(
                    "column_name",
                    f"{uri}: header names {', '.join(repeated)} repeat; their columns are named "
                    + ", ".join(n for n, w in zip(names, written, strict=True) if w in repeated),
                )
        rows = 0
        try:
            for batch in sized_batches(reader, batch_bytes):
                rows += batch.num_rows
                yield batch.rename_columns(names)
        except (duckdb.Error, pa.ArrowException) as exc:  # what ignore_errors does not turn into rejects
            raise DatasetError(f"{uri}: cannot read as CSV after row {rows}: {_first_line(exc)}") from exc
        report.records += rows
        rejects = con.execute(
            "SELECT e.line, e.column_name, e.error_type, e.error_message FROM reject_errors e ORDER BY e.line"
        ).fetchall()
        for line, column, error_type, message in rejects:
            report.records += 1
            report.bad(BadRecord(uri, int(line), column, f"{str(error_type).lower()}: {message}"))
        if header and rows == 0 and not rejects:
            report.warn("empty_file", f"{uri}: has a header line but no data rows")
    finally:
        con.close()


def _json_lines(
    uri: str, report: ReadReport, threads: int | None, batch_bytes: int
) -> Iterator[pa.RecordBatch]:
    con = connect(uri, threads)
    try:
        try:
            row = con.execute(
                "SELECT count(*) FILTER (WHERE json IS NULL OR json_type(json) <> 'OBJECT') "
                f"FROM read_ndjson_objects({_sql_text(uri)}, ignore_errors = true)"
            ).fetchone()
            clean = row is not None and row[0] == 0
        except duckdb.Error:
            clean = False
        if clean:
            try:
                # Types are inferred from every line (not a sample), so no row fails to convert later.
                reader = con.sql(
                    f"SELECT * FROM read_json({_sql_text(uri)}, "
                    "format = 'newline_delimited', sample_size = -1)"
                ).to_arrow_reader(_READER_ROWS)
            except duckdb.Error:
                clean = False
        if clean:
            for batch in sized_batches(reader, batch_bytes):
                report.records += batch.num_rows
                yield batch
            return
    finally:
        con.close()
    yield from _json_lines_one_by_one(uri, report, batch_bytes)


def _json_lines_one_by_one(uri: str, report: ReadReport, batch_bytes: int) -> Iterator[pa.RecordBatch]:
    buffer = RowBuffer(batch_bytes)
    with store_for(uri).open(uri, "rb") as handle:
        for number, raw in enumerate(handle, start=1):
            record = parse_json_line(raw, uri, number, report)
            if record is not None:
                batch = buffer.add([record])
                if batch is not None:
                    yield batch
    batch = buffer.flush()
    if batch is not None:
        yield batch


def parse_json_line(raw: bytes, uri: str, number: int, report: ReadReport) -> dict[str, Any] | None:
    """A JSON Lines line's object; None for a blank line, or a bad record counted in ``report``."""
    if not raw.strip():
        return None
    report.records += 1
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        reason = "not UTF-8 text" if "utf-8" in str(exc).lower() else f"not valid JSON ({exc})"
        report.bad(BadRecord(uri, number, None, reason))
        return None
    if not isinstance(value, dict):
        report.bad(BadRecord(uri, number, None, f"expected a JSON object, got {type(value).__name__}"))
        return None
    return value


@contextmanager
def _parquet_file(uri: str) -> Iterator[pq.ParquetFile]:
    """A Parquet file opened natively when local (Arrow's own reads, no GIL), through fsspec when remote.

    Column chunks are streamed ``_PARQUET_READ_BUFFER`` bytes at a time instead of read whole, so a
    row group of any size is decoded a batch at a time. A file that turns out unreadable while it
    is read is the same clear error as one whose footer is.
    """
    try:
        if not is_remote(uri):
            yield pq.ParquetFile(
                uri.removeprefix("file://"), buffer_size=_PARQUET_READ_BUFFER, pre_buffer=False
            )
            return
        with store_for(uri).open(uri, "rb") as handle:
            yield pq.ParquetFile(handle, buffer_size=_PARQUET_READ_BUFFER, pre_buffer=False)
    except (pa.ArrowInvalid, OSError) as exc:
        raise DatasetError(f"{uri}: not a readable Parquet file: {exc}") from exc


def _parquet(
    uri: str, report: ReadReport, batch_bytes: int, row_groups: tuple[int, ...] | None
) -> Iterator[pa.RecordBatch]:
    with _parquet_file(uri) as parquet:
        metadata = parquet.metadata
        decoded = sum(metadata.row_group(i).total_byte_size for i in range(metadata.num_row_groups))
        row_bytes = max(1, decoded // max(1, metadata.num_rows))
        # Batches of about twice ``batch_bytes`` (the footer knows a row's decoded size): typed columns
        # are cheap to summarise per row. One thread: summarising is the bottleneck, on threads of its own.
        rows = max(1, min(MAX_BATCH_ROWS, 2 * batch_bytes // row_bytes))
        schema = parquet.schema_arrow
        typed = _plain_types(schema)
        groups = None if row_groups is None else list(row_groups)
        for batch in parquet.iter_batches(batch_size=rows, row_groups=groups, use_threads=False):
            report.records += batch.num_rows
            yield batch if typed is schema else batch.cast(typed)


def _plain_type(kind: pa.DataType) -> pa.DataType:
    """The type a column is profiled as: as DuckDB, this reader before, handed Parquet columns over.

    Statistics print values as text, so the unit of a timestamp shows: milliseconds become
    microseconds, time zones UTC (printed +0000), dictionaries their values (other types are kept).
    """
    if pa.types.is_dictionary(kind):
        return _plain_type(kind.value_type)
    if pa.types.is_timestamp(kind):
        unit = "ns" if kind.unit == "ns" else "us"
        return pa.timestamp(unit, tz="Etc/UTC" if kind.tz is not None else None)
    if pa.types.is_time32(kind):
        return pa.time64("us")
    if pa.types.is_fixed_size_binary(kind):
        return pa.binary()
    if pa.types.is_float16(kind):
        return pa.float32()
    return kind


def _plain_types(schema: pa.Schema) -> pa.Schema:
    """``schema`` itself when every column keeps its type, else the schema to cast batches to."""
    typed = pa.schema([field.with_type(_plain_type(field.type)) for field in schema])
    return schema if typed.equals(schema) else typed


def parquet_layout(uri: str) -> tuple[int, tuple[int, ...]]:
    """The row count in a Parquet file's footer and each row group's compressed size in bytes."""
    with _parquet_file(uri) as parquet:
        metadata = parquet.metadata
        groups = tuple(
            sum(group.column(c).total_compressed_size for c in range(group.num_columns))
            for group in (metadata.row_group(i) for i in range(metadata.num_row_groups))
        )
        return int(metadata.num_rows), groups
