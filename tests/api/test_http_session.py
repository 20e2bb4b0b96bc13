"""The SDK over the REST API: the same monitor code with a LocalSession and with an HttpSession."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest

from modelmonitor.errors import ConfigurationError, ConflictError, NotFoundError
from modelmonitor.model_monitor import DefaultModelMonitor, EndpointInput
from modelmonitor.model_monitor.execution import MonitoringExecution
from modelmonitor.model_monitor.http_session import HttpSession
from modelmonitor.model_monitor.session import LocalSession, Session
from tests.api.conftest import Api, with_monitoring_data


@contextmanager
def _session(kind: str, api: Api) -> Iterator[Session]:
    if kind == "http":
        with HttpSession(api.url, token=api.tokens["admin"]) as http:
            yield http
    else:
        yield LocalSession(service=api.service)


@pytest.mark.parametrize("kind", ["local", "http"])
def test_the_same_sdk_code_creates_a_schedule_and_runs_it_now(api: Api, kind: str) -> None:
    statistics, constraints = with_monitoring_data(api.tmp, api.service)
    with _session(kind, api) as session:
        monitor = DefaultModelMonitor(sagemaker_session=session)
        monitor.create_monitoring_schedule(
            endpoint_input=EndpointInput(endpoint_name="ep"),
            statistics=str(statistics),
            constraints=str(constraints),
            monitor_schedule_name=f"sdk-{kind}",
            schedule_cron_expression="cron(0 * ? * * *)",
        )
        described = monitor.describe_schedule()
        assert described["MonitoringScheduleName"] == f"sdk-{kind}"
        assert described["MonitoringScheduleStatus"] == "Scheduled"
        monitor.update_monitoring_schedule(max_runtime_in_seconds=900)
        assert session.service.schedule_definition(f"sdk-{kind}").max_runtime_seconds == 900
        monitor.stop_monitoring_schedule()
        assert monitor.describe_schedule()["MonitoringScheduleStatus"] == "Stopped"
        monitor.start_monitoring_schedule()

        started = session.service.start_execution(f"sdk-{kind}", "-PT3H", "-PT0H")
        execution = MonitoringExecution(started, session)
        execution.wait(logs=False)
        assert execution.describe()["MonitoringExecutionStatus"] == "Completed"
        [listed] = monitor.list_executions()
        assert listed.execution.id == started.id
        latest = monitor.latest_monitoring_statistics()
        assert latest is not None
        assert latest.body_dict["dataset"]["item_count"] == 20
        violations = monitor.latest_monitoring_constraint_violations()
        assert violations is not None
        assert violations.body_dict["violations"] == []
        # Outputs went to the server's default folder, named by the server's home.
        assert str(latest.file_s3_uri).startswith(str(api.service.home / "monitoring" / f"sdk-{kind}"))

        with pytest.raises(NotFoundError, match="monitoring schedule 'nope' does not exist"):
            DefaultModelMonitor.attach("nope", sagemaker_session=session)
        with pytest.raises(ConflictError, match="has already ended"):
            execution.stop()
        monitor.delete_monitoring_schedule()
        assert api.service.list_schedules() == []


def test_http_session_without_the_right_role_says_so(api: Api) -> None:
    with HttpSession(api.url, token=api.tokens["viewer"]) as session:
        monitor = DefaultModelMonitor(sagemaker_session=session)
        with pytest.raises(
            ConfigurationError, match="this needs the admin role; token 'test-viewer' is viewer"
        ):
            monitor.create_monitoring_schedule(endpoint_input="ep", monitor_schedule_name="x")


def test_http_session_refuses_a_bad_url() -> None:
    with pytest.raises(ConfigurationError, match="expected http://host:port"):
        HttpSession("127.0.0.1:8000")


def test_http_session_lists_every_execution_past_one_page(api: Api) -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)
    for index in range(1001):
        api.service.catalog.add_execution(
            schedule_name="busy",
            endpoint_name=None,
            monitoring_type="DataQuality",
            scheduled_time=start + timedelta(minutes=index),
            status="Completed",
            now=start,
        )
    with HttpSession(api.url, token=api.tokens["viewer"]) as session:
        executions = session.service.list_executions(schedule_name="busy")
        assert [e.scheduled_time for e in executions] == [start + timedelta(minutes=i) for i in range(1001)]
        assert len(session.service.list_executions(schedule_name="busy", limit=5, offset=1000)) == 1
