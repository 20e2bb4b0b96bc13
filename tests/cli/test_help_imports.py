"""What ``modelmonitor --help`` imports: every command's start-up pays for it before doing anything.

Command modules import the service, the data path and the demo's own dependencies inside the commands
that use them, so that asking for help (or running a light command) does not load the catalog
(SQLAlchemy), the readers (pyarrow, DuckDB) or NumPy.
"""

from __future__ import annotations

import subprocess
import sys

import pytest

_HEAVY = ("sqlalchemy", "pyarrow", "duckdb", "numpy", "modelmonitor.service", "sklearn", "httpx")

_HELP = f"""
import sys
from modelmonitor.cli.main import main
try:
    main(sys.argv[1:])
except SystemExit:
    pass
print("LOADED:" + " ".join(name for name in {_HEAVY!r} if name in sys.modules))
"""


@pytest.mark.parametrize("args", [["--help"], ["demo", "--help"], ["baseline", "--help"]])
def test_help_does_not_import_the_service_or_the_data_path(args: list[str]) -> None:
    done = subprocess.run(
        [sys.executable, "-c", _HELP, *args], capture_output=True, text=True, timeout=120, check=True
    )
    assert "Usage" in done.stdout  # the help was printed: the check below ran after it
    loaded = done.stdout.rsplit("LOADED:", 1)[1].split()
    assert loaded == []
