"""Signing a browser in to the dashboard over real HTTP: /login opens a server-side session whose cookie
the pages, the actions and the REST API accept; pages send a browser without one to /login while the
API answers 401; cookie writes from anywhere but this server's pages are refused (403); sign-out,
revocation and expiry end a session. (The same in chromium: test_dashboard_browser.py.)"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from modelmonitor.api.auth import SESSION_COOKIE
from modelmonitor.api.server import running_api
from modelmonitor.service.access import SESSION_LIFETIME, AccessControl, Role
from tests.api.conftest import Api, loopback_socket, make_service
from tests.monitor_history import SCHEDULE, write_history


def _sign_in(api: Api, role: str, **headers: str) -> httpx.Response:
    with httpx.Client(base_url=api.url, timeout=30) as client:
        return client.post(
            "/login",
            data={"token": api.tokens[role], "next": f"/monitors/{SCHEDULE}"},
            headers={"Origin": api.url, **headers},
        )


def _session(api: Api, role: str) -> str:
    answer = _sign_in(api, role)
    assert answer.status_code == 303, answer.text
    return answer.cookies[SESSION_COOKIE]


def _browser(api: Api, session: str) -> httpx.Client:
    """A client holding the session cookie and sending what a browser sends from this server's pages."""
    return httpx.Client(
        base_url=api.url,
        cookies={SESSION_COOKIE: session},
        headers={"Origin": api.url, "Sec-Fetch-Site": "same-origin"},
        timeout=30,
    )


def test_pages_send_a_browser_without_a_session_to_login_and_the_api_answers_401(api: Api) -> None:
    write_history(api.tmp, api.service, api.service.clock.now(), count=2)
    with httpx.Client(base_url=api.url, timeout=30) as anonymous:
        for path, back in (
            ("/", "%2F"),
            (f"/monitors/{SCHEDULE}?range=24h", f"%2Fmonitors%2F{SCHEDULE}%3Frange%3D24h"),
        ):
            answer = anonymous.get(path)
            assert answer.status_code == 303
            assert answer.headers["location"] == f"/login?next={back}"
        refused = anonymous.get("/api/v1/schedules")
        assert refused.status_code == 401
        assert "sign in at /login" in refused.json()["detail"]
        login = anonymous.get("/login", params={"next": f"/monitors/{SCHEDULE}"})
    assert login.status_code == 200
    assert '<form class="login" method="post" action="/login">' in login.text
    assert f'name="next" value="/monitors/{SCHEDULE}"' in login.text


def test_signing_in_sets_a_session_cookie_not_the_token(api: Api) -> None:
    answer = _sign_in(api, "operator")
    assert answer.status_code == 303
    assert answer.headers["location"] == f"/monitors/{SCHEDULE}"
    cookie = answer.headers["set-cookie"]
    secret = answer.cookies[SESSION_COOKIE]
    attributes = {part.strip().lower() for part in cookie.split(";")[1:]}
    assert attributes == {
        "httponly",
        "path=/",
        "samesite=strict",
        f"max-age={int(SESSION_LIFETIME.total_seconds())}",
    }
    assert api.tokens["operator"] not in cookie
    # The catalog keeps the secret's digest, with the token it was opened with; never the secret.
    digest = hashlib.sha256(secret.encode()).hexdigest()
    session = api.service.catalog.get_dashboard_session(digest, api.service.clock.now())
    assert session is not None
    assert api.tokens["operator"].startswith(f"mm_{session.token_id}_")
    assert session.expires_at - session.created_at == SESSION_LIFETIME
    assert api.service.catalog.get_dashboard_session(secret, api.service.clock.now()) is None


def test_the_session_is_one_credential_for_pages_actions_and_the_api(api: Api) -> None:
    write_history(api.tmp, api.service, api.service.clock.now(), count=2)
    with _browser(api, _session(api, "operator")) as browser:
        home = browser.get("/")
        assert home.status_code == 200
        assert '<span id="signed-in-as">test-operator</span> (operator)' in home.text
        assert browser.get("/api/v1/schedules").status_code == 200
        stopped = browser.post(f"/monitors/{SCHEDULE}/actions/stop")
        assert stopped.status_code == 303
        assert stopped.headers["location"] == f"/monitors/{SCHEDULE}?done=stop"
        assert api.service.describe_schedule(SCHEDULE).status == "Stopped"
        # Roles are the token's: an operator's session still cannot do an admin's write.
        assert browser.delete(f"/api/v1/schedules/{SCHEDULE}").status_code == 403
    entry = AccessControl(api.service).audit_log(limit=2)[1]
    assert (entry.actor, entry.target, entry.outcome) == (
        f"test-operator ({api.tokens['operator'].split('_')[1]})",
        f"POST /monitors/{SCHEDULE}/actions/stop",
        303,
    )


@pytest.mark.parametrize(
    "headers",
    [
        {"Sec-Fetch-Site": "cross-site", "Origin": "http://attacker.test"},
        {"Sec-Fetch-Site": "same-site", "Origin": "http://127.0.0.1:1"},  # a sibling origin: SameSite lets it
        {"Origin": "http://attacker.test"},  # a browser without fetch metadata
        {"Origin": "null"},
        {},  # the cookie but nothing saying where the request comes from
    ],
    ids=["cross-site", "same-site-other-origin", "foreign-origin", "null-origin", "no-origin"],
)
def test_a_cookie_write_from_anywhere_but_this_servers_pages_is_refused(
    api: Api, headers: dict[str, str]
) -> None:
    write_history(api.tmp, api.service, api.service.clock.now(), count=2)
    session = _session(api, "operator")
    with httpx.Client(
        base_url=api.url, cookies={SESSION_COOKIE: session}, headers=headers, timeout=30
    ) as forged:
        for path in (f"/monitors/{SCHEDULE}/actions/stop", f"/api/v1/schedules/{SCHEDULE}/stop"):
            answer = forged.post(path)
            assert answer.status_code == 403, path
            assert answer.json()["detail"].startswith("cross-site request refused")
    assert api.service.describe_schedule(SCHEDULE).status == "Scheduled"
    refused = AccessControl(api.service).audit_log(limit=1)[0]
    assert refused.actor.startswith("test-operator (")
    assert refused.outcome == 403


def test_a_cross_site_write_without_a_cookie_is_refused_and_bearer_writes_are_unchanged(api: Api) -> None:
    write_history(api.tmp, api.service, api.service.clock.now(), count=2)
    cross_site = {"Sec-Fetch-Site": "cross-site", "Origin": "http://attacker.test"}
    with httpx.Client(base_url=api.url, headers=cross_site, timeout=30) as forged:
        assert forged.post(f"/monitors/{SCHEDULE}/actions/stop").status_code == 403
    with api.client("operator") as client:  # an API client sends neither header
        assert client.post(f"/api/v1/schedules/{SCHEDULE}/stop").status_code == 200
        assert client.post(f"/api/v1/schedules/{SCHEDULE}/start").status_code == 200


def test_a_wrong_token_gets_the_form_again_with_what_was_wrong(api: Api) -> None:
    operator_token = api.tokens["operator"]
    token_id = operator_token.split("_")[1]
    with httpx.Client(base_url=api.url, headers={"Origin": api.url}, timeout=30) as client:
        for token, said in (
            ("", "Paste a token first."),
            ("hunter2", "That is not a modelmonitor API token: tokens start with mm_"),
            (
                operator_token[:-3],
                "That token was not accepted: it is unknown, revoked, or not copied whole.",
            ),
            (f"mm_{token_id}x_secret", "That token was not accepted"),
        ):
            answer = client.post("/login", data={"token": token, "next": "/"})
            assert answer.status_code == 401
            assert SESSION_COOKIE not in answer.cookies
            assert '<p class="notice refused" id="login-error" role="alert">' + said in answer.text
            assert token not in answer.text or not token
    entry = AccessControl(api.service).audit_log(limit=1)[0]
    assert (entry.actor, entry.target, entry.outcome) == ("unauthenticated (-)", "POST /login", 401)


def test_after_signing_in_only_a_path_of_this_server_is_followed(api: Api) -> None:
    with httpx.Client(base_url=api.url, headers={"Origin": api.url}, timeout=30) as client:
        for target, followed in (
            ("//attacker.test/x", "/"),
            ("https://attacker.test/", "/"),
            ("/\\attacker.test", "/"),
            ("/logout", "/"),
            ("/executions/3?x=1", "/executions/3?x=1"),
        ):
            answer = client.post("/login", data={"token": api.tokens["viewer"], "next": target})
            assert answer.headers["location"] == followed, target


def test_signing_out_ends_the_session_and_clears_the_cookie(api: Api) -> None:
    session = _session(api, "viewer")
    with _browser(api, session) as browser:
        answer = browser.post("/logout")
        assert answer.status_code == 303
        assert answer.headers["location"] == "/login?done=signed-out"
        assert f'{SESSION_COOKIE}=""' in answer.headers["set-cookie"]
        assert "max-age=0" in answer.headers["set-cookie"].lower()
        # The old cookie, replayed, is worth nothing now.
        again = browser.get("/")
        assert again.status_code == 303
        assert again.headers["location"] == "/login?next=%2F&done=session-ended"
        api_answer = browser.get("/api/v1/schedules")
        assert api_answer.status_code == 401
        assert api_answer.json()["detail"].startswith("your dashboard session has ended")
        assert "You are signed out." in browser.get("/login?done=signed-out").text


def test_revoking_the_token_ends_its_sessions(api: Api) -> None:
    session = _session(api, "operator")
    access = AccessControl(api.service)
    with _browser(api, session) as browser:
        assert browser.get("/api/v1/server").status_code == 200
        access.revoke_token(api.tokens["operator"].split("_")[1])
        assert browser.get("/api/v1/server").status_code == 401
    digest = hashlib.sha256(session.encode()).hexdigest()
    assert api.service.catalog.get_dashboard_session(digest, api.service.clock.now()) is None


def test_an_expired_session_is_refused_and_cleared_by_the_next_sign_in(api: Api) -> None:
    now = api.service.clock.now()
    token_id = api.tokens["viewer"].split("_")[1]
    expired = "an-old-secret"
    digest = hashlib.sha256(expired.encode()).hexdigest()
    api.service.catalog.add_dashboard_session(
        digest, token_id, now - timedelta(hours=13), now - timedelta(seconds=1)
    )
    with _browser(api, expired) as browser:
        assert browser.get("/api/v1/server").status_code == 401
    _session(api, "viewer")
    # Gone from the table, not only refused: the sign-in deleted it.
    assert api.service.catalog.get_dashboard_session(digest, now - timedelta(hours=1)) is None


@pytest.fixture
def behind_proxy(tmp_path: Path) -> Iterator[Api]:
    """A server that believes X-Forwarded-Proto from 127.0.0.1 (``serve --forwarded-allow-ips``)."""
    service = make_service(tmp_path)
    tokens = {"viewer": AccessControl(service).create_token(Role.VIEWER, "v")[0]}
    try:
        with running_api(service, loopback_socket(), forwarded_allow_ips="127.0.0.1") as url:
            yield Api(url, service, tokens, tmp_path)
    finally:
        service.close()


def test_the_cookie_is_secure_over_https_only_behind_a_trusted_proxy(api: Api, behind_proxy: Api) -> None:
    https = {"X-Forwarded-Proto": "https"}
    trusted = _sign_in(behind_proxy, "viewer", **https, Origin=behind_proxy.url.replace("http:", "https:"))
    assert "secure" in {p.strip().lower() for p in trusted.headers["set-cookie"].split(";")}
    # Without --forwarded-allow-ips any client could claim https: the header is ignored.
    untrusted = _sign_in(api, "viewer", **https)
    assert untrusted.status_code == 303
    assert "secure" not in {p.strip().lower() for p in untrusted.headers["set-cookie"].split(";")}
