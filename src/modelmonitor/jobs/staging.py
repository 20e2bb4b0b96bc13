"""A schedule's local scripts (and a Clarify monitor's analysis config) copied into the home when the
schedule is created or updated.

SageMaker's SDK uploads a local ``record_preprocessor_script`` or ``post_analytics_processor_script`` to S3
when the schedule is created, so later edits or moves of the local file do not change what runs. Copying
into ``{home}/scripts/{schedule}/{content hash}/{file name}`` is the equivalent here: the copy keeps the
script's name (error messages name ``pre.py:12``), and a changed script gets a new folder, so an execution
already running keeps the version it started with.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from dataclasses import replace
from pathlib import Path

from modelmonitor.errors import NotFoundError
from modelmonitor.formats.clarify import AnalysisConfig
from modelmonitor.formats.job_definition import JobDefinition
from modelmonitor.storage.objects import absolute_location, is_remote, store_for

__all__ = ["absolute_locations", "stage_scripts"]


def absolute_locations(definition: JobDefinition) -> JobDefinition:
    """Every local path made absolute, as where the definition is accepted: the job runs elsewhere.

    A custom command given as a relative path (``./monitor.sh``, ``bin/check``) is resolved too; a bare
    program name (``python3``) is left for ``PATH`` to find.
    """
    command = definition.command
    if command and os.sep in command[0] and not os.path.isabs(command[0]):
        command = (os.path.abspath(command[0]), *command[1:])
    return replace(
        definition,
        output_uri=absolute_location(definition.output_uri),
        capture_uri=_absolute_or_none(definition.capture_uri),
        baseline_statistics=_absolute_or_none(definition.baseline_statistics),
        baseline_constraints=_absolute_or_none(definition.baseline_constraints),
        record_preprocessor_script=_absolute_or_none(definition.record_preprocessor_script),
        post_analytics_processor_script=_absolute_or_none(definition.post_analytics_processor_script),
        ground_truth_uri=_absolute_or_none(definition.ground_truth_uri),
        analysis_config_uri=_absolute_or_none(definition.analysis_config_uri),
        command=command,
    )


def _absolute_or_none(uri: str | None) -> str | None:
    return absolute_location(uri) if uri else uri


def _staged(script: str | None, what: str, folder: Path) -> str | None:
    if not script or is_remote(script):
        return script
    source = Path(script)
    if not source.is_file():
        raise NotFoundError(f"{what}: {script} does not exist or is not a file")
    data = source.read_bytes()
    target = folder / hashlib.sha256(data).hexdigest()[:16] / source.name
    if not target.is_file():
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_name(f".{target.name}.{os.getpid()}.partial")
        shutil.copyfile(source, partial)
        partial.replace(target)
    return str(target)


def _checked_analysis_config(uri: str | None) -> None:
    # Read it now, so a schedule whose config would fail every execution is refused at creation.
    if uri:
        AnalysisConfig.from_json_text(store_for(uri).read_text(uri), source=uri)


def stage_scripts(definition: JobDefinition, home: Path, schedule_name: str) -> JobDefinition:
    """``definition`` with its local scripts and analysis config replaced by copies under the home (paths
    must be absolute); the SDK uploads both when a schedule is created."""
    folder = home / "scripts" / schedule_name
    _checked_analysis_config(definition.analysis_config_uri)
    return replace(
        definition,
        record_preprocessor_script=_staged(
            definition.record_preprocessor_script, "record_preprocessor_script", folder
        ),
        post_analytics_processor_script=_staged(
            definition.post_analytics_processor_script, "post_analytics_processor_script", folder
        ),
        analysis_config_uri=_staged(definition.analysis_config_uri, "analysis_config", folder),
    )
