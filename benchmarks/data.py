"""Deterministic benchmark data sets: 30 columns (20 numeric, 10 categorical), 2% nulls, as Parquet.

The 1M-row file is the timed input; the 10M-row file only feeds the peak-memory check. Both are
written chunk by chunk (one chunk = 1M rows, seeded by its index), so generating 10M rows never
holds more than one chunk in memory, and the first chunk of the 10M file equals the 1M file.

Run `python -m benchmarks.data` to (re)build them under benchmarks/.data/ (git-ignored).
"""

from __future__ import annotations

import argparse
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

DATA_DIR = Path(__file__).resolve().parent / ".data"
CHUNK_ROWS = 1_000_000
NULL_FRACTION = 0.02
BASE_SEED = 20261122

Draw = Callable[[np.random.Generator, int], np.ndarray]


@dataclass(frozen=True)
class NumericColumn:
    """A numeric column: name, Arrow type and how its values are drawn."""

    name: str
    arrow_type: pa.DataType
    draw: Draw


@dataclass(frozen=True)
class CategoricalColumn:
    """A string column with `cardinality` distinct values drawn with Zipf-like skew (a few are common)."""

    name: str
    prefix: str
    cardinality: int
    skew: float


NUMERIC_COLUMNS: tuple[NumericColumn, ...] = (
    NumericColumn("age", pa.int64(), lambda g, n: g.integers(18, 90, n)),
    NumericColumn("tenure_months", pa.int64(), lambda g, n: g.poisson(30, n)),
    NumericColumn("num_purchases", pa.int64(), lambda g, n: g.negative_binomial(3, 0.2, n)),
    NumericColumn("num_logins_30d", pa.int64(), lambda g, n: g.poisson(12, n)),
    NumericColumn("support_tickets", pa.int64(), lambda g, n: g.geometric(0.6, n) - 1),
    NumericColumn("items_in_cart", pa.int64(), lambda g, n: g.binomial(20, 0.15, n)),
    NumericColumn("days_since_signup", pa.int64(), lambda g, n: g.integers(0, 3650, n)),
    NumericColumn("credit_score", pa.int64(), lambda g, n: np.clip(g.normal(680, 70, n), 300, 850)),
    NumericColumn("household_size", pa.int64(), lambda g, n: 1 + g.poisson(1.5, n)),
    NumericColumn("label", pa.int64(), lambda g, n: g.binomial(1, 0.3, n)),
    NumericColumn("income", pa.float64(), lambda g, n: g.lognormal(10.8, 0.6, n)),
    NumericColumn("account_balance", pa.float64(), lambda g, n: g.normal(2500.0, 4000.0, n)),
    NumericColumn("avg_order_value", pa.float64(), lambda g, n: g.gamma(2.0, 35.0, n)),
    NumericColumn("session_minutes", pa.float64(), lambda g, n: g.exponential(8.0, n)),
    NumericColumn("discount_rate", pa.float64(), lambda g, n: g.beta(2.0, 8.0, n)),
    NumericColumn("latitude", pa.float64(), lambda g, n: g.uniform(-60.0, 70.0, n)),
    NumericColumn("longitude", pa.float64(), lambda g, n: g.uniform(-180.0, 180.0, n)),
    NumericColumn("temperature_c", pa.float64(), lambda g, n: g.normal(15.0, 10.0, n)),
    NumericColumn("click_through_rate", pa.float64(), lambda g, n: g.beta(1.0, 30.0, n)),
    NumericColumn("prediction_score", pa.float64(), lambda g, n: g.uniform(0.0, 1.0, n)),
)

# Cardinalities of typical tabular model inputs: flags, tiers, regions, product and merchant ids.
CATEGORICAL_COLUMNS: tuple[CategoricalColumn, ...] = (
    CategoricalColumn("is_member", "flag", 2, 0.5),
    CategoricalColumn("device_type", "device", 4, 1.0),
    CategoricalColumn("subscription_tier", "tier", 5, 0.8),
    CategoricalColumn("payment_method", "pay", 8, 1.0),
    CategoricalColumn("product_category", "cat", 25, 1.0),
    CategoricalColumn("country", "country", 60, 1.2),
    CategoricalColumn("state", "state", 250, 1.0),
    CategoricalColumn("city", "city", 2_000, 1.1),
    CategoricalColumn("merchant_id", "m", 10_000, 1.05),
    CategoricalColumn("zip_code", "zip", 40_000, 0.9),
)


def _null_mask(rng: np.random.Generator, rows: int) -> np.ndarray:
    return rng.random(rows) < NULL_FRACTION


def _numeric_array(column: NumericColumn, rng: np.random.Generator, rows: int) -> pa.Array:
    values = column.draw(rng, rows)
    if pa.types.is_integer(column.arrow_type):
        values = np.rint(values).astype(np.int64)
    else:
        values = values.astype(np.float64)
    return pa.array(values, type=column.arrow_type, mask=_null_mask(rng, rows))


def _categorical_array(column: CategoricalColumn, rng: np.random.Generator, rows: int) -> pa.Array:
    ranks = np.arange(1, column.cardinality + 1, dtype=np.float64)
    weights = ranks ** (-column.skew)
    indices = rng.choice(column.cardinality, size=rows, p=weights / weights.sum())
    labels = pa.array([f"{column.prefix}_{i:05d}" for i in range(column.cardinality)], type=pa.string())
    index_array = pa.array(indices.astype(np.int32), mask=_null_mask(rng, rows))
    # Plain strings in the file (not an Arrow dictionary type), so pandas readers see object columns
    # as they would from a CSV, and nobody gets a categorical dtype for free.
    return pa.DictionaryArray.from_arrays(index_array, labels).cast(pa.string())


def schema() -> pa.Schema:
    """The data set's Arrow schema, numeric columns first."""
    fields = [pa.field(c.name, c.arrow_type) for c in NUMERIC_COLUMNS]
    fields += [pa.field(c.name, pa.string()) for c in CATEGORICAL_COLUMNS]
    return pa.schema(fields)


def chunk(index: int, rows: int = CHUNK_ROWS) -> pa.Table:
    """Chunk number `index` of any data set: the same index always gives the same rows."""
    rng = np.random.default_rng(BASE_SEED + index)
    arrays = [_numeric_array(c, rng, rows) for c in NUMERIC_COLUMNS]
    arrays += [_categorical_array(c, rng, rows) for c in CATEGORICAL_COLUMNS]
    return pa.Table.from_arrays(arrays, schema=schema())


def dataset_path(rows: int, data_dir: Path = DATA_DIR) -> Path:
    """Where the data set of `rows` rows lives, e.g. benchmarks/.data/rows-1000000.parquet."""
    return data_dir / f"rows-{rows}.parquet"


def generate(rows: int, data_dir: Path = DATA_DIR, force: bool = False) -> Path:
    """Write the data set of `rows` rows (a multiple of CHUNK_ROWS, or less than one chunk) once."""
    path = dataset_path(rows, data_dir)
    if path.exists() and not force:
        return path
    if rows > CHUNK_ROWS and rows % CHUNK_ROWS:
        raise ValueError(f"rows must be below {CHUNK_ROWS} or a multiple of it, got {rows}")
    data_dir.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".parquet.partial")
    chunks = max(1, rows // CHUNK_ROWS)
    with pq.ParquetWriter(partial, schema(), compression="snappy") as writer:
        for index in range(chunks):
            writer.write_table(chunk(index, min(rows, CHUNK_ROWS)), row_group_size=CHUNK_ROWS)
    partial.replace(path)
    return path


def file_digest(path: Path) -> str:
    """SHA-256 of the file, recorded with results so two runs can be seen to use the same input."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Generate the benchmark Parquet data sets.")
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument("--force", action="store_true", help="rewrite files that already exist")
    args = parser.parse_args(argv)
    for rows in args.rows:
        path = generate(rows, force=args.force)
        print(f"{path} ({path.stat().st_size / 2**20:.1f} MiB)")


if __name__ == "__main__":
    main()
