"""One file of a table (CSV, JSON Lines, Parquet) → Arrow batches, bad rows named in the read report.

CSV is read as text (``all_varchar``) by DuckDB, the way SageMaker's Spark job hands strings to Deequ,
so type inference sees what SageMaker sees; an empty field is null. Rows DuckDB cannot read (too few
or too many fields, bytes that are not UTF-8) are rejected with their line and counted as bad records;
the read goes on. JSON Lines take DuckDB's fast path when every line is an object; when some line is
not, the file is read line by line so each bad line is named. Parquet is read by DuckDB too, in batches
sized from its footer (pyarrow reads the footer).

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

__all__ = ["DUCKDB_MEMORY_LIMIT", "connect", "parquet_rows", "parse_json_line", "read_table_file"]

# A streaming scan needs little of DuckDB's buffer pool, and without a cap its cache grows with the
# input (default: 80 % of RAM).
DUCKDB_MEMORY_LIMIT = "512MB"
_READER_ROWS = 8192  # rows per batch DuckDB hands over; sized_batches joins them by bytes
# The names DuckDB gives a repeated header name (a_1) or an empty one (column3): then the header is read
# as written, and named as SageMaker's Spark reader names it (dataset/csv_header.py).
_DUCKDB_RENAMED = re.compile(r".+_\d+|column\d+")


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
) -> Iterator[pa.RecordBatch]:
    """The rows of one file, in order, in batches of about ``batch_bytes``; bad rows go to ``report``."""
    report.files += 1
    if format is DatasetFormat.CSV:
        yield from _csv(uri, header, report, threads, batch_bytes)
    elif format is DatasetFormat.JSON_LINES:
        yield from _json_lines(uri, report, threads, batch_bytes)
    elif format is DatasetFormat.PARQUET:
        yield from _parquet(uri, report, batch_bytes)
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
            reason = start.not_text or f"no comma-separated rows found ({str(exc).splitlines()[0]})"
            raise DatasetError(f"{uri}: cannot read as CSV: {reason}") from exc
        reader = con.sql(_csv_query(uri, header, width)).to_arrow_reader(_READER_ROWS)
        return reader, start.records[0] if header and start.records else None
    renamed = any(_DUCKDB_RENAMED.fullmatch(name) for name in reader.schema.names)
    if header and renamed:
        start = start_of(uri)
        return reader, start.records[0] if start.records else None
    return reader, None


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
        for batch in sized_batches(reader, batch_bytes):
            rows += batch.num_rows
            yield batch.rename_columns(names)
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
    """A Parquet file opened natively when local (Arrow's own reads, no GIL), through fsspec when remote."""
    try:
        if not is_remote(uri):
            yield pq.ParquetFile(uri.removeprefix("file://"))
            return
        with store_for(uri).open(uri, "rb") as handle:
            yield pq.ParquetFile(handle)
    except (pa.ArrowInvalid, OSError) as exc:
        raise DatasetError(f"{uri}: not a readable Parquet file: {exc}") from exc


def _parquet(uri: str, report: ReadReport, batch_bytes: int) -> Iterator[pa.RecordBatch]:
    with _parquet_file(uri) as parquet:
        metadata = parquet.metadata
        decoded = sum(metadata.row_group(i).total_byte_size for i in range(metadata.num_row_groups))
        row_bytes = max(1, decoded // max(1, metadata.num_rows))
    # Batches of about twice ``batch_bytes`` (the footer knows a row's decoded size), straight from
    # DuckDB: typed columns are cheap to summarise per row. One DuckDB thread: each thread holds a
    # whole decoded row group, and decoding is not the bottleneck (summarising is, on its own threads).
    rows = max(1, min(MAX_BATCH_ROWS, 2 * batch_bytes // row_bytes))
    con = connect(uri, threads=1)
    try:
        reader = con.sql(f"SELECT * FROM read_parquet({_sql_text(uri)})").to_arrow_reader(rows)
        for batch in reader:
            report.records += batch.num_rows
            yield batch
    finally:
        con.close()


def parquet_rows(uri: str) -> int:
    """The row count in a Parquet file's footer."""
    with _parquet_file(uri) as parquet:
        return int(parquet.metadata.num_rows)
