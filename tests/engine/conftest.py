"""One local Spark session for every Spark test of the run (a JVM takes seconds to start on 2 cores)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest


@pytest.fixture(scope="session")
def spark() -> Iterator[Any]:
    """The active session the Spark engine then finds (as under spark-submit or in a notebook)."""
    from modelmonitor.engine.spark import spark_session

    session = spark_session(
        "local[2]",
        {
            "spark.ui.enabled": "false",
            "spark.sql.shuffle.partitions": "2",
            "spark.driver.memory": "1g",
            "spark.ui.showConsoleProgress": "false",
        },
    )
    yield session
    session.stop()
