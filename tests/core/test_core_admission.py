"""The admission algorithm and registration on the core alone (PROTOCOL.md §4, §5)."""

from __future__ import annotations

import asyncio
from typing import Any

from newage_desktop.core import events as ev
from newage_desktop.core.app import Core
from newage_desktop.core.auth.admission import (
    Accepted,
    Handshake,
    Pending,
    Refused,
    admit,
    after_connect,
)
from tests.core.conftest import RecordingGateway


def hs(sid: str, namespace: str = "/", address: str = "10.0.0.1", **auth: Any) -> Handshake:
    return Handshake(sid=sid, namespace=namespace, auth=auth, address=address, origin=None)


async def connect(core: Core, handshake: Handshake) -> Accepted | Pending:
    admission = await admit(core, handshake)
    assert not isinstance(admission, Refused), admission
    await after_connect(core, admission)
    return admission


async def trusted_with_key(core: Core, client_id: str, *, monitor: bool = False) -> str:
    await core.trust_client(client_id, client_type="monitor" if monitor else None)
    return await core.generate_key(client_id)


async def test_registration_creates_the_personal_room_and_publishes(core: Core) -> None:
    seen: list[ev.CoreEvent] = []
    core.bus.subscribe(seen.append)
    key = await trusted_with_key(core, "bot")
    await connect(core, hs("s1", clientId="bot", key=key, desc="d"))
    await connect(core, hs("s2", "/llm", clientId="bot", key=key, desc="d"))
    assert [c["identity"] for c in core.client_list()] == ["bot"]
    assert core.client_list()[0]["namespaces"] == ["/", "/llm"]
    assert core.rooms.room_info("bot").ack["room"]["master"] == "bot"
    kinds = [type(e).__name__ for e in seen]
    assert kinds.count("ClientConnected") == 1 and "ClientUpdated" in kinds
    await core.socket_closed("s1")
    await core.socket_closed("s2")
    assert core.client_list() == []
    assert any(isinstance(e, ev.ClientDisconnected) for e in seen)
    # its personal room was never used, so it goes with it (not kept in the history file)
    assert seen[-1] == ev.RoomChanged("bot") and "bot" not in core.rooms.get_rooms().ack["rooms"]


async def test_revocation_drops_live_sockets_after_the_callers_answer(
    core: Core, gateway: RecordingGateway
) -> None:
    key = await trusted_with_key(core, "bot")
    await connect(core, hs("s1", clientId="bot", key=key))
    await connect(core, hs("s2", "/llm", clientId="bot", key=key))
    assert await core.revoke_key("bot") is True
    assert gateway.dropped == []  # scheduled, so an admin's ack goes out first
    await asyncio.sleep(0.01)
    assert sorted(gateway.dropped) == [("s1", "/"), ("s2", "/llm")]
    assert ("ERROR", {"type": "ERROR", "message": "Key revoked."}) in gateway.events_to("s1")
    refused = await admit(core, hs("s3", clientId="bot", key=key))
    assert refused == Refused("Invalid key.")


async def test_rekeying_spares_the_asking_socket(core: Core, gateway: RecordingGateway) -> None:
    key = await trusted_with_key(core, "st")
    await connect(core, hs("a", "/sillytavern", clientId="st", key=key, clientType="SillyTavern"))
    await connect(core, hs("b", "/llm", clientId="st", key=key, clientType="SillyTavern"))
    await core.generate_key("st", spare_sid="a")
    await asyncio.sleep(0.01)
    assert gateway.dropped == [("b", "/llm")]


async def test_networksafe_accepts_anyone_but_admin_needs_the_key(core: Core) -> None:
    key = await trusted_with_key(core, "boss", monitor=True)
    core.settings_store.update({"networkSafe": True})
    # §4.6: a self-declared monitor is a plain client, never refused for it
    anyone = await connect(core, hs("m", clientId="anyone", clientType="monitor"))
    assert not anyone.info.is_admin
    no_key = await connect(core, hs("n", clientId="boss", clientType="monitor"))
    assert not no_key.info.is_admin
    wrong = await connect(core, hs("w", clientId="boss", clientType="monitor", key="wrong"))
    assert not wrong.info.is_admin
    assert not core.throttle.is_locked("10.0.0.1", "boss")
    assert await admit(core, hs("d", "/debug", clientId="anyone", clientType="monitor")) == (
        Refused("Unauthorized")
    )
    # an admin-capable clientId with its key is admin, /debug included
    admin = await connect(core, hs("a", "/debug", clientId="boss", clientType="monitor", key=key))
    assert admin.info.is_admin


async def test_lockout_counts_per_address_and_client(core: Core) -> None:
    core.settings_store.update({"authMaxFailures": 2})
    key = await trusted_with_key(core, "bot")
    for sid in ("x1", "x2"):
        assert await admit(core, hs(sid, clientId="bot", key="wrong")) == Refused("Invalid key.")
    locked = Refused("Too many failed attempts. Try again later.")
    assert await admit(core, hs("x3", clientId="bot", key=key)) == locked
    # §4.9: only the pair (address, clientId) is locked; refusals while locked are not counted
    other_key = await trusted_with_key(core, "other")
    assert isinstance(await admit(core, hs("x4", clientId="other", key=other_key)), Accepted)
    assert isinstance(
        await admit(core, hs("x5", address="10.9.9.9", clientId="bot", key=key)), Accepted
    )
    assert await admit(core, hs("x6", clientId="other", key="wrong")) == Refused("Invalid key.")
    assert isinstance(await admit(core, hs("x7", clientId="other", key=other_key)), Accepted)


async def test_pending_requests_are_limited_per_address_and_superseded(
    core: Core, gateway: RecordingGateway
) -> None:
    core.settings_store.update({"pairingMaxPendingPerAddress": 2})
    first = await connect(core, hs("p1", "/auth", clientId="a", key="getKey"))
    await connect(core, hs("p2", "/auth", clientId="b", key="getKey"))
    assert await admit(core, hs("p3", "/auth", clientId="c", key="getKey")) == Refused(
        "Too many pending key requests."
    )
    # a new request for "a" replaces the older one, even at the limit
    await connect(core, hs("p4", "/auth", clientId="a", key="getKey"))
    assert ("ERROR", {"type": "ERROR", "message": "Key request superseded."}) in (
        gateway.events_to("p1")
    )
    assert ("p1", "/auth") in gateway.dropped
    assert isinstance(first, Pending)
    assert core.pairing.get(first.request.room_id) is None
    assert sorted(r["clientId"] for r in core.pending_requests()) == ["a", "b"]
    assert core.client_list() == []  # pending sockets are not registered


async def test_approval_trusts_issues_and_registers(core: Core, gateway: RecordingGateway) -> None:
    pending = await connect(core, hs("p", "/auth", clientId="newbie", key="getKey"))
    assert isinstance(pending, Pending)
    assert await core.approve_request(pending.request.room_id) == "newbie"
    (pushed,) = [d for e, d in gateway.events_to("p") if e == "GET_CLIENT_KEY"]
    assert core.trust.is_trusted("newbie")
    assert isinstance(await admit(core, hs("q", clientId="newbie", key=pushed["key"])), Accepted)
    assert [c["identity"] for c in core.client_list()] == ["newbie"]


async def test_identity_rules(core: Core) -> None:
    key = await trusted_with_key(core, "app")
    await trusted_with_key(core, "app2")
    # an identity must begin with the clientId, and must not be another known clientId
    assert await admit(core, hs("s", clientId="app", key=key, identity="zzz")) == Refused(
        "Invalid identity."
    )
    assert await admit(core, hs("s", clientId="app", key=key, identity="app2")) == Refused(
        "Invalid identity."
    )
    ok = await admit(core, hs("s", clientId="app", key=key, identity="app-tab1"))
    assert isinstance(ok, Accepted) and ok.info.identity == "app-tab1"
