"""Fixtures for the interop suite: NewAge Desktop server subprocesses driven by the real
JavaScript client (socket.io-client) through the Node scripts in scenarios/.

- ``shared_server`` (session): one server with a fixed roster of provisioned clients
  (ROSTER) and a high ``authMaxFailures``, because every test connects from 127.0.0.1 and
  refusal tests would otherwise lock the address out (§4.9).
- ``server_factory`` (function): dedicated servers with their own settings (lockout, pairing
  expiry, pairing off, payload limit, restart); stopped with SIGTERM at teardown, asserting a
  clean exit.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

# The helpers live next to this file (tests/interop is not a package).
sys.path.insert(0, str(Path(__file__).resolve().parent))

from interop_support import (
    INTEROP_DIR,
    LIVE_SERVERS,
    Creds,
    NewAgeServer,
    missing_requirements,
)

# role -> (clientId, provisioning options). Every test uses its own clientIds.
ROSTER: dict[str, tuple[str, dict[str, Any]]] = {
    "admin": ("interop-admin", {"monitor": True}),
    "client": ("interop-client", {}),
    "observer": ("interop-observer", {}),
    "listed": ("interop-listed", {}),
    "member": ("interop-member", {}),
    "ext": ("interop-ext", {}),
    "st": ("interop-st", {}),
    "gen_target": ("interop-gen-target", {"with_key": False}),
    "revoke_target": ("interop-revoke-target", {"with_key": False}),
    "nokey": ("interop-nokey", {"with_key": False}),
    # a key hash but no trust file
    "untrusted": ("interop-untrusted", {"trusted": False}),
    # a trust file with isTrust false, and a key hash
    "distrusted": ("interop-distrusted", {"is_trust": False}),
}


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    reason = missing_requirements()
    if reason is None:
        return
    skip = pytest.mark.skip(reason=reason)
    for item in items:
        if Path(str(item.fspath)).resolve().is_relative_to(INTEROP_DIR):
            item.add_marker(skip)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Iterator[None]:
    outcome = yield
    rep = outcome.get_result()
    if rep.failed and Path(str(item.fspath)).resolve().is_relative_to(INTEROP_DIR):
        for srv in list(LIVE_SERVERS):
            rep.sections.append((f"server log: {srv.name} ({srv.log_path})", srv.log_tail(150)))


class SharedServer:
    def __init__(self, server: NewAgeServer) -> None:
        self.server = server

    @property
    def url(self) -> str:
        return self.server.url

    def creds(self, role: str) -> Creds:
        return self.server.creds[ROSTER[role][0]]

    def js(self, role: str) -> dict[str, str]:
        return self.creds(role).js()

    def all_keys(self) -> list[str]:
        return [c.key for c in self.server.creds.values()]


@pytest.fixture(scope="session")
def shared_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SharedServer]:
    if missing_requirements() is not None:
        pytest.skip(missing_requirements() or "")
    base = tmp_path_factory.mktemp("shared-server")
    server = NewAgeServer(base, "shared", settings={"authMaxFailures": 1000})
    for client_id, opts in ROSTER.values():
        server.provision(client_id, **opts)
    server.start()
    try:
        yield SharedServer(server)
    finally:
        server.stop()


@pytest.fixture
def server_factory(tmp_path: Path) -> Iterator[Callable[..., NewAgeServer]]:
    """make(name, settings=None) -> a NewAgeServer, not started yet (provision, then start())."""
    made: list[NewAgeServer] = []

    def make(name: str, settings: dict[str, Any] | None = None) -> NewAgeServer:
        srv = NewAgeServer(tmp_path / name, name, settings)
        made.append(srv)
        return srv

    yield make
    problems = []
    for srv in made:
        try:
            srv.stop()
        except AssertionError as e:
            problems.append(str(e))
    assert not problems, "\n\n".join(problems)
