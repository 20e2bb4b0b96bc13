"""The capturing proxy as users run it: `modelmonitor capture proxy` in front of a real model server."""

from __future__ import annotations

import base64
import signal
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import orjson
import pytest
from starlette.testclient import TestClient

from modelmonitor.capture.config import CaptureSettings
from modelmonitor.capture.proxy import ProxyEndpoint, ProxySettings, create_proxy_app
from modelmonitor.capture.reader import read_capture_tree
from tests.capture.servers import free_port, start_model_server, start_proxy, stop


@pytest.fixture(scope="module")
def model_port() -> Iterator[int]:
    port = free_port()
    process = start_model_server(port)
    yield port
    stop(process)


def _run_proxy(
    model_port: int, destination: Path, extra: list[str], tmp_path: Path
) -> tuple[subprocess.Popen[bytes], httpx.Client, Path]:
    port = free_port()
    log = tmp_path / "proxy.log"
    process = start_proxy(model_port, port, str(destination), extra, log_path=log)
    return process, httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=10), log


def test_calls_pass_through_and_are_captured(model_port: int, tmp_path: Path) -> None:
    destination = tmp_path / "capture"
    extra = ["--max-payload-bytes", "80", "--capture-methods", "POST,GET"]  # GET /stream is an inference call
    process, client, log = _run_proxy(model_port, destination, extra, tmp_path)
    try:
        direct = httpx.post(
            f"http://127.0.0.1:{model_port}/invocations",
            content="1,2,3",
            headers={"content-type": "text/csv"},
        )
        proxied = client.post(
            "/invocations?x=1",
            content="1,2,3",
            headers={"content-type": "text/csv", "X-Amzn-SageMaker-Inference-Id": "row-1"},
        )
        assert (proxied.status_code, proxied.content) == (direct.status_code, direct.content)
        assert proxied.headers["content-type"] == "text/csv; charset=utf-8"
        json_call = client.post(
            "/invocations",
            content=b'{"instances": [[1, 2]]}',
            headers={"content-type": "application/json", "X-Inference-Id": "row-2"},
        )
        assert json_call.json() == {"predictions": [0.3]}
        binary = client.post("/binary", content=b"\xff\x00", headers={"X-Inference-Id": "row-3"})
        assert binary.content == b"\xff\xfe\x00\x81model"
        with client.stream("GET", "/stream", headers={"X-Inference-Id": "row-4"}) as streamed:
            chunks = list(streamed.iter_raw())
        assert b"".join(chunks) == b"".join(f'{{"token": {i}}}\n'.encode() for i in range(5))
        big = client.post(
            "/invocations",
            content=",".join(["1"] * 100),
            headers={"content-type": "text/csv", "X-Inference-Id": "row-5"},
        )
        assert big.status_code == 200
        assert client.post("/fail", content=b"x").status_code == 500
        metrics = client.get("/metrics").text
        assert (
            'modelmonitor_capture_records_captured_total{endpoint="churn",variant="AllTraffic"} 5.0'
            in metrics
        )
        assert 'reason="error_status",variant="AllTraffic"} 1.0' in metrics
    finally:
        assert stop(process) in (0, -signal.SIGTERM)
    result = read_capture_tree(str(destination))
    records = {r.eventMetadata.inferenceId: r for r in result.records}
    assert sorted(records) == ["row-1", "row-2", "row-3", "row-4", "row-5"]
    csv = records["row-1"].captureData
    assert csv.endpointInput is not None
    assert (csv.endpointInput.data, csv.endpointInput.encoding) == ("1,2,3", "CSV")
    assert csv.endpointOutput is not None
    assert csv.endpointOutput.observedContentType == "text/csv; charset=utf-8"
    assert csv.endpointOutput.data == direct.text
    assert records["row-2"].captureData.endpointInput is not None
    assert records["row-2"].captureData.endpointInput.encoding == "JSON"
    out3 = records["row-3"].captureData.endpointOutput
    assert out3 is not None
    assert (out3.encoding, base64.b64decode(out3.data)) == ("BASE64", b"\xff\xfe\x00\x81model")
    out4 = records["row-4"].captureData.endpointOutput
    assert out4 is not None
    assert out4.data.count("token") == 5
    in5 = records["row-5"].captureData.endpointInput
    assert in5 is not None
    assert (in5.encoding, in5.model_extra) == ("BASE64", {"truncated": True})
    assert len(base64.b64decode(in5.data)) == 80
    assert "capture stopped" in log.read_text()


def test_streamed_chunks_reach_the_client_before_the_stream_ends(model_port: int, tmp_path: Path) -> None:
    process, client, _ = _run_proxy(model_port, tmp_path / "capture", ["--capture-methods", "GET"], tmp_path)
    try:
        started = time.monotonic()
        with client.stream("GET", "/slow-stream", headers={"X-Inference-Id": "s"}) as streamed:
            chunks = streamed.iter_raw()
            assert next(chunks) == b"first\n"
            first_after = time.monotonic() - started
            assert b"".join(chunks) == b"second\n"
        assert first_after < 0.8, f"first chunk held back {first_after:.2f} s"
    finally:
        stop(process)
    (record,) = read_capture_tree(str(tmp_path / "capture")).records
    assert record.captureData.endpointOutput is not None
    assert record.captureData.endpointOutput.encoding == "BASE64"  # text/plain is in neither list
    assert base64.b64decode(record.captureData.endpointOutput.data) == b"first\nsecond\n"


def test_upstream_down_gives_502_and_is_not_captured(tmp_path: Path) -> None:
    destination = tmp_path / "capture"
    dead_port = free_port()
    port = free_port()
    model = start_model_server(free_port())  # the proxy needs to start; its upstream is a closed port
    try:
        process = start_proxy(dead_port, port, str(destination))
        try:
            response = httpx.post(f"http://127.0.0.1:{port}/invocations", content="1", timeout=10)
            assert response.status_code == 502
            body = response.json()
            assert body["error"] == "upstream_unavailable"
            assert str(dead_port) not in response.text  # clients never learn where the model is
        finally:
            stop(process)
    finally:
        stop(model)
    assert read_capture_tree(str(destination)).records == []


def test_upstream_timeout_gives_504(model_port: int, tmp_path: Path) -> None:
    process, client, _ = _run_proxy(model_port, tmp_path / "capture", ["--timeout-seconds", "0.5"], tmp_path)
    try:
        response = client.post("/slow", content=b"x")
        assert response.status_code == 504
        assert orjson.loads(response.content)["error"] == "upstream_timeout"
        assert 'modelmonitor_capture_upstream_errors_total{endpoint="churn",variant="AllTraffic"} 1.0' in (
            client.get("/metrics").text
        )
    finally:
        stop(process)
    assert read_capture_tree(str(tmp_path / "capture")).records == []


def test_sampling_zero_passes_through_without_capture(model_port: int, tmp_path: Path) -> None:
    extra = ["--sampling-percentage", "0", "--capture-options", "REQUEST"]
    process, client, _ = _run_proxy(model_port, tmp_path / "capture", extra, tmp_path)
    try:
        for _ in range(5):
            assert (
                client.post("/invocations", content="1,2", headers={"content-type": "text/csv"}).status_code
                == 200
            )
        assert (
            'modelmonitor_capture_records_sampled_out_total{endpoint="churn",variant="AllTraffic"} 5.0'
            in (client.get("/metrics").text)
        )
    finally:
        stop(process)
    assert read_capture_tree(str(tmp_path / "capture")).records == []


class _Recorder:
    def __init__(self, fail: bool) -> None:
        self.events: list[tuple[str, str]] = []
        self.fail = fail

    async def endpoint_started(self, endpoint: ProxyEndpoint) -> None:
        self.events.append(("started", endpoint.listen_url))
        if self.fail:
            raise RuntimeError("catalog down")

    async def endpoint_stopped(self, endpoint: ProxyEndpoint) -> None:
        self.events.append(("stopped", endpoint.endpoint_name))


@pytest.mark.parametrize("fail", [False, True], ids=["hook-ok", "hook-fails"])
def test_registration_hook_is_called_and_never_stops_serving(
    model_port: int, tmp_path: Path, fail: bool
) -> None:
    recorder = _Recorder(fail)
    settings = ProxySettings(
        upstream=f"http://127.0.0.1:{model_port}",
        capture=CaptureSettings(endpoint_name="churn", destination=str(tmp_path), sampling_percentage=100),
        listen_url="http://127.0.0.1:1",
    )
    with TestClient(create_proxy_app(settings, registration=recorder)) as client:
        assert (
            client.post("/invocations", content="1,2", headers={"content-type": "text/csv"}).status_code
            == 200
        )
    assert recorder.events == [("started", "http://127.0.0.1:1"), ("stopped", "churn")]
    assert len(read_capture_tree(str(tmp_path)).records) == 1
