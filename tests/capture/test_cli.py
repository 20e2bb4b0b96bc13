"""`modelmonitor capture proxy` refuses bad arguments with the option named, before serving anything."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from modelmonitor.cli.main import app
from modelmonitor.errors import ConfigurationError


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--upstream", "ftp://model"], "upstream: got 'ftp://model'"),
        (["--listen", "8081"], "--listen: got '8081'"),
        (["--storage-option", "endpoint_url"], "--storage-option: got 'endpoint_url'"),
        (["--capture-options", "Both"], "capture option: got 'Both'"),
        (["--disk-usage-threshold", "1.5"], "disk usage threshold: got 1.5"),
    ],
    ids=["upstream", "listen", "storage-option", "capture-options", "disk-threshold"],
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
