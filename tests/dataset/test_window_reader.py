from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from modelmonitor.dataset.window import AnalysisWindow
from modelmonitor.dataset.window_reader import WindowReader, rows_to_batch
from modelmonitor.errors import DatasetError
from tests.monitoring_data import write_capture

T0 = datetime(2026, 11, 21, 9, tzinfo=UTC)
CAPTURE = {"sagemakerCaptureJson": {"captureIndexNames": ["endpointInput", "endpointOutput"]}}


def _reader(root: Path, start: datetime, **extra: object) -> WindowReader:
    return WindowReader(
        source=str(root),
        dataset_format=CAPTURE,
        window=AnalysisWindow(start, start + timedelta(hours=1)),
        endpoint_name="ep",
        preprocessor_script=None,
        logger=logging.getLogger("t"),
        **extra,  # type: ignore[arg-type]
    )


def test_rows_stream_in_batches_of_text_columns(tmp_path: Path) -> None:
    write_capture(tmp_path, "ep", T0, hours=1, per_hour=7)
    reader = _reader(tmp_path, T0, batch_rows=3)
    batches = list(reader.batches())
    assert [b.num_rows for b in batches] == [3, 3, 1]
    assert batches[0].schema.names == ["_c0", "_c1", "_c2", "_c3"]
    assert all(str(field.type) == "string" for field in batches[0].schema)
    assert reader.rows == 7
    reader.check(0.1)


def test_rows_with_different_keys_become_nulls() -> None:
    batch = rows_to_batch([{"a": 1, "b": None}, {"c": "x", "a": 2.5}])
    assert batch.schema.names == ["a", "b", "c"]
    assert batch.to_pydict() == {"a": ["1", "2.5"], "b": [None, None], "c": [None, "x"]}


def test_an_empty_window_is_reported_after_reading(tmp_path: Path) -> None:
    write_capture(tmp_path, "ep", T0, hours=1, per_hour=2)
    reader = _reader(tmp_path, T0 + timedelta(hours=3))
    assert list(reader.batches()) == []
    with pytest.raises(
        DatasetError, match=r"no captured data between 2026-11-21T12:00:00Z and 2026-11-21T13:00:00Z"
    ):
        reader.check(0.1)
