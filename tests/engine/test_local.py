"""The local engine's contract: summarize every batch, merge in input order, return the read report."""

from __future__ import annotations

import threading
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from modelmonitor.dataset.source import DatasetSource
from modelmonitor.engine.base import Engine, Progress
from modelmonitor.engine.local import LocalEngine
from modelmonitor.errors import UserScriptError


def _first_values(batch: pa.RecordBatch) -> list[int]:
    return [int(value) for value in batch.column(0).to_pylist()]


def _concat(left: list[int], right: list[int]) -> list[int]:
    return left + right


def test_aggregate_folds_batches_in_input_order_across_files(tmp_path: Path) -> None:
    for part in range(3):
        (tmp_path / f"part-{part}.csv").write_text("".join(f"{part * 1000 + i}\n" for i in range(1000)))
    engine: Engine = LocalEngine(batch_bytes=2000)
    seen: list[int] = []
    totals: list[int | None] = []
    state, report = engine.aggregate(
        DatasetSource.table(str(tmp_path), "csv"),
        _first_values,
        _concat,
        [],
        progress=Progress(on_start=totals.append, on_batch=lambda b: seen.append(b.num_rows)),
    )
    assert state == list(range(3000))
    assert len(seen) > 3
    assert sum(seen) == 3000
    assert totals == [None]
    assert (report.files, report.records, report.rows) == (3, 3000, 3000)


def test_aggregate_reports_bad_records_of_every_partition(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("x,y\n1,2\n3\n")
    (tmp_path / "b.csv").write_text("x,y\n4,5,6\n7,8\n")
    state, report = LocalEngine().aggregate(
        DatasetSource.table(str(tmp_path), "csv", header=True), lambda b: b.num_rows, lambda a, b: a + b, 0
    )
    assert state == 2
    assert [(Path(bad.path).name, bad.line) for bad in report.bad_records] == [("a.csv", 3), ("b.csv", 2)]


def test_parquet_row_total_is_given_before_reading(tmp_path: Path) -> None:
    pq.write_table(pa.table({"x": list(range(10))}), tmp_path / "a.parquet")
    totals: list[int | None] = []
    state, _ = LocalEngine().aggregate(
        DatasetSource.table(str(tmp_path / "a.parquet"), "parquet"),
        _first_values,
        _concat,
        [],
        progress=Progress(on_start=totals.append),
    )
    assert totals == [10]
    assert state == list(range(10))


def test_a_failing_summarize_stops_the_reader_thread(tmp_path: Path) -> None:
    for part in range(5):
        (tmp_path / f"part-{part}.csv").write_text("".join(f"{i}\n" for i in range(1000)))

    def boom(batch: pa.RecordBatch) -> int:
        raise ValueError("summarize failed")

    with pytest.raises(ValueError, match="summarize failed"):
        LocalEngine(batch_bytes=500).aggregate(DatasetSource.table(str(tmp_path), "csv"), boom, max, 0)
    assert not [thread for thread in threading.enumerate() if thread.name == "modelmonitor-reader"]


def test_a_reader_error_is_raised_by_aggregate(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_text("1\n")
    source = DatasetSource.table(str(tmp_path / "a.csv"), "csv", preprocessor=str(tmp_path / "missing.py"))
    with pytest.raises(UserScriptError, match="script not found"):
        LocalEngine().aggregate(source, lambda b: b.num_rows, lambda a, b: a + b, 0)


def test_a_job_process_keeps_the_memory_arrow_frees(tmp_path: Path) -> None:
    # A monitoring job runs in a process of its own: Arrow's pool there must keep freed pages
    # (jemalloc, decay off) rather than hand them back to the kernel batch after batch.
    import subprocess
    import sys

    script = (
        "import pyarrow as pa\n"
        "from modelmonitor.engine.local import keep_freed_arrow_memory\n"
        "keep_freed_arrow_memory()\n"
        "pa.array(range(1000))\n"
        "print(pa.default_memory_pool().backend_name)\n"
    )
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["jemalloc"]
