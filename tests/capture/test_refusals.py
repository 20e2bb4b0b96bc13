"""Refusal counters and their rate-limited log; the limits' and capture filters' validation."""

from __future__ import annotations

import logging
import socket
from datetime import timedelta

import pytest
from prometheus_client import generate_latest
from prometheus_client.registry import CollectorRegistry

from modelmonitor.capture.config import CaptureSettings
from modelmonitor.capture.inbound import check_request, forwarded_headers
from modelmonitor.capture.limits import ProxyLimits
from modelmonitor.capture.pipeline import CapturePipeline
from modelmonitor.capture.refusals import Refusals
from modelmonitor.capture.serving import serve_proxy
from modelmonitor.errors import CaptureError, ConfigurationError


def test_every_refusal_is_counted_and_the_log_is_rate_limited(caplog: pytest.LogCaptureFixture) -> None:
    now = [100.0]
    refusals = Refusals("churn", "AllTraffic", log_interval_seconds=10, clock=lambda: now[0])
    registry = CollectorRegistry()
    refusals.register(registry)
    with caplog.at_level(logging.WARNING, logger="modelmonitor.capture"):
        for _ in range(5):
            refusals.refuse("head_too_large", "too many headers")
        now[0] += 11
        refusals.refuse("head_too_large", "too many headers")
        refusals.refuse("body_too_large", "8 MiB")
    messages = [record.getMessage() for record in caplog.records]
    assert messages == [
        "proxy refused (head_too_large): too many headers",
        "proxy refused (head_too_large): too many headers (and 4 more since the last message)",
        "proxy refused (body_too_large): 8 MiB",
    ]
    text = generate_latest(registry).decode()
    name = "modelmonitor_capture_proxy_refusals_total"
    assert f'{name}{{endpoint="churn",reason="head_too_large",variant="AllTraffic"}} 6.0' in text
    assert 'reason="too_many_connections",variant="AllTraffic"} 0.0' in text


@pytest.mark.parametrize(
    ("method", "path", "headers", "expected"),
    [
        ("POST", b"/invocations", [(b"content-length", b"10")], None),
        ("POST", b"/invocations", [(b"content-length", b"101")], (413, "body_too_large")),
        ("GET", b"/ping", [(b"content-length", b"0")], None),
        ("GET", b"/ping", [(b"content-length", b"1")], (400, "body_not_allowed")),
        ("HEAD", b"/ping", [(b"transfer-encoding", b"chunked")], (400, "body_not_allowed")),
        ("POST", b"/a/../b", [], (400, "bad_target")),
        ("POST", b"/a/%2E%2E/b", [], (400, "bad_target")),
        ("POST", b"/a/..%5cb", [], (400, "bad_target")),
        ("POST", b"/a/...b/c..d/%2e", [], None),
        ("POST", b"*", [], (400, "bad_target")),
    ],
    ids=[
        "ok",
        "too-large",
        "get-empty",
        "get-body",
        "head-chunked",
        "dots",
        "encoded",
        "backslash",
        "dots-in-names",
        "not-absolute",
    ],
)
def test_request_checks(
    method: str, path: bytes, headers: list[tuple[bytes, bytes]], expected: tuple[int, str] | None
) -> None:
    refusal = check_request(method, path, headers, max_body_bytes=100)
    assert (None if refusal is None else (refusal.status, refusal.reason)) == expected


def test_forwarded_headers_append_the_peer_and_drop_what_the_client_may_not_set() -> None:
    headers = [
        (b"host", b"m"),
        (b"connection", b"keep-alive, X-Private"),
        (b"x-private", b"1"),
        (b"x-forwarded-for", b"a"),
        (b"x-forwarded-for", b"b"),
        (b"x-real-ip", b"c"),
        (b"content-type", b"text/csv"),
    ]
    assert forwarded_headers(headers, ("10.0.0.9", 5000), "https") == [
        (b"content-type", b"text/csv"),
        (b"x-forwarded-for", b"a, b, 10.0.0.9"),
        (b"x-forwarded-proto", b"https"),
        (b"x-forwarded-host", b"m"),
    ]


def test_limits_and_capture_filters_are_validated(tmp_path: object) -> None:
    with pytest.raises(ConfigurationError, match="client_header_timeout: got 0:00:00, expected a positive"):
        ProxyLimits(client_header_timeout=timedelta(0))
    with pytest.raises(ConfigurationError, match="max_client_connections: got 0"):
        ProxyLimits(max_client_connections=0)
    with pytest.raises(ConfigurationError, match="capture methods: got \\['post'\\]"):
        CaptureSettings(endpoint_name="e", destination="d", capture_methods=("post",))
    with pytest.raises(ConfigurationError, match="capture paths: got \\['invocations'\\]"):
        CaptureSettings(endpoint_name="e", destination="d", capture_paths=("invocations",))


def test_only_listed_methods_and_paths_are_inference_calls(tmp_path: object) -> None:
    settings = CaptureSettings(
        endpoint_name="e", destination=str(tmp_path), sampling_percentage=100, capture_paths=("/models/*",)
    )
    pipeline = CapturePipeline(settings)
    assert pipeline.should_capture("POST", "/models/a/infer")
    assert not pipeline.should_capture("POST", "/invocations")
    assert not pipeline.should_capture("GET", "/models/a/infer")
    assert pipeline.stats.sampled_out == 0  # not inference calls: not sampled out either


def test_a_metrics_address_in_use_is_a_clear_capture_error() -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        refusals = Refusals("e", "AllTraffic")
        with pytest.raises(CaptureError, match=rf"--metrics-listen: cannot listen on 127\.0\.0\.1:{port}: "):
            serve_proxy(
                None,
                host="127.0.0.1",
                port=1,
                limits=ProxyLimits(),
                refusals=refusals,
                log_level="warning",
                metrics_registry=CollectorRegistry(),
                metrics_listen=("127.0.0.1", port),
            )
