from __future__ import annotations

import importlib
import pkgutil
import subprocess
import sys

import modelmonitor


def _public_modules() -> list[str]:
    found = []
    for info in pkgutil.walk_packages(modelmonitor.__path__, "modelmonitor."):
        if not any(part.startswith("_") for part in info.name.split(".")[1:]):
            found.append(info.name)
    return found


def _isort_key(name: str) -> tuple[int, str]:
    # the order ruff's RUF022 enforces: CONSTANTS, then CamelCase, then everything else
    if name.isupper():
        return (0, name)
    if name[:1].isupper():
        return (1, name)
    return (2, name)


def test_every_dunder_all_is_sorted_and_names_real_attributes() -> None:
    for name in _public_modules():
        module = importlib.import_module(name)
        exported = getattr(module, "__all__", None)
        if exported is None:
            continue
        assert list(exported) == sorted(exported, key=_isort_key), f"{name}.__all__ is not sorted"
        missing = [item for item in exported if not hasattr(module, item)]
        assert not missing, f"{name}.__all__ names missing attributes {missing}"


def test_importing_the_package_starts_nothing() -> None:
    code = "import threading, modelmonitor; print(threading.active_count())"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "1"
