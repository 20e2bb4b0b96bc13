"""The demo's second half: a served model whose traffic is captured, then a monitoring execution over it.

A scikit-learn classifier, trained on the demo's baseline table, is served by a Starlette app wrapped in
``CaptureMiddleware`` (the same code a FastAPI model server would use). The demo sends it the drifted
rows one request each, as a SageMaker client would, with an inference id per call; the middleware writes
SageMaker-format capture files. An hourly schedule over that endpoint is created in a demo-local catalog
and run once now: one real monitoring execution (a subprocess given SageMaker's container contract).
"""

from __future__ import annotations

import csv
import io
import shutil
import time
import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table

from modelmonitor.cli.baseline import print_violations
from modelmonitor.formats.job_definition import JobDefinition
from modelmonitor.formats.violations import ViolationsFile
from modelmonitor.service import Execution, MonitoringService
from modelmonitor.settings import Settings

__all__ = ["ENDPOINT_NAME", "SCHEDULE_NAME", "capture_and_monitor"]

ENDPOINT_NAME = "breast-cancer"
SCHEDULE_NAME = "breast-cancer-hourly"


def _train(rows: Sequence[Sequence[Any]]) -> Any:
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    model = make_pipeline(StandardScaler(), LogisticRegression(max_iter=2000))
    model.fit([list(map(float, row[1:])) for row in rows], [row[0] for row in rows])
    return model


def _model_app(model: Any, capture_folder: Path) -> Any:
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import PlainTextResponse
    from starlette.routing import Route

    from modelmonitor.capture.asgi import CaptureMiddleware
    from modelmonitor.capture.config import CaptureSettings

    async def invocations(request: Request) -> PlainTextResponse:
        text = (await request.body()).decode("utf-8")
        features = [
            [float(v) if v not in ("", "n/a") else 0.0 for v in line]
            for line in csv.reader(io.StringIO(text))
        ]
        labels = model.predict(features)
        return PlainTextResponse("\n".join(str(label) for label in labels), media_type="text/csv")

    app = Starlette(routes=[Route("/invocations", invocations, methods=["POST"])])
    # what DataCaptureConfig(enable_capture=True, sampling_percentage=100, ...) gives the middleware
    config = CaptureSettings(
        endpoint_name=ENDPOINT_NAME, destination=str(capture_folder), sampling_percentage=100
    )
    app.add_middleware(CaptureMiddleware, config=config)
    return app


def _send_traffic(app: Any, rows: Sequence[Sequence[Any]]) -> int:
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
        from starlette.testclient import TestClient

    answered = 0
    with TestClient(app) as client:  # the lifespan starts the capture writer and drains it at the end
        for index, row in enumerate(rows):
            line = io.StringIO()
            csv.writer(line, lineterminator="").writerow(["" if v is None else v for v in row[1:]])
            response = client.post(
                "/invocations",
                content=line.getvalue(),
                headers={"Content-Type": "text/csv", "X-Amzn-SageMaker-Inference-Id": f"demo-{index}"},
            )
            answered += response.status_code == 200
    return answered


def _print_execution(console: Console, execution: Execution) -> None:
    table = Table(title="Monitoring execution", title_justify="left")
    for column in ("id", "scheduled (UTC)", "status", "violations"):
        table.add_column(column, no_wrap=True)
    table.add_row(
        str(execution.id),
        execution.scheduled_time.strftime("%Y-%m-%d %H:%M:%S"),
        execution.status,
        "" if execution.violation_count is None else str(execution.violation_count),
    )
    console.print(table)
    console.print(f"Output: {execution.output_uri}", highlight=False)
    if execution.failure_reason:
        console.print(f"[red]Failure reason:[/] {execution.failure_reason}", highlight=False)


def capture_and_monitor(
    console: Console, folder: Path, baseline_rows: Sequence[Sequence[Any]], traffic: Sequence[Sequence[Any]]
) -> Execution:
    """Serve, capture ``traffic``, then run one monitoring execution against ``folder/baseline``."""
    for stale in ("home", "capture", "monitoring"):  # the demo owns these; a rerun starts clean
        shutil.rmtree(folder / stale, ignore_errors=True)
    capture_folder = folder / "capture"
    answered = _send_traffic(_model_app(_train(baseline_rows), capture_folder), traffic)
    files = sorted(capture_folder.rglob("*.jsonl"))
    console.print(
        f"{answered} requests answered and captured by CaptureMiddleware into {len(files)} file(s) under "
        f"{capture_folder}/{ENDPOINT_NAME}/AllTraffic/yyyy/mm/dd/hh/",
        highlight=False,
    )
    service = MonitoringService.from_settings(Settings.from_env({"MODELMONITOR_HOME": str(folder / "home")}))
    try:
        service.register_endpoint(ENDPOINT_NAME, str(capture_folder), source="demo")
        service.create_schedule(
            SCHEDULE_NAME,
            "cron(0 * ? * * *)",
            JobDefinition(
                input_kind="endpoint",
                endpoint_name=ENDPOINT_NAME,
                output_uri=str(folder / "monitoring"),
                baseline_statistics=str(folder / "baseline" / "statistics.json"),
                baseline_constraints=str(folder / "baseline" / "constraints.json"),
            ),
        )
        time.sleep(
            1.1
        )  # inferenceTime has second precision; the window [now-1h, now) must hold the last call
        execution = service.run_now(SCHEDULE_NAME)
    finally:
        service.close()
    _print_execution(console, execution)
    violations_path = Path(execution.output_uri or "") / "constraint_violations.json"
    if violations_path.is_file():
        print_violations(
            console, ViolationsFile.from_path(violations_path), title="Violations of the execution"
        )
    return execution
