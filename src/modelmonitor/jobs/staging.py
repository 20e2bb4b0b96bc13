"""A schedule's local scripts copied into the home when the schedule is created or updated.

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
from modelmonitor.jobs.definition import JobDefinition
from modelmonitor.storage.objects import is_remote

__all__ = ["stage_scripts"]


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


def stage_scripts(definition: JobDefinition, home: Path, schedule_name: str) -> JobDefinition:
    """``definition`` with its local scripts replaced by copies under the home (paths must be absolute)."""
    folder = home / "scripts" / schedule_name
    return replace(
        definition,
        record_preprocessor_script=_staged(
            definition.record_preprocessor_script, "record_preprocessor_script", folder
        ),
        post_analytics_processor_script=_staged(
            definition.post_analytics_processor_script, "post_analytics_processor_script", folder
        ),
    )
