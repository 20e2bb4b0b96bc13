"""What the proxy accepts from a client and what it forwards of it: target checks and header rewriting.

- The target must be an absolute path with no ``..`` segment, also when percent-encoded (``%2e%2e``) or
  written with backslashes: it is appended to the upstream URL's path and must not climb out of it (400).
- ``GET``, ``HEAD``, ``DELETE`` and ``OPTIONS`` requests must not carry a body (400): a model server that
  ignores the body of such a request would read it as a second request on the same connection.
- Forwarded headers: hop-by-hop headers, the headers the client's ``Connection`` header names, ``Host``
  and framing are not forwarded. ``X-Forwarded-For`` gets the client's address appended (the common
  convention: the model sees the chain, the last entry written by us); ``X-Forwarded-Proto`` and
  ``X-Forwarded-Host`` are set by the proxy; ``Forwarded`` and ``X-Real-IP`` from clients are dropped
  (they would let a client claim any address).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import unquote

from modelmonitor.capture.refusals import RefusalReason

__all__ = ["BODYLESS_METHODS", "HOP_BY_HOP", "Refusal", "check_request", "forwarded_headers"]

# RFC 9110 §7.6.1 connection-specific headers.
HOP_BY_HOP = frozenset(
    {
        b"connection",
        b"keep-alive",
        b"proxy-authenticate",
        b"proxy-authorization",
        b"proxy-connection",
        b"te",
        b"trailer",
        b"transfer-encoding",
        b"upgrade",
    }
)
# Not forwarded as the client sent them: hop-by-hop headers, Host (the upstream's own is sent), framing (the
# body is re-framed), Expect (the whole body is already here), and the forwarding headers the proxy writes.
_NOT_FORWARDED = HOP_BY_HOP | {
    b"host",
    b"content-length",
    b"expect",
    b"x-forwarded-for",
    b"x-forwarded-proto",
    b"x-forwarded-host",
    b"forwarded",
    b"x-real-ip",
}
BODYLESS_METHODS = frozenset({"GET", "HEAD", "DELETE", "OPTIONS"})


@dataclass(frozen=True, slots=True)
class Refusal:
    """A request the proxy answers itself: the status, the metric's reason, and a message for the client."""

    status: int
    reason: RefusalReason
    message: str


def _climbs_out(raw_path: bytes) -> bool:
    if b"." not in raw_path and b"%" not in raw_path and b"\\" not in raw_path:
        return False
    text = unquote(raw_path.decode("latin-1")).replace("\\", "/")
    return ".." in text.split("/")


def check_request(
    method: str, raw_path: bytes, headers: Iterable[tuple[bytes, bytes]], max_body_bytes: int
) -> Refusal | None:
    """The refusal a request earns by its head alone, or None when it may be forwarded."""
    if not raw_path.startswith(b"/") or _climbs_out(raw_path):
        return Refusal(400, "bad_target", "the request path must be absolute and must not contain '..'")
    for name, value in headers:
        if name == b"content-length":
            if method in BODYLESS_METHODS and value.strip() != b"0":
                return Refusal(400, "body_not_allowed", f"a {method} request must not have a body")
            if value.isdigit() and int(value) > max_body_bytes:  # uvicorn's parser refuses non-digits
                return Refusal(
                    413, "body_too_large", f"the request body is over the limit of {max_body_bytes} bytes"
                )
        elif name == b"transfer-encoding" and method in BODYLESS_METHODS:
            return Refusal(400, "body_not_allowed", f"a {method} request must not have a body")
    return None


def forwarded_headers(
    headers: list[tuple[bytes, bytes]], client: tuple[str, int] | None, scheme: str
) -> list[tuple[bytes, bytes]]:
    """The client's headers as the model gets them (see the module docstring)."""
    dropped: frozenset[bytes] | set[bytes] = _NOT_FORWARDED
    forwarded_for: bytes | None = None
    host: bytes | None = None
    for name, value in headers:
        if name == b"connection":
            dropped = dropped | {token.strip().lower() for token in value.split(b",")}
        elif name == b"x-forwarded-for":
            forwarded_for = value if forwarded_for is None else forwarded_for + b", " + value
        elif name == b"host":
            host = value
    out = [(name, value) for name, value in headers if name not in dropped]
    address = client[0].encode("latin-1") if client else b"unknown"
    out.append((b"x-forwarded-for", forwarded_for + b", " + address if forwarded_for else address))
    out.append((b"x-forwarded-proto", scheme.encode("latin-1")))
    if host is not None:
        out.append((b"x-forwarded-host", host))
    return out
