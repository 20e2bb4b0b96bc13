"""The one reader: capture windows, batch manifests and preprocessed tables through the local engine."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pyarrow as pa
import pytest

from modelmonitor.dataset.reader import check_read
from modelmonitor.dataset.rows import rows_to_batch
from modelmonitor.dataset.source import DatasetFormat, DatasetSource
from modelmonitor.dataset.window import AnalysisWindow
from modelmonitor.errors import ConfigurationError, DatasetError, UserScriptError
from tests.dataset.reading import read_batches, read_rows
from tests.monitoring_data import write_capture

T0 = datetime(2026, 11, 21, 9, tzinfo=UTC)
CAPTURE = {"sagemakerCaptureJson": {"captureIndexNames": ["endpointInput", "endpointOutput"]}}


def _capture(root: Path, start: datetime, preprocessor: str | None = None) -> DatasetSource:
    window = AnalysisWindow(start, start + timedelta(hours=1))
    return DatasetSource.for_job(str(root), CAPTURE, window=window, endpoint="ep", preprocessor=preprocessor)


def test_capture_rows_are_text_columns_output_first(tmp_path: Path) -> None:
    write_capture(tmp_path, "ep", T0, hours=1, per_hour=7)
    source = _capture(tmp_path, T0)
    batches = read_batches(source)
    assert batches[0].schema.names == ["_c0", "_c1", "_c2", "_c3"]
    assert all(field.type == pa.string() for field in batches[0].schema)
    rows, report = read_rows(source)
    assert len(rows) == 7
    assert rows[0]["_c0"] in ("0", "1")  # the label (output) comes first
    check_read(source, report, 0.1)


def test_rows_with_different_keys_become_nulls() -> None:
    batch = rows_to_batch([{"a": "1", "b": None}, {"c": "x", "a": "2.5"}])
    assert batch.schema.names == ["a", "b", "c"]
    assert batch.to_pydict() == {"a": ["1", "2.5"], "b": [None, None], "c": [None, "x"]}
    assert batch.schema.field("b").type == pa.string()


def test_an_empty_window_is_reported_after_reading(tmp_path: Path) -> None:
    write_capture(tmp_path, "ep", T0, hours=1, per_hour=2)
    source = _capture(tmp_path, T0 + timedelta(hours=3))
    rows, report = read_rows(source)
    assert rows == []
    with pytest.raises(
        DatasetError, match=r"no captured data between 2026-11-21T12:00:00Z and 2026-11-21T13:00:00Z"
    ):
        check_read(source, report, 0.1)


def test_capture_requires_an_endpoint_and_preprocessors_need_capture(tmp_path: Path) -> None:
    window = AnalysisWindow(T0, T0 + timedelta(hours=1))
    with pytest.raises(ConfigurationError, match="sagemaker_endpoint_name is required"):
        DatasetSource.for_job(str(tmp_path), CAPTURE, window=window, endpoint=None, preprocessor=None)
    with pytest.raises(ConfigurationError, match="only applied to captured"):
        DatasetSource.for_job(str(tmp_path), {"csv": {}}, window=window, endpoint=None, preprocessor="p.py")


def test_batch_manifests_are_read_as_the_tables_they_name(tmp_path: Path) -> None:
    data = tmp_path / "transform-input"
    data.mkdir()
    (data / "part-0.csv").write_text("a,b\n1,2\n")
    hour = tmp_path / "cap" / "input" / "2026" / "11" / "21" / "09"
    hour.mkdir(parents=True)
    (hour / "manifest").write_text(json.dumps([{"prefix": str(data) + "/"}, "part-0.csv"]))
    window = AnalysisWindow(T0, T0 + timedelta(hours=1))
    source = DatasetSource.for_job(
        str(tmp_path / "cap"), {"csv": {"header": True}}, window=window, endpoint=None, preprocessor=None
    )
    assert source.format is DatasetFormat.BATCH_MANIFEST
    rows, report = read_rows(source)
    assert rows == [{"a": "1", "b": "2"}]
    check_read(source, report)
    empty = DatasetSource.for_job(
        str(tmp_path / "none"), {"csv": {}}, window=window, endpoint=None, preprocessor=None
    )
    with pytest.raises(DatasetError, match="no batch-transform data between"):
        check_read(empty, read_rows(empty)[1])


TABLE_SCRIPT = """
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


def _script(tmp_path: Path, body: str = TABLE_SCRIPT) -> str:
    path = tmp_path / "handler.py"
    path.write_text(body)
    return str(path)


def test_csv_lines_go_through_the_handler(tmp_path: Path) -> None:
    data = tmp_path / "d.csv"
    data.write_text("a,b\n1,x\nskip,y\nboom,z\n2,w\n")
    rows, report = read_rows(
        DatasetSource.table(str(data), "csv", header=True, preprocessor=_script(tmp_path))
    )
    assert rows == [
        {"a": "1", "b": "x", "flag": "true", "nested": '{"k":"1"}'},
        {"a": "2", "b": "w", "flag": "false", "nested": '{"k":"2"}'},
    ]
    assert [(bad.line, bad.message.split(" at ")[0]) for bad in report.bad_records] == [
        (4, "preprocess_handler raised ValueError('bad value z')")
    ]
    assert (report.preprocessed, report.preprocess_failed, report.preprocess_dropped) == (4, 1, 1)


def test_json_records_can_become_several_rows(tmp_path: Path) -> None:
    data = tmp_path / "d.jsonl"
    data.write_text('{"v": 1}\n{"v": 2}\n')
    rows, _ = read_rows(DatasetSource.table(str(data), "json", preprocessor=_script(tmp_path)))
    assert [row["v"] for row in rows] == ["1", "10", "2", "20"]


def test_script_problems_are_clear(tmp_path: Path) -> None:
    data = tmp_path / "d.csv"
    data.write_text("1,2\n")
    with pytest.raises(UserScriptError, match="script not found"):
        read_rows(DatasetSource.table(str(data), "csv", preprocessor=str(tmp_path / "missing.py")))
    with pytest.raises(ConfigurationError, match="not parquet"):
        DatasetSource.table(str(data), "parquet", preprocessor=_script(tmp_path))


# Returns True and a nested dict: both jobs must render them the same way (JSON-like, as Spark would).
RENDERING_SCRIPT = """
def preprocess_handler(inference_record):
    return {"flag": True, "nested": {"a": 1}, "n": 2.5, "none": None}
"""


def test_baseline_and_monitoring_render_handler_values_alike(tmp_path: Path) -> None:
    script = _script(tmp_path, RENDERING_SCRIPT)
    table = tmp_path / "d.csv"
    table.write_text("1,2\n")
    baseline_rows, _ = read_rows(DatasetSource.table(str(table), "csv", preprocessor=script))
    write_capture(tmp_path / "capture", "ep", T0, hours=1, per_hour=1)
    monitoring_rows, _ = read_rows(_capture(tmp_path / "capture", T0, preprocessor=script))
    expected = {"flag": "true", "n": "2.5", "nested": '{"a":1}', "none": None}
    assert baseline_rows == [expected]
    assert monitoring_rows == [expected]


def test_preprocess_threshold_is_checked_on_the_report(tmp_path: Path) -> None:
    script = _script(tmp_path, "def preprocess_handler(r):\n    raise ValueError('no')\n")
    write_capture(tmp_path / "capture", "ep", T0, hours=1, per_hour=4)
    source = _capture(tmp_path / "capture", T0, preprocessor=script)
    _, report = read_rows(source)
    with pytest.raises(
        UserScriptError, match=r"preprocess_handler failed on 4 of 4 records \(100%, threshold 10%\)"
    ):
        check_read(source, report, 0.1)
    with pytest.raises(DatasetError, match=r"all 4 records between .* were dropped"):
        check_read(source, report)
