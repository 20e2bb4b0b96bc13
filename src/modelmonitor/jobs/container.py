"""A custom monitor's execution as SageMaker runs it: staged inputs, a job config, collected outputs.

SageMaker downloads the window's captured files into the input's local path, writes the job's request to
``/opt/ml/config/processingjobconfig.json``, runs the container and uploads what it wrote to the output's
local path (formats.processing_job_config). Here the container's ``/opt/ml`` is the ``opt/ml`` folder of
the execution (``{home}/executions/{id}/opt/ml/...``):

- with ``image_uri``, a container runtime (podman or docker) runs the image with those folders mounted
  at their container paths, and the contract's paths are the container's;
- a plain command runs on the host, so the contract's paths are the mapped host paths
  (``dataset_source={execution}/opt/ml/processing/input/endpoint``), and
  ``MODELMONITOR_PROCESSING_JOB_CONFIG`` names the job config. Its exit message and metrics stay where
  the built-in job writes them (``output_message_file``, ``cloudwatch_metrics_directory``).

When the job has ended, ``collect_outputs`` moves a container's exit message and metrics to the
execution's own files, and, if the job exited 0 without an exit message (SageMaker's documented contract
asks only for reports), makes its message from ``constraint_violations.json`` (its count) or
``statistics.json`` (no violations) through ``formats.exit_message``; a ``CompletedWithViolations``
sentence without a count gets the count of ``constraint_violations.json``.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from modelmonitor.dataset.captured import capture_files, transform_input_files
from modelmonitor.dataset.window import AnalysisWindow
from modelmonitor.errors import ConfigurationError, FormatError
from modelmonitor.formats.exit_message import ExitMessage
from modelmonitor.formats.job_definition import JobDefinition
from modelmonitor.formats.layout import join_uri
from modelmonitor.formats.processing_job_config import (
    CONFIG_FILE,
    DEFAULT_INPUT_DESTINATION,
    DEFAULT_OUTPUT_SOURCE,
    MESSAGE_FILE,
    METRICS_DIRECTORY,
    ProcessingInput,
    execution_job_name,
    host_path,
    output_source,
    processing_job_arn,
    processing_job_config,
    schedule_arn,
)
from modelmonitor.formats.statuses import ExecutionStatus
from modelmonitor.jobs.contract import JobContract, execution_environment
from modelmonitor.storage.objects import store_for

__all__ = [
    "RUNTIME_VARIABLE",
    "RUN_OPTIONS_VARIABLE",
    "CustomLaunch",
    "collect_outputs",
    "container_runtime",
    "prepare_custom_monitor",
    "remove_container",
]

RUNTIME_VARIABLE = "MODELMONITOR_CONTAINER_RUNTIME"
RUN_OPTIONS_VARIABLE = "MODELMONITOR_CONTAINER_RUN_OPTIONS"
_RUNTIMES = (("podman",), ("docker",))
_PROBE_TIMEOUT_SECONDS = 30
# The command that removes an execution's container, beside its files (an adopting scheduler finds it too).
STOP_FILE = "container-stop.json"
_STOP_TIMEOUT_SECONDS = 60
# Baselines and scripts are inputs of the processing job too; these are their folders in the container.
_FILE_INPUTS = (
    ("baseline_statistics", "baseline", "/opt/ml/processing/baseline/stats"),
    ("baseline_constraints", "constraints", "/opt/ml/processing/baseline/constraints"),
    ("record_preprocessor_script", "pre_processor_script", "/opt/ml/processing/code/preprocessing"),
    ("post_analytics_processor_script", "post_processor_script", "/opt/ml/processing/code/postprocessing"),
)


def container_runtime(environ: Mapping[str, str]) -> list[str]:
    """The command line of a runtime that can run containers here: ``MODELMONITOR_CONTAINER_RUNTIME``
    (e.g. ``podman --storage-driver vfs``) if set, else podman, else docker; each must answer ``info``.

    Raises ConfigurationError in one line saying what was tried and what to do instead.
    """
    configured = environ.get(RUNTIME_VARIABLE, "").strip()
    candidates = [tuple(shlex.split(configured))] if configured else list(_RUNTIMES)
    tried: list[str] = []
    for runtime in candidates:
        program = shutil.which(runtime[0], path=environ.get("PATH"))
        if program is None:
            tried.append(f"{runtime[0]}: not installed")
            continue
        try:
            probe = subprocess.run(
                [program, *runtime[1:], "info"],
                capture_output=True,
                timeout=_PROBE_TIMEOUT_SECONDS,
                stdin=subprocess.DEVNULL,
                check=False,
            )
        except subprocess.TimeoutExpired:
            tried.append(f"{runtime[0]}: 'info' did not answer in {_PROBE_TIMEOUT_SECONDS} s")
            continue
        if probe.returncode == 0:
            return [program, *runtime[1:]]
        lines = probe.stderr.decode("utf-8", "replace").strip().splitlines()
        tried.append(f"{runtime[0]}: 'info' failed ({lines[-1] if lines else f'exit {probe.returncode}'})")
    raise ConfigurationError(
        "image_uri needs a container runtime (docker or podman) that can run containers; none found "
        f"({'; '.join(tried)}); use --command (the SDK's entrypoint=[...]) to run the monitor as a local "
        f"command, or set {RUNTIME_VARIABLE} to a working runtime"
    )


@dataclass(frozen=True)
class CustomLaunch:
    """What the worker starts: ``argv`` with ``env``."""

    argv: list[str]
    env: dict[str, str]


def _copy(uri: str, target: Path) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    with store_for(uri).open(uri, "rb") as source, target.open("wb") as copy:
        shutil.copyfileobj(source, copy)


def _relative(uri: str, prefix: str) -> str:
    """``uri`` below ``prefix`` (SageMaker's layout kept), or its file name when it lies elsewhere (a
    batch-transform manifest may list files outside the capture prefix)."""
    base = prefix.rstrip("/") + "/"
    if uri.startswith(base):
        return uri[len(base) :]
    return uri.rstrip("/").rsplit("/", 1)[-1]


def stage_window(definition: JobDefinition, source: str, window: AnalysisWindow, target: Path) -> int:
    """Copy the window's captured files under ``target`` as SageMaker lays them out; the count copied.

    Endpoint capture keeps ``{endpoint}/{variant}/yyyy/mm/dd/hh/*.jsonl``; batch-transform capture keeps
    the files' paths under the capture prefix.
    """
    store = store_for(source)
    if definition.input_kind == "endpoint":
        assert definition.endpoint_name is not None
        files = capture_files(store, source, definition.endpoint_name, window)
    else:
        files = transform_input_files(store, source, window)
    target.mkdir(parents=True, exist_ok=True)
    for uri in files:
        _copy(uri, target / _relative(uri, source))
    return len(files)


def _env_file(env: Mapping[str, str], path: Path) -> None:
    """The container's environment as a runtime's ``--env-file`` (one NAME=value a line, no quoting)."""
    for name, value in env.items():
        if "\n" in value or "\r" in value:
            raise ConfigurationError(
                f"environment variable {name}: its value has a line break, which a container runtime's "
                "--env-file cannot carry; expected one line"
            )
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as out:
        out.writelines(f"{name}={value}\n" for name, value in env.items())


def _mount(host: Path, container: str, *, read_only: bool) -> list[str]:
    if ":" in str(host) or ":" in container:
        raise ConfigurationError(
            f"cannot mount {host} at {container}: a path with ':' cannot be given to -v; "
            "expected a MODELMONITOR_HOME without ':'"
        )
    return ["-v", f"{host}:{container}{':ro' if read_only else ''}"]


def prepare_custom_monitor(
    *,
    root: Path,
    definition: JobDefinition,
    contract: JobContract,
    source: str,
    window: AnalysisWindow,
    output_uri: str,
    schedule_name: str,
    execution_id: int,
    inherited: Mapping[str, str],
) -> CustomLaunch:
    """Stage the inputs, write the job config and build the command of a custom monitor's execution.

    ``contract`` is the built-in job's view (host paths); the custom monitor's contract is made from it
    with the container's paths (or their host mapping, for a command).
    """
    in_container = definition.image_uri is not None
    runtime = container_runtime(inherited) if in_container else []

    def seen(container_path: str) -> str:
        return container_path if in_container else str(host_path(root, container_path))

    destination = definition.input_destination or DEFAULT_INPUT_DESTINATION
    output_local = definition.output_source or DEFAULT_OUTPUT_SOURCE
    stage_window(definition, source, window, host_path(root, destination))
    host_path(root, output_local).mkdir(parents=True, exist_ok=True)
    prefix = join_uri(source, definition.endpoint_name) if definition.endpoint_name else source
    inputs = [
        ProcessingInput(
            "endpoint_input" if definition.input_kind == "endpoint" else "batch_transform_input",
            prefix,
            destination,
        )
    ]
    staged: dict[str, str] = {}
    for field_name, input_name, folder in _FILE_INPUTS:
        local = getattr(contract, field_name)
        if local:
            name = Path(local).name
            _copy(local, host_path(root, folder) / name)
            inputs.append(ProcessingInput(input_name, str(getattr(definition, field_name)), folder))
            staged[field_name] = seen(f"{folder}/{name}")
    custom = replace(
        contract,
        dataset_source=seen(destination),
        output_path=seen(output_local),
        capture_prefix=prefix,
        processing_job_config=seen(CONFIG_FILE),
        **staged,  # type: ignore[arg-type]  # the four optional path fields, by name
    )
    if in_container:
        custom = replace(
            custom, output_message_file=MESSAGE_FILE, cloudwatch_metrics_directory=METRICS_DIRECTORY
        )
    # The job's own variables (the config's Environment, a container's whole environment); a command
    # also inherits the basics of running a program on this host.
    job_env = execution_environment(custom, definition.environment, {}, custom=True)
    job_name = execution_job_name(execution_id)
    config = processing_job_config(
        job_name=job_name,
        job_arn=processing_job_arn(job_name),
        schedule_arn=schedule_arn(schedule_name),
        inputs=inputs,
        output_uri=output_uri,
        output_local_path=output_local,
        environment=job_env,
        image_uri=definition.image_uri,
        entrypoint=definition.command,
        arguments=definition.arguments,
        max_runtime_seconds=definition.max_runtime_seconds,
    )
    config_file = host_path(root, CONFIG_FILE)
    config_file.parent.mkdir(parents=True, exist_ok=True)
    config_file.write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
    resources = {"current_host": "algo-1", "hosts": ["algo-1"]}
    (config_file.parent / "resourceconfig.json").write_text(json.dumps(resources) + "\n", encoding="utf-8")
    if not in_container:
        assert definition.command is not None
        process_env = execution_environment(custom, definition.environment, inherited, custom=True)
        return CustomLaunch([*definition.command, *definition.arguments], process_env)
    return CustomLaunch(
        _container_argv(root, definition, runtime, job_env, inherited, execution_id),
        _runtime_environment(contract, inherited),
    )


def _container_argv(
    root: Path,
    definition: JobDefinition,
    runtime: Sequence[str],
    job_env: Mapping[str, str],
    inherited: Mapping[str, str],
    execution_id: int,
) -> list[str]:
    """``{runtime} run`` of the image with the execution's folders mounted at their container paths."""
    assert definition.image_uri is not None
    env_file = root / "container.env"
    _env_file(job_env, env_file)
    destination = definition.input_destination or DEFAULT_INPUT_DESTINATION
    output_local = definition.output_source or DEFAULT_OUTPUT_SOURCE
    host_path(root, "/opt/ml/output/metrics/cloudwatch").mkdir(parents=True, exist_ok=True)
    name = f"modelmonitor-execution-{execution_id}-{os.getpid()}"
    (root / STOP_FILE).write_text(json.dumps([*runtime, "rm", "--force", name]) + "\n", encoding="utf-8")
    argv = [*runtime, "run", "--rm", "--init", "--name", name]
    argv += ["--env-file", str(env_file)]
    argv += _mount(host_path(root, destination), destination, read_only=True)
    for *_, folder in _FILE_INPUTS:
        if host_path(root, folder).is_dir():
            argv += _mount(host_path(root, folder), folder, read_only=True)
    argv += _mount(host_path(root, output_local), output_local, read_only=False)
    argv += _mount(host_path(root, "/opt/ml/config"), "/opt/ml/config", read_only=True)
    argv += _mount(host_path(root, "/opt/ml/output"), "/opt/ml/output", read_only=False)
    argv += shlex.split(inherited.get(RUN_OPTIONS_VARIABLE, ""))
    command = list(definition.command or ())
    if command:
        argv += ["--entrypoint", command[0]]
    return [*argv, definition.image_uri, *command[1:], *definition.arguments]


def _runtime_environment(contract: JobContract, inherited: Mapping[str, str]) -> dict[str, str]:
    """The runtime client's own environment: the scheduler's (it may need DOCKER_HOST & co.) and the
    host-side contract, which names the execution for a scheduler that adopts it; the container gets
    only its env file."""
    return execution_environment(contract, {}, inherited, custom=False)


def remove_container(root: Path) -> str | None:
    """Remove the execution's container, if it ran one: stopping the runtime's client does not always
    stop the container (a stop that came while it was being created, or a client killed outright).
    Returns what went wrong, for the log; None when done or there was nothing to do."""
    try:
        argv = json.loads((root / STOP_FILE).read_text("utf-8"))
    except FileNotFoundError:
        return None
    except ValueError as exc:
        return f"{root / STOP_FILE}: cannot be read ({exc})"
    try:
        done = subprocess.run(
            argv, capture_output=True, timeout=_STOP_TIMEOUT_SECONDS, stdin=subprocess.DEVNULL, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"{' '.join(argv)}: {exc}"
    said = done.stderr.decode("utf-8", "replace")
    if done.returncode != 0 and "no such container" not in said.lower():  # docker's answer when it is gone
        lines = said.strip().splitlines()
        return f"{' '.join(argv)}: exit {done.returncode} ({lines[-1] if lines else 'no message'})"
    return None


def _message_from_reports(folder: Path) -> ExitMessage | None:
    """The exit message a job's reports imply: the count of ``constraint_violations.json``, or no
    violations when only ``statistics.json`` was written; None when it wrote neither."""
    violations = folder / "constraint_violations.json"
    if violations.is_file():
        try:
            found = json.loads(violations.read_text("utf-8"))["violations"]
            if not isinstance(found, list):
                raise TypeError(f"violations is {type(found).__name__}, not a list")
        except (ValueError, KeyError, TypeError) as exc:
            return ExitMessage.failed(
                f"{violations}: cannot be read as constraint_violations.json ({exc!r}); expected "
                '{"violations": [...]}'
            )
        return ExitMessage.completed(len(found))
    if (folder / "statistics.json").is_file():
        return ExitMessage.completed(0)
    return None


def collect_outputs(root: Path, message: Path, metrics: Path, *, exited_cleanly: bool) -> Path | None:
    """After a custom monitor's job: its message and metrics in the execution's files, and the folder
    of what it wrote to the output's local path (to copy to the destination); None for the built-in
    job, which wrote its outputs in place. FormatError when the job config cannot be read back."""
    found = output_source(host_path(root, CONFIG_FILE))
    if found is None:
        return None
    written = host_path(root, found[0])
    container_message = host_path(root, MESSAGE_FILE)
    if container_message.is_file() and not message.exists():
        container_message.replace(message)
    container_metrics = host_path(root, METRICS_DIRECTORY)
    if container_metrics.is_dir():
        metrics.mkdir(parents=True, exist_ok=True)
        for item in sorted(container_metrics.iterdir()):
            if item.is_file():
                item.replace(metrics / item.name)
    if exited_cleanly and written.is_dir():
        _settle_message(message, written)
    return written if written.is_dir() else None


def _settle_message(message: Path, written: Path) -> None:
    """The message the reports imply when the job wrote none; the count of ``constraint_violations.json``
    added to a ``CompletedWithViolations`` sentence that gives none (SageMaker's containers write the
    sentence only). A message that cannot be read is left for the worker to report."""
    if not message.exists():
        implied = _message_from_reports(written)
        if implied is not None:
            implied.write(message)
        return
    try:
        said = ExitMessage.read(message)
    except FormatError:
        return
    if said.status != ExecutionStatus.COMPLETED_WITH_VIOLATIONS or said.violation_count is not None:
        return
    implied = _message_from_reports(written)
    if implied is not None and implied.status == ExecutionStatus.COMPLETED_WITH_VIOLATIONS:
        ExitMessage(said.status, implied.violation_count, None, said.sentence).write(message)
