"""The catalog's tables (SQLAlchemy 2 ORM rows) and the frozen records reads return.

Rows never leave ``storage``; ``Catalog`` converts each one to its record (``Endpoint``, ``Schedule``,
``Execution``, ``AlertRule``, ``AlertEvent``) before returning. Datetimes come back UTC-aware whatever
the database (SQLite keeps them naive).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, overload

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = [
    "AccessToken",
    "AccessTokenRow",
    "AlertEvent",
    "AlertEventRow",
    "AlertRule",
    "AlertRuleRow",
    "AuditEntry",
    "AuditRow",
    "Base",
    "DashboardSession",
    "DashboardSessionRow",
    "Endpoint",
    "EndpointRow",
    "Execution",
    "ExecutionMetricsRow",
    "ExecutionRow",
    "Schedule",
    "ScheduleRow",
    "access_token_record",
    "alert_event_record",
    "alert_rule_record",
    "audit_record",
    "dashboard_session_record",
    "endpoint_record",
    "execution_record",
    "schedule_record",
]


@overload
def _utc(moment: datetime) -> datetime: ...


@overload
def _utc(moment: datetime | None) -> datetime | None: ...


def _utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


class Base(DeclarativeBase):
    pass


class EndpointRow(Base):
    __tablename__ = "endpoints"
    name: Mapped[str] = mapped_column(String(128), primary_key=True)
    variants: Mapped[str] = mapped_column(Text, default="[]")
    capture_destination: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(32), default="manual")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    modified_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ScheduleRow(Base):
    __tablename__ = "schedules"
    name: Mapped[str] = mapped_column(String(128), primary_key=True)
    status: Mapped[str] = mapped_column(String(32))
    failure_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    monitoring_type: Mapped[str] = mapped_column(String(32))
    expression: Mapped[str] = mapped_column(String(256))
    endpoint_name: Mapped[str | None] = mapped_column(String(128), nullable=True, index=True)
    definition: Mapped[str] = mapped_column(Text)
    last_slot: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    # Slots reported missed since the schedule was created (added by a later version: server default).
    missed_slots: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    modified_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ExecutionRow(Base):
    __tablename__ = "executions"
    # Lists are ordered by scheduled time then id (newest first by default): with this index a page of
    # 100 of 10,000 executions reads the index instead of sorting the table (SQLite: 18 ms -> 1.5 ms).
    __table_args__ = (Index("ix_executions_scheduled_time_id", "scheduled_time", "id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    schedule_name: Mapped[str] = mapped_column(String(128), index=True)
    endpoint_name: Mapped[str | None] = mapped_column(String(128), nullable=True)
    monitoring_type: Mapped[str] = mapped_column(String(32))
    scheduled_time: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(32))
    failure_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    exit_message: Mapped[str | None] = mapped_column(Text, nullable=True)
    output_uri: Mapped[str | None] = mapped_column(Text, nullable=True)
    log_path: Mapped[str | None] = mapped_column(Text, nullable=True)
    pid: Mapped[int | None] = mapped_column(Integer, nullable=True)
    violation_count: Mapped[int | None] = mapped_column(Integer, nullable=True)
    # Ownership (added by a later version, so nullable): the host the process runs on, the scheduler or
    # run-now process that watches it ("host:pid:token") and until when that owner's lease holds.
    host: Mapped[str | None] = mapped_column(String(255), nullable=True)
    owner: Mapped[str | None] = mapped_column(String(320), nullable=True)
    lease_expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    modified_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class ExecutionMetricsRow(Base):
    """Numbers read once from a finished execution's files (JSON text; its shape is the service's), so
    metrics over time need not read every execution's files again."""

    __tablename__ = "execution_metrics"
    execution_id: Mapped[int] = mapped_column(
        Integer, ForeignKey("executions.id", ondelete="CASCADE"), primary_key=True
    )
    metrics: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AlertRuleRow(Base):
    __tablename__ = "alert_rules"
    name: Mapped[str] = mapped_column(String(128), primary_key=True)
    schedule_name: Mapped[str] = mapped_column(String(128), index=True)
    datapoints_to_alert: Mapped[int] = mapped_column(Integer)
    evaluation_period: Mapped[int] = mapped_column(Integer)
    webhook_url: Mapped[str | None] = mapped_column(Text, nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="OK")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    modified_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AlertEventRow(Base):
    __tablename__ = "alert_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    alert_name: Mapped[str] = mapped_column(
        String(128), ForeignKey("alert_rules.name", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(16))
    execution_id: Mapped[int | None] = mapped_column(Integer, nullable=True)
    delivered: Mapped[int] = mapped_column(Integer, default=0)
    detail: Mapped[str | None] = mapped_column(Text, nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


@dataclass(frozen=True)
class Endpoint:
    name: str
    variants: tuple[str, ...]
    capture_destination: str
    source: str
    created_at: datetime
    modified_at: datetime


@dataclass(frozen=True)
class Schedule:
    name: str
    status: str
    failure_reason: str | None
    monitoring_type: str
    expression: str
    endpoint_name: str | None
    definition: dict[str, Any]
    last_slot: datetime | None
    missed_slots: int
    created_at: datetime
    modified_at: datetime


@dataclass(frozen=True)
class Execution:
    id: int
    schedule_name: str
    endpoint_name: str | None
    monitoring_type: str
    scheduled_time: datetime
    status: str
    failure_reason: str | None
    exit_message: str | None
    output_uri: str | None
    log_path: str | None
    pid: int | None
    violation_count: int | None
    host: str | None
    owner: str | None
    lease_expires_at: datetime | None
    created_at: datetime
    modified_at: datetime


@dataclass(frozen=True)
class AlertRule:
    name: str
    schedule_name: str
    datapoints_to_alert: int
    evaluation_period: int
    webhook_url: str | None
    status: str
    created_at: datetime
    modified_at: datetime


@dataclass(frozen=True)
class AlertEvent:
    id: int
    alert_name: str
    status: str
    execution_id: int | None
    delivered: bool
    detail: str | None
    created_at: datetime


def endpoint_record(row: EndpointRow) -> Endpoint:
    return Endpoint(
        name=row.name,
        variants=tuple(json.loads(row.variants)),
        capture_destination=row.capture_destination,
        source=row.source,
        created_at=_utc(row.created_at),
        modified_at=_utc(row.modified_at),
    )


def schedule_record(row: ScheduleRow) -> Schedule:
    return Schedule(
        name=row.name,
        status=row.status,
        failure_reason=row.failure_reason,
        monitoring_type=row.monitoring_type,
        expression=row.expression,
        endpoint_name=row.endpoint_name,
        definition=json.loads(row.definition),
        last_slot=_utc(row.last_slot),
        missed_slots=row.missed_slots or 0,
        created_at=_utc(row.created_at),
        modified_at=_utc(row.modified_at),
    )


def execution_record(row: ExecutionRow) -> Execution:
    return Execution(
        id=row.id,
        schedule_name=row.schedule_name,
        endpoint_name=row.endpoint_name,
        monitoring_type=row.monitoring_type,
        scheduled_time=_utc(row.scheduled_time),
        status=row.status,
        failure_reason=row.failure_reason,
        exit_message=row.exit_message,
        output_uri=row.output_uri,
        log_path=row.log_path,
        pid=row.pid,
        violation_count=row.violation_count,
        host=row.host,
        owner=row.owner,
        lease_expires_at=_utc(row.lease_expires_at),
        created_at=_utc(row.created_at),
        modified_at=_utc(row.modified_at),
    )


def alert_rule_record(row: AlertRuleRow) -> AlertRule:
    return AlertRule(
        name=row.name,
        schedule_name=row.schedule_name,
        datapoints_to_alert=row.datapoints_to_alert,
        evaluation_period=row.evaluation_period,
        webhook_url=row.webhook_url,
        status=row.status,
        created_at=_utc(row.created_at),
        modified_at=_utc(row.modified_at),
    )


def alert_event_record(row: AlertEventRow) -> AlertEvent:
    return AlertEvent(
        id=row.id,
        alert_name=row.alert_name,
        status=row.status,
        execution_id=row.execution_id,
        delivered=bool(row.delivered),
        detail=row.detail,
        created_at=_utc(row.created_at),
    )


# -- API access: tokens and the audit log (the REST API's; modelmonitor.service.access) ----------------


class AccessTokenRow(Base):
    __tablename__ = "access_tokens"
    token_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    secret_sha256: Mapped[str] = mapped_column(String(64))
    role: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(128))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class AuditRow(Base):
    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    actor: Mapped[str] = mapped_column(String(160))
    action: Mapped[str] = mapped_column(String(64))
    target: Mapped[str] = mapped_column(Text)
    outcome: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class DashboardSessionRow(Base):
    """A browser's sign-in: the SHA-256 of the cookie's secret, the token it was opened with, its end."""

    __tablename__ = "dashboard_sessions"
    secret_sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    token_id: Mapped[str] = mapped_column(
        String(32), ForeignKey("access_tokens.token_id", ondelete="CASCADE"), index=True
    )
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


@dataclass(frozen=True)
class AccessToken:
    token_id: str
    secret_sha256: str
    role: str
    name: str
    created_at: datetime


@dataclass(frozen=True)
class AuditEntry:
    id: int
    actor: str
    action: str
    target: str
    outcome: int
    created_at: datetime


@dataclass(frozen=True)
class DashboardSession:
    token_id: str
    created_at: datetime
    expires_at: datetime


def access_token_record(row: AccessTokenRow) -> AccessToken:
    return AccessToken(
        token_id=row.token_id,
        secret_sha256=row.secret_sha256,
        role=row.role,
        name=row.name,
        created_at=_utc(row.created_at),
    )


def audit_record(row: AuditRow) -> AuditEntry:
    return AuditEntry(
        id=row.id,
        actor=row.actor,
        action=row.action,
        target=row.target,
        outcome=row.outcome,
        created_at=_utc(row.created_at),
    )


def dashboard_session_record(row: DashboardSessionRow) -> DashboardSession:
    return DashboardSession(
        token_id=row.token_id, created_at=_utc(row.created_at), expires_at=_utc(row.expires_at)
    )
