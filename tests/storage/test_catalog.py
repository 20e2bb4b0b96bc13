from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from modelmonitor.errors import ConflictError, NotFoundError
from modelmonitor.storage.catalog import Catalog

T0 = datetime(2026, 11, 21, 9, 0, tzinfo=UTC)


def _add(catalog: Catalog, name: str = "s1", endpoint: str | None = "ep") -> None:
    catalog.add_schedule(
        name,
        status="Scheduled",
        monitoring_type="DataQuality",
        expression="cron(0 * ? * * *)",
        endpoint_name=endpoint,
        definition={"a": 1},
        now=T0,
    )


def test_endpoint_round_trip_and_reregistration(catalog: Catalog) -> None:
    catalog.put_endpoint("ep", "/cap", ["B", "AllTraffic"], "proxy", T0)
    again = catalog.put_endpoint("ep", "/cap2", ["AllTraffic"], "proxy", T0 + timedelta(hours=1))
    assert again.capture_destination == "/cap2"
    assert again.created_at == T0
    assert again.modified_at == T0 + timedelta(hours=1)
    assert [e.name for e in catalog.list_endpoints()] == ["ep"]
    assert catalog.get_endpoint("ep").variants == ("AllTraffic",)


def test_endpoint_with_schedule_cannot_be_deleted(catalog: Catalog) -> None:
    catalog.put_endpoint("ep", "/cap", ["AllTraffic"], "manual", T0)
    _add(catalog)
    with pytest.raises(ConflictError, match="delete them first"):
        catalog.delete_endpoint("ep")
    catalog.delete_schedule("s1")
    catalog.delete_endpoint("ep")
    with pytest.raises(NotFoundError):
        catalog.get_endpoint("ep")


def test_schedule_names_are_unique_and_definitions_round_trip(catalog: Catalog) -> None:
    _add(catalog)
    with pytest.raises(ConflictError, match="already exists"):
        _add(catalog)
    got = catalog.get_schedule("s1")
    assert got.definition == {"a": 1}
    assert got.created_at == T0
    changed = catalog.update_schedule("s1", T0 + timedelta(minutes=5), status="Stopped", definition={"b": 2})
    assert (changed.status, changed.definition) == ("Stopped", {"b": 2})
    assert [s.name for s in catalog.list_schedules(status="Stopped")] == ["s1"]
    assert catalog.list_schedules(status="Scheduled") == []


def test_claim_slot_is_compare_and_set(catalog: Catalog) -> None:
    _add(catalog)
    assert catalog.claim_slot("s1", None, T0, T0)
    assert not catalog.claim_slot("s1", None, T0, T0)
    assert catalog.claim_slot("s1", T0, T0 + timedelta(hours=1), T0)
    assert not catalog.claim_slot("s1", T0, T0 + timedelta(hours=2), T0)
    assert catalog.get_schedule("s1").last_slot == T0 + timedelta(hours=1)


def test_concurrent_claims_let_exactly_one_win(catalog: Catalog) -> None:
    _add(catalog)
    wins: list[bool] = []

    def claim() -> None:
        wins.append(catalog.claim_slot("s1", None, T0, T0))

    threads = [threading.Thread(target=claim) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert wins.count(True) == 1


def test_executions_are_kept_after_schedule_delete_and_sorted(catalog: Catalog) -> None:
    _add(catalog)
    for hour in (2, 0, 1):
        catalog.add_execution(
            schedule_name="s1",
            endpoint_name="ep",
            monitoring_type="DataQuality",
            scheduled_time=T0 + timedelta(hours=hour),
            status="Pending",
            now=T0,
        )
    catalog.delete_schedule("s1")
    runs = catalog.list_executions(schedule_name="s1")
    assert [r.scheduled_time.hour for r in runs] == [9, 10, 11]
    newest = catalog.list_executions(schedule_name="s1", newest_first=True, limit=1)
    assert newest[0].scheduled_time.hour == 11
    done = catalog.update_execution(runs[0].id, T0, status="Failed", failure_reason="why")
    assert (done.status, done.failure_reason) == ("Failed", "why")
    assert [r.id for r in catalog.list_executions(statuses=["Failed"])] == [runs[0].id]
    with pytest.raises(NotFoundError):
        catalog.get_execution(10_000)


def test_alert_rules_and_history(catalog: Catalog) -> None:
    catalog.put_alert_rule(
        "a", schedule_name="s1", datapoints_to_alert=2, evaluation_period=3, webhook_url="http://x", now=T0
    )
    ev = catalog.set_alert_status("a", "InAlert", execution_id=1, detail="d", now=T0)
    assert not ev.delivered
    catalog.mark_alert_delivered(ev.id)
    events = catalog.list_alert_events(alert_name="a")
    assert [(e.status, e.delivered) for e in events] == [("InAlert", True)]
    assert catalog.list_alert_rules(schedule_name="s1")[0].status == "InAlert"
    _add(catalog)
    catalog.delete_schedule("s1")
    assert catalog.list_alert_rules() == []
    assert catalog.list_alert_events() == []


def test_sqlite_catalog_uses_wal(tmp_path: Path) -> None:
    cat = Catalog(f"sqlite:///{tmp_path / 'deep' / 'c.sqlite'}")
    with cat._engine.connect() as conn:
        mode = conn.exec_driver_sql("PRAGMA journal_mode").scalar()
    cat.close()
    assert mode == "wal"


def test_processes_creating_one_catalog_at_once_all_succeed(tmp_path: Path) -> None:
    import subprocess
    import sys

    script = (
        "import sys\nfrom modelmonitor.storage.catalog import Catalog\n"
        "c = Catalog(sys.argv[1]); c.list_endpoints(); c.close()\n"
    )
    for round_ in range(2):
        url = f"sqlite:///{tmp_path / f'race-{round_}.sqlite'}"
        procs = [
            subprocess.Popen([sys.executable, "-c", script, url], stderr=subprocess.PIPE, text=True)
            for _ in range(4)
        ]
        errors = [p.communicate(timeout=60)[1] for p in procs]
        assert [p.returncode for p in procs] == [0, 0, 0, 0], errors
