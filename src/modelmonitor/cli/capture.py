"""``modelmonitor capture``: the capturing proxy and batch-job capture."""

from __future__ import annotations

import logging
import socket
from datetime import UTC, datetime, timedelta
from typing import Any

import typer

from modelmonitor.capture.config import (
    DEFAULT_CSV_CONTENT_TYPES,
    DEFAULT_JSON_CONTENT_TYPES,
    CaptureSettings,
    capture_modes,
)
from modelmonitor.capture.limits import ProxyLimits
from modelmonitor.cli._service import settings as invocation_settings
from modelmonitor.errors import CaptureError, ConfigurationError
from modelmonitor.formats.layout import DEFAULT_VARIANT

__all__ = ["capture_app"]

capture_app = typer.Typer(
    rich_markup_mode=None, help="Capture what models receive and return, in SageMaker's capture format."
)


def _split(values: list[str] | None) -> list[str]:
    """Repeated options and comma-separated lists, flattened."""
    return [part.strip() for value in values or [] for part in value.split(",") if part.strip()]


def _storage_options(values: list[str] | None) -> dict[str, Any]:
    options: dict[str, Any] = {}
    for item in values or []:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise ConfigurationError(
                f"--storage-option: got {item!r}, expected KEY=VALUE (e.g. endpoint_url=...)"
            )
        options[key.strip()] = value
    return options


def _listen(address: str, flag: str = "--listen") -> tuple[str, int]:
    host, sep, port = address.rpartition(":")
    if not sep or not port.isdigit() or not 1 <= int(port) <= 65535:
        raise ConfigurationError(
            f"{flag}: got {address!r}, expected HOST:PORT with a port 1-65535, such as 127.0.0.1:8081"
        )
    return host or "127.0.0.1", int(port)


def _check_free(host: str, port: int, flag: str) -> None:
    """Capture cannot start where nothing can listen: say so before any capture is set up (exit 6)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)  # as the server will
        try:
            probe.bind((host, port))
        except OSError as exc:
            raise CaptureError(f"{flag} {host}:{port}: cannot listen there ({exc.strerror or exc})") from exc


@capture_app.command("proxy")
def proxy(
    upstream: str = typer.Option(..., help="URL of the model server, e.g. http://127.0.0.1:8080."),
    listen: str = typer.Option("127.0.0.1:8081", help="HOST:PORT the proxy listens on."),
    endpoint_name: str = typer.Option(..., help="Endpoint name: the first folder below the destination."),
    variant: str = typer.Option(DEFAULT_VARIANT, help="Variant name: the second folder."),
    destination: str = typer.Option(..., help="Capture root: a directory or URI (s3://bucket/prefix)."),
    sampling_percentage: float = typer.Option(20.0, min=0, max=100, help="Percent of calls captured."),
    capture_options: list[str] = typer.Option(["Input,Output"], help="Input, Output (or REQUEST, RESPONSE)."),
    csv_content_types: list[str] = typer.Option(list(DEFAULT_CSV_CONTENT_TYPES), help="Captured as CSV."),
    json_content_types: list[str] = typer.Option(list(DEFAULT_JSON_CONTENT_TYPES), help="Captured as JSON."),
    enable_capture: bool = typer.Option(True, help="--no-enable-capture proxies without capturing."),
    max_payload_bytes: int = typer.Option(6 * 1024 * 1024, help="Larger payloads are cut and flagged."),
    queue_size: int = typer.Option(
        10_000, help="Records waiting for the writer; beyond, records are dropped."
    ),
    flush_interval_seconds: float = typer.Option(
        1.0, help="Longest time a record waits before being written."
    ),
    max_file_bytes: int = typer.Option(64 * 1024 * 1024, help="A capture file is closed at this size."),
    max_file_age_seconds: float = typer.Option(
        0.0, help="Close files older than this (0: hourly; an object store: every 5 minutes)."
    ),
    disk_usage_threshold: float = typer.Option(0.75, help="Pause capture above this used fraction of disk."),
    spool_dir: str = typer.Option(
        "",
        help="Local spool for object-store destinations, a 0700 folder of yours (default: under the home).",
    ),
    storage_option: list[str] = typer.Option([], help="fsspec option KEY=VALUE, repeatable."),
    timeout_seconds: float = typer.Option(
        60.0,
        min=0.001,
        help="Time limit for the model's whole answer, head and body; past it clients get 504.",
    ),
    metrics_path: str = typer.Option("/metrics", help="Path of the proxy's Prometheus metrics."),
    metrics_listen: str = typer.Option(
        "", help="HOST:PORT serving /metrics apart from the model's port (then every path goes to the model)."
    ),
    capture_methods: list[str] = typer.Option(
        ["POST"], help="HTTP methods of inference calls, the only ones captured (repeat or comma-separate)."
    ),
    capture_paths: list[str] = typer.Option(
        [], help="Captured paths, fnmatch patterns such as /invocations (default: every path)."
    ),
    max_request_body_bytes: int = typer.Option(
        ProxyLimits.max_request_body_bytes, help="Larger request bodies get 413 and are not read."
    ),
    max_request_headers: int = typer.Option(
        ProxyLimits.max_request_headers, help="More request headers get 431 and the connection closed."
    ),
    max_request_head_bytes: int = typer.Option(
        ProxyLimits.max_request_head_bytes, help="A larger request head gets 431 and the connection closed."
    ),
    max_response_headers: int = typer.Option(
        ProxyLimits.max_response_headers, help="A model answer with more headers is refused (502)."
    ),
    max_response_head_bytes: int = typer.Option(
        ProxyLimits.max_response_head_bytes, help="A model answer with a larger head is refused (502)."
    ),
    client_header_timeout_seconds: float = typer.Option(
        ProxyLimits.client_header_timeout.total_seconds(),
        help="A client must send its request head within this time (else 408, closed).",
    ),
    client_body_timeout_seconds: float = typer.Option(
        ProxyLimits.client_body_timeout.total_seconds(),
        help="A client must send its request body within this time after the head (else 408, closed).",
    ),
    idle_timeout_seconds: int = typer.Option(
        round(ProxyLimits.idle_timeout.total_seconds()),
        help="Idle kept-alive client connections are closed after this many seconds.",
    ),
    max_client_connections: int = typer.Option(
        ProxyLimits.max_client_connections, help="Open client connections beyond this get 503 and are closed."
    ),
    log_level: str = typer.Option("warning", help="uvicorn/modelmonitor log level."),
) -> None:
    """Run a capturing reverse proxy in front of a model server; SIGTERM/SIGINT stop it, draining capture."""
    # Imported here, not at the top: every other command would pay for uvicorn, starlette and SQLAlchemy.
    from modelmonitor.capture.proxy import ProxySettings, create_proxy_app
    from modelmonitor.capture.serving import serve_proxy
    from modelmonitor.service.registration import CatalogRegistration

    host, port = _listen(listen)
    metrics_address = _listen(metrics_listen, "--metrics-listen") if metrics_listen else None
    capture_input, capture_output = capture_modes(_split(capture_options))
    options = _storage_options(storage_option)
    age = timedelta(seconds=max_file_age_seconds) if max_file_age_seconds > 0 else None
    capture = CaptureSettings(
        endpoint_name=endpoint_name,
        variant_name=variant,
        destination=destination,
        enabled=enable_capture,
        sampling_percentage=sampling_percentage,
        capture_input=capture_input,
        capture_output=capture_output,
        csv_content_types=tuple(_split(csv_content_types)),
        json_content_types=tuple(_split(json_content_types)),
        storage_options=options,
        max_payload_bytes=max_payload_bytes,
        queue_size=queue_size,
        flush_interval=timedelta(seconds=flush_interval_seconds),
        max_file_bytes=max_file_bytes,
        max_file_age=age,
        disk_usage_threshold=disk_usage_threshold,
        spool_dir=spool_dir or None,
        capture_methods=tuple(m.upper() for m in _split(capture_methods)),
        capture_paths=tuple(_split(capture_paths)),
    )
    limits = ProxyLimits(
        max_request_body_bytes=max_request_body_bytes,
        max_request_headers=max_request_headers,
        max_request_head_bytes=max_request_head_bytes,
        max_response_headers=max_response_headers,
        max_response_head_bytes=max_response_head_bytes,
        client_header_timeout=timedelta(seconds=client_header_timeout_seconds),
        client_body_timeout=timedelta(seconds=client_body_timeout_seconds),
        idle_timeout=timedelta(seconds=idle_timeout_seconds),
        max_client_connections=max_client_connections,
    )
    settings = ProxySettings(
        upstream=upstream,
        capture=capture,
        listen_url=f"http://{host}:{port}",
        timeout=timedelta(seconds=timeout_seconds),
        metrics_path=metrics_path,
        metrics_listen=metrics_address,
        limits=limits,
    )
    # Every setting is valid: now whether the addresses are free, before any capture is set up.
    _check_free(host, port, "--listen")
    if metrics_address is not None:
        _check_free(*metrics_address, "--metrics-listen")
    logging.basicConfig(level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    app = create_proxy_app(settings, registration=CatalogRegistration(invocation_settings()))
    serve_proxy(
        app,
        host=host,
        port=port,
        limits=limits,
        refusals=app.state.refusals,
        log_level=log_level,
        metrics_listen=settings.metrics_listen,
        metrics_registry=app.state.registry,
    )


@capture_app.command("batch")
def batch(
    input: list[str] = typer.Option(
        ..., "--input", help="Input files of the batch job (repeat or comma-separate)."
    ),
    output: list[str] = typer.Option(..., "--output", help="Output files of the batch job."),
    destination: str = typer.Option(..., help="Batch capture root (DestinationS3Uri): a directory or URI."),
    job_name: str = typer.Option("", help="Manifest file name stem (default: batch-<uuid>)."),
    job_start: str = typer.Option("", help="Job start, ISO 8601 UTC (default: now); picks the hour folder."),
    storage_option: list[str] = typer.Option([], help="fsspec option KEY=VALUE, repeatable."),
) -> None:
    """Record a batch job's inputs and outputs as SageMaker batch-capture manifests."""
    from modelmonitor.capture.batch import write_batch_manifests

    if job_start:
        try:
            start = datetime.fromisoformat(job_start.replace("Z", "+00:00"))
        except ValueError as exc:
            raise ConfigurationError(
                f"--job-start: got {job_start!r}, expected ISO 8601 such as 2026-11-21T10:00:00Z"
            ) from exc
        start = start if start.tzinfo else start.replace(tzinfo=UTC)
    else:
        start = datetime.now(UTC)
    manifests = write_batch_manifests(
        _split(input),
        _split(output),
        destination,
        job_start=start,
        job_name=job_name or None,
        storage_options=_storage_options(storage_option),
    )
    typer.echo(manifests.input_manifest)
    typer.echo(manifests.output_manifest)
