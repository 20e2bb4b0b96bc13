"""Batch capture: manifests (docs/sagemaker.md), the run_batch helper, and `modelmonitor capture batch`."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

import orjson
import pytest
from typer.testing import CliRunner

from modelmonitor.capture.batch import build_manifest, run_batch, write_batch_manifests
from modelmonitor.cli.main import app
from modelmonitor.errors import CaptureError, ConfigurationError

START = datetime(2022, 8, 30, 0, 49, 15, tzinfo=UTC)


def test_manifest_is_prefix_then_relative_names(tmp_path: Path) -> None:
    files = [str(tmp_path / "in/a/part-0.csv"), str(tmp_path / "in/b/part-1.csv")]
    assert build_manifest(files) == [{"prefix": f"{tmp_path.as_posix()}/in/"}, "a/part-0.csv", "b/part-1.csv"]


def test_manifest_refuses_no_files_and_mixed_stores() -> None:
    with pytest.raises(CaptureError, match="no files"):
        build_manifest([])
    with pytest.raises(CaptureError, match="mix"):
        build_manifest(["s3://a/x.csv", "gs://a/y.csv"])


def test_run_batch_csv_appends_inference_id_and_time(tmp_path: Path) -> None:
    (tmp_path / "in").mkdir()
    (tmp_path / "in/part-0.csv").write_text("1,2\n3,4\n\nbad,row\n")
    (tmp_path / "in/part-1.csv").write_text("5,6\n")

    def model(record: str) -> str:
        return str(sum(int(v) for v in record.split(",")))

    result = run_batch(
        model,
        [str(tmp_path / "in/part-0.csv"), str(tmp_path / "in/part-1.csv")],
        str(tmp_path / "out"),
        str(tmp_path / "capture"),
        job_start=START,
        job_name="job",
    )
    assert result.records == 3
    assert len(result.failed_records) == 1
    assert result.failed_records[0].startswith(f"{tmp_path}/in/part-0.csv:4: ValueError")
    rows = [line.split(",") for line in (tmp_path / "out/part-0.csv.out").read_text().splitlines()]
    assert [r[0] for r in rows] == ["3", "7"]
    assert all(r[2] == "2022-08-30T00:49:15Z" for r in rows)
    ids = [r[1] for r in rows] + [(tmp_path / "out/part-1.csv.out").read_text().split(",")[1]]
    assert len({str(uuid.UUID(i)) for i in ids}) == 3
    assert result.manifests is not None
    assert result.manifests.input_manifest == f"{tmp_path}/capture/input/2022/08/30/00/job.manifest"
    assert orjson.loads(Path(result.manifests.output_manifest).read_bytes()) == [
        {"prefix": f"{tmp_path.as_posix()}/out/"},
        "part-0.csv.out",
        "part-1.csv.out",
    ]


def test_run_batch_jsonlines_adds_sagemaker_keys(tmp_path: Path) -> None:
    (tmp_path / "in.jsonl").write_text('{"x": 1}\n{"x": 2}\n')
    result = run_batch(
        lambda record: orjson.dumps({"score": orjson.loads(record)["x"] / 2}).decode(),
        [str(tmp_path / "in.jsonl")],
        str(tmp_path / "out"),
        str(tmp_path / "capture"),
        record_format="jsonlines",
        job_start=START,
    )
    outputs = [orjson.loads(line) for line in (tmp_path / "out/in.jsonl.out").read_bytes().splitlines()]
    assert [o["score"] for o in outputs] == [0.5, 1.0]
    assert list(outputs[0]) == ["score", "SageMakerInferenceId", "SageMakerInferenceTime"]
    assert outputs[0]["SageMakerInferenceId"] != outputs[1]["SageMakerInferenceId"]
    assert result.failed_records == []


def test_run_batch_without_inference_id_keeps_outputs(tmp_path: Path) -> None:
    (tmp_path / "in.csv").write_text("1\n")
    run_batch(
        lambda r: r + "0",
        [str(tmp_path / "in.csv")],
        str(tmp_path / "o"),
        str(tmp_path / "c"),
        generate_inference_id=False,
        job_start=START,
    )
    assert (tmp_path / "o/in.csv.out").read_text() == "10\n"


def test_cli_batch_writes_both_manifests(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        [
            "capture",
            "batch",
            "--input",
            f"{tmp_path}/in/p0.csv,{tmp_path}/in/p1.csv",
            "--output",
            f"{tmp_path}/out/p0.csv.out",
            "--destination",
            str(tmp_path / "capture"),
            "--job-name",
            "nightly",
            "--job-start",
            "2026-11-21T10:30:00Z",
        ],
    )
    assert result.exit_code == 0, result.output
    input_manifest = tmp_path / "capture/input/2026/11/21/10/nightly.manifest"
    assert result.output.splitlines()[0] == str(input_manifest)
    assert orjson.loads(input_manifest.read_bytes()) == [{"prefix": f"{tmp_path}/in/"}, "p0.csv", "p1.csv"]
    assert (tmp_path / "capture/output/2026/11/21/10/nightly.manifest").is_file()


def test_cli_batch_bad_job_start_names_the_option(tmp_path: Path) -> None:
    result = CliRunner().invoke(
        app,
        [
            "capture",
            "batch",
            "--input",
            "a",
            "--output",
            "b",
            "--destination",
            str(tmp_path),
            "--job-start",
            "yesterday",
        ],
    )
    assert result.exit_code != 0
    assert "--job-start" in str(result.exception)


@pytest.mark.parametrize("job_name", ["../../evil", "..", "a/b", "", ".hidden"])
def test_a_job_name_cannot_leave_the_destination(tmp_path: Path, job_name: str) -> None:
    destination = tmp_path / "deep" / "capture"
    (tmp_path / "in.csv").write_text("1\n")
    calls: list[str] = []
    with pytest.raises(ConfigurationError, match="batch job name"):
        run_batch(
            calls.append,
            [str(tmp_path / "in.csv")],
            str(tmp_path / "out"),
            str(destination),
            job_name=job_name,
        )
    assert calls == []  # refused before the model ran
    with pytest.raises(ConfigurationError, match="batch job name"):
        write_batch_manifests(["/i"], ["/o"], str(destination), job_start=START, job_name=job_name)
    assert sorted(p.name for p in tmp_path.rglob("*")) == ["in.csv"]
