"""/api/v1/baselines: start a baselining job on the server, follow it, read its files.

A job runs the one baselining use case (``service.baselines.run_baseline``) on a worker thread of this
server, one at a time (a baseline reads a whole data set). Jobs are remembered while the server runs;
their files stay in the output folder afterwards. Starting one is admin's: it reads any path the
server can read and writes where it is told.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Literal

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import Response

from modelmonitor.api.auth import admin, service_of, state_of, viewer
from modelmonitor.api.models import BaselineRequest
from modelmonitor.errors import ConflictError, ModelMonitorError, NotFoundError
from modelmonitor.formats.layout import join_uri
from modelmonitor.service.baselines import run_baseline
from modelmonitor.service.files import read_text

__all__ = ["BaselineJob", "BaselineJobs", "router"]

logger = logging.getLogger("modelmonitor.api")

router = APIRouter(prefix="/api/v1/baselines", tags=["baselines"])

BASELINE_FILES = ("statistics.json", "constraints.json")


@dataclass(frozen=True)
class BaselineJob:
    name: str
    status: Literal["InProgress", "Completed", "Failed"]
    dataset_uri: str
    output_uri: str
    created_at: datetime
    ended_at: datetime | None = None
    failure_reason: str | None = None
    bad_record_count: int | None = None


class BaselineJobs:
    """The baselining jobs of this server, run one at a time on a worker thread."""

    def __init__(self) -> None:
        self._jobs: dict[str, BaselineJob] = {}
        self._lock = threading.Lock()
        self._pool = ThreadPoolExecutor(max_workers=1, thread_name_prefix="baseline")

    def start(self, body: BaselineRequest, output_uri: str, now: datetime) -> BaselineJob:
        job = BaselineJob(body.name, "InProgress", body.dataset_uri, output_uri, now)
        with self._lock:
            if body.name in self._jobs:
                raise ConflictError(f"baselining job {body.name!r} already exists on this server")
            self._jobs[body.name] = job
        self._pool.submit(self._run, job, dict(body.dataset_format))
        return job

    def _run(self, job: BaselineJob, dataset_format: dict[str, object]) -> None:
        try:
            result = run_baseline(job.dataset_uri, dataset_format, job.output_uri)
            ended = replace(
                job,
                status="Completed",
                ended_at=datetime.now(job.created_at.tzinfo),
                bad_record_count=result.bad_record_count,
            )
        except ModelMonitorError as exc:
            ended = replace(
                job, status="Failed", ended_at=datetime.now(job.created_at.tzinfo), failure_reason=str(exc)
            )
        except Exception:
            logger.exception("baselining job %s failed", job.name)
            ended = replace(
                job,
                status="Failed",
                ended_at=datetime.now(job.created_at.tzinfo),
                failure_reason="internal error (the details are in the server log)",
            )
        with self._lock:
            self._jobs[job.name] = ended

    def get(self, name: str) -> BaselineJob:
        with self._lock:
            job = self._jobs.get(name)
        if job is None:
            raise NotFoundError(f"baselining job {name!r} is not known to this server")
        return job

    def list(self) -> list[BaselineJob]:
        with self._lock:
            return sorted(self._jobs.values(), key=lambda job: (job.created_at, job.name))

    def close(self) -> None:
        self._pool.shutdown(wait=True, cancel_futures=True)


def _jobs(request: Request) -> BaselineJobs:
    jobs = request.app.state.baselines
    assert isinstance(jobs, BaselineJobs)
    return jobs


@router.get("", dependencies=[Depends(viewer)])
def list_baselines(request: Request) -> list[BaselineJob]:
    return _jobs(request).list()


@router.post("", status_code=202, dependencies=[Depends(admin)])
def start_baseline(request: Request, body: BaselineRequest) -> BaselineJob:
    service = service_of(request)
    output = body.output_uri or str(service.home / "baselining" / body.name / "results")
    return _jobs(request).start(body, output, state_of(request).service.clock.now())


@router.get("/{name}", dependencies=[Depends(viewer)])
def describe_baseline(request: Request, name: str) -> BaselineJob:
    return _jobs(request).get(name)


@router.get("/{name}/files/{file_name}", dependencies=[Depends(viewer)])
def baseline_file(
    request: Request, name: str, file_name: Literal["statistics.json", "constraints.json"] = Path()
) -> Response:
    job = _jobs(request).get(name)
    if job.status != "Completed":
        raise ConflictError(
            f"baselining job {name!r} is {job.status}: {job.failure_reason or 'not done yet'}"
        )
    uri = join_uri(job.output_uri, file_name)
    return Response(read_text(uri), media_type="application/json", headers={"X-Modelmonitor-Uri": uri})
