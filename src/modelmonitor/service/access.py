"""Who may use the REST API: bearer tokens with roles, and the audit log of every write.

A token is ``mm_<id>_<secret>``: the id (public, the catalog's key) finds the row, the secret is
checked against its stored SHA-256 in constant time. The secret itself is printed once at creation and
never stored. Roles are ordered: a viewer reads; an operator also runs executions now and starts/stops
schedules; an admin also creates, changes and deletes, sets schedule scripts and commands (they run
code on the server), manages tokens and reads the audit log.

A browser signs in once with a token (the dashboard's /login) and gets a session instead: a random
secret for its cookie, of which the catalog keeps the SHA-256, the token it was opened with and its end
(``SESSION_LIFETIME``). A session acts with its token's role as it is now: revoking the token ends its
sessions, and signing out deletes the session's row.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta
from enum import IntEnum

from modelmonitor.errors import ConfigurationError
from modelmonitor.formats.layout import check_name
from modelmonitor.service import MonitoringService
from modelmonitor.storage.catalog import AccessToken, AuditEntry

__all__ = [
    "SESSION_LIFETIME",
    "TOKEN_PREFIX",
    "AccessControl",
    "AccessToken",
    "AuditEntry",
    "Caller",
    "Role",
]

TOKEN_PREFIX = "mm_"
_ID_BYTES = 6
_SECRET_BYTES = 32
# A working day and then some: an operator signs in once a day; a stolen cookie is worth half a day.
SESSION_LIFETIME = timedelta(hours=12)


class Role(IntEnum):
    """Each role can do everything the roles below it can."""

    VIEWER = 1
    OPERATOR = 2
    ADMIN = 3

    @classmethod
    def parse(cls, text: str) -> Role:
        try:
            return cls[text.strip().upper()]
        except KeyError:
            raise ConfigurationError(
                f"role: got {text!r}, expected one of {', '.join(r.label for r in cls)}"
            ) from None

    @property
    def label(self) -> str:
        return self.name.lower()


@dataclass(frozen=True)
class Caller:
    """Who made a request: a token's id, name and role (or the anonymous caller of an insecure server)."""

    token_id: str
    name: str
    role: Role

    @property
    def actor(self) -> str:
        return f"{self.name} ({self.token_id})"


ANONYMOUS_ADMIN = Caller(token_id="-", name="anonymous (no API token exists)", role=Role.ADMIN)


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


@dataclass
class AccessControl:
    """Tokens and the audit log, in the service's catalog."""

    service: MonitoringService

    def create_token(self, role: Role, name: str | None = None) -> tuple[str, AccessToken]:
        """A new token: ``(the token text, shown once; its stored record)``."""
        token_id = secrets.token_hex(_ID_BYTES)
        secret = secrets.token_urlsafe(_SECRET_BYTES)
        label = name or f"{role.label}-{token_id}"
        check_name("token", label)
        record = self.service.catalog.add_access_token(
            token_id, _digest(secret), role.label, label, self.service.clock.now()
        )
        return f"{TOKEN_PREFIX}{token_id}_{secret}", record

    def list_tokens(self) -> list[AccessToken]:
        return self.service.catalog.list_access_tokens()

    def revoke_token(self, token_id: str) -> None:
        self.service.catalog.delete_access_token(token_id)

    def any_tokens(self) -> bool:
        return bool(self.service.catalog.list_access_tokens())

    def authenticate(self, token: str) -> Caller | None:
        """The caller a token text names, or None when it is malformed, unknown or wrong."""
        if not token.startswith(TOKEN_PREFIX):
            return None
        token_id, sep, secret = token[len(TOKEN_PREFIX) :].partition("_")
        if not sep or not token_id or not secret or len(token_id) > 32:
            return None
        record = self.service.catalog.get_access_token(token_id)
        if record is None:
            # Same work as a known id, so timing does not tell which ids exist.
            hmac.compare_digest(_digest(secret), _digest(""))
            return None
        if not hmac.compare_digest(_digest(secret), record.secret_sha256):
            return None
        return Caller(token_id=record.token_id, name=record.name, role=Role.parse(record.role))

    def open_session(self, token: str) -> tuple[str, Caller] | None:
        """Sign in with a token: ``(the session's secret for the cookie, its caller)``, or None when the
        token is not valid."""
        caller = self.authenticate(token)
        if caller is None:
            return None
        secret = secrets.token_urlsafe(_SECRET_BYTES)
        now = self.service.clock.now()
        self.service.catalog.add_dashboard_session(
            _digest(secret), caller.token_id, now, now + SESSION_LIFETIME
        )
        return secret, caller

    def session_caller(self, secret: str) -> Caller | None:
        """Who a session's secret signs in as, or None when it is unknown, expired or its token revoked."""
        # Found by its digest: the secret is 256 random bits, so a lookup's timing tells nothing usable.
        session = self.service.catalog.get_dashboard_session(_digest(secret), self.service.clock.now())
        if session is None:
            return None
        record = self.service.catalog.get_access_token(session.token_id)
        if record is None:
            return None
        return Caller(token_id=record.token_id, name=record.name, role=Role.parse(record.role))

    def close_session(self, secret: str) -> None:
        self.service.catalog.delete_dashboard_session(_digest(secret))

    def audit(self, caller: Caller, action: str, target: str, outcome: int) -> AuditEntry:
        """Record one write: who, what (action and target), the HTTP status it got, when."""
        return self.service.catalog.add_audit_entry(
            actor=caller.actor,
            action=action,
            target=target[:2000],
            outcome=outcome,
            now=self.service.clock.now(),
        )

    def audit_log(self, limit: int = 100, before_id: int | None = None) -> list[AuditEntry]:
        return self.service.catalog.list_audit_entries(limit=limit, before_id=before_id)
