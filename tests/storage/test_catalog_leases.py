"""Execution ownership in the catalog (leases, take-over), stored missed slots, upgrading an old catalog."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from sqlalchemy import create_engine, text

from modelmonitor.storage.catalog import Catalog

T0 = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)

# The tables as the version before execution owners created them (the columns since added are missing).
_EARLIER_SCHEMA = """
CREATE TABLE schedules (
    name VARCHAR(128) PRIMARY KEY, status VARCHAR(32) NOT NULL, failure_reason TEXT,
    monitoring_type VARCHAR(32) NOT NULL, expression VARCHAR(256) NOT NULL, endpoint_name VARCHAR(128),
    definition TEXT NOT NULL, last_slot TIMESTAMP, created_at TIMESTAMP NOT NULL,
    modified_at TIMESTAMP NOT NULL);
CREATE TABLE executions (
    id {serial} PRIMARY KEY, schedule_name VARCHAR(128) NOT NULL, endpoint_name VARCHAR(128),
    monitoring_type VARCHAR(32) NOT NULL, scheduled_time TIMESTAMP NOT NULL, status VARCHAR(32) NOT NULL,
    failure_reason TEXT, exit_message TEXT, output_uri TEXT, log_path TEXT, pid INTEGER,
    violation_count INTEGER, created_at TIMESTAMP NOT NULL, modified_at TIMESTAMP NOT NULL);
INSERT INTO schedules (name, status, monitoring_type, expression, definition, created_at, modified_at)
    VALUES ('old', 'Scheduled', 'DataQuality', 'cron(0 * ? * * *)', '{{}}', '2026-11-21 09:00:00',
            '2026-11-21 09:00:00');
INSERT INTO executions (schedule_name, monitoring_type, scheduled_time, status, pid, created_at, modified_at)
    VALUES ('old', 'DataQuality', '2026-11-21 10:00:00', 'InProgress', 4242, '2026-11-21 10:00:00',
            '2026-11-21 10:00:00');
"""


def _add_execution(catalog: Catalog, owner: str | None, lease: datetime | None) -> int:
    return catalog.add_execution(
        schedule_name="s1",
        endpoint_name=None,
        monitoring_type="DataQuality",
        scheduled_time=T0,
        status="InProgress",
        now=T0,
        owner=owner,
        host="h1",
        lease_expires_at=lease,
    ).id


def test_a_catalog_of_the_earlier_version_gains_the_new_columns(catalog_url: str) -> None:
    engine = create_engine(catalog_url.replace("postgresql://", "postgresql+psycopg://"))
    serial = "SERIAL" if engine.dialect.name == "postgresql" else "INTEGER"
    with engine.begin() as connection:
        for statement in _EARLIER_SCHEMA.format(serial=serial).split(";"):
            if statement.strip():
                connection.execute(text(statement))
    engine.dispose()

    catalog = Catalog(catalog_url)  # upgrades in place
    try:
        (old,) = catalog.list_executions()
        assert (old.status, old.pid, old.owner, old.host, old.lease_expires_at) == (
            "InProgress",
            4242,
            None,
            None,
            None,
        )
        assert catalog.get_schedule("old").missed_slots == 0
        # The new columns work on the upgraded tables.
        assert catalog.claim_slot("old", None, T0, T0, missed=2)
        assert catalog.get_schedule("old").missed_slots == 2
        assert catalog.take_over(
            old.id, previous_owner=None, owner="me", lease_now=T0, expires_at=T0 + timedelta(seconds=30)
        )
        assert catalog.get_execution(old.id).owner == "me"
    finally:
        catalog.close()
    Catalog(catalog_url).close()  # opening an upgraded catalog again changes nothing


def test_take_over_needs_an_expired_lease_and_the_owner_read(catalog: Catalog) -> None:
    live = _add_execution(catalog, "a:1:x", T0 + timedelta(seconds=30))
    assert not catalog.take_over(
        live, previous_owner="a:1:x", owner="b:2:y", lease_now=T0, expires_at=T0 + timedelta(seconds=60)
    )
    expired = _add_execution(catalog, "a:1:x", T0 - timedelta(seconds=1))
    # The owner changed since it was read (someone else adopted it): no take-over.
    assert not catalog.take_over(
        expired, previous_owner="c:3:z", owner="b:2:y", lease_now=T0, expires_at=T0 + timedelta(seconds=60)
    )
    assert catalog.take_over(
        expired, previous_owner="a:1:x", owner="b:2:y", lease_now=T0, expires_at=T0 + timedelta(seconds=60)
    )
    taken = catalog.get_execution(expired)
    assert (taken.owner, taken.lease_expires_at) == ("b:2:y", T0 + timedelta(seconds=60))
    assert catalog.get_execution(live).owner == "a:1:x"


def test_of_concurrent_take_overs_exactly_one_wins(catalog: Catalog) -> None:
    orphan = _add_execution(catalog, "dead:1:x", T0 - timedelta(seconds=5))
    wins: list[str] = []

    def adopt(name: str) -> None:
        if catalog.take_over(
            orphan, previous_owner="dead:1:x", owner=name, lease_now=T0, expires_at=T0 + timedelta(seconds=30)
        ):
            wins.append(name)

    threads = [threading.Thread(target=adopt, args=(f"survivor-{i}",)) for i in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(wins) == 1
    assert catalog.get_execution(orphan).owner == wins[0]


def test_renewal_extends_only_the_owners_own_leases(catalog: Catalog) -> None:
    mine = _add_execution(catalog, "a:1:x", T0 + timedelta(seconds=10))
    theirs = _add_execution(catalog, "b:2:y", T0 + timedelta(seconds=10))
    assert catalog.renew_leases("a:1:x", [mine, theirs], T0 + timedelta(seconds=40)) == {mine}
    assert catalog.get_execution(mine).lease_expires_at == T0 + timedelta(seconds=40)
    assert catalog.get_execution(theirs).lease_expires_at == T0 + timedelta(seconds=10)
    assert catalog.renew_leases("a:1:x", [], T0) == set()


def test_missed_slots_are_counted_with_the_claim(catalog: Catalog) -> None:
    catalog.add_schedule(
        "s1",
        status="Scheduled",
        monitoring_type="DataQuality",
        expression="cron(0 * ? * * *)",
        endpoint_name=None,
        definition={},
        now=T0,
    )
    assert catalog.claim_slot("s1", None, T0 + timedelta(hours=3), T0, missed=2)
    assert not catalog.claim_slot("s1", None, T0 + timedelta(hours=4), T0, missed=5)  # lost: not counted
    assert catalog.claim_slot("s1", T0 + timedelta(hours=3), T0 + timedelta(hours=5), T0, missed=1)
    assert catalog.get_schedule("s1").missed_slots == 3
