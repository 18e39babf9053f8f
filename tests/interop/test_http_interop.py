"""HTTP routes (PROTOCOL.md §10: /healthz and the 404 rule)."""

from __future__ import annotations

import json


def test_healthz(shared_server):
    status, ctype, body = shared_server.server.http_get("/healthz")
    assert status == 200, (status, body[:200])
    assert ctype.split(";")[0].strip() == "application/json", ctype
    data = json.loads(body)
    assert data["status"] == "ok", data
    assert isinstance(data["version"], str) and data["version"], data
    assert isinstance(data["uptime"], int | float) and data["uptime"] >= 0, data
    assert isinstance(data["clients"], int) and not isinstance(data["clients"], bool), data
    assert data["clients"] >= 0, data


def test_unknown_route_is_plain_404(shared_server):
    for path in (
        "/nope",
        "/nope/deeper?x=1",
        "/settings/server_settings.json",
        "/keys/clients.json",
    ):
        status, ctype, body = shared_server.server.http_get(path)
        assert status == 404, (path, status, body[:200])
        assert ctype.split(";")[0].strip() == "text/plain", (path, ctype)
        assert body == b"Not Found", (path, body[:200])
