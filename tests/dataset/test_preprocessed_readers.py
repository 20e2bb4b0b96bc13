"""A record preprocessor script turns each CSV or JSON record into rows; failures are counted."""

from __future__ import annotations

from pathlib import Path

import pytest

from modelmonitor.dataset.readers import DatasetSpec, open_dataset
from modelmonitor.errors import ConfigurationError, UserScriptError

SCRIPT = """
def preprocess_handler(inference_record):
    if isinstance(inference_record, str):
        a, b = inference_record.split(",")
        if a == "skip":
            return []
        if a == "boom":
            raise ValueError("bad value " + b)
        return {"b": b, "a": int(a), "flag": a == "1", "nested": {"k": a}}
    return [{"v": inference_record["v"]}, {"v": inference_record["v"] * 10}]
"""


def _script(tmp_path: Path) -> str:
    path = tmp_path / "handler.py"
    path.write_text(SCRIPT)
    return str(path)


def test_csv_lines_go_through_the_handler(tmp_path: Path) -> None:
    data = tmp_path / "d.csv"
    data.write_text("a,b\n1,x\nskip,y\nboom,z\n2,w\n")
    with open_dataset(
        DatasetSpec(str(data), "csv", header=True), record_preprocessor_script=_script(tmp_path)
    ) as ds:
        rows = [row for batch in ds.scan.batches for row in batch.to_pylist()]
    assert rows == [
        {"a": "1", "b": "x", "flag": "true", "nested": '{"k":"1"}'},
        {"a": "2", "b": "w", "flag": "false", "nested": '{"k":"2"}'},
    ]
    assert [(bad.line, bad.message) for bad in ds.scan.bad_records] == [
        (4, "preprocess_handler: ValueError('bad value z')")
    ]


def test_json_records_can_become_several_rows(tmp_path: Path) -> None:
    data = tmp_path / "d.jsonl"
    data.write_text('{"v": 1}\n{"v": 2}\n')
    with open_dataset(DatasetSpec(str(data), "json"), record_preprocessor_script=_script(tmp_path)) as ds:
        values = [row["v"] for batch in ds.scan.batches for row in batch.to_pylist()]
    assert values == ["1", "10", "2", "20"]


def test_script_problems_are_clear(tmp_path: Path) -> None:
    data = tmp_path / "d.csv"
    data.write_text("1,2\n")
    with (
        pytest.raises(UserScriptError, match="script not found"),
        open_dataset(DatasetSpec(str(data)), record_preprocessor_script=str(tmp_path / "missing.py")) as ds,
    ):
        list(ds.scan.batches)
    with (
        pytest.raises(ConfigurationError, match="not parquet"),
        open_dataset(DatasetSpec(str(data), "parquet"), record_preprocessor_script=_script(tmp_path)),
    ):
        pass
