"""Capture to s3:// against moto's S3 server on loopback: spooled locally, uploaded when a file closes."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import boto3
import httpx
import pytest
from moto.server import ThreadedMotoServer

from modelmonitor.capture.batch import write_batch_manifests
from modelmonitor.capture.config import CaptureSettings
from modelmonitor.capture.pipeline import CapturePipeline
from modelmonitor.capture.reader import read_capture_tree
from modelmonitor.storage.objects import store_for
from tests.capture.servers import free_port, start_model_server, start_proxy, stop


@pytest.fixture(scope="module")
def s3_options() -> Iterator[dict[str, Any]]:
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    options: dict[str, Any] = {
        "endpoint_url": f"http://127.0.0.1:{port}",
        "key": "testing",
        "secret": "testing",
        "client_kwargs": {"region_name": "us-east-1"},
    }
    client = boto3.client(
        "s3",
        endpoint_url=options["endpoint_url"],
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        region_name="us-east-1",
    )
    client.create_bucket(Bucket="capture-bucket")
    yield options
    server.stop()


def _settings(tmp_path: Path, options: dict[str, Any], **extra: Any) -> CaptureSettings:
    return CaptureSettings(
        endpoint_name="churn",
        destination="s3://capture-bucket/data-capture",
        sampling_percentage=100,
        storage_options=options,
        flush_interval=timedelta(milliseconds=100),
        spool_dir=str(tmp_path / "spool"),
        **extra,
    )


def _submit(pipeline: CapturePipeline, index: int) -> None:
    pipeline.submit(
        status=200,
        request_body=b"1,2",
        request_content_type="text/csv",
        response_body=b"0.1",
        response_content_type="text/csv",
        inference_id=f"s3-{index}",
    )


def test_capture_files_are_uploaded_on_close(tmp_path: Path, s3_options: dict[str, Any]) -> None:
    pipeline = CapturePipeline(_settings(tmp_path, s3_options))
    pipeline.start()
    for index in range(20):
        _submit(pipeline, index)
    pipeline.close()
    store = store_for("s3://capture-bucket", s3_options)
    store.fs.invalidate_cache()
    files = store.list_files("s3://capture-bucket/data-capture/churn/AllTraffic", ".jsonl")
    assert len(files) == 1
    assert files[0].startswith("s3://capture-bucket/data-capture/churn/AllTraffic/20")
    result = read_capture_tree("s3://capture-bucket/data-capture/churn/AllTraffic", store)
    assert sorted(r.eventMetadata.inferenceId or "" for r in result.records) == sorted(
        f"s3-{i}" for i in range(20)
    )
    assert list((tmp_path / "spool").rglob("*.jsonl")) == []
    assert pipeline.stats.upload_errors == 0


def test_max_file_age_uploads_while_running(tmp_path: Path, s3_options: dict[str, Any]) -> None:
    settings = _settings(tmp_path, s3_options, max_file_age=timedelta(milliseconds=200))
    settings = CaptureSettings(**{**settings.__dict__, "destination": "s3://capture-bucket/aged"})
    pipeline = CapturePipeline(settings)
    pipeline.start()
    try:
        _submit(pipeline, 1)
        store = store_for("s3://capture-bucket", s3_options)
        deadline = time.monotonic() + 5
        files: list[str] = []
        while not files and time.monotonic() < deadline:
            time.sleep(0.1)
            store.fs.invalidate_cache()
            files = store.list_files("s3://capture-bucket/aged", ".jsonl")
        assert len(files) == 1
    finally:
        pipeline.close()


_ORPHAN_LINE = (
    b'{"captureData":{"endpointInput":{"observedContentType":"text/csv","mode":"INPUT","data":"1",'
    b'"encoding":"CSV"}},"eventMetadata":{"eventId":"x","inferenceTime":"2026-11-21T10:00:00Z"},'
    b'"eventVersion":"0"}\n'
)


def _orphan(tmp_path: Path, destination: str, name: str = "999999999-0badf00d-deadbeef0000") -> Path:
    """A spool folder left by a writer whose process (pid 999999999) no longer runs."""
    dead = tmp_path / "spool" / name
    hour_dir = dead / "churn/AllTraffic/2026/11/21/10"
    hour_dir.mkdir(parents=True)
    (tmp_path / "spool").chmod(0o700)
    (dead / "destination.txt").write_text(destination)
    (hour_dir / "00-00-000-orphan.jsonl").write_bytes(_ORPHAN_LINE + _ORPHAN_LINE[:20])
    assert not os.path.exists("/proc/999999999")
    return dead


def _keys(s3_options: dict[str, Any], prefix: str) -> list[str]:
    store = store_for("s3://capture-bucket", s3_options)
    store.fs.invalidate_cache()
    return store.list_files(prefix)


def test_spool_of_a_dead_writer_is_uploaded_by_the_next(tmp_path: Path, s3_options: dict[str, Any]) -> None:
    settings = CaptureSettings(
        **{**_settings(tmp_path, s3_options).__dict__, "destination": "s3://capture-bucket/rec"}
    )
    dead = _orphan(tmp_path, settings.destination)
    pipeline = CapturePipeline(settings)
    pipeline.start()
    pipeline.close()
    store = store_for("s3://capture-bucket", s3_options)
    store.fs.invalidate_cache()
    result = read_capture_tree("s3://capture-bucket/rec", store)
    assert (len(result.records), result.torn_lines) == (1, 1)
    assert not dead.exists()


def test_a_spool_for_another_destination_is_left_alone(
    tmp_path: Path, s3_options: dict[str, Any], caplog: pytest.LogCaptureFixture
) -> None:
    # Whoever could write destination.txt would choose where the proxy uploads, with its credentials.
    settings = CaptureSettings(
        **{**_settings(tmp_path, s3_options).__dict__, "destination": "s3://capture-bucket/mine"}
    )
    dead = _orphan(tmp_path, "s3://capture-bucket/attacker")
    pipeline = CapturePipeline(settings)
    pipeline.start()
    pipeline.close()
    assert _keys(s3_options, "s3://capture-bucket/attacker") == []
    assert _keys(s3_options, "s3://capture-bucket/mine") == []
    assert (dead / "churn/AllTraffic/2026/11/21/10/00-00-000-orphan.jsonl").is_file()
    assert (
        "was for s3://capture-bucket/attacker, not this proxy's s3://capture-bucket/mine; left alone"
        in caplog.text
    )


def test_recovery_uploads_regular_files_only_never_through_symlinks(
    tmp_path: Path, s3_options: dict[str, Any]
) -> None:
    settings = CaptureSettings(
        **{**_settings(tmp_path, s3_options).__dict__, "destination": "s3://capture-bucket/links"}
    )
    dead = _orphan(tmp_path, settings.destination)
    secrets = tmp_path / "secrets"
    secrets.mkdir()
    (secrets / "key.jsonl").write_text("SECRET\n")
    hour_dir = dead / "churn/AllTraffic/2026/11/21/10"
    (hour_dir / "11-00-000-link.jsonl").symlink_to(secrets / "key.jsonl")
    (dead / "churn/Blue").symlink_to(secrets, target_is_directory=True)
    os.mkfifo(hour_dir / "12-00-000-fifo.jsonl")
    pipeline = CapturePipeline(settings)
    pipeline.start()
    pipeline.close()
    keys = _keys(s3_options, "s3://capture-bucket/links")
    assert [key.rsplit("/", 1)[-1] for key in keys] == ["00-00-000-orphan.jsonl"]
    assert (secrets / "key.jsonl").read_text() == "SECRET\n"


def test_proxy_captures_to_s3(tmp_path: Path, s3_options: dict[str, Any]) -> None:
    model_port, port = free_port(), free_port()
    model = start_model_server(model_port)
    try:
        extra = [
            "--storage-option",
            f"endpoint_url={s3_options['endpoint_url']}",
            "--storage-option",
            "key=testing",
            "--storage-option",
            "secret=testing",
            "--spool-dir",
            str(tmp_path / "spool"),
        ]
        proxy = start_proxy(model_port, port, "s3://capture-bucket/proxy", extra)
        try:
            for index in range(5):
                headers = {"content-type": "text/csv", "X-Inference-Id": f"p{index}"}
                response = httpx.post(f"http://127.0.0.1:{port}/invocations", content="1,2", headers=headers)
                assert response.status_code == 200
        finally:
            stop(proxy)
    finally:
        stop(model)
    store = store_for("s3://capture-bucket", s3_options)
    store.fs.invalidate_cache()
    result = read_capture_tree("s3://capture-bucket/proxy/churn/AllTraffic", store)
    assert sorted(r.eventMetadata.inferenceId or "" for r in result.records) == [f"p{i}" for i in range(5)]


def test_two_writers_of_one_process_share_a_spool(tmp_path: Path, s3_options: dict[str, Any]) -> None:
    first_settings = CaptureSettings(
        **{**_settings(tmp_path, s3_options).__dict__, "destination": "s3://capture-bucket/two"}
    )
    first = CapturePipeline(first_settings)
    first.start()
    _submit(first, 1)
    assert first.flush()  # written to the first writer's spool file, not yet uploaded
    second_settings = CaptureSettings(**{**first_settings.__dict__, "variant_name": "Blue"})
    second = CapturePipeline(second_settings)
    second.start()  # must not take the first writer's open spool for an orphan
    second.close()
    assert list(first.writer.local_root.rglob("*.jsonl")), "the live writer's spool file was taken"
    first.close()
    store = store_for("s3://capture-bucket", s3_options)
    store.fs.invalidate_cache()
    result = read_capture_tree("s3://capture-bucket/two/churn/AllTraffic", store)
    assert [r.eventMetadata.inferenceId for r in result.records] == ["s3-1"]


def test_batch_manifests_on_s3(s3_options: dict[str, Any]) -> None:
    from datetime import UTC, datetime

    manifests = write_batch_manifests(
        ["s3://capture-bucket/in/part-0.csv", "s3://capture-bucket/in/part-1.csv"],
        ["s3://capture-bucket/out/part-0.csv.out"],
        "s3://capture-bucket/batch",
        job_start=datetime(2026, 11, 21, 10, 5, tzinfo=UTC),
        job_name="job-1",
        storage_options=s3_options,
    )
    assert manifests.input_manifest == "s3://capture-bucket/batch/input/2026/11/21/10/job-1.manifest"
    store = store_for("s3://capture-bucket", s3_options)
    assert store.read_text(manifests.input_manifest) == (
        '[{"prefix":"s3://capture-bucket/in/"},"part-0.csv","part-1.csv"]'
    )
