"""Request modes and history editing with the real socket.io-client and an emulated extension
(PROTOCOL.md §6.5, §7.3, §7.4, §7.11).

Its own server: the room's default target is the one available extension, which must not
depend on the extensions other tests leave connected.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from interop_support import NewAgeServer, missing_requirements, run_scenario

ROSTER = {
    "admin": ("interop-me-admin", True),
    "host": ("interop-me-host", False),
    "guest": ("interop-me-guest", False),
    "ext": ("interop-me-ext", False),
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NewAgeServer]:
    if missing_requirements() is not None:
        pytest.skip(missing_requirements() or "")
    srv = NewAgeServer(tmp_path_factory.mktemp("modes-server"), "modes", settings={})
    for client_id, monitor in ROSTER.values():
        srv.provision(client_id, monitor=monitor)
    srv.start()
    try:
        yield srv
    finally:
        srv.stop()


def test_merge_direct_requests_and_edits_at_the_extension(server: NewAgeServer) -> None:
    params = {role: server.creds[client_id].js() for role, (client_id, _) in ROSTER.items()}
    run_scenario("modes_editing", {"url": server.url, "roomName": "interop modes", **params})
