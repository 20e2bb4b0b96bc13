"""plotly.js from the installed ``plotly`` package (MIT), so reports and pages load nothing from elsewhere.

The Python package ships the browser bundle as package data (``plotly/package_data/plotly.min.js``);
it is read from there, never from a CDN: a report must open on a machine with no internet.
"""

from __future__ import annotations

import importlib.util
from functools import cache
from pathlib import Path

from modelmonitor.errors import ConfigurationError

__all__ = ["plotly_js", "plotly_js_path"]


def plotly_js_path() -> Path:
    """Where the installed ``plotly`` package keeps ``plotly.min.js``; ConfigurationError when absent."""
    # find_spec does not import plotly (its package __init__ pulls in far more than the bundle).
    spec = importlib.util.find_spec("plotly")
    folders = list(spec.submodule_search_locations or []) if spec is not None else []
    for folder in folders:
        bundle = Path(folder) / "package_data" / "plotly.min.js"
        if bundle.is_file():
            return bundle
    raise ConfigurationError(
        "plotly.min.js not found: the 'plotly' Python package (a dependency of modelmonitor) is not "
        "installed or has no package_data/plotly.min.js; reinstall modelmonitor"
    )


@cache
def plotly_js() -> str:
    """The plotly.js bundle's text, safe to inline in a ``<script>`` element (read once per process)."""
    text = plotly_js_path().read_text(encoding="utf-8")
    # An inline script ends at the first "</script"; the bundle is not expected to hold one, but a
    # future version must not be able to cut the report's script short.
    return text.replace("</script", "<\\/script")
