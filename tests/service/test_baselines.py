"""The service's baselining and check jobs, end to end on files (through the one pipeline)."""

from __future__ import annotations

from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq

from modelmonitor.service.baselines import run_baseline, run_check

CSV = {"csv": {"header": True}}
HEADERLESS = {"csv": {"header": False}}


def _write(path: Path, rows: list[str]) -> str:
    path.write_text("\n".join(rows) + "\n")
    return str(path)


def test_baseline_then_check_clean_and_drifted(tmp_path: Path) -> None:
    base = _write(
        tmp_path / "base.csv", ["label,x,city"] + [f"{i % 2},{i},{'ab'[i % 2]}" for i in range(200)]
    )
    seen: list[int] = []
    result = run_baseline(base, CSV, str(tmp_path / "baseline"), on_rows=seen.append)
    assert sorted(result.outputs) == ["constraints.json", "statistics.json"]
    assert (tmp_path / "baseline" / "constraints.json").exists()
    assert sum(seen) == 200
    clean = run_check(base, CSV, str(tmp_path / "baseline"), str(tmp_path / "check"))
    assert clean.violations.violations == []
    assert clean.message.startswith("Completed:")
    assert (tmp_path / "check" / "constraint_violations.json").read_text() == '{\n  "violations" : [ ]\n}'
    drifted = _write(tmp_path / "cur.csv", ["label,x,city"] + [f"{i % 2},{i + 500},b" for i in range(200)])
    result_drift = run_check(drifted, CSV, str(tmp_path / "baseline"), None)
    kinds = {(v.feature_name, v.constraint_check_type) for v in result_drift.violations.violations}
    assert ("x", "baseline_drift_check") in kinds
    assert ("city", "baseline_drift_check") in kinds
    assert result_drift.outputs == {}


def test_headerless_current_data_takes_baseline_names_by_position(tmp_path: Path) -> None:
    base = _write(tmp_path / "base.csv", ["label,x"] + [f"{i % 2},{i}" for i in range(50)])
    run_baseline(base, CSV, str(tmp_path / "baseline"))
    current = _write(tmp_path / "cur.csv", [f"{i % 2},{i}" for i in range(50)])
    result = run_check(current, HEADERLESS, str(tmp_path / "baseline"), None)
    assert [f.name for f in result.statistics.features] == ["label", "x"]
    assert result.violations.violations == []


def test_parquet_and_json_lines_baselines(tmp_path: Path) -> None:
    pq.write_table(pa.table({"x": [1.5, 2.5, None], "s": ["a", "b", "a"]}), tmp_path / "d.parquet")
    result = run_baseline(str(tmp_path / "d.parquet"), {"parquet": {}}, str(tmp_path / "p"))
    assert [(f.name, f.inferred_type) for f in result.statistics.features] == [
        ("x", "Fractional"),
        ("s", "String"),
    ]
    (tmp_path / "d.jsonl").write_text('{"x": 1, "s": "a"}\n{"x": 2, "s": "b"}\n')
    result = run_baseline(str(tmp_path / "d.jsonl"), {"json": {"lines": True}}, str(tmp_path / "j"))
    assert [(f.name, f.inferred_type) for f in result.statistics.features] == [
        ("x", "Integral"),
        ("s", "String"),
    ]


def test_bad_records_are_reported_in_the_result(tmp_path: Path) -> None:
    data = _write(tmp_path / "d.csv", ["a,b", "1,2", "3", "4,5"])
    result = run_baseline(data, CSV, str(tmp_path / "out"))
    assert result.bad_record_count == 1
    assert result.statistics.dataset.item_count == 2
