"""The monitor registry: what each ``MonitoringType`` computes, with which modules, from which inputs.

One entry per monitoring type names its analyzer (rows → a mergeable profile), its constraint suggester
(baselining) and checker (monitoring), its metric records and the inputs a job of that type needs. The
pipeline (``jobs.pipeline``) and the service look monitors up here and nowhere else branch on the type,
so a new monitor is its modules (``analyzers/``, ``constraints/``, ``outputs/metrics``) plus one entry.

Only DataQuality is implemented. The other types have no entry: asking for one raises
``ConfigurationError`` saying it is not implemented yet (a custom monitor, which computes for itself, may
still carry any type).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from modelmonitor.analyzers.data_quality import DataQualityProfile, profile_source
from modelmonitor.constraints.data_quality import CheckReport, evaluate, suggest
from modelmonitor.dataset.report import ReadReport
from modelmonitor.errors import ConfigurationError
from modelmonitor.formats.constraints import CategoricalDriftMethod, ConstraintsFile
from modelmonitor.formats.job_definition import JobDefinition
from modelmonitor.formats.statistics import StatisticsFile
from modelmonitor.formats.statuses import MonitoringType
from modelmonitor.outputs.metrics import data_quality_metric_records

__all__ = ["MONITORS", "JobInput", "Monitor", "check_inputs", "monitor_for"]


class JobInput(StrEnum):
    """An input a monitoring job of some type cannot run without."""

    BASELINE_STATISTICS = "baseline statistics"
    BASELINE_CONSTRAINTS = "baseline constraints"
    GROUND_TRUTH = "ground truth"
    ANALYSIS_CONFIG = "analysis config"
    MODEL_ENDPOINT = "model endpoint"


@dataclass(frozen=True)
class Monitor:
    """One monitoring type's steps. ``profile`` reads a ``DatasetSource`` on an engine (``profile_source``'s
    signature) into a mergeable profile and the read report."""

    monitoring_type: MonitoringType
    profile: Callable[..., tuple[DataQualityProfile, ReadReport]]
    suggest: Callable[[StatisticsFile, CategoricalDriftMethod | None], ConstraintsFile]
    check: Callable[[DataQualityProfile, StatisticsFile | None, ConstraintsFile], CheckReport]
    metric_records: Callable[..., list[dict[str, Any]]]
    required_inputs: frozenset[JobInput]


def _data_quality_metrics(
    statistics: StatisticsFile,
    drift: Mapping[str, float],
    *,
    endpoint: str | None,
    schedule: str | None,
    timestamp: datetime,
) -> list[dict[str, Any]]:
    return data_quality_metric_records(
        statistics, drift, endpoint=endpoint, schedule=schedule, timestamp=timestamp
    )


MONITORS: Mapping[MonitoringType, Monitor] = {
    MonitoringType.DATA_QUALITY: Monitor(
        monitoring_type=MonitoringType.DATA_QUALITY,
        profile=profile_source,
        suggest=suggest,
        check=evaluate,
        metric_records=_data_quality_metrics,
        # Both baseline files are optional: without constraints the job writes statistics only.
        required_inputs=frozenset(),
    ),
}


def monitor_for(monitoring_type: MonitoringType) -> Monitor:
    """The registry entry of ``monitoring_type``; ConfigurationError when it is not implemented yet."""
    try:
        return MONITORS[monitoring_type]
    except KeyError:
        implemented = ", ".join(sorted(t.value for t in MONITORS))
        raise ConfigurationError(
            f"monitoring type {monitoring_type.value} is not implemented yet (implemented: {implemented}); "
            "a custom monitor (--command, ModelMonitor(entrypoint=[...])) can run it meanwhile"
        ) from None


def _given(definition: JobDefinition) -> set[JobInput]:
    given = set()
    if definition.baseline_statistics:
        given.add(JobInput.BASELINE_STATISTICS)
    if definition.baseline_constraints:
        given.add(JobInput.BASELINE_CONSTRAINTS)
    return given


def check_inputs(definition: JobDefinition) -> None:
    """A built-in job's type is implemented and its definition names every input the type needs."""
    if definition.is_custom:
        return
    monitor = monitor_for(definition.monitoring_type)
    missing = sorted(monitor.required_inputs - _given(definition))
    if missing:
        raise ConfigurationError(
            f"a {definition.monitoring_type.value} monitoring job needs {', '.join(missing)}; "
            "the job definition has none"
        )
