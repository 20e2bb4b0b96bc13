"""The CLI's error contract (README, "Exit codes"): a bad invocation prints one line naming the problem on
stderr and exits with its documented code, never a traceback."""

from __future__ import annotations

import json
import math
import socket
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from modelmonitor.cli.main import main


@pytest.fixture(autouse=True)
def _home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MODELMONITOR_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("MODELMONITOR_CATALOG_URL", raising=False)
    monkeypatch.setenv("COLUMNS", "80")


PROXY = ["capture", "proxy", "--upstream", "http://127.0.0.1:9", "--endpoint-name", "e", "--destination", "d"]
BATCH = ["capture", "batch", "--input", "a.csv", "--output", "a.csv.out", "--destination", "d"]
CREATE = ["schedule", "create", "s", "--batch-capture", "/b"]

BAD_ARGUMENTS = [
    ([], "missing command"),
    (["schedule"], "modelmonitor schedule: missing command"),
    (["bogus"], "No such command 'bogus'"),
    (["baseline"], "Missing argument"),
    (["baseline", "x.csv", "--format", "xml"], "'xml' is not one of"),
    (["baseline", "x.csv", "--bogus"], "No such option: --bogus"),
    (["executions", "describe", "abc"], "'execution_id'"),
    (["executions", "list", "--status", "Bogus"], "execution status 'Bogus'"),
    (["executions", "list", "-n", "-1"], "limit -1"),
    ([*PROXY, "--sampling-percentage", "150"], "--sampling-percentage"),
    ([*PROXY, "--listen", "127.0.0.1:99999"], "port 1-65535"),
    ([*PROXY, "--timeout-seconds", "-1"], "--timeout-seconds"),
    ([*BATCH, "--job-name", "../../evil"], "batch job name '../../evil'"),
    (["scheduler", "--metrics-port", "99999"], "--metrics-port"),
    (["scheduler", "--metrics-port", "-1"], "--metrics-port"),
    ([*CREATE, "--dataset-format", "xml"], "dataset format {'xml'"),
    ([*CREATE, "--command", '"unterminated'], "--command"),
    ([*CREATE, "--cron", ""], "length must be 1-256"),
    ([*CREATE, "--cron", "cron(0 0 31 2 ? *)"], "never run"),
    ([*CREATE, "--start-offset", "PT1H", "--end-offset", "PT2H"], "after the run"),
    (["schedule", "alert", "a", "-s", "s", "--webhook", "notaurl"], "webhook URL"),
    (["endpoint", "register", "e", "-d", ""], "capture destination is empty"),
]


@pytest.mark.parametrize(
    ("args", "problem"), BAD_ARGUMENTS, ids=[" ".join(a) or "no-arguments" for a, _ in BAD_ARGUMENTS]
)
def test_bad_arguments_exit_2_with_one_line(
    args: list[str], problem: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exited:
        main(args)
    err = capsys.readouterr().err
    assert exited.value.code == 2, err
    assert "Traceback" not in err
    assert err.startswith("error: ")
    assert err.count("\n") == 1, err
    assert problem in err


def _baseline_with(folder: Path, edit: Callable[[dict[str, Any]], None]) -> str:
    """A baseline folder of ``data.csv`` whose constraints.json was changed by ``edit``."""
    main(["baseline", str(folder.parent / "data.csv"), "--out", str(folder)])
    constraints = json.loads((folder / "constraints.json").read_text())
    edit(constraints)
    (folder / "constraints.json").write_text(json.dumps(constraints))  # NaN is written as JSON's NaN
    return str(folder)


def _completeness(value: float) -> Callable[[dict[str, Any]], None]:
    def edit(constraints: dict[str, Any]) -> None:
        constraints["features"][0]["completeness"] = value

    return edit


def _comparison_threshold(value: float) -> Callable[[dict[str, Any]], None]:
    def edit(constraints: dict[str, Any]) -> None:
        constraints["monitoring_config"]["distribution_constraints"]["comparison_threshold"] = value

    return edit


# {data}: a small CSV file; {tmp}: the test's folder; {baseline:...}: a baseline folder made by the setup.
BAD_FILES: list[tuple[list[str], int, str]] = [
    (["baseline", "{data}", "--out", "{data}"], 2, "data.csv is a file, expected a folder"),
    (["baseline", "{data}", "--out", "{data}/below"], 2, "data.csv is a file, expected a folder"),
    (["baseline", "{data}", "--out", "/proc/modelmonitor-test"], 2, "cannot make folder /proc/"),
    (["baseline", "{data}", "--out", "{tmp}/taken"], 2, "taken/constraints.json: cannot write: a folder"),
    (["check", "{data}", "--baseline", "{tmp}/taken"], 3, "taken/constraints.json: is a folder, expected"),
    (
        [*PROXY[:-1], "{data}", "--listen", "127.0.0.1:1"],
        2,
        "capture destination '{data}': {data} is a file",
    ),
    ([*BATCH[:-1], "{data}/x"], 2, "capture destination '{data}/x': {data} is a file"),
    (["endpoint", "register", "e", "-d", "{data}"], 2, "capture destination '{data}': {data} is a file"),
    (
        ["check", "{data}", "--baseline", "{baseline:completeness-1.5}"],
        3,
        "field features[0].completeness: Input should be less than or equal to 1 (got 1.5)",
    ),
    (
        ["check", "{data}", "--baseline", "{baseline:completeness-nan}"],
        3,
        "field features[0].completeness: Input should be a finite number",
    ),
    (
        ["check", "{data}", "--baseline", "{baseline:threshold-nan}"],
        3,
        "field monitoring_config.distribution_constraints.comparison_threshold: Input should be a finite",
    ),
    (["baseline", "{tmp}/nul.csv", "--out", "{tmp}/o"], 3, "nul.csv: cannot read as CSV: not CSV text"),
    (["baseline", "{tmp}/binary.csv", "--out", "{tmp}/o"], 3, "binary.csv: cannot read as CSV: not CSV text"),
]
BASELINE_EDITS = {
    "completeness-1.5": _completeness(1.5),
    "completeness-nan": _completeness(math.nan),
    "threshold-nan": _comparison_threshold(math.nan),
}


@pytest.mark.parametrize(
    ("args", "code", "problem"), BAD_FILES, ids=[" ".join(args) for args, _, _ in BAD_FILES]
)
def test_bad_files_and_locations_exit_with_their_code_and_one_line(
    args: list[str], code: int, problem: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "data.csv"
    data.write_text("a,b\n1,x\n2,y\n")
    (tmp_path / "taken" / "constraints.json").mkdir(parents=True)
    (tmp_path / "nul.csv").write_bytes(bytes(range(256)) * 200)
    (tmp_path / "binary.csv").write_bytes(bytes(range(255, 0, -1)) * 200)

    def expand(arg: str) -> str:
        if arg.startswith("{baseline:"):
            name = arg[len("{baseline:") : -1]
            return _baseline_with(tmp_path / name, BASELINE_EDITS[name])
        return arg.replace("{data}", str(data)).replace("{tmp}", str(tmp_path))

    command = [expand(arg) for arg in args]
    capsys.readouterr()
    with pytest.raises(SystemExit) as exited:
        main(command)
    err = capsys.readouterr().err
    assert exited.value.code == code, err
    assert "Traceback" not in err
    assert err.startswith("error: ")
    assert err.count("\n") == 1, err
    assert expand(problem) in err


@pytest.fixture
def busy_port() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield int(sock.getsockname()[1])


@pytest.mark.parametrize(
    ("command", "code"),
    [
        ([*PROXY, "--listen"], 6),  # README: 6, capture could not start
        ([*PROXY, "--listen", "{free}", "--metrics-listen"], 6),
        (
            ["scheduler", "--metrics-host", "127.0.0.1", "--metrics-port"],
            5,
        ),  # conflict with the current state
    ],
    ids=["proxy", "proxy-metrics", "scheduler-metrics"],
)
def test_a_port_in_use_is_one_line_and_its_code(
    command: list[str], code: int, busy_port: int, capsys: pytest.CaptureFixture[str]
) -> None:
    value = str(busy_port) if command[-1] == "--metrics-port" else f"127.0.0.1:{busy_port}"
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        free = f"127.0.0.1:{sock.getsockname()[1]}"
    with pytest.raises(SystemExit) as exited:
        main([*(free if arg == "{free}" else arg for arg in command), value])
    err = capsys.readouterr().err
    assert exited.value.code == code, err
    assert err.count("\n") == 1, err
    assert f"{busy_port}: cannot listen" in err


def test_ragged_rows_print_a_bounded_number_of_warnings_each_once(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "ragged.csv"
    data.write_text("a,b,c\n" + "".join(f"{i},{i}\n" if i % 2 else f"{i},{i},{i}\n" for i in range(4000)))
    main(["baseline", str(data), "--format", "csv", "--header", "--out", str(tmp_path / "out")])
    err = capsys.readouterr().err
    # Before: each of 1,000 named bad records also went to stderr through logging, apart from the 20 shown.
    assert len(err.splitlines()) < 100, err
    assert 0 < err.count("missing columns") <= 20
    warnings = [line for line in err.splitlines() if line.startswith("warning:")]
    assert len(set(warnings)) == len(warnings)


@pytest.mark.parametrize("command", [["capture", "proxy"], ["schedule", "create"], ["baseline"]])
def test_help_is_whole_at_80_columns(command: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    main([*command, "--help"])
    out = capsys.readouterr().out
    assert "…" not in out
    assert all(len(line) <= 80 for line in out.splitlines()), out


def test_no_command_prints_the_commands_then_one_error_line(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["schedule"])
    captured = capsys.readouterr()
    assert exited.value.code == 2
    assert "create" in captured.out
    assert captured.err.count("\n") == 1
