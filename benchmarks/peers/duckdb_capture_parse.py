"""A bare DuckDB parse of the benchmark's capture hour into a typed table: the floor monitoring is held to.

Usage: duckdb_capture_parse.py CAPTURE_ROOT. ``read_json`` reads every capture file's envelope,
``string_split`` splits the output and input CSV payloads, and each field is cast to its type
(20 DOUBLE, 8 BIGINT, 3 VARCHAR, the score DOUBLE; an empty field is NULL) into an in-memory table.
No statistics: parsing is all it does. Prints its phase timings and row count as one JSON line.
"""

import json
import sys
import time
from pathlib import Path

started = time.perf_counter()
import duckdb  # noqa: E402  (imports are timed on purpose)

imported = time.perf_counter()

DECIMALS, INTEGERS, CATEGORIES = 20, 8, 3
COLUMNS = (
    "{captureData: 'STRUCT(endpointInput STRUCT(data VARCHAR), endpointOutput STRUCT(data VARCHAR))', "
    "eventMetadata: 'STRUCT(inferenceTime VARCHAR)'}"
)


def casts() -> str:
    parts = ["TRY_CAST(NULLIF(f[1], '') AS DOUBLE) AS score"]
    for index in range(DECIMALS + INTEGERS + CATEGORIES):
        field = f"NULLIF(f[{index + 2}], '')"
        if index < DECIMALS:
            parts.append(f"TRY_CAST({field} AS DOUBLE) AS f{index}")
        elif index < DECIMALS + INTEGERS:
            parts.append(f"TRY_CAST({field} AS BIGINT) AS f{index}")
        else:
            parts.append(f"{field} AS f{index}")
    return ", ".join(parts)


def main() -> None:
    root = Path(sys.argv[1])
    pattern = str(root / "bench" / "*" / "*" / "*" / "*" / "*" / "*.jsonl").replace("'", "''")
    con = duckdb.connect()
    con.execute(
        f"CREATE TABLE parsed AS SELECT {casts()} FROM ("
        "SELECT string_split("
        "captureData.endpointOutput.data || ',' || captureData.endpointInput.data, ',') AS f "
        f"FROM read_json('{pattern}', format = 'newline_delimited', columns = {COLUMNS}))"
    )
    row = con.execute("SELECT count(*) FROM parsed").fetchone()
    done = time.perf_counter()
    print(
        json.dumps(
            {"rows": row[0] if row else 0, "imports_s": imported - started, "parse_s": done - imported}
        )
    )


if __name__ == "__main__":
    main()
