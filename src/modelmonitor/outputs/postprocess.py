"""The post-analytics processor: a user's ``postprocess_handler()`` run after a successful analysis (§10.6).

Runs in the job's process, after the reports were written, so the handler can read them (e.g. to send a
notification). A missing handler or an exception fails the job with the script's ``file:line``.
"""

from __future__ import annotations

import importlib.util
import logging
import traceback
from pathlib import Path

from modelmonitor.errors import UserScriptError

__all__ = ["run_postprocess"]


def run_postprocess(script: str, logger: logging.Logger) -> None:
    path = Path(script)
    if not path.is_file():
        raise UserScriptError(f"{script}: post-analytics processor script not found")
    spec = importlib.util.spec_from_file_location(f"modelmonitor_postprocess_{path.stem}", path)
    if spec is None or spec.loader is None:
        raise UserScriptError(f"{script}: cannot be imported as a Python module")
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
        handler = getattr(module, "postprocess_handler", None)
        if not callable(handler):
            raise UserScriptError(f"{script}: the script defines no function named postprocess_handler")
        logger.info("running postprocess_handler() of %s", script)
        handler()
    except UserScriptError:
        raise
    except Exception as exc:
        frames = [
            f for f in traceback.extract_tb(exc.__traceback__) if Path(f.filename).resolve() == path.resolve()
        ]
        where = f"{script}:{frames[-1].lineno}" if frames else script
        logger.error("postprocess_handler failed:\n%s", traceback.format_exc())
        raise UserScriptError(f"postprocess_handler raised {exc!r} at {where}") from exc
