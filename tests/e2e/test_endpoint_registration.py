"""The capture proxy registers its endpoint in the catalog when it starts (issue #4, "Endpoints")."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from modelmonitor.capture.proxy import ProxyEndpoint
from modelmonitor.errors import NotFoundError
from modelmonitor.service.registration import CatalogRegistration
from modelmonitor.settings import Settings
from modelmonitor.storage.catalog import Catalog
from tests.capture.servers import free_port

pytestmark = pytest.mark.e2e


def test_capture_proxy_registers_its_endpoint(tmp_path: Path) -> None:
    home = tmp_path / "home"
    env = {**os.environ, "MODELMONITOR_HOME": str(home)}
    env.pop("MODELMONITOR_CATALOG_URL", None)
    port = free_port()
    proxy = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "modelmonitor",
            "capture",
            "proxy",
            "--upstream",
            "http://127.0.0.1:9",
            "--listen",
            f"127.0.0.1:{port}",
            "--endpoint-name",
            "fraud",
            "--variant",
            "Blue",
            "--destination",
            str(tmp_path / "capture"),
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        catalog_file = home / "catalog.sqlite"
        deadline = time.monotonic() + 30
        endpoint = None
        while endpoint is None and time.monotonic() < deadline:
            if catalog_file.exists():
                catalog = Catalog(f"sqlite:///{catalog_file}")
                try:
                    endpoint = catalog.get_endpoint("fraud")
                except NotFoundError:
                    time.sleep(0.1)
                finally:
                    catalog.close()
            else:
                time.sleep(0.1)
        assert endpoint is not None, "the proxy did not register its endpoint"
        assert endpoint.capture_destination == str(tmp_path / "capture")
        assert endpoint.variants == ("Blue",)
        assert endpoint.source == "proxy"
        proxy.send_signal(signal.SIGTERM)
        output = proxy.communicate(timeout=30)[0].decode()
        # uvicorn stops gracefully (capture drained and its summary logged), then re-raises the signal.
        assert proxy.returncode == -signal.SIGTERM, output
        assert "capture stopped" in output
    finally:
        if proxy.poll() is None:
            proxy.kill()
            proxy.wait(30)


def test_registration_merges_variants_and_never_raises(tmp_path: Path) -> None:
    settings = Settings(home=tmp_path, catalog_url=f"sqlite:///{tmp_path / 'c.sqlite'}")
    hook = CatalogRegistration(settings)
    for variant in ("A", "B"):
        asyncio.run(
            hook.endpoint_started(ProxyEndpoint("ep", variant, "http://l", "http://u", "/cap", 20.0, True))
        )
    catalog = Catalog(settings.catalog_url)
    assert catalog.get_endpoint("ep").variants == ("A", "B")
    catalog.close()
    broken = CatalogRegistration(Settings(home=tmp_path, catalog_url="postgresql://nobody@127.0.0.1:9/none"))
    broken.register("ep", "/cap", "A", "proxy")  # logged, not raised: capture must keep serving
