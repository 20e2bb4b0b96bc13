"""The engine a job asked for (``formats.engine_choice.EngineChoice``), built: local or Spark."""

from __future__ import annotations

from modelmonitor.engine.base import Engine
from modelmonitor.engine.local import LocalEngine
from modelmonitor.engine.spark import SparkEngine
from modelmonitor.formats.engine_choice import EngineChoice

__all__ = ["engine_for"]


def engine_for(choice: EngineChoice | None) -> Engine:
    """The local engine for None or ``local``; a Spark engine (started on first use) for ``spark``."""
    if choice is None or choice.kind == "local":
        return LocalEngine()
    return SparkEngine(choice.spark_master, choice.conf)
