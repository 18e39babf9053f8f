"""Connection policy, assignment, mute and member status with the real socket.io-client and
two emulated extensions (PROTOCOL.md §6.5, §6.5.1, §7.3, §7.12).

Its own server: the policy is global and the assignments depend on which extensions are
available, which must not depend on other tests.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from interop_support import NewAgeServer, missing_requirements, run_scenario

ROSTER = {
    "admin": ("interop-pm-admin", True),
    "host": ("interop-pm-host", False),
    "guest": ("interop-pm-guest", False),
    "outsider": ("interop-pm-outsider", False),
    "ext1": ("interop-pm-ext1", False),
    "ext2": ("interop-pm-ext2", False),
}


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NewAgeServer]:
    if missing_requirements() is not None:
        pytest.skip(missing_requirements() or "")
    srv = NewAgeServer(tmp_path_factory.mktemp("policy-server"), "policy", settings={})
    for client_id, monitor in ROSTER.values():
        srv.provision(client_id, monitor=monitor)
    srv.start()
    try:
        yield srv
    finally:
        srv.stop()


def test_policy_assignment_mute_and_status(server: NewAgeServer) -> None:
    params = {role: server.creds[client_id].js() for role, (client_id, _) in ROSTER.items()}
    run_scenario("rooms_policy_mute", {"url": server.url, "roomName": "interop policy", **params})
