"""The proxy's resource limits: what one client or one model answer may cost it, with their defaults.

Every limit has a ``modelmonitor capture proxy`` flag; docs/capture.md ("Security and limits") lists what a
client gets when it is reached and which metric counts it.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import timedelta

from modelmonitor.errors import ConfigurationError

__all__ = ["ProxyLimits"]

_MIB = 1024 * 1024


@dataclass(frozen=True)
class ProxyLimits:
    """Limits on clients (request size, time to send it, connections) and on the model's answer heads.

    ``max_request_body_bytes`` defaults to SageMaker's 6 MiB InvokeEndpoint payload limit plus 2 MiB of
    headroom; larger requests get 413 and are not read further.
    """

    max_request_body_bytes: int = 8 * _MIB
    max_request_headers: int = 100
    max_request_head_bytes: int = 64 * 1024
    max_response_headers: int = 100
    max_response_head_bytes: int = 64 * 1024
    client_header_timeout: timedelta = timedelta(seconds=10)
    client_body_timeout: timedelta = timedelta(seconds=60)
    idle_timeout: timedelta = timedelta(seconds=5)
    max_client_connections: int = 1000

    def __post_init__(self) -> None:
        for item in fields(self):
            value = getattr(self, item.name)
            if (value <= timedelta(0)) if isinstance(value, timedelta) else value <= 0:
                raise ConfigurationError(f"{item.name}: got {value}, expected a positive value")
