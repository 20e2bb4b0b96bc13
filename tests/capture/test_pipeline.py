"""The pipeline end to end on local disk: layout, flush interval, rotation, shutdown, disk-usage guard."""

from __future__ import annotations

import logging
import shutil
import time
from datetime import timedelta
from pathlib import Path

import pytest

from modelmonitor.capture.config import CaptureSettings
from modelmonitor.capture.pipeline import CapturePipeline
from modelmonitor.capture.reader import read_capture_tree
from modelmonitor.errors import ConfigurationError


class FakeClock:
    """Wall clock the test moves by hand (epoch seconds)."""

    def __init__(self, start: float) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now


T0 = 1_795_000_000.0  # 2026-11-18T11:06:40Z


def _settings(tmp_path: Path, **overrides: object) -> CaptureSettings:
    values: dict[str, object] = {
        "endpoint_name": "churn",
        "destination": str(tmp_path / "capture"),
        "sampling_percentage": 100,
        "flush_interval": timedelta(milliseconds=100),
    }
    values.update(overrides)
    return CaptureSettings(**values)  # type: ignore[arg-type]


def _submit(pipeline: CapturePipeline, index: int, status: int = 200) -> bool:
    return pipeline.submit(
        status=status,
        request_body=f"{index},1".encode(),
        request_content_type="text/csv",
        response_body=b"0.5",
        response_content_type="text/csv; charset=utf-8",
        inference_id=f"id-{index}",
    )


def _files(root: Path) -> list[Path]:
    return sorted(root.rglob("*.jsonl"))


def test_records_land_in_the_hour_folder_and_are_flushed_without_shutdown(tmp_path: Path) -> None:
    pipeline = CapturePipeline(_settings(tmp_path), clock=FakeClock(T0))
    pipeline.start()
    try:
        assert all(_submit(pipeline, i) for i in range(10))
        assert pipeline.flush()
        assert pipeline.stats.records_written == 10
        files = _files(tmp_path / "capture")
        assert len(files) == 1
        assert files[0].parent == tmp_path / "capture/churn/AllTraffic/2026/11/18/11"
        assert len(files[0].read_bytes().splitlines()) == 10  # written while the pipeline still runs
    finally:
        pipeline.close()
    result = read_capture_tree(str(tmp_path / "capture"))
    assert [r.eventMetadata.inferenceId for r in result.records] == [f"id-{i}" for i in range(10)]
    assert result.torn_lines == 0
    assert result.bad_lines == []


def test_flush_needs_a_running_writer_and_writes_what_was_queued(tmp_path: Path) -> None:
    pipeline = CapturePipeline(_settings(tmp_path), clock=FakeClock(T0))
    _submit(pipeline, 1)
    assert not pipeline.flush()  # not started: nothing can write
    pipeline.start()
    try:
        for index in range(2, 50):
            _submit(pipeline, index)
            assert pipeline.flush()
            assert pipeline.stats.records_written == index  # each flush waited for its own record
    finally:
        pipeline.close()
    assert not pipeline.flush()


def test_file_names_follow_sagemaker_pattern(tmp_path: Path) -> None:
    pipeline = CapturePipeline(_settings(tmp_path), clock=FakeClock(T0 + 0.25))
    pipeline.start()
    _submit(pipeline, 1)
    pipeline.close()
    (name,) = [f.name for f in _files(tmp_path)]
    assert name.startswith("06-40-250-")
    assert len(name) == len("06-40-250-") + 36 + len(".jsonl")


def test_hour_change_rotates_files(tmp_path: Path) -> None:
    clock = FakeClock(T0)
    pipeline = CapturePipeline(_settings(tmp_path), clock=clock)
    pipeline.start()
    _submit(pipeline, 1)
    assert pipeline.flush()
    clock.now = T0 + 3600
    _submit(pipeline, 2)
    assert pipeline.flush()
    closed_before_shutdown = pipeline.stats.files_closed
    pipeline.close()
    hours = sorted(f.parent.name for f in _files(tmp_path))
    assert hours == ["11", "12"]
    assert closed_before_shutdown == 1  # the 11 file was closed when its hour was over


def test_size_rotation(tmp_path: Path) -> None:
    pipeline = CapturePipeline(_settings(tmp_path, max_file_bytes=1000), clock=FakeClock(T0))
    pipeline.start()
    for index in range(30):
        _submit(pipeline, index)
        if index % 3 == 2:
            assert pipeline.flush()
    pipeline.close()
    files = _files(tmp_path)
    assert len(files) > 2
    assert all(f.stat().st_size < 1000 + 400 for f in files)
    assert len(read_capture_tree(str(tmp_path / "capture")).records) == 30


def test_full_queue_drops_and_counts(tmp_path: Path) -> None:
    pipeline = CapturePipeline(_settings(tmp_path, queue_size=5), clock=FakeClock(T0))
    results = [_submit(pipeline, i) for i in range(8)]  # writer not started: nothing drains
    assert results == [True] * 5 + [False] * 3
    assert pipeline.stats.captured == 5
    assert pipeline.stats.dropped_queue_full == 3


def test_error_status_is_not_captured(tmp_path: Path) -> None:
    pipeline = CapturePipeline(_settings(tmp_path), clock=FakeClock(T0))
    assert not _submit(pipeline, 1, status=500)
    assert pipeline.stats.not_captured_error_status == 1
    assert len(pipeline.buffer) == 0


def test_sampling_counts_sampled_out(tmp_path: Path) -> None:
    pipeline = CapturePipeline(_settings(tmp_path, sampling_percentage=0))
    assert not any(pipeline.should_capture("POST", "/invocations") for _ in range(50))
    assert pipeline.stats.sampled_out == 50


def test_disabled_capture_never_samples(tmp_path: Path) -> None:
    pipeline = CapturePipeline(_settings(tmp_path, enabled=False))
    assert not pipeline.should_capture("POST", "/invocations")
    pipeline.start()
    assert not pipeline.writer.running


def test_disk_guard_pauses_and_resumes_and_logs_once(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    usage = {"fraction": 0.5}
    settings = _settings(tmp_path, disk_check_interval=timedelta(milliseconds=50))
    pipeline = CapturePipeline(settings, disk_probe=lambda: usage["fraction"], clock=FakeClock(T0))
    caplog.set_level(logging.WARNING, logger="modelmonitor.capture")
    pipeline.start()
    try:
        assert _submit(pipeline, 1)
        usage["fraction"] = 0.9
        deadline = time.monotonic() + 2
        while not pipeline.guard.paused and time.monotonic() < deadline:
            time.sleep(0.02)
        assert pipeline.guard.paused
        assert not any(_submit(pipeline, i) for i in range(2, 6))
        assert pipeline.stats.dropped_disk_full == 4
        time.sleep(0.3)  # several checks while still full: still one pause message
        usage["fraction"] = 0.2
        while pipeline.guard.paused and time.monotonic() < deadline + 2:
            time.sleep(0.02)
        assert not pipeline.guard.paused
        assert _submit(pipeline, 7)
    finally:
        pipeline.close()
    messages = [r.getMessage() for r in caplog.records]
    assert sum("capture paused" in m for m in messages) == 1
    assert sum("capture resumed" in m for m in messages) == 1
    ids = [r.eventMetadata.inferenceId for r in read_capture_tree(str(tmp_path / "capture")).records]
    assert ids == ["id-1", "id-7"]


def test_real_disk_probe_pauses_below_current_usage(tmp_path: Path) -> None:
    usage = shutil.disk_usage(tmp_path)
    used = usage.used / usage.total
    assert used > 0.001
    pipeline = CapturePipeline(_settings(tmp_path, disk_usage_threshold=used / 2))
    pipeline.start()
    try:
        assert pipeline.guard.paused
        assert not _submit(pipeline, 1)
        assert pipeline.stats.dropped_disk_full == 1
    finally:
        pipeline.close()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"sampling_percentage": 101}, "sampling percentage"),
        ({"endpoint_name": "a/b"}, "endpoint name"),
        ({"disk_usage_threshold": 0}, "disk usage threshold"),
        ({"capture_input": False, "capture_output": False}, "capture options"),
        ({"queue_size": 0}, "queue_size"),
    ],
    ids=["sampling", "endpoint", "threshold", "options", "queue"],
)
def test_bad_settings_are_refused_with_the_field_named(
    tmp_path: Path, overrides: dict[str, object], field: str
) -> None:
    with pytest.raises(ConfigurationError, match=field):
        _settings(tmp_path, **overrides)
