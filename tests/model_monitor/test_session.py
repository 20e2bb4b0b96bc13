"""``sagemaker_session``: a LocalSession holds one service for the monitor's lifetime."""

from __future__ import annotations

from pathlib import Path

import pytest

from modelmonitor.errors import ConfigurationError
from modelmonitor.model_monitor import DefaultModelMonitor, EndpointInput
from modelmonitor.model_monitor.monitoring_files import Statistics
from modelmonitor.model_monitor.session import LocalSession
from modelmonitor.settings import Settings


def _settings(tmp_path: Path) -> Settings:
    return Settings(home=tmp_path / "home", catalog_url=f"sqlite:///{tmp_path / 'catalog.sqlite'}")


def test_one_service_for_every_call_of_a_monitor(tmp_path: Path) -> None:
    session = LocalSession(_settings(tmp_path))
    session.service.register_endpoint("ep", str(tmp_path / "capture"))
    service = session.service
    monitor = DefaultModelMonitor(sagemaker_session=session)
    monitor.create_monitoring_schedule(
        endpoint_input=EndpointInput("ep", "/opt/ml/processing/input"),
        monitor_schedule_name="daily",
        output_s3_uri=str(tmp_path / "out"),
    )
    monitor.stop_monitoring_schedule()
    described = monitor.describe_schedule()
    assert described["MonitoringScheduleStatus"] == "Stopped"
    # The SDK's default expression is the service's and the CLI's: daily at midnight UTC.
    assert (
        described["MonitoringScheduleConfig"]["ScheduleConfig"]["ScheduleExpression"] == "cron(0 0 ? * * *)"
    )
    assert monitor.list_executions() == []
    attached = DefaultModelMonitor.attach("daily", sagemaker_session=session)
    assert attached.describe_schedule()["MonitoringScheduleName"] == "daily"
    assert session.service is service  # the same service (and catalog) all along
    session.close()


def test_files_made_from_text_go_under_the_sessions_home(tmp_path: Path) -> None:
    session = LocalSession(_settings(tmp_path))
    statistics = Statistics.from_string(
        '{"version": 0.0, "dataset": {"item_count": 0}, "features": []}', sagemaker_session=session
    )
    assert Path(statistics.file_s3_uri).is_relative_to(tmp_path / "home" / "monitoring")


def test_a_foreign_session_is_refused() -> None:
    with pytest.raises(
        ConfigurationError, match="sagemaker_session: got object; expected a modelmonitor LocalSession"
    ):
        DefaultModelMonitor(sagemaker_session=object())
