"""Admission over the wire (PROTOCOL.md §4.2, §4.3) with python-socketio's client."""

from __future__ import annotations

from typing import Any

import pytest

from newage_desktop.core.store.datadir import DataDir
from newage_desktop.protocol.events import NAMESPACES
from newage_desktop.transport.server import RelayServer
from tests.server.conftest import Client, provision, refusal, write_settings


def refused(reason: str) -> dict[str, Any]:
    return {"message": reason, "data": {"type": "ERROR", "message": reason}}


async def test_trusted_client_with_key_is_admitted_everywhere_but_debug(
    server: RelayServer, datadir: DataDir, make_client: Any
) -> None:
    key = provision(datadir, "bot")
    ordinary = [ns for ns in NAMESPACES if ns != "/debug"]
    client = await make_client(ordinary, {"clientId": "bot", "key": key})
    assert set(client.sio.namespaces) == set(ordinary)
    assert await refusal(server.url, "/debug", {"clientId": "bot", "key": key}) == {
        "message": "Unauthorized",
        "data": {"type": "ERROR", "message": "Unauthorized"},
    }


async def test_admin_monitor_is_admitted_on_debug(
    server: RelayServer, datadir: DataDir, make_client: Any
) -> None:
    key = provision(datadir, "admin", monitor=True)
    client = await make_client(
        ["/debug"], {"clientId": "admin", "key": key, "clientType": "monitor"}
    )
    assert "/debug" in client.sio.namespaces


@pytest.mark.parametrize(
    ("auth", "reason"),
    [
        ("not an object", "Invalid auth data."),
        ({"clientId": "bot", "key": 12345}, "Invalid auth data."),
        ({"clientId": 7}, "Invalid auth data."),
        ({"key": "x"}, "Missing clientId."),
        ({"clientId": "", "key": "x"}, "Missing clientId."),
        ({"clientId": "a/b", "key": "x"}, "Invalid clientId."),
        ({"clientId": "bot.", "key": "x"}, "Invalid clientId."),
        ({"clientId": "bot", "identity": "other", "key": "x"}, "Invalid identity."),
        ({"clientId": "stranger", "key": "x"}, "Client is not trusted."),
        ({"clientId": "bot"}, "Invalid key."),
        ({"clientId": "bot", "key": "00000000-0000-4000-8000-000000000000"}, "Invalid key."),
        ({"clientId": "bot", "key": "k" * 73}, "Invalid key."),
        (
            {"clientId": "bot", "key": "getKey"},
            "Invalid key.",
        ),  # getKey outside /auth, /sillytavern
    ],
)
async def test_refusals_carry_the_exact_reason(
    server: RelayServer, datadir: DataDir, auth: Any, reason: str
) -> None:
    provision(datadir, "bot")
    assert await refusal(server.url, "/clients", auth) == refused(reason)


async def test_monitor_type_needs_an_admin_capable_client_id(
    server: RelayServer, datadir: DataDir
) -> None:
    key = provision(datadir, "bot")
    auth = {"clientId": "bot", "key": key, "clientType": "monitor"}
    assert await refusal(server.url, "/clients", auth) == refused(
        "Client is not allowed to connect as monitor."
    )


async def test_unknown_namespace_is_refused(server: RelayServer) -> None:
    assert await refusal(server.url, "/nope", {"clientId": "x"}) == refused("Invalid namespace")


async def test_identity_of_another_client_id_is_in_use(
    server: RelayServer, datadir: DataDir, make_client: Any
) -> None:
    key_a = provision(datadir, "app")
    key_b = provision(datadir, "app2")
    await make_client(["/"], {"clientId": "app", "key": key_a, "identity": "app2-tab"})
    # "app2-tab" begins with "app2" too, so it is a valid identity for app2, but it is taken.
    assert await refusal(
        server.url, "/", {"clientId": "app2", "key": key_b, "identity": "app2-tab"}
    ) == refused("Identity already in use.")


async def test_lockout_after_repeated_failures(datadir: DataDir) -> None:
    write_settings(datadir, authMaxFailures=3)
    key = provision(datadir, "bot")
    other_key = provision(datadir, "other")
    srv = RelayServer(datadir, host="127.0.0.1", port=0)
    await srv.start()
    try:
        for _ in range(3):
            assert await refusal(srv.url, "/", {"clientId": "bot", "key": "wrong"}) == refused(
                "Invalid key."
            )
        locked = refused("Too many failed attempts. Try again later.")
        assert await refusal(srv.url, "/", {"clientId": "bot", "key": key}) == locked
        # §4.9: per (address, clientId): another program on 127.0.0.1 still gets in
        other = Client(srv.url)
        try:
            await other.connect(["/"], {"clientId": "other", "key": other_key})
            assert "/" in other.sio.namespaces
        finally:
            await other.close()
    finally:
        await srv.stop()


async def test_trust_and_key_written_while_running_are_picked_up(
    server: RelayServer, datadir: DataDir, make_client: Any
) -> None:
    assert await refusal(server.url, "/", {"clientId": "late", "key": "x"}) == refused(
        "Client is not trusted."
    )
    key = provision(datadir, "late")
    client = await make_client(["/"], {"clientId": "late", "key": key})
    assert "/" in client.sio.namespaces
