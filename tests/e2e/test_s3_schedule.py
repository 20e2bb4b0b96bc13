"""A schedule over capture files in S3 (as copied from SageMaker's bucket), reports written back to S3.

moto's S3 server on loopback; the execution subprocess finds it through the standard AWS variables.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
import httpx
import pytest
import s3fs
from moto.server import ThreadedMotoServer

from modelmonitor.formats.job_definition import JobDefinition
from modelmonitor.scheduler.clock import SteppingClock, SystemClock
from modelmonitor.scheduler.loop import Scheduler
from modelmonitor.service import MonitoringService
from modelmonitor.storage.catalog import Catalog
from tests.capture.servers import free_port
from tests.monitoring_data import write_baseline, write_capture
from tests.webhook_receiver import webhook_receiver

pytestmark = pytest.mark.e2e


@pytest.fixture
def s3(monkeypatch: pytest.MonkeyPatch) -> Iterator[object]:
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    # Moto's servers in one process share one in-memory backend: objects an earlier test put in
    # "bucket" would still be listed (a later test read 10 of 20 records). Start from nothing.
    httpx.post(f"http://127.0.0.1:{port}/moto-api/reset", timeout=10).raise_for_status()
    for key, value in {
        "AWS_ENDPOINT_URL": f"http://127.0.0.1:{port}",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1",
    }.items():
        monkeypatch.setenv(key, value)
    # fsspec keeps one S3 filesystem per option set, bound to the first test's server port: start afresh.
    s3fs.S3FileSystem.clear_instance_cache()
    client = boto3.client("s3")
    client.create_bucket(Bucket="bucket")
    yield client
    server.stop()
    s3fs.S3FileSystem.clear_instance_cache()


def _upload(client: object, root: Path, prefix: str) -> None:
    for path in sorted(root.rglob("*")):
        if path.is_file():
            client.upload_file(str(path), "bucket", f"{prefix}/{path.relative_to(root).as_posix()}")  # type: ignore[attr-defined]


def test_run_now_reads_and_writes_s3(s3: object, tmp_path: Path) -> None:
    now = datetime.now(UTC)
    write_capture(tmp_path / "capture", "ep", now - timedelta(minutes=59), hours=1, per_hour=10)
    write_baseline(tmp_path / "baseline")
    _upload(s3, tmp_path / "capture", "data-capture")
    _upload(s3, tmp_path / "baseline", "baseline")
    service = MonitoringService(
        Catalog(f"sqlite:///{tmp_path / 'c.sqlite'}"), tmp_path / "home", SystemClock()
    )
    service.register_endpoint("ep", "s3://bucket/data-capture")
    service.create_schedule(
        "s3-hourly",
        "cron(0 * ? * * *)",
        JobDefinition(
            input_kind="endpoint",
            endpoint_name="ep",
            output_uri="s3://bucket/reports",
            baseline_statistics="s3://bucket/baseline/statistics.json",
            baseline_constraints="s3://bucket/baseline/constraints.json",
        ),
    )
    execution = service.run_now("s3-hourly")
    service.close()
    assert execution.status == "Completed", execution.failure_reason
    assert execution.output_uri is not None
    assert execution.output_uri.startswith("s3://bucket/reports/ep/s3-hourly/")
    prefix = execution.output_uri[len("s3://bucket/") :]
    listed = s3.list_objects_v2(Bucket="bucket", Prefix=prefix)  # type: ignore[attr-defined]
    names = sorted(item["Key"].rsplit("/", 1)[-1] for item in listed["Contents"])
    assert names == ["constraint_violations.json", "constraints.json", "log.txt", "statistics.json"]
    body = s3.get_object(Bucket="bucket", Key=f"{prefix}/statistics.json")["Body"].read()  # type: ignore[attr-defined]
    assert b'"item_count" : 10' in body


def test_run_now_after_the_remote_baseline_was_deleted(s3: object, tmp_path: Path) -> None:
    """Regression (issue 14): run-now raised NotFoundError and left the execution Pending forever; every
    retry then answered ConflictError and the daemon skipped the schedule until restarted."""
    now = datetime.now(UTC)
    start = now - timedelta(minutes=59)
    write_capture(tmp_path / "capture", "ep", start, hours=1, per_hour=10, drift_from=start)
    write_baseline(tmp_path / "baseline")
    _upload(s3, tmp_path / "baseline", "baseline")
    service = MonitoringService(
        Catalog(f"sqlite:///{tmp_path / 'c.sqlite'}"), tmp_path / "home", SystemClock()
    )
    service.register_endpoint("ep", str(tmp_path / "capture"))
    service.create_schedule(
        "s3-hourly",
        "cron(0 * ? * * *)",
        JobDefinition(
            input_kind="endpoint",
            endpoint_name="ep",
            output_uri=str(tmp_path / "reports"),
            baseline_statistics="s3://bucket/baseline/statistics.json",
            baseline_constraints="s3://bucket/baseline/constraints.json",
        ),
    )
    with webhook_receiver() as hook:
        service.put_alert(
            "drift", "s3-hourly", datapoints_to_alert=1, evaluation_period=1, webhook_url=hook.url
        )
        drifted = service.run_now("s3-hourly")
        assert drifted.status == "CompletedWithViolations", drifted.failure_reason
        s3.delete_object(Bucket="bucket", Key="baseline/statistics.json")  # type: ignore[attr-defined]
        first = service.run_now("s3-hourly")
        assert first.status == "Failed"
        assert first.failure_reason is not None
        assert "s3://bucket/baseline/statistics.json: no such file" in first.failure_reason
        # A failed start ends like any execution: alerts were evaluated (the rule went back to OK).
        assert [body["AlertStatus"] for body in hook.bodies] == ["InAlert", "OK"]
        assert hook.bodies[-1]["LatestExecution"]["Id"] == first.id
    # Nothing is left unfinished, so a retry runs (and fails for the same reason) instead of ConflictError.
    second = service.run_now("s3-hourly")
    assert second.status == "Failed"
    assert second.id != first.id
    # Nor is the daemon blocked: an hour later its due slot starts an execution of its own.
    later = Scheduler(service.catalog, tmp_path / "home", SteppingClock(now + timedelta(hours=1, minutes=1)))
    report = later.tick()
    assert [status for _, status in report.finished] == ["Failed"]
    assert [e.status for e in service.list_executions(schedule_name="s3-hourly")] == [
        "CompletedWithViolations",
        "Failed",
        "Failed",
        "Failed",
    ]
    service.close()
