"""The single-machine engine: DuckDB reads CSV, JSON Lines and Parquet into Arrow record batches.

CSV is read as text (``all_varchar``), the way SageMaker's Spark job hands strings to Deequ, so type
inference sees what SageMaker sees; an empty field is null. Rows DuckDB cannot read (too few or too
many fields, bytes that are not UTF-8) are rejected with their file and line, counted as bad records
and reported; the scan goes on. JSON Lines take DuckDB's fast path when every line is an object; when
some line is not, the file is read line by line so each bad line is named. Batches keep input order.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import orjson
import pyarrow as pa
import pyarrow.parquet as pq

from modelmonitor.engine.base import BadRecord, Scan, TableSource
from modelmonitor.errors import DatasetError

__all__ = ["DEFAULT_BATCH_ROWS", "DEFAULT_MEMORY_LIMIT", "LocalEngine"]

DEFAULT_BATCH_ROWS = 262_144  # Parquet
TEXT_BATCH_ROWS = 131_072  # CSV and JSON: wider in memory per row, so fewer rows per batch
DEFAULT_MEMORY_LIMIT = "512MB"


def _sql_list(paths: Sequence[str]) -> str:
    return "[" + ", ".join("'" + p.replace("'", "''") + "'" for p in paths) + "]"


@dataclass(frozen=True)
class LocalEngine:
    """Reads local files with an embedded DuckDB; ``threads`` bounds its parallelism.

    ``memory_limit`` caps DuckDB's buffer pool: a streaming scan needs little, and without a cap its
    cache grows with the input (default: 80 % of RAM).
    """

    batch_rows: int | None = None
    threads: int | None = None
    memory_limit: str = DEFAULT_MEMORY_LIMIT

    def _rows(self, *, text: bool) -> int:
        if self.batch_rows is not None:
            return self.batch_rows
        return TEXT_BATCH_ROWS if text else DEFAULT_BATCH_ROWS

    def _connect(self) -> duckdb.DuckDBPyConnection:
        con = duckdb.connect()
        if self.threads is not None:
            con.execute(f"SET threads = {int(self.threads)}")
        con.execute("SET memory_limit = ?", [self.memory_limit])
        con.execute("SET enable_progress_bar = false")  # progress is the caller's to show
        return con

    def scan(self, source: TableSource) -> Scan:
        if not source.paths:
            raise DatasetError("no input files to read")
        if source.format == "csv":
            return self._scan_csv(source)
        if source.format == "json":
            return self._scan_json(source)
        if source.format == "parquet":
            return self._scan_parquet(source)
        raise DatasetError(f"unknown dataset format {source.format!r}; expected csv, json or parquet")

    # CSV -----------------------------------------------------------------------------------------

    def _scan_csv(self, source: TableSource) -> Scan:
        con = self._connect()
        header = "true" if source.header else "false"
        query = (
            f"SELECT * FROM read_csv({_sql_list(source.paths)}, all_varchar = true, header = {header}, "
            "delim = ',', quote = '\"', escape = '\"', null_padding = false, "
            "store_rejects = true, ignore_errors = true)"
        )
        try:
            reader = con.sql(query).to_arrow_reader(self._rows(text=True))
        except duckdb.Error as exc:
            raise DatasetError(f"{', '.join(source.paths)}: cannot read as CSV: {exc}") from exc
        names = list(reader.schema.names)
        if not source.header:
            names = [f"_c{index}" for index in range(len(names))]
        scan = Scan(columns=names, batches=iter(()))
        scan.batches = self._csv_batches(con, reader, names, scan)
        return scan

    def _csv_batches(
        self, con: duckdb.DuckDBPyConnection, reader: pa.RecordBatchReader, names: list[str], scan: Scan
    ) -> Iterator[pa.RecordBatch]:
        for batch in _rebatched(reader, self._rows(text=True)):
            yield batch.rename_columns(names)
        rejects = con.execute(
            "SELECT s.file_path, e.line, e.column_name, e.error_type, e.error_message "
            "FROM reject_errors e JOIN reject_scans s USING (scan_id, file_id) ORDER BY s.file_path, e.line"
        ).fetchall()
        for path, line, column, error_type, message in rejects:
            text = f"{str(error_type).lower()}: {message}"
            scan.bad_records.append(BadRecord(str(path), int(line), column, text))
        con.close()

    # JSON Lines --------------------------------------------------------------------------------

    def _scan_json(self, source: TableSource) -> Scan:
        con = self._connect()
        paths = _sql_list(source.paths)
        try:
            row = con.execute(
                f"SELECT count(*) FILTER (WHERE json IS NULL OR json_type(json) <> 'OBJECT') "
                f"FROM read_ndjson_objects({paths}, ignore_errors = true)"
            ).fetchone()
            clean = row is not None and row[0] == 0
        except duckdb.Error:
            clean = False
        if clean:
            try:
                # Types are inferred from every line (not a sample), so no row fails to convert later.
                reader = con.sql(
                    f"SELECT * FROM read_json({paths}, format = 'newline_delimited', sample_size = -1)"
                )
                arrow_reader = reader.to_arrow_reader(self._rows(text=True))
                return Scan(
                    columns=list(arrow_reader.schema.names),
                    batches=_closing(con, arrow_reader, self._rows(text=True)),
                )
            except duckdb.Error:
                pass
        con.close()
        scan = Scan(columns=[], batches=iter(()))
        scan.batches = self._json_lines_batches(source.paths, scan)
        return scan

    def _json_lines_batches(self, paths: Sequence[str], scan: Scan) -> Iterator[pa.RecordBatch]:
        rows: list[dict[str, Any]] = []
        for path in paths:
            with Path(path).open("rb") as handle:
                for number, raw in enumerate(handle, start=1):
                    record = _parse_json_line(raw, path, number, scan.bad_records)
                    if record is None:
                        continue
                    for key in record:
                        if key not in scan.columns:
                            scan.columns.append(key)
                    rows.append(record)
                    if len(rows) >= self._rows(text=True):
                        yield _rows_to_batch(rows)
                        rows = []
        if rows:
            yield _rows_to_batch(rows)

    # Parquet -----------------------------------------------------------------------------------

    def _scan_parquet(self, source: TableSource) -> Scan:
        total = 0
        for path in source.paths:
            try:
                total += pq.ParquetFile(path).metadata.num_rows
            except (pa.ArrowInvalid, OSError) as exc:
                raise DatasetError(f"{path}: not a readable Parquet file: {exc}") from exc
        con = self._connect()
        if self.threads is None:
            # Each DuckDB thread holds a whole decoded row group (often a million rows); one thread keeps
            # memory flat, and decoding is not the bottleneck (summarising is, on its own threads).
            con.execute("SET threads = 1")
        reader = con.sql(f"SELECT * FROM read_parquet({_sql_list(source.paths)})").to_arrow_reader(
            self._rows(text=False)
        )
        return Scan(
            columns=list(reader.schema.names),
            batches=_closing(con, reader, self._rows(text=False)),
            total_rows=total,
        )


def _rebatched(batches: Iterable[pa.RecordBatch], rows: int) -> Iterator[pa.RecordBatch]:
    """Batches of ``rows`` rows (the last may be shorter), whatever sizes the reader produced.

    DuckDB hands out vectors of a few thousand rows for CSV; summarising per batch has a fixed cost,
    so small batches are joined (in order) before they reach the per-batch function.
    """
    pending: list[pa.RecordBatch] = []
    count = 0
    for batch in batches:
        while batch.num_rows:
            take = min(rows - count, batch.num_rows)
            pending.append(batch.slice(0, take))
            batch = batch.slice(take)
            count += take
            if count == rows:
                yield _joined(pending)
                pending, count = [], 0
    if pending:
        yield _joined(pending)


def _joined(batches: list[pa.RecordBatch]) -> pa.RecordBatch:
    if len(batches) == 1:
        return batches[0]
    return pa.Table.from_batches(batches).combine_chunks().to_batches()[0]


def _closing(
    con: duckdb.DuckDBPyConnection, reader: pa.RecordBatchReader, rows: int
) -> Iterator[pa.RecordBatch]:
    try:
        yield from _rebatched(reader, rows)
    finally:
        con.close()


def _parse_json_line(raw: bytes, path: str, number: int, bad: list[BadRecord]) -> dict[str, Any] | None:
    if not raw.strip():
        return None
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        reason = "not UTF-8 text" if "utf-8" in str(exc).lower() else f"not valid JSON ({exc})"
        bad.append(BadRecord(path, number, None, reason))
        return None
    if not isinstance(value, dict):
        bad.append(BadRecord(path, number, None, f"expected a JSON object, got {type(value).__name__}"))
        return None
    return value


def _rows_to_batch(rows: list[dict[str, Any]]) -> pa.RecordBatch:
    names: dict[str, None] = {}
    for row in rows:
        names.update(dict.fromkeys(row))
    arrays = []
    for name in names:
        values = [row.get(name) for row in rows]
        try:
            arrays.append(pa.array(values))
        except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError):
            # Mixed kinds in one field (1 and "x"): keep every value, as text, like Spark's string cast.
            texts = [v if v is None or isinstance(v, str) else orjson.dumps(v).decode() for v in values]
            arrays.append(pa.array(texts, type=pa.string()))
    return pa.RecordBatch.from_arrays(arrays, names=list(names))
