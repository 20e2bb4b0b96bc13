"""A custom monitor's container paths and its ``processingjobconfig.json``.

SageMaker runs each monitoring execution as a processing job: the captured data of the window is
downloaded to the input's ``LocalPath`` (``EndpointInput(destination=...)``, default
``/opt/ml/processing/input/endpoint``), what the container writes to the output's ``LocalPath``
(``MonitoringOutput(source=...)``) is uploaded to its destination, and the job's request is readable
in the container as ``/opt/ml/config/processingjobconfig.json``. This module holds those paths and
the file's shape (the ``CreateProcessingJob`` request: ``ProcessingInputs``, ``ProcessingOutputConfig``,
``Environment``, ``AppSpecification``, ``ProcessingResources``, ``StoppingCondition``, ...);
``jobs.container`` writes it, and the worker reads the output's ``LocalPath`` back from it when the
job has ended, so a scheduler that adopts the execution collects the same folder.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

from modelmonitor.errors import ConfigurationError, FormatError

__all__ = [
    "CONFIG_FILE",
    "DEFAULT_INPUT_DESTINATION",
    "DEFAULT_OUTPUT_SOURCE",
    "MESSAGE_FILE",
    "METRICS_DIRECTORY",
    "OUTPUT_NAME",
    "ProcessingInput",
    "check_container_path",
    "check_separate_paths",
    "execution_job_name",
    "host_path",
    "output_source",
    "processing_job_arn",
    "processing_job_config",
    "schedule_arn",
]

DEFAULT_INPUT_DESTINATION = "/opt/ml/processing/input/endpoint"
# SageMaker's documented example of a custom monitor's environment uses this output_path.
DEFAULT_OUTPUT_SOURCE = "/opt/ml/processing/resultdata"
CONFIG_FILE = "/opt/ml/config/processingjobconfig.json"
MESSAGE_FILE = "/opt/ml/output/message"
METRICS_DIRECTORY = "/opt/ml/output/metrics/cloudwatch"
OUTPUT_NAME = "monitoring_output"
_ARN_PREFIX = "arn:modelmonitor:local:000000000000"
# The container's own folders a local path may not replace (SageMaker: LocalPath under /opt/ml/processing).
_PROCESSING_ROOT = PurePosixPath("/opt/ml/processing")


def execution_job_name(execution_id: int) -> str:
    """The processing-job name of a monitoring execution (what its ARN and ``describe()`` name)."""
    return f"monitoring-execution-{execution_id}"


def processing_job_arn(job_name: str) -> str:
    return f"{_ARN_PREFIX}:processing-job/{job_name}"


def schedule_arn(schedule_name: str) -> str:
    return f"{_ARN_PREFIX}:monitoring-schedule/{schedule_name}"


def check_container_path(path: str, what: str) -> str:
    """``path`` as an absolute folder under ``/opt/ml/processing`` without ``..``, else an error.

    SageMaker's own guide writes ``destination="opt/ml/processing/input"``: a path without its leading
    ``/`` is taken from the container's root.
    """
    pure = PurePosixPath("/") / path
    if ".." in pure.parts or not pure.is_relative_to(_PROCESSING_ROOT):
        raise ConfigurationError(
            f"{what}: got {path!r}, expected an absolute path under /opt/ml/processing "
            "(the container's local path, as SageMaker requires)"
        )
    if pure == _PROCESSING_ROOT:
        raise ConfigurationError(f"{what}: got {path!r}, expected a folder below /opt/ml/processing")
    return str(pure)


def check_separate_paths(input_path: str, output_path: str) -> None:
    """The input's and the output's local paths are separate folders (each is mounted on its own)."""
    given, written = PurePosixPath(input_path), PurePosixPath(output_path)
    if given.is_relative_to(written) or written.is_relative_to(given):
        raise ConfigurationError(
            f"output source (LocalPath) {output_path!r} and input destination (LocalPath) {input_path!r} "
            "overlap; expected separate folders under /opt/ml/processing"
        )


def host_path(root: Path, container_path: str) -> Path:
    """Where ``container_path`` is on the host: the same path under the execution's folder ``root``."""
    return root.joinpath(*(PurePosixPath("/") / container_path).parts[1:])


@dataclass(frozen=True)
class ProcessingInput:
    """One of the job's inputs: ``uri`` (where the data came from) was staged at ``local_path``."""

    name: str
    uri: str
    local_path: str

    def to_request(self) -> dict[str, Any]:
        return {
            "InputName": self.name,
            "AppManaged": False,
            "S3Input": {
                "S3Uri": self.uri,
                "LocalPath": self.local_path,
                "S3DataType": "S3Prefix",
                "S3InputMode": "File",
                "S3DataDistributionType": "FullyReplicated",
                "S3CompressionType": "None",
            },
        }


def processing_job_config(
    *,
    job_name: str,
    job_arn: str,
    schedule_arn: str,
    inputs: Sequence[ProcessingInput],
    output_uri: str,
    output_local_path: str,
    environment: Mapping[str, str],
    image_uri: str | None,
    entrypoint: Sequence[str] | None,
    arguments: Sequence[str],
    max_runtime_seconds: int,
) -> dict[str, Any]:
    """The ``processingjobconfig.json`` of one execution (``CreateProcessingJob``'s request shape).

    One process runs each execution here, so ``ProcessingResources`` names one instance of type
    ``local``; ``RoleArn`` is absent (there is no role to assume).
    """
    app: dict[str, Any] = {"ImageUri": image_uri or "local-command"}
    if entrypoint:
        app["ContainerEntrypoint"] = list(entrypoint)
    if arguments:
        app["ContainerArguments"] = list(arguments)
    return {
        "ProcessingJobName": job_name,
        "ProcessingJobArn": job_arn,
        "MonitoringScheduleArn": schedule_arn,
        "ProcessingInputs": [item.to_request() for item in inputs],
        "ProcessingOutputConfig": {
            "Outputs": [
                {
                    "OutputName": OUTPUT_NAME,
                    "AppManaged": False,
                    "S3Output": {
                        "S3Uri": output_uri,
                        "LocalPath": output_local_path,
                        "S3UploadMode": "EndOfJob",
                    },
                }
            ]
        },
        "ProcessingResources": {
            "ClusterConfig": {"InstanceCount": 1, "InstanceType": "local", "VolumeSizeInGB": 0}
        },
        "StoppingCondition": {"MaxRuntimeInSeconds": max_runtime_seconds},
        "AppSpecification": app,
        "Environment": dict(environment),
    }


def output_source(config_file: Path) -> tuple[str, str] | None:
    """(local path, destination URI) of the job's output as ``processing_job_config`` wrote it; None when
    the execution has no such file (the built-in job writes its outputs in place)."""
    try:
        text = config_file.read_text("utf-8")
    except FileNotFoundError:
        return None
    try:
        output = json.loads(text)["ProcessingOutputConfig"]["Outputs"][0]["S3Output"]
        return str(output["LocalPath"]), str(output["S3Uri"])
    except (ValueError, KeyError, IndexError, TypeError) as exc:
        raise FormatError(
            f"ProcessingOutputConfig.Outputs[0].S3Output: cannot be read ({exc!r}); expected LocalPath and "
            "S3Uri as the scheduler wrote them",
            path=str(config_file),
        ) from exc
