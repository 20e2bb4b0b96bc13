"""`modelmonitor capture proxy` refuses bad arguments with the option named, before serving anything."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from modelmonitor.cli.main import app
from modelmonitor.errors import ConfigurationError
from tests.capture.servers import free_port


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--upstream", "ftp://model"], "upstream: got 'ftp://model'"),
        (["--listen", "8081"], "--listen: got '8081'"),
        (["--storage-option", "endpoint_url"], "--storage-option: got 'endpoint_url'"),
        (["--capture-options", "Both"], "capture option: got 'Both'"),
        (["--disk-usage-threshold", "1.5"], "disk usage threshold: got 1.5"),
        (["--endpoint-name", ".."], "endpoint name '..': expected 1-63 letters"),
        (["--variant", ".."], "variant name '..': expected 1-63 letters"),
        (["--variant", "a/b"], "variant name 'a/b'"),
    ],
    ids=[
        "upstream",
        "listen",
        "storage-option",
        "capture-options",
        "disk-threshold",
        "endpoint",
        "variant",
        "slash",
    ],
)
def test_bad_proxy_arguments(tmp_path: Path, extra: list[str], message: str) -> None:
    arguments = {
        "--upstream": "http://127.0.0.1:9",
        "--endpoint-name": "churn",
        "--destination": str(tmp_path),
    }
    for index in range(0, len(extra), 2):
        arguments[extra[index]] = extra[index + 1]
    flat = [part for pair in arguments.items() for part in pair]
    result = CliRunner().invoke(app, ["capture", "proxy", *flat])
    assert isinstance(result.exception, ConfigurationError)
    assert message in str(result.exception)


def test_a_path_escaping_name_exits_2_before_serving(tmp_path: Path) -> None:
    # A real process with a time limit: a proxy that wrongly serves fails the test instead of hanging it.
    argv = ["capture", "proxy", "--upstream", "http://127.0.0.1:9", "--listen", f"127.0.0.1:{free_port()}"]
    argv += ["--endpoint-name", "..", "--variant", "..", "--destination", str(tmp_path / "d")]
    program = "import sys; from modelmonitor.cli.main import main; main(sys.argv[1:])"
    done = subprocess.run([sys.executable, "-c", program, *argv], capture_output=True, text=True, timeout=60)
    assert done.returncode == 2, done.stderr
    assert "endpoint name '..'" in done.stderr
    assert list(tmp_path.iterdir()) == []  # nothing created, above or below the destination
