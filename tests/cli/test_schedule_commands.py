from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from modelmonitor.cli.main import app, main


@pytest.fixture
def runner(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    monkeypatch.setenv("MODELMONITOR_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("MODELMONITOR_CATALOG_URL", raising=False)
    return CliRunner()


def test_endpoint_and_schedule_lifecycle(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(
        app, ["endpoint", "register", "ep", "--capture-destination", str(tmp_path / "cap")]
    )
    assert result.exit_code == 0, result.output
    result = runner.invoke(
        app,
        [
            "schedule",
            "create",
            "s1",
            "--endpoint",
            "ep",
            "--cron",
            "cron(0 * ? * * *)",
            "--start-offset",
            "-PT2H",
            "--end-offset",
            "-PT1H",
        ],
    )
    assert result.exit_code == 0, result.output
    created = json.loads(result.output)
    assert (created["status"], created["expression"]) == ("Scheduled", "cron(0 * ? * * *)")
    assert created["definition"]["start_time_offset"] == "-PT2H"

    result = runner.invoke(app, ["schedule", "stop", "s1"])
    assert json.loads(result.output)["status"] == "Stopped"
    result = runner.invoke(app, ["schedule", "start", "s1"])
    assert json.loads(result.output)["status"] == "Scheduled"
    result = runner.invoke(app, ["schedule", "update", "s1", "--cron", "NOW"])
    assert result.exit_code != 0
    assert "NOW schedule needs" in str(result.exception)
    result = runner.invoke(app, ["schedule", "list"])
    assert "s1" in result.output

    result = runner.invoke(app, ["endpoint", "delete", "ep"])
    assert result.exit_code != 0
    assert "delete them first" in str(result.exception)
    assert runner.invoke(app, ["schedule", "delete", "s1"]).exit_code == 0
    assert runner.invoke(app, ["endpoint", "delete", "ep"]).exit_code == 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["schedule", "create", "x"], "exactly one of --endpoint and --batch-capture"),
        (["schedule", "create", "x", "--endpoint", "missing"], "not registered"),
        (["schedule", "create", "x", "--batch-capture", "/b", "--cron", "NOW"], "data_analysis_start_time"),
        (["schedule", "create", "x", "--batch-capture", "/b", "--start-offset", "-PT1X"], "not a duration"),
        (["schedule", "create", "x", "--batch-capture", "/b", "--cron", "cron(0 * * * *)"], "6 fields"),
        (["executions", "logs", "99"], "does not exist"),
        (
            ["endpoint", "register", "ep", "--capture-destination", "/c", "--variant", ".."],
            "variant name '..'",
        ),
        (
            ["schedule", "create", "x", "--batch-capture", "/b", "--statistics", "/nope.json"],
            "statistics: /nope",
        ),
        (["schedule", "create", "x", "--batch-capture", "/b", "--cron", "cron(0 0 31 2 ? *)"], "never run"),
        (["schedule", "create", "x", "--batch-capture", "/b", "--cron", ""], "length must be 1-256"),
        (
            ["schedule", "create", "x", "--batch-capture", "/b", "--cron", "cron(0 0 ? * 8 *)"],
            "'8' is not 1-7",
        ),
        (["schedule", "alert", "a", "-s", "x", "--webhook", "http://127.0.0.1:abc/"], "Invalid port"),
        (["schedule", "alert", "a", "-s", "x", "--webhook", "notaurl"], "no scheme"),
        (["schedule", "alert", "a", "-s", "x", "--webhook", "file:///etc/passwd"], "scheme 'file'"),
    ],
    ids=[
        "no-input",
        "unknown-endpoint",
        "now-without-times",
        "bad-offset",
        "bad-cron",
        "no-execution",
        "path-variant",
        "missing-baseline",
        "cron-without-a-run",
        "empty-cron",
        "day-of-week-8",
        "webhook-port",
        "webhook-not-a-url",
        "webhook-file",
    ],
)
def test_errors_are_clear(runner: CliRunner, args: list[str], message: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code != 0
    assert message in str(result.exception)


@pytest.mark.parametrize(
    "args",
    [
        ["schedule", "create", "x", "--batch-capture", "/b", "--cron", "cron(0 0 31 2 ? *)"],
        ["schedule", "alert", "a", "-s", "x", "--webhook", "http://127.0.0.1:abc/"],
    ],
    ids=["cron-without-a-run", "webhook-port"],
)
def test_rows_that_could_never_work_are_refused_with_exit_2(
    runner: CliRunner, args: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(args)
    assert exited.value.code == 2
    assert capsys.readouterr().err.startswith("error: ")


def test_run_now_refuses_to_overlap_an_unfinished_execution(runner: CliRunner, tmp_path: Path) -> None:
    from datetime import UTC, datetime

    from modelmonitor.settings import Settings
    from modelmonitor.storage.catalog import Catalog

    result = runner.invoke(app, ["schedule", "create", "s2", "--batch-capture", str(tmp_path / "b")])
    assert result.exit_code == 0, result.output
    catalog = Catalog(Settings.from_env().catalog_url)
    now = datetime(2026, 11, 21, 10, tzinfo=UTC)
    running = catalog.add_execution(
        schedule_name="s2",
        endpoint_name=None,
        monitoring_type="DataQuality",
        scheduled_time=now,
        status="InProgress",
        now=now,
    )
    catalog.close()
    result = runner.invoke(app, ["run-now", "s2"])
    assert result.exit_code != 0
    assert f"already has execution {running.id} InProgress" in str(result.exception)


def test_a_schedule_without_cron_runs_daily_as_in_the_sdk(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(app, ["schedule", "create", "nightly", "--batch-capture", str(tmp_path / "b")])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["expression"] == "cron(0 0 ? * * *)"


def test_batch_csv_has_a_header_by_default_as_in_the_sdk(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(app, ["schedule", "create", "batch", "--batch-capture", str(tmp_path / "b")])
    assert result.exit_code == 0, result.output
    described = runner.invoke(app, ["schedule", "describe", "batch"])
    assert json.loads(described.output)["schedule"]["definition"]["dataset_format"] == {
        "csv": {"header": True}
    }
