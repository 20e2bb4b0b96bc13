"""`modelmonitor report` and `schedule create --html-report` from the shell: the files they write and
the exit codes of README's contract for what cannot be reported."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from modelmonitor.cli.main import app, main
from tests.monitoring_data import write_baseline, write_capture
from tests.reports.conftest import CONFORMANCE, CheckedFiles

_SECTIONS = re.compile(r'<section class="feature[^"]*" id="[^"]+" data-feature="([^"]+)"')


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MODELMONITOR_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("MODELMONITOR_CATALOG_URL", raising=False)
    return tmp_path / "home"


def _invoke(*args: str) -> dict[str, object]:
    result = CliRunner().invoke(app, list(args))
    assert result.exit_code == 0, result.output
    parsed: dict[str, object] = json.loads(result.output)
    return parsed


def test_a_schedule_with_html_report_writes_it_beside_its_statistics(home: Path, tmp_path: Path) -> None:
    hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    start = hour - timedelta(hours=2)
    write_capture(tmp_path / "capture", "ep", start, hours=2, per_hour=20, drift_from=start)
    statistics, constraints = write_baseline(tmp_path / "baseline")
    _invoke("endpoint", "register", "ep", "--capture-destination", str(tmp_path / "capture"))
    created = _invoke(
        "schedule", "create", "hourly", "--endpoint", "ep", "--statistics", str(statistics),
        "--constraints", str(constraints), "--cron", "cron(0 * ? * * *)", "--output", str(tmp_path / "out"),
        "--html-report",
    )  # fmt: skip
    definition = created["definition"]
    assert isinstance(definition, dict)
    assert definition["html_report"] is True
    # The window counts back from now, the capture fills whole hours before this one: reach an hour further.
    execution = _invoke("run-now", "hourly", "--start", "-PT3H", "--end", "-PT0H")
    assert execution["status"] == "CompletedWithViolations", execution
    output = Path(str(execution["output_uri"]))
    written = (output / "report.html").read_text(encoding="utf-8")
    assert (output / "statistics.json").exists()
    assert _SECTIONS.findall(written)[0] == "f1"  # the drifted feature first
    assert "Data-quality report: hourly" in written
    violations = json.loads((output / "constraint_violations.json").read_text())["violations"]
    assert f'id="violation-count">{len(violations)}</strong>' in written

    out = tmp_path / "again.html"
    result = CliRunner().invoke(app, ["report", "--execution", str(execution["id"]), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == str(out)
    again = out.read_text(encoding="utf-8")
    assert _SECTIONS.findall(again) == _SECTIONS.findall(written)
    assert f"Data-quality report: hourly #{execution['id']}" in again


def test_a_schedule_without_the_option_writes_no_report(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    hour = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    write_capture(tmp_path / "capture", "ep", hour - timedelta(hours=1), hours=1, per_hour=10)
    statistics, constraints = write_baseline(tmp_path / "baseline")
    _invoke("endpoint", "register", "ep", "--capture-destination", str(tmp_path / "capture"))
    _invoke(
        "schedule", "create", "hourly", "--endpoint", "ep", "--statistics", str(statistics),
        "--constraints", str(constraints), "--output", str(tmp_path / "out"),
    )  # fmt: skip
    monkeypatch.setenv("FORCE_COLOR", "1")  # rich takes stderr for a terminal: run-now shows its spinner
    # As above: the window counts back from now, an hour further than the capture's one hour.
    assert main(["run-now", "hourly", "--start", "-PT2H", "--end", "-PT0H"]) in (None, 0)
    captured = capsys.readouterr()
    assert "running an execution of hourly" in captured.err
    execution = json.loads(captured.out)
    output = Path(str(execution["output_uri"]))
    assert (output / "statistics.json").exists()
    assert not (output / "report.html").exists()


def test_report_from_files_into_a_folder(
    drifted: CheckedFiles, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    args = ["report", "--statistics", str(drifted.output), "--baseline", str(drifted.baseline)]
    assert main([*args, "--out", str(tmp_path / "reports")]) in (None, 0)
    assert capsys.readouterr().err == ""  # not a terminal: no progress display
    monkeypatch.setenv("FORCE_COLOR", "1")
    assert main([*args, "--out", str(tmp_path / "again.html")]) in (None, 0)
    assert "4/4" in capsys.readouterr().err  # on a terminal: the steps' bar, to its end
    html = (tmp_path / "reports" / "report.html").read_text(encoding="utf-8")
    assert _SECTIONS.findall(html)[0] == "_c2"
    assert 'id="no-violations"' in html  # no --violations: none shown, the drift still is


def _fails(capsys: pytest.CaptureFixture[str], args: list[str], code: int, *message: str) -> None:
    with pytest.raises(SystemExit) as exited:
        main(args)
    assert exited.value.code == code
    err = capsys.readouterr().err
    assert err.startswith("error: ")
    for part in message:
        assert part in err, err


@pytest.mark.usefixtures("home")
def test_what_cannot_be_reported_exits_with_readmes_codes(
    drifted: CheckedFiles, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = ["--out", str(tmp_path / "r.html")]
    stats, base = str(drifted.output / "statistics.json"), str(drifted.baseline)
    _fails(capsys, ["report", *out], 2, "either --execution ID or --statistics")
    _fails(capsys, ["report", "--execution", "1", "--statistics", stats, *out], 2, "either --execution")
    _fails(capsys, ["report", "--statistics", stats, *out], 2, "--statistics needs --baseline")
    _fails(capsys, ["report", "--execution", "1", "--baseline", base, *out], 2, "go with --statistics")
    _fails(capsys, ["report", "--execution", "999", *out], 4, "999")
    _fails(capsys, ["report", "--statistics", stats, "--baseline", str(tmp_path / "nowhere"), *out], 4,
           str(tmp_path / "nowhere" / "statistics.json"), "no such file")  # fmt: skip
    model_quality = CONFORMANCE / "sdk-quality-check-step" / "model_quality" / "statistics.json"
    _fails(capsys, ["report", "--statistics", str(model_quality), "--baseline", base, *out], 3,
           str(model_quality))  # fmt: skip
    other = tmp_path / "other"
    other.mkdir()
    for name in ("statistics.json", "constraints.json"):
        (other / name).write_bytes((CONFORMANCE / "sdk-monitor" / name).read_bytes())
    _fails(capsys, ["report", "--statistics", stats, "--baseline", str(other), *out], 3,
           "no feature in common", "_c0", "message")  # fmt: skip
    assert not (tmp_path / "r.html").exists()


def test_html_report_is_refused_where_no_report_can_be_written(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _invoke("endpoint", "register", "ep", "--capture-destination", str(tmp_path / "capture"))
    base = ["schedule", "create", "s", "--endpoint", "ep", "--html-report"]
    _fails(capsys, [*base, "--command", "true"], 2, "html_report", "custom monitor command 'true'")
    _fails(capsys, [*base, "--monitoring-type", "ModelQuality", "--problem-type", "Regression",
                    "--ground-truth", str(tmp_path / "gt"), "--inference-attribute", "0"], 2,
           "html_report", "ModelQuality")  # fmt: skip
