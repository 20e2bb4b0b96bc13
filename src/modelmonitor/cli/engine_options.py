"""``--engine``, ``--spark-master`` and ``--spark-conf``: declared once for every command that reads data."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from modelmonitor.formats.engine_choice import EngineChoice

__all__ = ["EngineOption", "EngineValue", "SparkConfOption", "SparkMasterOption", "engine_choice"]


class EngineValue(StrEnum):
    local = "local"
    spark = "spark"


EngineOption = Annotated[
    EngineValue,
    typer.Option(
        "--engine",
        help="local (this process) or spark (Apache Spark; pip install 'modelmonitor[spark]', Java 17).",
    ),
]
SparkMasterOption = Annotated[
    str | None,
    typer.Option(
        "--spark-master",
        help="Spark master URL when no Spark session is active (default local[*]); --engine spark only.",
    ),
]
SparkConfOption = Annotated[
    list[str] | None,
    typer.Option(
        "--spark-conf",
        help="A Spark setting key=value for the session (repeatable), e.g. spark.executor.memory=4g.",
    ),
]


def engine_choice(engine: EngineValue, master: str | None, conf: list[str] | None) -> EngineChoice:
    """The service's engine value; a ConfigurationError (exit 2) for Spark options without --engine spark."""
    return EngineChoice.parse(engine.value, master, conf or ())
