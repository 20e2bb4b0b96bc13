"""Captured payloads are private: 0600 files in 0700 folders; the spool is a private folder of this user."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from modelmonitor.capture.config import CaptureSettings
from modelmonitor.capture.pipeline import CapturePipeline
from modelmonitor.errors import ConfigurationError
from tests.capture.servers import free_port


def _mode(path: Path) -> int:
    return stat.S_IMODE(os.lstat(path).st_mode)


@pytest.fixture(autouse=True)
def open_umask() -> Iterator[None]:
    previous = os.umask(0o000)
    yield
    os.umask(previous)


def test_local_capture_files_are_0600_in_0700_folders(tmp_path: Path) -> None:
    destination = tmp_path / "made-by-capture"
    pipeline = CapturePipeline(
        CaptureSettings(endpoint_name="churn", destination=str(destination), sampling_percentage=100)
    )
    pipeline.start()
    assert pipeline.submit(
        status=200,
        request_body=b"1",
        request_content_type="text/csv",
        response_body=b"2",
        response_content_type="text/csv",
        inference_id="a",
    )
    pipeline.close()
    (capture_file,) = destination.rglob("*.jsonl")
    assert _mode(capture_file) == 0o600
    folder = capture_file.parent
    while folder != tmp_path:
        assert _mode(folder) == 0o700, folder
        folder = folder.parent


def test_the_default_spool_is_a_private_folder_under_the_home(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MODELMONITOR_HOME", str(tmp_path / "home"))
    pipeline = CapturePipeline(CaptureSettings(endpoint_name="churn", destination="s3://bucket/capture"))
    spool = pipeline.writer.local_root.parent
    assert spool == tmp_path / "home" / "capture-spool"
    assert (_mode(tmp_path / "home"), _mode(spool)) == (0o700, 0o700)


def test_a_spool_others_can_write_is_refused_before_serving(tmp_path: Path) -> None:
    spool = tmp_path / "spool"
    spool.mkdir(mode=0o777)
    settings = CaptureSettings(endpoint_name="churn", destination="s3://bucket/capture", spool_dir=str(spool))
    with pytest.raises(ConfigurationError, match=r"capture spool folder .*mode 0777"):
        CapturePipeline(settings)
    argv = ["capture", "proxy", "--upstream", "http://127.0.0.1:9", "--listen", f"127.0.0.1:{free_port()}"]
    argv += ["--endpoint-name", "churn", "--destination", "s3://bucket/capture", "--spool-dir", str(spool)]
    program = "import sys; from modelmonitor.cli.main import main; main(sys.argv[1:])"
    done = subprocess.run([sys.executable, "-c", program, *argv], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2, done.stderr
    assert "lets others in, expected 0700" in done.stderr
