"""/api/v1/tokens and /api/v1/audit (admin), and /api/v1/server (what this server is, for clients)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from fastapi import APIRouter, Depends, Query, Request, Response

from modelmonitor import __version__
from modelmonitor.api.auth import admin, state_of, viewer
from modelmonitor.api.models import TokenRequest
from modelmonitor.service.access import AuditEntry, Role

__all__ = ["CreatedToken", "ServerInfo", "TokenInfo", "router"]

router = APIRouter(prefix="/api/v1", tags=["access"])


@dataclass(frozen=True)
class TokenInfo:
    token_id: str
    name: str
    role: str
    created_at: datetime


@dataclass(frozen=True)
class CreatedToken:
    token: str
    token_id: str
    name: str
    role: str


@dataclass(frozen=True)
class ServerInfo:
    version: str
    home: str
    scheduler_running: bool


@router.get("/server", dependencies=[Depends(viewer)])
def server_info(request: Request) -> ServerInfo:
    state = state_of(request)
    return ServerInfo(__version__, str(state.service.home), state.scheduler_running)


@router.post("/tokens", status_code=201, dependencies=[Depends(admin)])
def create_token(request: Request, body: TokenRequest) -> CreatedToken:
    """A new token; its text is in this answer only (the catalog keeps its SHA-256)."""
    token, record = state_of(request).access.create_token(Role.parse(body.role), body.name)
    return CreatedToken(token, record.token_id, record.name, record.role)


@router.get("/tokens", dependencies=[Depends(admin)])
def list_tokens(request: Request) -> list[TokenInfo]:
    return [
        TokenInfo(t.token_id, t.name, t.role, t.created_at) for t in state_of(request).access.list_tokens()
    ]


@router.delete("/tokens/{token_id}", status_code=204, dependencies=[Depends(admin)])
def revoke_token(request: Request, token_id: str) -> Response:
    state_of(request).access.revoke_token(token_id)
    return Response(status_code=204)


@router.get("/audit", dependencies=[Depends(admin)])
def audit_log(
    request: Request,
    limit: int = Query(default=100, ge=1, le=1000),
    before_id: int | None = Query(default=None, ge=1, description="Page back: entries older than this id"),
) -> list[AuditEntry]:
    """Every write (allowed or refused), newest first."""
    return state_of(request).access.audit_log(limit, before_id)
