"""CaptureMiddleware in a Starlette/FastAPI app: TestClient for behaviour, uvicorn on loopback once."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import PlainTextResponse, StreamingResponse
from starlette.testclient import TestClient

from modelmonitor.capture.asgi import CaptureMiddleware
from modelmonitor.capture.config import CaptureSettings
from modelmonitor.capture.reader import read_capture_tree
from modelmonitor.errors import ConfigurationError
from modelmonitor.model_monitor.data_capture_config import DataCaptureConfig
from tests.capture.servers import free_port


def _model_app() -> FastAPI:
    app = FastAPI()

    @app.post("/invocations")
    async def invocations(request: Request) -> PlainTextResponse:
        values = [float(v) for v in (await request.body()).decode().split(",")]
        return PlainTextResponse(f"{sum(values):.1f}", media_type="text/csv")

    @app.get("/stream")
    async def stream() -> StreamingResponse:
        async def chunks() -> Iterator[bytes]:  # type: ignore[misc]
            for index in range(3):
                yield f"{index},".encode()

        return StreamingResponse(chunks(), media_type="text/csv")  # type: ignore[arg-type]

    @app.post("/boom")
    async def boom() -> PlainTextResponse:
        return PlainTextResponse("bad input", status_code=400)

    return app


def test_middleware_captures_with_the_sdk_config(tmp_path: Path) -> None:
    app = _model_app()
    config = DataCaptureConfig(enable_capture=True, sampling_percentage=100, destination_s3_uri=str(tmp_path))
    app.add_middleware(CaptureMiddleware, config=config, endpoint_name="churn")
    with TestClient(app) as client:  # the lifespan starts and, on exit, drains the writer
        answer = client.post(
            "/invocations", content="1,2", headers={"content-type": "text/csv", "X-Inference-Id": "a"}
        )
        assert answer.text == "3.0"
        assert client.get("/stream", headers={"X-Inference-Id": "b"}).text == "0,1,2,"
        assert client.post("/boom", content="x").status_code == 400
    result = read_capture_tree(str(tmp_path / "churn" / "AllTraffic"))
    records = {r.eventMetadata.inferenceId: r for r in result.records}
    assert sorted(records) == ["a"]  # GET /stream is not an inference call by default (SageMaker: POST only)
    first = records["a"].captureData
    assert first.endpointInput is not None
    assert first.endpointOutput is not None
    assert (first.endpointInput.data, first.endpointOutput.data) == ("1,2", "3.0")
    assert first.endpointOutput.observedContentType == "text/csv; charset=utf-8"


def test_middleware_captures_streamed_answers_of_the_methods_and_paths_listed(tmp_path: Path) -> None:
    app = _model_app()
    settings = CaptureSettings(
        endpoint_name="churn",
        destination=str(tmp_path),
        sampling_percentage=100,
        capture_methods=("GET", "POST"),
        capture_paths=("/stream",),
    )
    app.add_middleware(CaptureMiddleware, config=settings)
    with TestClient(app) as client:
        assert client.get("/stream", headers={"X-Inference-Id": "b"}).text == "0,1,2,"
        client.post("/invocations", content="1", headers={"content-type": "text/csv", "X-Inference-Id": "c"})
    (record,) = read_capture_tree(str(tmp_path)).records
    assert record.eventMetadata.inferenceId == "b"
    assert record.captureData.endpointOutput is not None
    assert record.captureData.endpointOutput.data == "0,1,2,"


def test_lifespan_can_run_twice(tmp_path: Path) -> None:
    app = _model_app()
    app.add_middleware(
        CaptureMiddleware, config=DataCaptureConfig(True, 100, str(tmp_path)), endpoint_name="e"
    )
    for index in range(2):
        with TestClient(app) as client:
            client.post(
                "/invocations",
                content="1",
                headers={"content-type": "text/csv", "X-Inference-Id": f"{index}"},
            )
    ids = sorted(r.eventMetadata.inferenceId or "" for r in read_capture_tree(str(tmp_path)).records)
    assert ids == ["0", "1"]


def test_capture_options_output_only(tmp_path: Path) -> None:
    app = _model_app()
    config = DataCaptureConfig(True, 100, str(tmp_path), capture_options=["RESPONSE"])
    app.add_middleware(CaptureMiddleware, config=config, endpoint_name="churn", variant_name="Blue")
    with TestClient(app) as client:
        client.post("/invocations", content="1", headers={"content-type": "text/csv"})
    (record,) = read_capture_tree(str(tmp_path / "churn" / "Blue")).records
    assert record.captureData.endpointInput is None
    assert record.captureData.endpointOutput is not None


def test_middleware_needs_an_endpoint_name_with_sdk_config(tmp_path: Path) -> None:
    with pytest.raises(ConfigurationError, match="endpoint_name"):
        CaptureMiddleware(_model_app(), config=DataCaptureConfig(True, 100, str(tmp_path)))


def _capture_middleware(app: FastAPI) -> CaptureMiddleware:
    """The middleware instance Starlette built into the running app's stack."""
    layer: object = app.middleware_stack
    while not isinstance(layer, CaptureMiddleware):
        layer = getattr(layer, "app")  # noqa: B009  (each layer wraps the next as .app)
    return layer


def test_middleware_under_uvicorn_on_loopback(tmp_path: Path) -> None:
    app = _model_app()
    settings = CaptureSettings(
        endpoint_name="churn",
        destination=str(tmp_path),
        sampling_percentage=100,
    )
    app.add_middleware(CaptureMiddleware, config=settings)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.02)
        with httpx.Client(base_url=f"http://127.0.0.1:{port}") as client:
            for index in range(50):
                headers = {"content-type": "text/csv", "X-Amzn-SageMaker-Inference-Id": f"r{index}"}
                assert client.post("/invocations", content=f"{index},1", headers=headers).status_code == 200
        assert _capture_middleware(app).pipeline.flush()  # written while the server runs, before shutdown
        assert len(read_capture_tree(str(tmp_path)).records) == 50
    finally:
        server.should_exit = True
        thread.join(10)
    ids = sorted(r.eventMetadata.inferenceId or "" for r in read_capture_tree(str(tmp_path)).records)
    assert ids == sorted(f"r{i}" for i in range(50))


def test_utf8_and_line_separator_ids_survive_uvicorn_and_the_writer(tmp_path: Path) -> None:
    # Raw bytes on a real socket: the id is UTF-8 on the wire, as clients send it.
    app = _model_app()
    settings = CaptureSettings(endpoint_name="churn", destination=str(tmp_path), sampling_percentage=100)
    app.add_middleware(CaptureMiddleware, config=settings)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    ids = ["Zürich-推理-1", "line\u2028sep\u2029para\x85nel"]
    try:
        deadline = time.monotonic() + 10
        while not server.started and time.monotonic() < deadline:
            time.sleep(0.02)
        for inference_id in ids:
            with socket.create_connection(("127.0.0.1", port), timeout=5) as conn:
                conn.sendall(
                    b"POST /invocations HTTP/1.1\r\nHost: x\r\nContent-Type: text/csv\r\n"
                    b"Content-Length: 3\r\n"
                    b"X-Amzn-SageMaker-Inference-Id: "
                    + inference_id.encode()
                    + b"\r\nConnection: close\r\n\r\n1,2"
                )
                answer = b""
                while chunk := conn.recv(65536):
                    answer += chunk
            assert answer.startswith(b"HTTP/1.1 200"), answer
    finally:
        server.should_exit = True
        thread.join(10)
    (path,) = tmp_path.rglob("*.jsonl")
    assert len(path.read_text("utf-8").splitlines()) == 2  # U+2028 escaped: no splitter cuts a record
    result = read_capture_tree(str(tmp_path))
    assert sorted(r.eventMetadata.inferenceId or "" for r in result.records) == sorted(ids)
