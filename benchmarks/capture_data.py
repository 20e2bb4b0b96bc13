"""One hour of SageMaker capture for the monitoring benchmark: JSON Lines, CSV payloads, 2% nulls.

``records`` calls spread evenly over 2026-11-21 09:00-10:00 UTC, written as the capture writer lays
them out (``{root}/bench/AllTraffic/2026/11/21/09/*.jsonl``, one file per ``FILE_MINUTES`` minutes).
Each call sends 31 features (20 decimals, 8 integers, 3 categories) and gets one score back, so a
row is 32 columns (output first). About 2% of the input fields are empty (null). Seeded: the same
bytes on every run with the same NumPy. Also writes a baseline (statistics.json, constraints.json)
of rows drawn the same way, for the execution to check against.
"""

from __future__ import annotations

import argparse
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from modelmonitor.service.baselines import run_baseline

__all__ = ["ENDPOINT", "HOUR", "capture_root", "generate"]

DATA_DIR = Path(__file__).resolve().parent / ".data"
ENDPOINT = "bench"
HOUR = datetime(2026, 11, 21, 9, tzinfo=UTC)
FILE_MINUTES = 5
NULL_FRACTION = 0.02
DECIMALS, INTEGERS, CATEGORIES = 20, 8, 3


def _null(rng: np.random.Generator, values: pa.Array) -> pa.Array:
    return pc.if_else(pa.array(rng.random(len(values)) < NULL_FRACTION), "", values)


def _features(rng: np.random.Generator, rows: int) -> list[pa.Array]:
    columns: list[pa.Array] = []
    for index in range(DECIMALS):
        values = np.round(rng.normal(index, 1.0 + index / 10, rows), 4)
        columns.append(_null(rng, pa.array(values).cast(pa.string())))
    for index in range(INTEGERS):
        columns.append(_null(rng, pa.array(rng.integers(0, 10 ** (1 + index % 4), rows)).cast(pa.string())))
    for index in range(CATEGORIES):
        names = np.array([f"c{index}_{value}" for value in range(3 + 4 * index)])
        columns.append(_null(rng, pa.array(names[rng.integers(0, len(names), rows)])))
    return columns


def _score(rng: np.random.Generator, rows: int) -> pa.Array:
    return pa.array(np.round(rng.random(rows), 6)).cast(pa.string())


def _join(parts: list[pa.Array | str], separator: str = "") -> pa.Array:
    return pc.binary_join_element_wise(*parts, separator)


def _lines(rng: np.random.Generator, start: int, rows: int, total: int) -> pa.Array:
    payload = _join(_features(rng, rows), ",")
    score = _score(rng, rows)
    offsets = (np.arange(start, start + rows) * 3600 // total).astype("int64")
    moments = pa.array(offsets + int(HOUR.timestamp()), pa.timestamp("s", tz="UTC"))
    times = pc.strftime(moments, "%Y-%m-%dT%H:%M:%SZ")
    ids = pa.array(
        [f"{value:016x}-{start + index:08d}" for index, value in enumerate(rng.integers(0, 2**62, rows))]
    )
    return _join(
        [
            '{"captureData":{"endpointInput":{"observedContentType":"text/csv","mode":"INPUT","data":"',
            payload,
            '","encoding":"CSV"},"endpointOutput":{"observedContentType":"text/csv; charset=utf-8",'
            '"mode":"OUTPUT","data":"',
            score,
            '","encoding":"CSV"}},"eventMetadata":{"eventId":"',
            ids,
            '","inferenceTime":"',
            times,
            '"},"eventVersion":"0"}\n',
        ]
    )


def capture_root(records: int, data_dir: Path = DATA_DIR) -> Path:
    return data_dir / f"capture-{records}"


def generate(records: int, data_dir: Path = DATA_DIR) -> Path:
    """Write the capture (and its baseline) once; later calls reuse them."""
    root = capture_root(records, data_dir)
    done = root / ".complete"
    if done.exists():
        return root
    rng = np.random.default_rng(20261121)
    hour = root / ENDPOINT / "AllTraffic" / HOUR.strftime("%Y/%m/%d/%H")
    hour.mkdir(parents=True, exist_ok=True)
    files = 60 // FILE_MINUTES
    for index in range(files):
        start, end = records * index // files, records * (index + 1) // files
        moment = HOUR + timedelta(minutes=index * FILE_MINUTES)
        name = hour / f"{moment.strftime('%M-%S')}-000-bench.jsonl"
        name.write_bytes(_bytes(_lines(rng, start, end - start, records)))
    baseline_csv = root / "baseline.csv"
    header = ["score"] + [f"f{i}" for i in range(DECIMALS + INTEGERS + CATEGORIES)]
    rows = 20_000
    body = _join([_score(rng, rows), _join(_features(rng, rows), ",")], ",")
    baseline_csv.write_text(",".join(header) + "\n" + "\n".join(body.to_pylist()) + "\n")
    run_baseline(str(baseline_csv), {"csv": {"header": True}}, str(root / "baseline"))
    done.write_text("")
    return root


def _bytes(lines: pa.Array) -> bytes:
    """The lines one after the other: the string array's data buffer (no nulls)."""
    _, offsets, data = lines.buffers()
    bounds = np.frombuffer(offsets, dtype=np.int32)[lines.offset : lines.offset + len(lines) + 1]
    whole: bytes = data.to_pybytes()
    return whole[bounds[0] : bounds[-1]]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--records", type=int, default=1_000_000)
    args = parser.parse_args(argv)
    print(generate(args.records))


if __name__ == "__main__":
    main()
