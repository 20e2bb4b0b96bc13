"""``modelmonitor ground-truth upload`` and the SDK helper, on real files."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from modelmonitor.cli.main import app
from modelmonitor.errors import ConfigurationError, DatasetError
from modelmonitor.model_monitor import upload_ground_truth

runner = CliRunner(env={"COLUMNS": "400"})


def _written(root: Path) -> list[dict[str, object]]:
    return [json.loads(line) for f in sorted(root.rglob("*.jsonl")) for line in f.read_text().splitlines()]


def test_upload_csv_to_the_collection_hour(tmp_path: Path) -> None:
    source = tmp_path / "labels.csv"
    source.write_text("inference_id,label\n1,0\n2,1\n3,\n")
    result = runner.invoke(
        app,
        ["ground-truth", "upload", str(source), "--destination", str(tmp_path / "gt"),
         "--collected-at", "2026-11-26T05:30:00Z"],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert "wrote 2 label(s) in 1 file(s)" in result.output
    assert "1 bad record(s)" in result.output
    assert f"bad record: {source}:4 (field label): empty" in result.output
    files = list((tmp_path / "gt/2026/11/26/05").glob("*.jsonl"))
    assert len(files) == 1
    assert [r["eventMetadata"] for r in _written(tmp_path / "gt")] == [{"eventId": "1"}, {"eventId": "2"}]


def test_unknown_format_and_no_usable_label_exit_with_a_reason(tmp_path: Path) -> None:
    odd = tmp_path / "labels.txt"
    odd.write_text("x")
    result = runner.invoke(app, ["ground-truth", "upload", str(odd), "-d", str(tmp_path / "gt")])
    assert isinstance(result.exception, ConfigurationError)
    assert result.exception.exit_code == 2
    assert "cannot tell the format from the file names (?); give --format" in str(result.exception)
    empty = tmp_path / "labels.jsonl"
    empty.write_text('{"eventMetadata": {"eventId": "a"}}\n')
    result = runner.invoke(app, ["ground-truth", "upload", str(empty), "-d", str(tmp_path / "gt")])
    assert isinstance(result.exception, DatasetError)
    assert result.exception.exit_code == 3
    assert "no usable label in 1 record(s); first: " in str(result.exception)
    assert not (tmp_path / "gt").exists()


def test_sdk_helper_reads_a_folder_and_needs_an_aware_time(tmp_path: Path) -> None:
    folder = tmp_path / "in"
    folder.mkdir()
    for name in ("a", "b"):
        (folder / f"{name}.jsonl").write_text(
            json.dumps(
                {
                    "groundTruthData": {"data": name, "encoding": "CSV"},
                    "eventMetadata": {"eventId": name},
                    "eventVersion": "0",
                }
            )
            + "\n"
        )
    upload = upload_ground_truth(
        str(folder), str(tmp_path / "gt"), collected_at=datetime(2026, 1, 2, 3, tzinfo=UTC)
    )
    assert upload.label_count == 2
    assert upload.report.files == 2
    assert all("/2026/01/02/03/" in f for f in upload.files)
    with pytest.raises(ConfigurationError, match="expected a time with a UTC offset"):
        upload_ground_truth(str(folder), str(tmp_path / "gt"), collected_at=datetime(2026, 1, 2, 3))
