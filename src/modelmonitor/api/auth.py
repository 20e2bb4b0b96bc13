"""Bearer tokens on every route under /api/v1, and the audit of every write.

``Depends(viewer)`` / ``operator`` / ``admin`` on a route names the least role it needs: no token (or a
wrong one) is 401, a token of a lower role 403. A server whose catalog holds no token at all lets
every caller act as admin (``serve`` only listens beyond loopback so with ``--insecure``); the first
token created ends that. The audit middleware records every POST/PUT/PATCH/DELETE — the API's and the
dashboard's actions, allowed or refused — with who, what and the status it got.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from fastapi import Depends, HTTPException, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool
from starlette.responses import Response

from modelmonitor.service import MonitoringService
from modelmonitor.service.access import ANONYMOUS_ADMIN, AccessControl, Caller, Role

__all__ = ["ApiState", "admin", "audit_writes", "operator", "service_of", "state_of", "viewer"]

logger = logging.getLogger("modelmonitor.api")

_WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
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


def _caller(request: Request, credentials: HTTPAuthorizationCredentials | None) -> Caller:
    access = state_of(request).access
    if credentials is None:
        if not access.any_tokens():
            return ANONYMOUS_ADMIN
        raise HTTPException(
            401,
            "missing bearer token: send 'Authorization: Bearer <token>' (modelmonitor token create)",
            headers={"WWW-Authenticate": "Bearer"},
        )
    caller = access.authenticate(credentials.credentials)
    if caller is None:
        raise HTTPException(
            401,
            "invalid or revoked bearer token",
            headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
        )
    return caller


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
