"""The dashboard's sessions in the catalog, SQLite and PostgreSQL: found by the secret's digest until
they expire, deleted on sign-out and with their token, expired ones cleared by the next sign-in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from modelmonitor.storage.catalog import Catalog

T0 = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
HOURS_12 = timedelta(hours=12)


def _token(catalog: Catalog, token_id: str) -> str:
    catalog.add_access_token(token_id, "0" * 64, "operator", f"name-{token_id}", T0)
    return token_id


def test_a_session_is_found_until_it_expires_and_signing_out_deletes_it(catalog: Catalog) -> None:
    token = _token(catalog, "aa")
    added = catalog.add_dashboard_session("d1", token, T0, T0 + HOURS_12)
    assert (added.token_id, added.created_at, added.expires_at) == (token, T0, T0 + HOURS_12)
    assert catalog.get_dashboard_session("d1", T0 + timedelta(hours=11)) == added
    assert catalog.get_dashboard_session("d1", T0 + HOURS_12) is None  # its end is not part of it
    assert catalog.get_dashboard_session("unknown", T0) is None
    catalog.delete_dashboard_session("d1")
    assert catalog.get_dashboard_session("d1", T0) is None
    catalog.delete_dashboard_session("d1")  # signing out twice is not an error


def test_deleting_a_token_deletes_its_sessions_only(catalog: Catalog) -> None:
    revoked, kept = _token(catalog, "aa"), _token(catalog, "bb")
    catalog.add_dashboard_session("d1", revoked, T0, T0 + HOURS_12)
    catalog.add_dashboard_session("d2", revoked, T0, T0 + HOURS_12)
    catalog.add_dashboard_session("d3", kept, T0, T0 + HOURS_12)
    catalog.delete_access_token(revoked)
    assert catalog.get_dashboard_session("d1", T0) is None
    assert catalog.get_dashboard_session("d2", T0) is None
    session = catalog.get_dashboard_session("d3", T0)
    assert session is not None
    assert session.token_id == kept


def test_a_sign_in_deletes_the_sessions_that_have_expired(catalog: Catalog) -> None:
    token = _token(catalog, "aa")
    catalog.add_dashboard_session("old", token, T0, T0 + HOURS_12)
    catalog.add_dashboard_session("current", token, T0 + timedelta(hours=6), T0 + timedelta(hours=18))
    catalog.add_dashboard_session("new", token, T0 + timedelta(hours=13), T0 + timedelta(hours=25))
    # Asked about an earlier moment, a row still there would be found: "old" is gone, "current" is not.
    assert catalog.get_dashboard_session("old", T0) is None
    assert catalog.get_dashboard_session("current", T0 + timedelta(hours=7)) is not None
