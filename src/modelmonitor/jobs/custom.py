"""Custom monitors ("bring your own container"): any command run with the same contract as the built-in job.

The scheduler runs a schedule's ``command`` (CLI ``--command``, SDK ``ModelMonitor(entrypoint=[...])``)
exactly as it runs ``python -m modelmonitor.jobs.monitoring``: SageMaker's environment variables, its
stdout/stderr as the execution log, its exit message deciding the status. A monitor written for
SageMaker only needs to read the two paths SageMaker fixes from the environment instead
(``output_message_file``, ``cloudwatch_metrics_directory``). The helpers below do that for Python monitors:

    contract = read_contract()
    ...                                         # read contract.dataset_source between start and end
    write_metrics(contract, [metric_record("my_score", 0.3, contract)])
    finish(contract, violations=2)              # "CompletedWithViolations: ... with 2 violations."

These are the built-in job's own writers: ``finish``/``fail`` go through ``formats.exit_message`` (so the
violation count reaches the scheduler as data), ``metric_record``/``write_metrics`` through
``outputs.metrics``.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from modelmonitor.formats.exit_message import ExitMessage
from modelmonitor.jobs.contract import JobContract
from modelmonitor.outputs.metrics import metric_record as build_record
from modelmonitor.outputs.metrics import write_cloudwatch_metrics

__all__ = ["fail", "finish", "metric_record", "read_contract", "write_metrics"]


def read_contract(environ: Mapping[str, str] | None = None) -> JobContract:
    """The execution's contract from the environment (raises ConfigurationError naming a missing variable)."""
    return JobContract.from_env(os.environ if environ is None else environ)


def finish(contract: JobContract, violations: int = 0) -> str:
    """Write SageMaker's success message; the execution becomes Completed or CompletedWithViolations."""
    message = ExitMessage.completed(violations)
    message.write(Path(contract.output_message_file))
    return message.text


def fail(contract: JobContract, reason: str) -> str:
    """Write a failure message; the execution becomes Failed with ``reason`` (exit non-zero as well)."""
    message = ExitMessage.failed(reason)
    message.write(Path(contract.output_message_file))
    return message.text


def metric_record(name: str, value: float, contract: JobContract, unit: str | None = None) -> dict[str, Any]:
    """A CloudWatch metric record with the Endpoint/MonitoringSchedule dimensions (docs/sagemaker.md#metrics),
    made by the same builder as the built-in job's records."""
    return build_record(
        name,
        endpoint=contract.endpoint_name,
        schedule=contract.schedule_name,
        timestamp=contract.end_time,
        unit=unit,
        Value=float(value),
    )


def write_metrics(
    contract: JobContract, records: Iterable[Mapping[str, Any]], file_name: str = "custom_metrics.jsonl"
) -> Path | None:
    """Append metric records to the metrics directory (the built-in job's writer); nothing when
    publishing is disabled."""
    if not contract.publish_cloudwatch_metrics:
        return None
    return write_cloudwatch_metrics(
        Path(contract.cloudwatch_metrics_directory), records, file_name, append=True
    )
