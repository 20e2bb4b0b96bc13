"""Batch capture: manifests that point at a batch job's input and output files.

SageMaker's batch transform does not copy data for monitoring; it writes standard S3 manifests
(docs/sagemaker.md#batch-capture):

    {destination}/input/yyyy/mm/dd/hh/{job}.manifest   [{"prefix": "<common prefix>/"}, "part-0.csv"]
    {destination}/output/yyyy/mm/dd/hh/{job}.manifest  [{"prefix": "<common prefix>/"}, "part-0.csv.out"]

where the hour is the job's start time (UTC). ``run_batch`` is the Python helper that runs a model callable
over input files record by record, writes ``<input name>.out`` files with the inference id and time
appended to every output record (SageMaker's ``GenerateInferenceId``: two trailing CSV columns, or the keys
``SageMakerInferenceId``/``SageMakerInferenceTime`` in JSON), and writes both manifests.
"""

from __future__ import annotations

import posixpath
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

import orjson

from modelmonitor.capture.records import inference_time_of
from modelmonitor.errors import CaptureError
from modelmonitor.formats.layout import check_name, hour_path, join_uri
from modelmonitor.storage.objects import check_folder_location, is_remote, store_for

__all__ = ["BatchManifests", "BatchRunResult", "build_manifest", "run_batch", "write_batch_manifests"]

RecordFormat = Literal["csv", "jsonlines"]
Model = Callable[[str], str]


@dataclass(frozen=True)
class BatchManifests:
    input_manifest: str
    output_manifest: str


@dataclass
class BatchRunResult:
    records: int = 0
    output_files: list[str] = field(default_factory=list)
    failed_records: list[str] = field(default_factory=list)
    manifests: BatchManifests | None = None


def _absolute(location: str) -> str:
    return location if is_remote(location) else Path(location.removeprefix("file://")).resolve().as_posix()


def build_manifest(files: Sequence[str]) -> list[Any]:
    """``[{"prefix": P}, rel1, rel2, ...]`` with P the deepest folder holding every file (ending in ``/``)."""
    if not files:
        raise CaptureError("batch capture: got no files, expected at least one input and one output file")
    locations = [_absolute(f) for f in files]
    folders = [posixpath.dirname(loc) for loc in locations]
    prefix = (
        posixpath.commonpath(folders) if not any(is_remote(f) for f in locations) else _common_uri(folders)
    )
    prefix = prefix.rstrip("/") + "/"
    return [{"prefix": prefix}, *(loc[len(prefix) :] for loc in locations)]


def _common_uri(folders: list[str]) -> str:
    schemes = {f.split("://", 1)[0] for f in folders}
    if len(schemes) != 1:
        raise CaptureError(f"batch capture: files mix locations {sorted(schemes)}, expected one store")
    scheme = schemes.pop()
    return f"{scheme}://" + posixpath.commonpath([f.split("://", 1)[1] for f in folders])


def write_batch_manifests(
    inputs: Sequence[str],
    outputs: Sequence[str],
    destination: str,
    *,
    job_start: datetime,
    job_name: str | None = None,
    storage_options: Mapping[str, Any] | None = None,
) -> BatchManifests:
    """Write the input and output manifests of one batch job under ``destination``; returns their URIs."""
    stem = check_name("batch job", job_name) if job_name is not None else f"batch-{uuid.uuid4().hex}"
    check_folder_location(destination, "capture destination")
    name = f"{stem}.manifest"
    store = store_for(destination, storage_options)
    hour = hour_path(job_start)
    written: list[str] = []
    for kind, files in (("input", inputs), ("output", outputs)):
        uri = join_uri(destination, kind, hour, name)
        store.write_bytes(uri, orjson.dumps(build_manifest(files)))
        written.append(uri)
    return BatchManifests(input_manifest=written[0], output_manifest=written[1])


def _with_inference_id(output: str, fmt: RecordFormat, inference_id: str, time_text: str) -> str:
    if fmt == "csv":
        return f"{output},{inference_id},{time_text}"
    value = orjson.loads(output)
    if not isinstance(value, dict):
        raise ValueError(
            f"a JSON output record must be an object to take an inference id, got {output[:80]!r}"
        )
    value["SageMakerInferenceId"] = inference_id
    value["SageMakerInferenceTime"] = time_text
    return orjson.dumps(value).decode()


def run_batch(
    model: Model,
    input_files: Sequence[str],
    output_dir: str,
    destination: str,
    *,
    record_format: RecordFormat = "csv",
    generate_inference_id: bool = True,
    job_name: str | None = None,
    job_start: datetime | None = None,
    storage_options: Mapping[str, Any] | None = None,
) -> BatchRunResult:
    """Run ``model`` on every record (line) of ``input_files``; write outputs and capture manifests.

    A record the model fails on is reported as ``file:line: error`` in ``failed_records`` and has no output
    line; the other records go on.
    """
    if job_name is not None:
        check_name("batch job", job_name)  # before the model runs, not after: the manifests are named by it
    check_folder_location(destination, "capture destination")  # and where they go
    start = job_start or datetime.now(UTC)
    time_text = inference_time_of(start.timestamp())
    result = BatchRunResult()
    out_store = store_for(output_dir, storage_options)
    for input_file in input_files:
        in_store = store_for(input_file, storage_options)
        lines = in_store.read_text(input_file).splitlines()
        produced: list[str] = []
        for number, record in enumerate(lines, start=1):
            if not record.strip():
                continue
            try:
                output = model(record)
                if generate_inference_id:
                    output = _with_inference_id(output, record_format, str(uuid.uuid4()), time_text)
            except Exception as exc:  # a failing record is reported, never fatal for the job
                result.failed_records.append(f"{input_file}:{number}: {type(exc).__name__}: {exc}")
                continue
            produced.append(output)
            result.records += 1
        output_uri = join_uri(output_dir, posixpath.basename(input_file.rstrip("/")) + ".out")
        out_store.write_text(output_uri, "".join(line + "\n" for line in produced))
        result.output_files.append(output_uri)
    result.manifests = write_batch_manifests(
        list(input_files),
        result.output_files,
        destination,
        job_start=start,
        job_name=job_name,
        storage_options=storage_options,
    )
    return result
