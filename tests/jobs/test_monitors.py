"""The monitor registry: one entry per implemented MonitoringType, a clear error for the others."""

from __future__ import annotations

from pathlib import Path

import pytest

from modelmonitor.errors import ConfigurationError
from modelmonitor.formats.job_definition import JobDefinition
from modelmonitor.formats.statuses import MonitoringType
from modelmonitor.jobs.monitors import MONITORS, check_inputs, monitor_for
from modelmonitor.scheduler.clock import SystemClock
from modelmonitor.service import MonitoringService
from modelmonitor.storage.catalog import Catalog


def test_data_and_model_quality_are_the_implemented_monitors() -> None:
    assert set(MONITORS) == {MonitoringType.DATA_QUALITY, MonitoringType.MODEL_QUALITY}
    for kind in MONITORS:
        assert monitor_for(kind).monitoring_type == kind


@pytest.mark.parametrize(
    "kind",
    [MonitoringType.MODEL_BIAS, MonitoringType.MODEL_EXPLAINABILITY],
    ids=lambda kind: kind.value,
)
def test_the_others_are_not_implemented_yet(kind: MonitoringType) -> None:
    with pytest.raises(ConfigurationError, match=f"monitoring type {kind.value} is not implemented yet"):
        monitor_for(kind)


def _definition(tmp_path: Path, **values: object) -> JobDefinition:
    return JobDefinition(
        input_kind="batch_transform",
        capture_uri=str(tmp_path / "capture"),
        output_uri=str(tmp_path / "out"),
        **values,  # type: ignore[arg-type]
    )


def test_a_custom_monitor_may_carry_any_type(tmp_path: Path) -> None:
    check_inputs(_definition(tmp_path, monitoring_type=MonitoringType.MODEL_BIAS, command=("true",)))


def test_a_schedule_of_an_unimplemented_type_is_refused_at_creation(tmp_path: Path) -> None:
    service = MonitoringService(
        Catalog(f"sqlite:///{tmp_path / 'c.sqlite'}"), tmp_path / "home", SystemClock()
    )
    with pytest.raises(ConfigurationError, match="ModelBias is not implemented yet"):
        service.create_schedule(
            "bias", None, _definition(tmp_path, monitoring_type=MonitoringType.MODEL_BIAS)
        )
    assert service.list_schedules() == []
    created = service.create_schedule(
        "bias-custom",
        None,
        _definition(tmp_path, monitoring_type=MonitoringType.MODEL_BIAS, command=("true",)),
    )
    assert created.monitoring_type == "ModelBias"
    service.close()


def test_an_unknown_type_in_a_stored_definition_is_a_clear_error(tmp_path: Path) -> None:
    values = _definition(tmp_path).to_dict()
    values["monitoring_type"] = "Fairness"
    with pytest.raises(
        ConfigurationError, match="monitoring_type: got 'Fairness', expected one of DataQuality"
    ):
        JobDefinition.from_dict(values)
