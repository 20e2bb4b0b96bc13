"""One execution = one subprocess given the container contract; the worker starts, watches and ends it.

- The process runs in its own session (process group), so stopping it ends its children too.
- stdout and stderr go to the execution's log file; the exit message file decides the status
  (``Completed``/``CompletedWithViolations``/``Failed: why``,
  docs/sagemaker.md#violations-and-the-exit-message), the exit code otherwise.
- ``max_runtime_seconds`` is measured in real (monotonic) time; past it the group is killed and the
  execution is Failed with that reason.
- The job runs under a small shell that writes its exit status next to the exit message, so a scheduler
  that adopts the execution after its owner died reads both (``RunningExecution.adopt``).
- Outputs are written straight to a local output URI; for an object-store URI they are staged locally and
  uploaded when the process ends. Remote baseline files and scripts are downloaded before the start.
- A custom monitor (a command or a container image) gets SageMaker's processing-job layout under the
  execution's ``opt/ml`` folder (jobs.container): the window's files staged, a job config, and what it
  wrote to its output's local path copied to the output URI when it ends.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from modelmonitor.errors import FormatError, NotFoundError
from modelmonitor.formats.exit_message import ExitMessage
from modelmonitor.formats.job_definition import JobDefinition
from modelmonitor.formats.layout import execution_output_prefix, join_uri
from modelmonitor.formats.statuses import ExecutionStatus
from modelmonitor.jobs.container import collect_outputs, prepare_custom_monitor, remove_container
from modelmonitor.jobs.contract import (
    CAPTURE_DATASET_FORMAT,
    JobContract,
    execution_environment,
)
from modelmonitor.jobs.schedule_window import analysis_window
from modelmonitor.scheduler.processes import is_execution_process, process_age_seconds, stop_group
from modelmonitor.storage.objects import is_remote, store_for
from modelmonitor.storage.private import make_private_dirs, open_private

__all__ = ["ExecutionPaths", "Outcome", "RunningExecution", "start_execution"]

KILL_GRACE_SECONDS = 5.0
LOG_FILE = "log.txt"
BUILTIN_COMMAND = (sys.executable, "-m", "modelmonitor.jobs.monitoring")
# sh -c SCRIPT FILE COMMAND...: run COMMAND, write its status to FILE (atomically), exit with it. The shell
# would export its own PWD to COMMAND: unset, so the job's environment is exactly the one the worker built.
_RECORD_EXIT_STATUS = (
    'unset PWD OLDPWD; "$@"; status=$?; echo "$status" > "$0.part" && mv "$0.part" "$0"; exit "$status"'
)


@dataclass(frozen=True)
class ExecutionPaths:
    """Where one execution keeps its files under ``{home}/executions/{id}``."""

    root: Path

    @property
    def log(self) -> Path:
        return self.root / LOG_FILE

    @property
    def message(self) -> Path:
        return self.root / "message"

    @property
    def exit_status(self) -> Path:
        """The job's exit status, written by the shell it runs under (read by a scheduler that adopts it)."""
        return self.root / "exit_status"

    @property
    def metrics(self) -> Path:
        return self.root / "metrics" / "cloudwatch"

    @property
    def staging(self) -> Path:
        return self.root / "output"

    @property
    def inputs(self) -> Path:
        return self.root / "input"


@dataclass(frozen=True)
class Outcome:
    status: ExecutionStatus
    failure_reason: str | None
    exit_message: str | None
    violation_count: int | None


def _local(uri: str | None, inputs: Path) -> str | None:
    """A local path for ``uri`` (downloaded into ``inputs`` when it is remote)."""
    if uri is None or not is_remote(uri):
        return uri
    target = inputs / uri.rstrip("/").rsplit("/", 1)[-1]
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(store_for(uri).read_bytes(uri))
    return str(target)


class RunningExecution:
    """A started execution; ``poll`` returns its Outcome once it has ended (or was killed).

    ``process`` is our child when this process started it; an execution taken over from a dead owner
    (``adopt``) is watched through its pid, and its exit status read from the file the wrapper writes.
    """

    def __init__(
        self,
        execution_id: int,
        pid: int,
        paths: ExecutionPaths,
        output_uri: str,
        max_runtime_seconds: int,
        *,
        process: subprocess.Popen[bytes] | None = None,
        age_seconds: float = 0.0,
        adopted_because: str | None = None,
    ) -> None:
        self.execution_id = execution_id
        self.pid = pid
        self.process = process
        self.paths = paths
        self.output_uri = output_uri
        self.max_runtime_seconds = max_runtime_seconds
        self.started = time.monotonic() - age_seconds
        self.adopted_because = adopted_because
        self._forced: Outcome | None = None

    @classmethod
    def adopt(
        cls,
        execution_id: int,
        pid: int | None,
        paths: ExecutionPaths,
        output_uri: str,
        max_runtime_seconds: int,
        because: str,
    ) -> RunningExecution:
        """Watch an execution another owner started: its process if it still runs here, else its files."""
        alive = pid is not None and is_execution_process(pid, execution_id, paths.message)
        age = (process_age_seconds(pid) if alive and pid is not None else None) or 0.0
        return cls(
            execution_id,
            pid if alive and pid is not None else -1,
            paths,
            output_uri,
            max_runtime_seconds,
            age_seconds=age,
            adopted_because=because,
        )

    def _running(self) -> bool:
        if self.process is not None:
            return self.process.poll() is None
        return self.pid > 0 and is_execution_process(self.pid, self.execution_id, self.paths.message)

    def _exit_code(self) -> int | None:
        if self.process is not None:
            return self.process.returncode
        try:
            return int(self.paths.exit_status.read_text().strip())
        except (OSError, ValueError):
            return None

    def _kill(self) -> None:
        if self.process is not None:
            stop_group(self.pid, KILL_GRACE_SECONDS, reap=self.process.poll)
            self.process.wait()
        elif self.pid > 0 and self._running():
            stop_group(self.pid, KILL_GRACE_SECONDS)
        problem = remove_container(self.paths.root)
        if problem is not None:
            with self.paths.log.open("a", encoding="utf-8") as log:
                log.write(f"could not remove the execution's container: {problem}\n")

    def stop(self, reason: str) -> Outcome:
        """Stop the process group now (a manual stop): Stopped with ``reason``."""
        self._kill()
        self._forced = Outcome(ExecutionStatus.STOPPED, reason, None, None)
        return self._finish()

    def poll(self) -> Outcome | None:
        if self._running():
            elapsed = time.monotonic() - self.started
            if elapsed <= self.max_runtime_seconds:
                return None
            self._kill()
            reason = (
                f"the execution exceeded MaxRuntimeInSeconds={self.max_runtime_seconds} "
                f"(ran {elapsed:.0f} s) and was stopped; raise max_runtime_in_seconds or shorten the window"
            )
            self._forced = Outcome(ExecutionStatus.FAILED, reason, None, None)
        return self._finish()

    def _finish(self) -> Outcome:
        try:
            collected = collect_outputs(
                self.paths.root,
                self.paths.message,
                self.paths.metrics,
                exited_cleanly=self._forced is None and self._exit_code() == 0,
            )
        except FormatError as exc:
            self._upload(None)
            return Outcome(ExecutionStatus.FAILED, str(exc), None, None)
        self._upload(collected)
        if self._forced is not None:
            return self._forced
        outcome = self._outcome()
        if outcome.status == ExecutionStatus.FAILED and self.adopted_because:
            reason = f"{self.adopted_because}; {outcome.failure_reason}"
            return Outcome(outcome.status, reason, outcome.exit_message, None)
        return outcome

    def _outcome(self) -> Outcome:
        """The status from the exit message and the exit status (the message alone without a status)."""
        code = self._exit_code()
        exited = f"the process exited with code {code}" if code is not None else "no exit status was recorded"
        try:
            message = ExitMessage.read(self.paths.message)
        except FormatError as exc:
            # No message, or one we cannot read: the job did not say it completed, so it did not.
            reason = f"{exc}; {exited}; last log line: {_last_line(self.paths.log)}"
            return Outcome(ExecutionStatus.FAILED, reason, None, None)
        if message.status == ExecutionStatus.FAILED:
            return Outcome(ExecutionStatus.FAILED, message.reason or message.text, message.text, None)
        if code is not None and code != 0:
            reason = (
                f"the monitoring process exited with code {code} after writing {message.text!r}; "
                f"last log line: {_last_line(self.paths.log)}"
            )
            return Outcome(ExecutionStatus.FAILED, reason, message.text, None)
        return Outcome(message.status, None, message.text, message.violation_count)

    def _upload(self, collected: Path | None) -> None:
        """Copy a custom monitor's collected outputs, then the log, to the output URI."""
        if collected is not None:
            _copy_folder(collected, self.output_uri)
        if not is_remote(self.output_uri):
            # Local outputs were written in place; the log joins them (docs/sagemaker.md#output-layout).
            if self.paths.log.exists():
                target = Path(self.output_uri)
                target.mkdir(parents=True, exist_ok=True)
                descriptor = open_private(target / LOG_FILE, os.O_WRONLY | os.O_TRUNC)
                with os.fdopen(descriptor, "wb") as copy:
                    copy.write(self.paths.log.read_bytes())
            return
        if self.paths.staging.is_dir():
            _copy_folder(self.paths.staging, self.output_uri)
        store = store_for(self.output_uri)
        if self.paths.log.exists():
            store.write_bytes(f"{self.output_uri.rstrip('/')}/{LOG_FILE}", self.paths.log.read_bytes())


def _copy_folder(folder: Path, uri: str) -> None:
    """Every file under ``folder`` to the same relative path under ``uri`` (local or object store)."""
    store = store_for(uri)
    for path in sorted(folder.rglob("*")):
        if path.is_file():
            relative = path.relative_to(folder).as_posix()
            store.write_bytes(f"{uri.rstrip('/')}/{relative}", path.read_bytes())


def _last_line(path: Path) -> str:
    if not path.exists():
        return "(no log)"
    lines = [line for line in path.read_text("utf-8", errors="replace").splitlines() if line.strip()]
    return lines[-1] if lines else "(empty log)"


def _argv(command: list[str], paths: ExecutionPaths) -> list[str]:
    """The job's command under a shell that records its exit status in a file: a scheduler that did not
    start the process (its owner died) cannot wait for it, and reads the status there.
    """
    return ["/bin/sh", "-c", _RECORD_EXIT_STATUS, str(paths.exit_status), *command]


def start_execution(
    *,
    execution_id: int,
    definition: JobDefinition,
    schedule_name: str,
    scheduled_time: datetime,
    capture_uri: str | None,
    home: Path,
    output_subfolder: str | None = None,
) -> RunningExecution:
    """Prepare the execution's folder and contract, and start its process.

    ``output_subfolder`` (under the hour's output folder) keeps a second execution of the same hour from
    overwriting the first's files.
    """
    paths = ExecutionPaths(home / "executions" / str(execution_id))
    if paths.root.exists():
        # Left by a catalog that was since replaced (ids restart): a stale exit message would lie.
        shutil.rmtree(paths.root)
    make_private_dirs(paths.root)  # the log and inputs may hold captured data: 0700 folders, 0600 files
    window = analysis_window(definition, scheduled_time)
    endpoint = definition.endpoint_name if definition.input_kind == "endpoint" else None
    output_uri = execution_output_prefix(definition.output_uri, endpoint, schedule_name, scheduled_time)
    if output_subfolder:
        output_uri = join_uri(output_uri, output_subfolder)
    output_path = str(paths.staging) if is_remote(output_uri) else output_uri
    source = capture_uri if definition.input_kind == "endpoint" else definition.capture_uri
    if source is None:
        raise NotFoundError(f"no captured data location for schedule {schedule_name!r}")
    contract = JobContract(
        dataset_source=source,
        output_path=output_path,
        start_time=window.start,
        end_time=window.end,
        dataset_format=(
            CAPTURE_DATASET_FORMAT if definition.input_kind == "endpoint" else definition.dataset_format or {}
        ),
        output_message_file=str(paths.message),
        cloudwatch_metrics_directory=str(paths.metrics),
        endpoint_name=endpoint,
        schedule_name=schedule_name,
        baseline_statistics=_local(definition.baseline_statistics, paths.inputs),
        baseline_constraints=_local(definition.baseline_constraints, paths.inputs),
        record_preprocessor_script=_local(definition.record_preprocessor_script, paths.inputs),
        post_analytics_processor_script=_local(definition.post_analytics_processor_script, paths.inputs),
        publish_cloudwatch_metrics=definition.publish_cloudwatch_metrics,
        execution_id=execution_id,
        monitoring_type=definition.monitoring_type,
        attributes=definition.attributes,
        problem_type=definition.problem_type,
        ground_truth_uri=definition.ground_truth_uri,
        max_runtime_seconds=definition.max_runtime_seconds,
        scheduled_time=scheduled_time,
        analysis_config=_local(definition.analysis_config_uri, paths.inputs),
        engine=definition.engine,
        html_report=definition.html_report,
    )
    if definition.is_custom:
        launch = prepare_custom_monitor(
            root=paths.root,
            definition=definition,
            contract=contract,
            source=source,
            window=window,
            output_uri=output_uri,
            schedule_name=schedule_name,
            execution_id=execution_id,
            inherited=os.environ,
        )
        command, env = launch.argv, launch.env
    else:
        command = [*BUILTIN_COMMAND, *definition.arguments]
        env = execution_environment(contract, definition.environment, os.environ, custom=False)
    with os.fdopen(open_private(paths.log, os.O_WRONLY | os.O_APPEND), "ab") as log:
        process = subprocess.Popen(
            _argv(command, paths),
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            cwd=paths.root,
            start_new_session=True,
        )
    return RunningExecution(
        execution_id, process.pid, paths, output_uri, definition.max_runtime_seconds, process=process
    )
