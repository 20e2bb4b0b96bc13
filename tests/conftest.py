"""Shared fixtures: the real SageMaker files kept in tests/conformance/data (see its SOURCES.md), and a
throwaway PostgreSQL cluster for the catalog tests (storage, scheduler), from Debian's packages
(scripts/test-services.sh).

initdb runs in a temporary directory, the server listens on a free loopback port and is stopped at the
end of the session. As root, the server runs as the ``postgres`` user (PostgreSQL refuses root). Without
PostgreSQL the tests skip with a message, except in CI (CI=true) where they fail.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from modelmonitor.storage.catalog import Catalog
from modelmonitor.storage.catalog_records import Base
from tests.capture.servers import free_port

CONFORMANCE_DIR = Path(__file__).resolve().parent / "conformance" / "data"


@pytest.fixture(scope="session")
def conformance_dir() -> Path:
    """The folder of real SageMaker outputs; part of the repository, so never skipped."""
    return CONFORMANCE_DIR


def _pg_bin() -> Path | None:
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), reverse=True)
    return Path(candidates[0]).parent if candidates else None


def _unavailable(message: str) -> None:
    if os.environ.get("CI") == "true":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    bindir = _pg_bin()
    if bindir is None:
        _unavailable("PostgreSQL is not installed (run: bash scripts/test-services.sh)")
        return
    as_user: list[str] = []
    if os.geteuid() == 0:
        runuser = shutil.which("runuser")
        if runuser is None:
            _unavailable("running as root without runuser; cannot start PostgreSQL as the postgres user")
        as_user = [str(runuser), "-u", "postgres", "--"]
    workdir = Path(tempfile.mkdtemp(prefix="mm-pg-"))
    data = workdir / "data"
    if as_user:
        shutil.chown(workdir, user="postgres")
    port = free_port()
    subprocess.run(
        [*as_user, str(bindir / "initdb"), "-D", str(data), "-U", "mm", "--auth=trust", "-E", "UTF8"],
        check=True,
        capture_output=True,
    )
    logfile = workdir / "server.log"
    options = f"-p {port} -k {workdir} -c listen_addresses=127.0.0.1 -c fsync=off"
    started = subprocess.run(
        [*as_user, str(bindir / "pg_ctl"), "-D", str(data), "-l", str(logfile), "-o", options, "-w", "start"],
        capture_output=True,
        text=True,
    )
    if started.returncode != 0:
        log = logfile.read_text() if logfile.exists() else ""
        pytest.fail(f"PostgreSQL did not start: {started.stderr}\n{log}")
    try:
        subprocess.run(
            [str(bindir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "mm", "catalog"],
            check=True,
            capture_output=True,
        )
        yield f"postgresql://mm@127.0.0.1:{port}/catalog"
    finally:
        subprocess.run(
            [*as_user, str(bindir / "pg_ctl"), "-D", str(data), "-m", "fast", "stop"],
            check=False,
            capture_output=True,
        )
        shutil.rmtree(workdir, ignore_errors=True)


def empty_postgres_catalog(url: str) -> None:
    """One database for the session: drop every table so a test starts from an empty catalog."""
    catalog = Catalog(url)
    Base.metadata.drop_all(catalog._engine)
    catalog.close()


@pytest.fixture(params=["sqlite", "postgresql"])
def catalog_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'catalog.sqlite'}"
    url: str = request.getfixturevalue("postgres_url")
    empty_postgres_catalog(url)
    return url
