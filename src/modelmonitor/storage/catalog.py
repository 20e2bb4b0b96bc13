"""The catalog: endpoints, schedules, executions and alerts, in SQLite (WAL) or PostgreSQL (SQLAlchemy 2).

The catalog stores plain values (status strings, JSON text of the job definition); what they mean is
decided above it (``formats.statuses``, ``formats.job_definition``). Every read returns a frozen record
(``storage.catalog_records``); callers never hold ORM objects. Times are stored as UTC datetimes.

Concurrency: several processes share one catalog (the scheduler daemon, the CLI, the API). SQLite runs in
WAL mode with a busy timeout so readers never block the writer; ``claim_slot`` is a compare-and-set on the
schedule's last slot, so two schedulers can never start the same run twice.

Ownership: an execution records its owner (the scheduler or ``run-now`` process watching it) and a lease the
owner renews (``renew_leases``); ``take_over`` is a compare-and-set that lets one survivor, and only one,
adopt an execution whose lease has expired (docs/scheduling.md#reliability).

Schema changes: ``Catalog(url)`` creates missing tables and adds the columns a later version added to an
existing table (``ALTER TABLE ... ADD COLUMN``, nullable or with a server default), so a catalog made by an
earlier version, SQLite or PostgreSQL, is upgraded in place when any process opens it.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, delete, event, inspect, or_, select, text, update
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, OperationalError, ProgrammingError
from sqlalchemy.orm import Session, sessionmaker

from modelmonitor.errors import ConflictError, NotFoundError
from modelmonitor.storage.catalog_records import (
    AccessToken,
    AccessTokenRow,
    AlertEvent,
    AlertEventRow,
    AlertRule,
    AlertRuleRow,
    AuditEntry,
    AuditRow,
    Base,
    DashboardSession,
    DashboardSessionRow,
    Endpoint,
    EndpointRow,
    Execution,
    ExecutionMetricsRow,
    ExecutionRow,
    Schedule,
    ScheduleRow,
    access_token_record,
    alert_event_record,
    alert_rule_record,
    audit_record,
    dashboard_session_record,
    endpoint_record,
    execution_record,
    schedule_record,
)
from modelmonitor.storage.private import make_private_dirs, open_private, tighten_private_file

__all__ = [
    "AccessToken",
    "AlertEvent",
    "AlertRule",
    "AuditEntry",
    "Catalog",
    "DashboardSession",
    "Endpoint",
    "Execution",
    "Schedule",
]


def _make_engine(url: str) -> Engine:
    if url.startswith("sqlite:///"):
        path = url[len("sqlite:///") :]
        if path and path != ":memory:":
            # The catalog holds schedules' environments and webhook URLs: 0600 in a 0700 home when we make it.
            # SQLite gives its -wal and -shm files the database file's mode.
            make_private_dirs(Path(path).parent)
            os.close(open_private(Path(path), os.O_RDWR))
            for suffix in ("", "-wal", "-shm"):
                tighten_private_file(Path(path + suffix))
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
        """Create missing tables and columns; several processes starting at once may race, so retry."""
        for attempt in range(1, attempts + 1):
            try:
                Base.metadata.create_all(self._engine)
                self._add_missing_columns()
                self._add_missing_indexes()
                return
            except (OperationalError, ProgrammingError, IntegrityError):
                if attempt == attempts:
                    raise
                time.sleep(0.1 * attempt)

    def _add_missing_columns(self) -> None:
        """Add the columns of our tables that an existing catalog lacks (made by an earlier version)."""
        inspector = inspect(self._engine)
        dialect = self._engine.dialect
        for table in Base.metadata.sorted_tables:
            present = {column["name"] for column in inspector.get_columns(table.name)}
            for column in table.columns:
                if column.name in present:
                    continue
                if not column.nullable and column.server_default is None:
                    raise RuntimeError(f"{table.name}.{column.name}: a new column needs a server default")
                ddl = f"ALTER TABLE {table.name} ADD COLUMN {column.name} {column.type.compile(dialect)}"
                if column.server_default is not None:
                    ddl += f" DEFAULT {getattr(column.server_default, 'arg', '')}"
                with self._engine.begin() as connection:
                    connection.execute(text(ddl))

    def _add_missing_indexes(self) -> None:
        """Create the indexes of our tables that an existing catalog lacks (``create_all`` skips them
        on tables that exist)."""
        inspector = inspect(self._engine)
        for table in Base.metadata.sorted_tables:
            present = {index["name"] for index in inspector.get_indexes(table.name)}
            for index in table.indexes:
                if index.name not in present:
                    index.create(self._engine, checkfirst=True)

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
            row = session.get(EndpointRow, name)
            if row is None:
                row = EndpointRow(name=name, created_at=now)
                session.add(row)
            row.capture_destination = capture_destination
            row.variants = json.dumps(sorted(set(variants)))
            row.source = source
            row.modified_at = now
            session.flush()
            return endpoint_record(row)

    def get_endpoint(self, name: str) -> Endpoint:
        with self._session() as session:
            row = session.get(EndpointRow, name)
            if row is None:
                raise NotFoundError(f"endpoint {name!r} is not registered (modelmonitor endpoint list)")
            return endpoint_record(row)

    def list_endpoints(self) -> list[Endpoint]:
        with self._session() as session:
            return [
                endpoint_record(r) for r in session.scalars(select(EndpointRow).order_by(EndpointRow.name))
            ]

    def delete_endpoint(self, name: str) -> None:
        with self._session() as session:
            row = session.get(EndpointRow, name)
            if row is None:
                raise NotFoundError(f"endpoint {name!r} is not registered")
            users = session.scalars(select(ScheduleRow.name).where(ScheduleRow.endpoint_name == name)).all()
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
        row = ScheduleRow(
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
                return schedule_record(row)
        except IntegrityError as exc:
            raise ConflictError(f"monitoring schedule {name!r} already exists") from exc

    def get_schedule(self, name: str) -> Schedule:
        with self._session() as session:
            row = session.get(ScheduleRow, name)
            if row is None:
                raise NotFoundError(f"monitoring schedule {name!r} does not exist")
            return schedule_record(row)

    def list_schedules(
        self, *, endpoint_name: str | None = None, status: str | None = None, name_contains: str | None = None
    ) -> list[Schedule]:
        query = select(ScheduleRow).order_by(ScheduleRow.created_at, ScheduleRow.name)
        if endpoint_name is not None:
            query = query.where(ScheduleRow.endpoint_name == endpoint_name)
        if status is not None:
            query = query.where(ScheduleRow.status == status)
        if name_contains:
            query = query.where(ScheduleRow.name.contains(name_contains))
        with self._session() as session:
            return [schedule_record(r) for r in session.scalars(query)]

    def update_schedule(self, name: str, now: datetime, **changes: Any) -> Schedule:
        """Change columns of a schedule (``definition`` as a dict); unknown names are a programming error."""
        with self._session() as session:
            row = session.get(ScheduleRow, name)
            if row is None:
                raise NotFoundError(f"monitoring schedule {name!r} does not exist")
            for key, value in changes.items():
                if not hasattr(ScheduleRow, key):
                    raise AttributeError(key)
                setattr(row, key, json.dumps(value, sort_keys=True) if key == "definition" else value)
            row.modified_at = now
            session.flush()
            return schedule_record(row)

    def claim_slot(
        self, name: str, previous: datetime | None, slot: datetime, now: datetime, *, missed: int = 0
    ) -> bool:
        """Move the schedule's last slot from ``previous`` to ``slot``; False if someone else moved it.

        ``missed`` slots skipped on the way are added to the schedule's stored count in the same update.
        """
        with self._session() as session:
            condition = (
                ScheduleRow.last_slot.is_(None) if previous is None else ScheduleRow.last_slot == previous
            )
            result = session.execute(
                update(ScheduleRow)
                .where(ScheduleRow.name == name, condition)
                .values(last_slot=slot, modified_at=now, missed_slots=ScheduleRow.missed_slots + missed)
            )
            return bool(getattr(result, "rowcount", 0) == 1)

    def delete_schedule(self, name: str) -> None:
        """Delete a schedule and its alert rules; its executions stay (SageMaker keeps execution history)."""
        with self._session() as session:
            row = session.get(ScheduleRow, name)
            if row is None:
                raise NotFoundError(f"monitoring schedule {name!r} does not exist")
            for rule in session.scalars(select(AlertRuleRow).where(AlertRuleRow.schedule_name == name)):
                for event_row in session.scalars(
                    select(AlertEventRow).where(AlertEventRow.alert_name == rule.name)
                ):
                    session.delete(event_row)
                session.delete(rule)
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
        owner: str | None = None,
        host: str | None = None,
        lease_expires_at: datetime | None = None,
    ) -> Execution:
        with self._session() as session:
            row = ExecutionRow(
                schedule_name=schedule_name,
                endpoint_name=endpoint_name,
                monitoring_type=monitoring_type,
                scheduled_time=scheduled_time,
                status=status,
                owner=owner,
                host=host,
                lease_expires_at=lease_expires_at,
                created_at=now,
                modified_at=now,
            )
            session.add(row)
            session.flush()
            return execution_record(row)

    def get_execution(self, execution_id: int) -> Execution:
        with self._session() as session:
            row = session.get(ExecutionRow, execution_id)
            if row is None:
                raise NotFoundError(f"monitoring execution {execution_id} does not exist")
            return execution_record(row)

    def update_execution(self, execution_id: int, now: datetime, **changes: Any) -> Execution:
        with self._session() as session:
            row = session.get(ExecutionRow, execution_id)
            if row is None:
                raise NotFoundError(f"monitoring execution {execution_id} does not exist")
            for key, value in changes.items():
                if not hasattr(ExecutionRow, key):
                    raise AttributeError(key)
                setattr(row, key, value)
            row.modified_at = now
            session.flush()
            return execution_record(row)

    def renew_leases(self, owner: str, execution_ids: Sequence[int], expires_at: datetime) -> set[int]:
        """Extend ``owner``'s lease on these executions; the ids it still owns (and so renewed)."""
        if not execution_ids:
            return set()
        with self._session() as session:
            held = set(
                session.scalars(
                    select(ExecutionRow.id).where(
                        ExecutionRow.id.in_(list(execution_ids)), ExecutionRow.owner == owner
                    )
                )
            )
            if held:
                session.execute(
                    update(ExecutionRow).where(ExecutionRow.id.in_(held)).values(lease_expires_at=expires_at)
                )
            return held

    def take_over(
        self,
        execution_id: int,
        *,
        previous_owner: str | None,
        owner: str,
        lease_now: datetime,
        expires_at: datetime,
    ) -> bool:
        """Make ``owner`` the owner of an execution whose lease expired before ``lease_now``.

        A compare-and-set on the previous owner and the expiry: of several survivors, one wins.
        """
        with self._session() as session:
            column = ExecutionRow.owner
            same_owner = column.is_(None) if previous_owner is None else column == previous_owner
            result = session.execute(
                update(ExecutionRow)
                .where(
                    ExecutionRow.id == execution_id,
                    same_owner,
                    or_(ExecutionRow.lease_expires_at.is_(None), ExecutionRow.lease_expires_at < lease_now),
                )
                .values(owner=owner, lease_expires_at=expires_at)
            )
            return bool(getattr(result, "rowcount", 0) == 1)

    def list_executions(
        self,
        *,
        schedule_name: str | None = None,
        endpoint_name: str | None = None,
        statuses: Sequence[str] | None = None,
        newest_first: bool = False,
        limit: int | None = None,
        offset: int = 0,
        scheduled_from: datetime | None = None,
        scheduled_before: datetime | None = None,
    ) -> list[Execution]:
        """Executions ordered by scheduled time (then id), oldest first unless ``newest_first``;
        ``offset`` skips that many of them (a page of ``limit``); ``scheduled_from`` (included) and
        ``scheduled_before`` (excluded) bound their scheduled times."""
        order = (
            (ExecutionRow.scheduled_time.desc(), ExecutionRow.id.desc())
            if newest_first
            else (ExecutionRow.scheduled_time, ExecutionRow.id)
        )
        query = select(ExecutionRow).order_by(*order)
        if schedule_name is not None:
            query = query.where(ExecutionRow.schedule_name == schedule_name)
        if endpoint_name is not None:
            query = query.where(ExecutionRow.endpoint_name == endpoint_name)
        if statuses is not None:
            query = query.where(ExecutionRow.status.in_(list(statuses)))
        if scheduled_from is not None:
            query = query.where(ExecutionRow.scheduled_time >= scheduled_from)
        if scheduled_before is not None:
            query = query.where(ExecutionRow.scheduled_time < scheduled_before)
        if limit is not None:
            query = query.limit(limit)
        if offset:
            query = query.offset(offset)
        with self._session() as session:
            return [execution_record(r) for r in session.scalars(query)]

    def execution_metrics(self, execution_ids: Sequence[int]) -> dict[int, str]:
        """The stored metrics (JSON text) of those of these executions that have them."""
        if not execution_ids:
            return {}
        query = select(ExecutionMetricsRow).where(ExecutionMetricsRow.execution_id.in_(list(execution_ids)))
        with self._session() as session:
            return {row.execution_id: row.metrics for row in session.scalars(query)}

    def put_execution_metrics(self, execution_id: int, metrics: str, now: datetime) -> None:
        """Store an execution's metrics; a second writer of the same execution keeps the first's (equal)."""
        try:
            with self._session() as session:
                if session.get(ExecutionMetricsRow, execution_id) is None:
                    session.add(
                        ExecutionMetricsRow(execution_id=execution_id, metrics=metrics, created_at=now)
                    )
        except IntegrityError:
            # Another request stored the same numbers between our read and our write.
            pass

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
            row = session.get(AlertRuleRow, name)
            if row is None:
                row = AlertRuleRow(name=name, status="OK", created_at=now)
                session.add(row)
            row.schedule_name = schedule_name
            row.datapoints_to_alert = datapoints_to_alert
            row.evaluation_period = evaluation_period
            row.webhook_url = webhook_url
            row.modified_at = now
            session.flush()
            return alert_rule_record(row)

    def list_alert_rules(self, *, schedule_name: str | None = None) -> list[AlertRule]:
        query = select(AlertRuleRow).order_by(AlertRuleRow.name)
        if schedule_name is not None:
            query = query.where(AlertRuleRow.schedule_name == schedule_name)
        with self._session() as session:
            return [alert_rule_record(r) for r in session.scalars(query)]

    def set_alert_status(
        self, name: str, status: str, *, execution_id: int | None, detail: str | None, now: datetime
    ) -> AlertEvent:
        """Record a transition of an alert (OK ↔ InAlert) and return its history event."""
        with self._session() as session:
            row = session.get(AlertRuleRow, name)
            if row is None:
                raise NotFoundError(f"alert {name!r} does not exist")
            row.status = status
            row.modified_at = now
            event_row = AlertEventRow(
                alert_name=name, status=status, execution_id=execution_id, detail=detail, created_at=now
            )
            session.add(event_row)
            session.flush()
            return alert_event_record(event_row)

    def mark_alert_delivered(self, event_id: int) -> None:
        with self._session() as session:
            session.execute(update(AlertEventRow).where(AlertEventRow.id == event_id).values(delivered=1))

    def list_alert_events(self, *, alert_name: str | None = None) -> list[AlertEvent]:
        query = select(AlertEventRow).order_by(AlertEventRow.id)
        if alert_name is not None:
            query = query.where(AlertEventRow.alert_name == alert_name)
        with self._session() as session:
            return [alert_event_record(r) for r in session.scalars(query)]

    # -- API access tokens and audit log (modelmonitor.service.access decides what they mean) ---------

    def add_access_token(
        self, token_id: str, secret_sha256: str, role: str, name: str, now: datetime
    ) -> AccessToken:
        row = AccessTokenRow(
            token_id=token_id, secret_sha256=secret_sha256, role=role, name=name, created_at=now
        )
        with self._session() as session:
            session.add(row)
            session.flush()
            return access_token_record(row)

    def get_access_token(self, token_id: str) -> AccessToken | None:
        with self._session() as session:
            row = session.get(AccessTokenRow, token_id)
            return None if row is None else access_token_record(row)

    def list_access_tokens(self) -> list[AccessToken]:
        with self._session() as session:
            query = select(AccessTokenRow).order_by(AccessTokenRow.created_at, AccessTokenRow.token_id)
            return [access_token_record(r) for r in session.scalars(query)]

    def delete_access_token(self, token_id: str) -> None:
        with self._session() as session:
            row = session.get(AccessTokenRow, token_id)
            if row is None:
                raise NotFoundError(f"access token {token_id!r} does not exist")
            # Its dashboard sessions end with it (not left to the foreign key: SQLite may run without them).
            session.execute(delete(DashboardSessionRow).where(DashboardSessionRow.token_id == token_id))
            session.delete(row)

    def add_dashboard_session(
        self, secret_sha256: str, token_id: str, now: datetime, expires_at: datetime
    ) -> DashboardSession:
        """A browser's sign-in; the sessions that have expired by ``now`` are deleted on the way."""
        with self._session() as session:
            session.execute(delete(DashboardSessionRow).where(DashboardSessionRow.expires_at <= now))
            row = DashboardSessionRow(
                secret_sha256=secret_sha256, token_id=token_id, created_at=now, expires_at=expires_at
            )
            session.add(row)
            session.flush()
            return dashboard_session_record(row)

    def get_dashboard_session(self, secret_sha256: str, now: datetime) -> DashboardSession | None:
        """The session of that secret's digest unless it has expired by ``now`` (or never existed)."""
        with self._session() as session:
            row = session.get(DashboardSessionRow, secret_sha256)
            record = None if row is None else dashboard_session_record(row)
            return record if record is not None and record.expires_at > now else None

    def delete_dashboard_session(self, secret_sha256: str) -> None:
        """Sign-out: deleting a session that is already gone is not an error."""
        with self._session() as session:
            session.execute(
                delete(DashboardSessionRow).where(DashboardSessionRow.secret_sha256 == secret_sha256)
            )

    def add_audit_entry(
        self, *, actor: str, action: str, target: str, outcome: int, now: datetime
    ) -> AuditEntry:
        row = AuditRow(actor=actor, action=action, target=target, outcome=outcome, created_at=now)
        with self._session() as session:
            session.add(row)
            session.flush()
            return audit_record(row)

    def list_audit_entries(self, *, limit: int, before_id: int | None = None) -> list[AuditEntry]:
        """Newest first; ``before_id`` pages back through older entries."""
        query = select(AuditRow).order_by(AuditRow.id.desc()).limit(limit)
        if before_id is not None:
            query = query.where(AuditRow.id < before_id)
        with self._session() as session:
            return [audit_record(r) for r in session.scalars(query)]
