"""The catalog: endpoints, schedules, executions and alerts, in SQLite (WAL) or PostgreSQL (SQLAlchemy 2).

The catalog stores plain values (status strings, JSON text of the job definition); what they mean is
decided above it (``jobs.states``, ``jobs.definition``). Every read returns a frozen record; callers never
hold ORM objects. Times are stored as UTC-aware datetimes.

Concurrency: several processes share one catalog (the scheduler daemon, the CLI, the API). SQLite runs in
WAL mode with a busy timeout so readers never block the writer; ``claim_slot`` is a compare-and-set on the
schedule's last slot, so two schedulers can never start the same run twice.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import (
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    create_engine,
    event,
    select,
    update,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

from modelmonitor.errors import ConflictError, NotFoundError

__all__ = [
    "AlertEvent",
    "AlertRule",
    "Catalog",
    "Endpoint",
    "Execution",
    "Schedule",
]


def _utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)


class _Base(DeclarativeBase):
    pass


class _EndpointRow(_Base):
    __tablename__ = "endpoints"
    name: Mapped[str] = mapped_column(String(128), primary_key=True)
    variants: Mapped[str] = mapped_column(Text, default="[]")
    capture_destination: Mapped[str] = mapped_column(Text)
    source: Mapped[str] = mapped_column(String(32), default="manual")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    modified_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class _ScheduleRow(_Base):
    __tablename__ = "schedules"
    name: Mapped[str] = mapped_column(String(128), primary_key=True)
    status: Mapped[str] = mapped_column(String(32))
    failure_reason: Mapped[str | None] = mapped_column(Text, nullable=True)
    monitoring_type: Mapped[str] = mapped_column(String(32))
    expression: Mapped[str] = mapped_column(String(256))
    endpoint_name: Mapped[str | None] = mapped_column(String(128), nullable=True, index=True)
    definition: Mapped[str] = mapped_column(Text)
    last_slot: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), nullable=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    modified_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class _ExecutionRow(_Base):
    __tablename__ = "executions"
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
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    modified_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class _AlertRuleRow(_Base):
    __tablename__ = "alert_rules"
    name: Mapped[str] = mapped_column(String(128), primary_key=True)
    schedule_name: Mapped[str] = mapped_column(String(128), index=True)
    datapoints_to_alert: Mapped[int] = mapped_column(Integer)
    evaluation_period: Mapped[int] = mapped_column(Integer)
    webhook_url: Mapped[str | None] = mapped_column(Text, nullable=True)
    status: Mapped[str] = mapped_column(String(16), default="OK")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    modified_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


class _AlertEventRow(_Base):
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


def _endpoint(row: _EndpointRow) -> Endpoint:
    return Endpoint(
        name=row.name,
        variants=tuple(json.loads(row.variants)),
        capture_destination=row.capture_destination,
        source=row.source,
        created_at=_utc(row.created_at) or row.created_at,
        modified_at=_utc(row.modified_at) or row.modified_at,
    )


def _schedule(row: _ScheduleRow) -> Schedule:
    return Schedule(
        name=row.name,
        status=row.status,
        failure_reason=row.failure_reason,
        monitoring_type=row.monitoring_type,
        expression=row.expression,
        endpoint_name=row.endpoint_name,
        definition=json.loads(row.definition),
        last_slot=_utc(row.last_slot),
        created_at=_utc(row.created_at) or row.created_at,
        modified_at=_utc(row.modified_at) or row.modified_at,
    )


def _execution(row: _ExecutionRow) -> Execution:
    return Execution(
        id=row.id,
        schedule_name=row.schedule_name,
        endpoint_name=row.endpoint_name,
        monitoring_type=row.monitoring_type,
        scheduled_time=_utc(row.scheduled_time) or row.scheduled_time,
        status=row.status,
        failure_reason=row.failure_reason,
        exit_message=row.exit_message,
        output_uri=row.output_uri,
        log_path=row.log_path,
        pid=row.pid,
        violation_count=row.violation_count,
        created_at=_utc(row.created_at) or row.created_at,
        modified_at=_utc(row.modified_at) or row.modified_at,
    )


def _alert_rule(row: _AlertRuleRow) -> AlertRule:
    return AlertRule(
        name=row.name,
        schedule_name=row.schedule_name,
        datapoints_to_alert=row.datapoints_to_alert,
        evaluation_period=row.evaluation_period,
        webhook_url=row.webhook_url,
        status=row.status,
        created_at=_utc(row.created_at) or row.created_at,
        modified_at=_utc(row.modified_at) or row.modified_at,
    )


def _alert_event(row: _AlertEventRow) -> AlertEvent:
    return AlertEvent(
        id=row.id,
        alert_name=row.alert_name,
        status=row.status,
        execution_id=row.execution_id,
        delivered=bool(row.delivered),
        detail=row.detail,
        created_at=_utc(row.created_at) or row.created_at,
    )


def _make_engine(url: str) -> Engine:
    if url.startswith("sqlite:///"):
        path = url[len("sqlite:///") :]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA busy_timeout=30000")
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.close()

        return engine
    if url.startswith("postgresql://"):
        # psycopg 3 is the driver we ship in the `postgres` extra.
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return create_engine(url, pool_pre_ping=True)


class Catalog:
    """All catalog reads and writes. ``Catalog(url)`` creates the tables when missing."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._engine = _make_engine(url)
        self._create_tables()
        self._sessions = sessionmaker(self._engine, expire_on_commit=False)

    def _create_tables(self, attempts: int = 5) -> None:
        """Create missing tables; several processes starting at once may race, so retry a few times."""
        for attempt in range(1, attempts + 1):
            try:
                _Base.metadata.create_all(self._engine)
                return
            except (OperationalError, ProgrammingError, IntegrityError):
                if attempt == attempts:
                    raise
                time.sleep(0.1 * attempt)

    def close(self) -> None:
        self._engine.dispose()

    @contextmanager
    def _session(self) -> Iterator[Session]:
        with self._sessions.begin() as session:
            yield session

    # -- endpoints -------------------------------------------------------------------------------------

    def put_endpoint(
        self, name: str, capture_destination: str, variants: Sequence[str], source: str, now: datetime
    ) -> Endpoint:
        """Create or update an endpoint (registration is idempotent: a proxy restarting re-registers)."""
        with self._session() as session:
            row = session.get(_EndpointRow, name)
            if row is None:
                row = _EndpointRow(name=name, created_at=now)
                session.add(row)
            row.capture_destination = capture_destination
            row.variants = json.dumps(sorted(set(variants)))
            row.source = source
            row.modified_at = now
            session.flush()
            return _endpoint(row)

    def get_endpoint(self, name: str) -> Endpoint:
        with self._session() as session:
            row = session.get(_EndpointRow, name)
            if row is None:
                raise NotFoundError(f"endpoint {name!r} is not registered (modelmonitor endpoint list)")
            return _endpoint(row)

    def list_endpoints(self) -> list[Endpoint]:
        with self._session() as session:
            return [_endpoint(r) for r in session.scalars(select(_EndpointRow).order_by(_EndpointRow.name))]

    def delete_endpoint(self, name: str) -> None:
        with self._session() as session:
            row = session.get(_EndpointRow, name)
            if row is None:
                raise NotFoundError(f"endpoint {name!r} is not registered")
            users = session.scalars(select(_ScheduleRow.name).where(_ScheduleRow.endpoint_name == name)).all()
            if users:
                raise ConflictError(
                    f"endpoint {name!r} has monitoring schedules {sorted(users)}; delete them first"
                )
            session.delete(row)

    # -- schedules -------------------------------------------------------------------------------------

    def add_schedule(
        self,
        name: str,
        *,
        status: str,
        monitoring_type: str,
        expression: str,
        endpoint_name: str | None,
        definition: dict[str, Any],
        now: datetime,
        last_slot: datetime | None = None,
    ) -> Schedule:
        row = _ScheduleRow(
            name=name,
            status=status,
            monitoring_type=monitoring_type,
            expression=expression,
            endpoint_name=endpoint_name,
            definition=json.dumps(definition, sort_keys=True),
            last_slot=last_slot,
            created_at=now,
            modified_at=now,
        )
        try:
            with self._session() as session:
                session.add(row)
                session.flush()
                return _schedule(row)
        except IntegrityError as exc:
            raise ConflictError(f"monitoring schedule {name!r} already exists") from exc

    def get_schedule(self, name: str) -> Schedule:
        with self._session() as session:
            row = session.get(_ScheduleRow, name)
            if row is None:
                raise NotFoundError(f"monitoring schedule {name!r} does not exist")
            return _schedule(row)

    def list_schedules(
        self, *, endpoint_name: str | None = None, status: str | None = None, name_contains: str | None = None
    ) -> list[Schedule]:
        query = select(_ScheduleRow).order_by(_ScheduleRow.created_at, _ScheduleRow.name)
        if endpoint_name is not None:
            query = query.where(_ScheduleRow.endpoint_name == endpoint_name)
        if status is not None:
            query = query.where(_ScheduleRow.status == status)
        if name_contains:
            query = query.where(_ScheduleRow.name.contains(name_contains))
        with self._session() as session:
            return [_schedule(r) for r in session.scalars(query)]

    def update_schedule(self, name: str, now: datetime, **changes: Any) -> Schedule:
        """Change columns of a schedule (``definition`` as a dict); unknown names are a programming error."""
        with self._session() as session:
            row = session.get(_ScheduleRow, name)
            if row is None:
                raise NotFoundError(f"monitoring schedule {name!r} does not exist")
            for key, value in changes.items():
                if not hasattr(_ScheduleRow, key):
                    raise AttributeError(key)
                setattr(row, key, json.dumps(value, sort_keys=True) if key == "definition" else value)
            row.modified_at = now
            session.flush()
            return _schedule(row)

    def claim_slot(self, name: str, previous: datetime | None, slot: datetime, now: datetime) -> bool:
        """Move the schedule's last slot from ``previous`` to ``slot``; False if someone else moved it."""
        with self._session() as session:
            condition = (
                _ScheduleRow.last_slot.is_(None) if previous is None else _ScheduleRow.last_slot == previous
            )
            result = session.execute(
                update(_ScheduleRow)
                .where(_ScheduleRow.name == name, condition)
                .values(last_slot=slot, modified_at=now)
            )
            return bool(getattr(result, "rowcount", 0) == 1)

    def delete_schedule(self, name: str) -> None:
        """Delete a schedule; its executions stay (SageMaker keeps execution history)."""
        with self._session() as session:
            row = session.get(_ScheduleRow, name)
            if row is None:
                raise NotFoundError(f"monitoring schedule {name!r} does not exist")
            session.delete(row)

    # -- executions ------------------------------------------------------------------------------------

    def add_execution(
        self,
        *,
        schedule_name: str,
        endpoint_name: str | None,
        monitoring_type: str,
        scheduled_time: datetime,
        status: str,
        now: datetime,
    ) -> Execution:
        with self._session() as session:
            row = _ExecutionRow(
                schedule_name=schedule_name,
                endpoint_name=endpoint_name,
                monitoring_type=monitoring_type,
                scheduled_time=scheduled_time,
                status=status,
                created_at=now,
                modified_at=now,
            )
            session.add(row)
            session.flush()
            return _execution(row)

    def get_execution(self, execution_id: int) -> Execution:
        with self._session() as session:
            row = session.get(_ExecutionRow, execution_id)
            if row is None:
                raise NotFoundError(f"monitoring execution {execution_id} does not exist")
            return _execution(row)

    def update_execution(self, execution_id: int, now: datetime, **changes: Any) -> Execution:
        with self._session() as session:
            row = session.get(_ExecutionRow, execution_id)
            if row is None:
                raise NotFoundError(f"monitoring execution {execution_id} does not exist")
            for key, value in changes.items():
                if not hasattr(_ExecutionRow, key):
                    raise AttributeError(key)
                setattr(row, key, value)
            row.modified_at = now
            session.flush()
            return _execution(row)

    def list_executions(
        self,
        *,
        schedule_name: str | None = None,
        endpoint_name: str | None = None,
        statuses: Sequence[str] | None = None,
        newest_first: bool = False,
        limit: int | None = None,
    ) -> list[Execution]:
        """Executions ordered by scheduled time (then id), oldest first unless ``newest_first``."""
        order = (
            (_ExecutionRow.scheduled_time.desc(), _ExecutionRow.id.desc())
            if newest_first
            else (_ExecutionRow.scheduled_time, _ExecutionRow.id)
        )
        query = select(_ExecutionRow).order_by(*order)
        if schedule_name is not None:
            query = query.where(_ExecutionRow.schedule_name == schedule_name)
        if endpoint_name is not None:
            query = query.where(_ExecutionRow.endpoint_name == endpoint_name)
        if statuses is not None:
            query = query.where(_ExecutionRow.status.in_(list(statuses)))
        if limit is not None:
            query = query.limit(limit)
        with self._session() as session:
            return [_execution(r) for r in session.scalars(query)]

    # -- alerts ----------------------------------------------------------------------------------------

    def put_alert_rule(
        self,
        name: str,
        *,
        schedule_name: str,
        datapoints_to_alert: int,
        evaluation_period: int,
        webhook_url: str | None,
        now: datetime,
    ) -> AlertRule:
        with self._session() as session:
            row = session.get(_AlertRuleRow, name)
            if row is None:
                row = _AlertRuleRow(name=name, status="OK", created_at=now)
                session.add(row)
            row.schedule_name = schedule_name
            row.datapoints_to_alert = datapoints_to_alert
            row.evaluation_period = evaluation_period
            row.webhook_url = webhook_url
            row.modified_at = now
            session.flush()
            return _alert_rule(row)

    def list_alert_rules(self, *, schedule_name: str | None = None) -> list[AlertRule]:
        query = select(_AlertRuleRow).order_by(_AlertRuleRow.name)
        if schedule_name is not None:
            query = query.where(_AlertRuleRow.schedule_name == schedule_name)
        with self._session() as session:
            return [_alert_rule(r) for r in session.scalars(query)]

    def set_alert_status(
        self, name: str, status: str, *, execution_id: int | None, detail: str | None, now: datetime
    ) -> AlertEvent:
        """Record a transition of an alert (OK ↔ InAlert) and return its history event."""
        with self._session() as session:
            row = session.get(_AlertRuleRow, name)
            if row is None:
                raise NotFoundError(f"alert {name!r} does not exist")
            row.status = status
            row.modified_at = now
            event_row = _AlertEventRow(
                alert_name=name, status=status, execution_id=execution_id, detail=detail, created_at=now
            )
            session.add(event_row)
            session.flush()
            return _alert_event(event_row)

    def mark_alert_delivered(self, event_id: int) -> None:
        with self._session() as session:
            session.execute(update(_AlertEventRow).where(_AlertEventRow.id == event_id).values(delivered=1))

    def list_alert_events(self, *, alert_name: str | None = None) -> list[AlertEvent]:
        query = select(_AlertEventRow).order_by(_AlertEventRow.id)
        if alert_name is not None:
            query = query.where(_AlertEventRow.alert_name == alert_name)
        with self._session() as session:
            return [_alert_event(r) for r in session.scalars(query)]
