"""Where a client on this machine reaches the server: a wildcard bind address → loopback."""

from __future__ import annotations

from typing import Final

_WILDCARDS: Final = {"": "127.0.0.1", "0.0.0.0": "127.0.0.1", "::": "::1"}


def local_url(host: str, port: int) -> str:
    """`http://host:port` for a client on this machine (IPv6 in brackets)."""
    host = _WILDCARDS.get(host, host)
    return f"http://[{host}]:{port}" if ":" in host else f"http://{host}:{port}"


def api_base_url(host: str, port: int) -> str:
    """The OpenAI base URL (`…/v1`) for a server listening on host:port."""
    return local_url(host, port) + "/v1"
