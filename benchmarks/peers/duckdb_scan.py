"""A raw DuckDB aggregate scan of the benchmark Parquet file: the floor any profiler is held to.

Usage: duckdb_scan.py DATA.parquet OUT_DIR. One SELECT over the file computes, per numeric
column, count, sum, min, max, stddev_pop and approx_quantile (a quantile sketch, as our KLL);
per string column, count, count(DISTINCT) and the value counts (histogram). Runs under the
project's .venv (duckdb is a project dependency). Prints its phase timings as one JSON line.
"""

import json
import sys
import time
from pathlib import Path

started = time.perf_counter()
import duckdb  # noqa: E402  (imports are timed on purpose)

imported = time.perf_counter()

QUANTILES = "[0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99]"
NUMERIC_TYPES = ("TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "FLOAT", "DOUBLE", "DECIMAL")


def quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def aggregates(columns: list[tuple[str, str]]) -> list[str]:
    parts = ["count(*)"]
    for name, column_type in columns:
        q = quoted(name)
        if column_type.startswith(NUMERIC_TYPES):
            parts += [
                f"count({q})",
                f"sum({q})",
                f"min({q})",
                f"max({q})",
                f"stddev_pop({q})",
                f"approx_quantile({q}, {QUANTILES})",
            ]
        else:
            parts += [f"count({q})", f"count(DISTINCT {q})", f"histogram({q})"]
    return parts


def main() -> None:
    data, out_dir = Path(sys.argv[1]), Path(sys.argv[2])
    out_dir.mkdir(parents=True, exist_ok=True)
    source = f"read_parquet('{data.as_posix()}')"
    t0 = time.perf_counter()
    connection = duckdb.connect()
    columns = [(row[0], row[1]) for row in connection.execute(f"DESCRIBE SELECT * FROM {source}").fetchall()]
    row = connection.execute(f"SELECT {', '.join(aggregates(columns))} FROM {source}").fetchone()
    t1 = time.perf_counter()
    assert row is not None
    (out_dir / "scan.json").write_text(json.dumps([str(value)[:200] for value in row]))
    t2 = time.perf_counter()
    print(
        json.dumps(
            {
                "import_s": imported - started,
                "read_s": 0.0,
                "profile_s": t1 - t0,
                "write_s": t2 - t1,
                "compute_s": t2 - t0,
                "rows": row[0],
                "columns": len(columns),
            }
        )
    )


if __name__ == "__main__":
    main()
