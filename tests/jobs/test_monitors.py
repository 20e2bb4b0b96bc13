"""The monitor registry: one entry per MonitoringType, and the inputs each needs at creation."""

from __future__ import annotations

from pathlib import Path

import pytest

from modelmonitor.errors import ConfigurationError, FormatError
from modelmonitor.formats.job_definition import JobDefinition
from modelmonitor.formats.statuses import MonitoringType
from modelmonitor.jobs.monitors import MONITORS, check_inputs, monitor_for
from modelmonitor.scheduler.clock import SystemClock
from modelmonitor.service import MonitoringService
from modelmonitor.storage.catalog import Catalog


def test_every_monitoring_type_has_its_monitor() -> None:
    assert set(MONITORS) == set(MonitoringType)
    for kind in MonitoringType:
        assert monitor_for(kind).monitoring_type == kind


def _definition(tmp_path: Path, **values: object) -> JobDefinition:
    return JobDefinition(
        input_kind="batch_transform",
        capture_uri=str(tmp_path / "capture"),
        output_uri=str(tmp_path / "out"),
        **values,  # type: ignore[arg-type]
    )


def test_a_custom_monitor_may_carry_any_type(tmp_path: Path) -> None:
    check_inputs(_definition(tmp_path, monitoring_type=MonitoringType.MODEL_BIAS, command=("true",)))


def test_an_explainability_schedule_needs_an_analysis_config_and_reads_either_input(tmp_path: Path) -> None:
    kind = MonitoringType.MODEL_EXPLAINABILITY
    with pytest.raises(
        ConfigurationError, match="a ModelExplainability monitoring job needs analysis config; "
    ):
        check_inputs(_definition(tmp_path, monitoring_type=kind))
    config = str(tmp_path / "analysis_config.json")
    check_inputs(_definition(tmp_path, monitoring_type=kind, analysis_config_uri=config))
    check_inputs(
        JobDefinition(
            input_kind="endpoint",
            endpoint_name="ep",
            output_uri=str(tmp_path / "out"),
            monitoring_type=kind,
            analysis_config_uri=config,
        )
    )


def test_a_bias_schedule_needs_ground_truth_and_an_analysis_config(tmp_path: Path) -> None:
    bias = MonitoringType.MODEL_BIAS
    with pytest.raises(ConfigurationError, match="a ModelBias monitoring job needs analysis config"):
        check_inputs(_definition(tmp_path, monitoring_type=bias))
    endpoint = {"input_kind": "endpoint", "endpoint_name": "ep", "output_uri": str(tmp_path / "out")}
    with pytest.raises(
        ConfigurationError, match="a ModelBias monitoring job needs analysis config, ground truth; "
    ):
        check_inputs(JobDefinition(**endpoint, monitoring_type=bias))  # type: ignore[arg-type]
    check_inputs(
        JobDefinition(
            **endpoint,  # type: ignore[arg-type]
            monitoring_type=bias,
            ground_truth_uri=str(tmp_path / "gt"),
            analysis_config_uri=str(tmp_path / "analysis_config.json"),
        )
    )


def test_an_unknown_type_in_a_stored_definition_is_a_clear_error(tmp_path: Path) -> None:
    values = _definition(tmp_path).to_dict()
    values["monitoring_type"] = "Fairness"
    with pytest.raises(
        ConfigurationError, match="monitoring_type: got 'Fairness', expected one of DataQuality"
    ):
        JobDefinition.from_dict(values)


def test_a_bias_schedule_with_an_unreadable_analysis_config_is_refused_at_creation(tmp_path: Path) -> None:
    service = MonitoringService(
        Catalog(f"sqlite:///{tmp_path / 'c.sqlite'}"), tmp_path / "home", SystemClock()
    )
    service.register_endpoint("ep", str(tmp_path / "capture"))
    config = tmp_path / "analysis_config.json"
    config.write_text('{"label": "target", "facet": [{"name_or_index": "sex"}],\n "headers": ')
    definition = JobDefinition(
        input_kind="endpoint",
        endpoint_name="ep",
        output_uri=str(tmp_path / "out"),
        monitoring_type=MonitoringType.MODEL_BIAS,
        ground_truth_uri=str(tmp_path / "gt"),
        analysis_config_uri=str(config),
    )
    with pytest.raises(FormatError, match=r"analysis_config\.json.*not valid JSON"):
        service.create_schedule("bias", None, definition)
    assert service.list_schedules() == []
    service.close()
