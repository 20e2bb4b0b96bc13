"""Who is calling, on every route under /api/v1 and every dashboard page and action; the audit of writes.

One function (``_caller``) decides, from either credential: an ``Authorization: Bearer`` token (API
clients, the SDK), or the dashboard's session cookie (a browser signed in at /login; ``api/login.py``).
``Depends(viewer)`` / ``operator`` / ``admin`` on a route names the least role it needs: no credential
(or a wrong, revoked or expired one) is 401, a lower role 403. Pages use ``page_viewer``: instead of
the 401 they send the browser to /login (303), and back to the page after signing in.

A write (POST/PUT/PATCH/DELETE) without a bearer header must come from this server's own pages
(``refuse_cross_site``): the browser's ``Sec-Fetch-Site`` says ``same-origin``, or, from a browser
that does not send it, ``Origin`` is this server's; with the session cookie one of them must say so.
Otherwise 403. The cookie is ``SameSite=Strict`` too, but SameSite lets a sibling origin of the same
site (another port or subdomain) send it; the header check does not. Bearer requests are left as they
are: a page of another site cannot add that header without this server's CORS consent, never given.

A server whose catalog holds no token at all lets every caller act as admin (``serve`` only listens
beyond loopback so with ``--insecure``); the first token created ends that. The audit middleware records
every POST/PUT/PATCH/DELETE — the API's, the dashboard's actions and sign-in/out, allowed or refused —
with who, what and the status it got.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from urllib.parse import quote

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from modelmonitor.service import MonitoringService
from modelmonitor.service.access import ANONYMOUS_ADMIN, AccessControl, Caller, Role

__all__ = [
    "SESSION_COOKIE",
    "ApiState",
    "admin",
    "audit_writes",
    "operator",
    "page_viewer",
    "refuse_cross_site",
    "service_of",
    "state_of",
    "viewer",
]

logger = logging.getLogger("modelmonitor.api")

_WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
SESSION_COOKIE = "modelmonitor_session"
_bearer = HTTPBearer(auto_error=False, description="A token from `modelmonitor token create`.")


@dataclass
class ApiState:
    """What the routes share: the one service, its access control, and whether a scheduler runs here."""

    service: MonitoringService
    access: AccessControl
    scheduler_running: bool


def state_of(request: Request) -> ApiState:
    state = request.app.state.api
    assert isinstance(state, ApiState)
    return state


def service_of(request: Request) -> MonitoringService:
    return state_of(request).service


def refuse_cross_site(request: Request) -> None:
    """403 unless the browser says this write comes from this server's own pages (module docstring).

    A request with neither header is not from a browser (or one too old to say); it passes unless it
    carries the session cookie, which only a browser signed in here holds.
    """
    site = request.headers.get("sec-fetch-site")
    origin = request.headers.get("origin")
    if site is not None:
        same_origin = site == "same-origin"
    elif origin is not None:
        same_origin = origin.lower() == f"{request.url.scheme}://{request.url.netloc}".lower()
    else:
        same_origin = SESSION_COOKIE not in request.cookies
    if not same_origin:
        raise HTTPException(
            403,
            f"cross-site request refused: got Sec-Fetch-Site {site!r} and Origin {origin!r}, expected this "
            "server's own pages (a browser signed in here writes only from them; API clients send "
            "'Authorization: Bearer <token>')",
        )


def _caller(request: Request, credentials: HTTPAuthorizationCredentials | None) -> Caller:
    access = state_of(request).access
    if credentials is not None:
        caller = access.authenticate(credentials.credentials)
        if caller is None:
            raise HTTPException(
                401,
                "invalid or revoked bearer token",
                headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
            )
        return caller
    session = request.cookies.get(SESSION_COOKIE)
    caller = access.session_caller(session) if session else None
    if caller is None and not access.any_tokens():
        caller = ANONYMOUS_ADMIN
    if caller is not None:
        request.state.caller = caller  # so the audit names who a refused cross-site write came as
    if request.method in _WRITES:
        refuse_cross_site(request)
    if caller is not None:
        return caller
    if session:
        raise HTTPException(
            401,
            "your dashboard session has ended (expired, signed out, or its token revoked): sign in again "
            "at /login",
            headers={"WWW-Authenticate": "Bearer"},
        )
    raise HTTPException(
        401,
        "missing bearer token: send 'Authorization: Bearer <token>' (modelmonitor token create), or sign "
        "in at /login in a browser",
        headers={"WWW-Authenticate": "Bearer"},
    )


def _requiring(role: Role) -> Callable[..., Caller]:
    def dependency(
        request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(_bearer)
    ) -> Caller:
        caller = _caller(request, credentials)
        request.state.caller = caller
        if caller.role < role:
            raise HTTPException(
                403, f"this needs the {role.label} role; token {caller.name!r} is {caller.role.label}"
            )
        return caller

    return dependency


viewer = _requiring(Role.VIEWER)
operator = _requiring(Role.OPERATOR)
admin = _requiring(Role.ADMIN)


def page_viewer(
    request: Request, credentials: HTTPAuthorizationCredentials | None = Depends(_bearer)
) -> Caller:
    """``viewer`` for a page: a browser without a valid credential is sent to /login, then back here."""
    try:
        return viewer(request, credentials)
    except HTTPException as refused:
        if refused.status_code != 401:
            raise
        here = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        ended = "&done=session-ended" if SESSION_COOKIE in request.cookies else ""
        raise HTTPException(
            303, "sign in first (/login)", headers={"Location": f"/login?next={quote(here, safe='')}{ended}"}
        ) from None


async def audit_writes(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
    """Record each write (the API's, the dashboard's actions) after it is answered (refused ones too)."""
    response = await call_next(request)
    if request.method in _WRITES:
        caller: Caller | None = getattr(request.state, "caller", None)
        route = request.scope.get("route")
        action = getattr(route, "name", None) or "unknown-route"
        actor = caller or Caller(token_id="-", name="unauthenticated", role=Role.VIEWER)
        target = f"{request.method} {request.url.path}"
        try:
            await run_in_threadpool(
                state_of(request).access.audit, actor, action, target, response.status_code
            )
        except Exception:
            # The write itself has happened; a lost audit row is logged loudly rather than hidden.
            logger.exception("could not record the audit entry of %s by %s", target, actor.actor)
    return response
