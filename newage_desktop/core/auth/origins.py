"""Which web origins may reach the server (PROTOCOL.md §2.1 `corsAllowedOrigins`).

Browsers do not apply CORS to WebSockets, so the server checks `Origin` itself for polling,
WebSocket and the HTTP routes alike. `"local"` (the default) accepts pages served from this
machine: host `localhost`, an address in 127.0.0.0/8 or `[::1]`, any scheme and port.
Requests without an `Origin` (programs, not browsers) are never refused here.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

LOCAL = "local"


def is_local_origin(origin: str) -> bool:
    """True for an origin whose host is localhost, 127.0.0.0/8 or ::1 (any scheme and port)."""
    try:
        parts = urlsplit(origin)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError for a malformed port
    except ValueError:
        return False
    if not parts.scheme or host is None:
        return False
    if host == "localhost":
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    if address.version == 4:
        return address in ipaddress.ip_network("127.0.0.0/8")
    return address == ipaddress.ip_address("::1")


def origin_allowed(origin: str, setting: str | list[str]) -> bool:
    """Whether a request carrying this `Origin` header may go on (§2.1)."""
    if setting == "*":
        return True
    allowed = [setting] if isinstance(setting, str) else setting
    if "*" in allowed or origin in allowed:
        return True
    return LOCAL in allowed and is_local_origin(origin)
