"""``modelmonitor schedule create|list|describe|update|stop|start|delete`` and ``schedule alert ...``.

``create`` takes SageMaker's options in CLI form: ``--endpoint`` (real-time capture) or
``--batch-capture`` (batch-transform capture), baseline files, ``--cron`` (``cron(0 * ? * * *)``, ``NOW``
or 5-field cron), window offsets, scripts, ``--command`` or ``--image-uri`` for a custom monitor, and
``--engine`` (with ``--spark-master``/``--spark-conf``) for the built-in job's engine, stored in the job
definition.
"""

from __future__ import annotations

import shlex

import typer
from rich.console import Console
from rich.table import Table

from modelmonitor.cli._service import echo_json, service
from modelmonitor.cli.engine_options import (
    EngineOption,
    EngineValue,
    SparkConfOption,
    SparkMasterOption,
    engine_choice,
)
from modelmonitor.cli.model_options import (
    AnalysisConfigOption,
    InferenceAttributeOption,
    ProbabilityAttributeOption,
    ProbabilityThresholdOption,
    ProblemTypeOption,
)
from modelmonitor.errors import ConfigurationError
from modelmonitor.formats.job_definition import DEFAULT_MAX_RUNTIME_SECONDS, InputAttributes, JobDefinition
from modelmonitor.formats.statuses import MonitoringType

__all__ = ["schedule_app"]

schedule_app = typer.Typer(rich_markup_mode=None, help="Monitoring schedules.", no_args_is_help=True)


def _environment(pairs: list[str]) -> dict[str, str]:
    env = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key:
            raise ConfigurationError(f"--env {pair!r}: expected KEY=VALUE")
        env[key] = value
    return env


@schedule_app.command("create")
def create(
    name: str = typer.Argument(...),
    endpoint: str | None = typer.Option(None, "--endpoint", "-e", help="Registered endpoint to monitor."),
    batch_capture: str | None = typer.Option(
        None, "--batch-capture", help="Batch-transform capture destination (DataCapturedDestinationS3Uri)."
    ),
    dataset_format: str = typer.Option("csv", "--dataset-format", help="Batch data: csv, json or parquet."),
    header: bool = typer.Option(
        True,
        "--header/--no-header",
        help="Batch CSV files have a header line (default, as the SDK's MonitoringDatasetFormat.csv()).",
    ),
    output: str | None = typer.Option(
        None, "--output", "-o", help="Output URI (default under MODELMONITOR_HOME)."
    ),
    statistics: str | None = typer.Option(None, "--statistics", help="Baseline statistics.json."),
    constraints: str | None = typer.Option(None, "--constraints", help="Baseline constraints.json."),
    cron: str | None = typer.Option(
        None,
        "--cron",
        help="cron(...) expression, NOW, or 5-field cron (default: daily at 00:00 UTC, as SageMaker's SDK).",
    ),
    start_offset: str | None = typer.Option(
        None, "--start-offset", help="Input StartTimeOffset, e.g. -PT1H."
    ),
    end_offset: str | None = typer.Option(None, "--end-offset", help="Input EndTimeOffset, e.g. -PT0H."),
    analysis_start: str | None = typer.Option(None, "--analysis-start", help="DataAnalysisStartTime (NOW)."),
    analysis_end: str | None = typer.Option(None, "--analysis-end", help="DataAnalysisEndTime (NOW)."),
    preprocessor: str | None = typer.Option(None, "--preprocessor", help="record_preprocessor_script."),
    postprocessor: str | None = typer.Option(
        None, "--postprocessor", help="post_analytics_processor_script."
    ),
    max_runtime: int = typer.Option(
        DEFAULT_MAX_RUNTIME_SECONDS, "--max-runtime", help="MaxRuntimeInSeconds."
    ),
    metrics: bool = typer.Option(True, "--metrics/--no-metrics", help="publish_cloudwatch_metrics."),
    command: str | None = typer.Option(
        None,
        "--command",
        help="Custom monitor command (same env contract); with --image-uri, its entrypoint.",
    ),
    image_uri: str | None = typer.Option(
        None, "--image-uri", help="Custom monitor container image, run with podman or docker."
    ),
    input_destination: str | None = typer.Option(
        None,
        "--input-destination",
        help="Custom monitor: the input's local path (default /opt/ml/processing/input/endpoint).",
    ),
    output_source: str | None = typer.Option(
        None,
        "--output-source",
        help="Custom monitor: the output's local path (default /opt/ml/processing/resultdata).",
    ),
    env: list[str] = typer.Option([], "--env", help="Extra environment KEY=VALUE (repeatable)."),
    monitoring_type: MonitoringType = typer.Option(
        MonitoringType.DATA_QUALITY,
        "--monitoring-type",
        help="DataQuality, ModelQuality, ModelBias or ModelExplainability (or a custom's type).",
    ),
    ground_truth: str | None = typer.Option(
        None,
        "--ground-truth",
        help="ModelQuality, ModelBias: the labels' prefix (ground-truth upload's destination).",
    ),
    analysis_config: AnalysisConfigOption = None,
    features_attribute: str | None = typer.Option(
        None, "--features-attribute", help="ModelBias: JMESPath of the features in a JSON model input."
    ),
    problem_type: ProblemTypeOption = None,
    inference_attribute: InferenceAttributeOption = None,
    probability_attribute: ProbabilityAttributeOption = None,
    probability_threshold: ProbabilityThresholdOption = None,
    engine: EngineOption = EngineValue.local,
    spark_master: SparkMasterOption = None,
    spark_conf: SparkConfOption = None,
    html_report: bool = typer.Option(
        False,
        "--html-report",
        help="DataQuality: each execution also writes report.html beside its statistics (docs/reports.md).",
    ),
) -> None:
    """Create a monitoring schedule for an endpoint or for batch-transform capture."""
    if (endpoint is None) == (batch_capture is None):
        raise ConfigurationError("give exactly one of --endpoint and --batch-capture")
    from modelmonitor.service import default_output_uri  # on use: SQLAlchemy is heavy to import

    with service() as svc:
        definition = JobDefinition(
            input_kind="endpoint" if endpoint else "batch_transform",
            endpoint_name=endpoint,
            capture_uri=batch_capture,
            dataset_format=None
            if endpoint
            else {dataset_format: {"header": header} if dataset_format == "csv" else {}},
            output_uri=output or default_output_uri(svc.home, name),
            start_time_offset=start_offset,
            end_time_offset=end_offset,
            data_analysis_start_time=analysis_start,
            data_analysis_end_time=analysis_end,
            baseline_statistics=statistics,
            baseline_constraints=constraints,
            record_preprocessor_script=preprocessor,
            post_analytics_processor_script=postprocessor,
            publish_cloudwatch_metrics=metrics,
            max_runtime_seconds=max_runtime,
            command=_command(command) if command else None,
            image_uri=image_uri,
            input_destination=input_destination,
            output_source=output_source,
            environment=_environment(env),
            monitoring_type=monitoring_type,
            ground_truth_uri=ground_truth,
            problem_type=problem_type,  # type: ignore[arg-type]  # checked by JobDefinition
            analysis_config_uri=analysis_config,
            attributes=InputAttributes(
                features_attribute=features_attribute,
                inference_attribute=inference_attribute,
                probability_attribute=probability_attribute,
                probability_threshold_attribute=probability_threshold,
            ),
            engine=engine_choice(engine, spark_master, spark_conf),
            html_report=html_report,
        )
        echo_json(svc.create_schedule(name, cron, definition))


def _command(text: str) -> tuple[str, ...]:
    try:
        return tuple(shlex.split(text))
    except ValueError as exc:
        raise ConfigurationError(f"--command {text!r}: {exc} (quote as a shell would)") from exc


@schedule_app.command("list")
def list_schedules(
    endpoint: str | None = typer.Option(None, "--endpoint", "-e"),
    status: str | None = typer.Option(None, "--status"),
    name_contains: str | None = typer.Option(None, "--name-contains"),
) -> None:
    with service() as svc:
        rows = svc.list_schedules(endpoint, status, name_contains)
    table = Table("name", "status", "expression", "endpoint", "type", "created")
    for s in rows:
        table.add_row(
            s.name, s.status, s.expression, s.endpoint_name or "", s.monitoring_type, s.created_at.isoformat()
        )
    Console(width=200).print(table)


@schedule_app.command("describe")
def describe(name: str) -> None:
    with service() as svc:
        schedule = svc.describe_schedule(name)
        latest = svc.list_executions(schedule_name=name, newest_first=True, limit=1)
    echo_json({"schedule": schedule, "latest_execution": latest[0] if latest else None})


@schedule_app.command("update")
def update(
    name: str = typer.Argument(...),
    cron: str | None = typer.Option(None, "--cron"),
    statistics: str | None = typer.Option(None, "--statistics"),
    constraints: str | None = typer.Option(None, "--constraints"),
    max_runtime: int | None = typer.Option(None, "--max-runtime"),
    start_offset: str | None = typer.Option(None, "--start-offset"),
    end_offset: str | None = typer.Option(None, "--end-offset"),
    preprocessor: str | None = typer.Option(None, "--preprocessor"),
    postprocessor: str | None = typer.Option(None, "--postprocessor"),
    output: str | None = typer.Option(None, "--output", "-o"),
) -> None:
    """Change a schedule; options not given keep their values."""
    with service() as svc:
        values = svc.schedule_definition(name).to_dict()
        changes = {
            "baseline_statistics": statistics,
            "baseline_constraints": constraints,
            "max_runtime_seconds": max_runtime,
            "start_time_offset": start_offset,
            "end_time_offset": end_offset,
            "record_preprocessor_script": preprocessor,
            "post_analytics_processor_script": postprocessor,
            "output_uri": output,
        }
        values.update({k: v for k, v in changes.items() if v is not None})
        echo_json(svc.update_schedule(name, expression=cron, definition=JobDefinition.from_dict(values)))


@schedule_app.command("stop")
def stop(name: str) -> None:
    """No new executions (a running one finishes)."""
    with service() as svc:
        echo_json(svc.stop_schedule(name))


@schedule_app.command("start")
def start(name: str) -> None:
    with service() as svc:
        echo_json(svc.start_schedule(name))


@schedule_app.command("delete")
def delete(name: str) -> None:
    """Delete a schedule; its execution history stays."""
    with service() as svc:
        svc.delete_schedule(name)
    typer.echo(f"deleted monitoring schedule {name}")


@schedule_app.command("alert")
def alert(
    name: str = typer.Argument(..., help="Alert name."),
    schedule: str = typer.Option(..., "--schedule", "-s"),
    datapoints: int = typer.Option(1, "--datapoints", help="N: executions with violations that trigger it."),
    period: int = typer.Option(1, "--period", help="M: how many latest executions are evaluated."),
    webhook: str | None = typer.Option(
        None, "--webhook", help="URL that receives a JSON POST on each change."
    ),
) -> None:
    """Create or change an alert: 'violations in N of the last M executions'."""
    with service() as svc:
        echo_json(svc.put_alert(name, schedule, datapoints, period, webhook))


@schedule_app.command("alerts")
def alerts(schedule: str | None = typer.Option(None, "--schedule", "-s")) -> None:
    """Alert rules and their history."""
    with service() as svc:
        echo_json({"alerts": svc.list_alerts(schedule), "history": svc.alert_history()})
