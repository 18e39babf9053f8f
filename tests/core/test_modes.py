"""Message request modes on the core alone (PROTOCOL.md §7.2, §7.3, §7.4, §6.5)."""

from __future__ import annotations

from typing import Any

import pytest

from newage_desktop.core.app import Core
from newage_desktop.core.llm.desktop import desktop_socket
from newage_desktop.core.registry import SocketInfo
from newage_desktop.core.rooms.modes import merge
from tests.core.conftest import RecordingGateway
from tests.core.test_relay import join


@pytest.fixture
async def lobby(core: Core) -> dict[str, SocketInfo]:
    """Room `lobby`: host master, mate manager, guest guest; extension `st` available."""
    people = {
        "st": await join(core, "st-sid", "st", "SillyTavern"),
        "host": await join(core, "host-sid", "host"),
        "mate": await join(core, "mate-sid", "mate"),
        "guest": await join(core, "guest-sid", "guest"),
    }
    await core.deliver(core.rooms.create_room("lobby", creator=None))
    for name, role in (("host", "master"), ("mate", "manager"), ("guest", "guest")):
        await core.deliver(core.rooms.add_client("lobby", name, role))
    return people


async def send(core: Core, who: SocketInfo, rid: str, text: str, **extra: Any) -> dict[str, Any]:
    ack, plan = await core.relay.handle_request(
        who, {"requestId": rid, "message": text, "targetRoom": "lobby", **extra}
    )
    if plan is not None:
        await core.relay.forward(plan)
    return ack


async def set_mode(core: Core, who: SocketInfo, mode: Any, room: Any = "lobby") -> dict[str, Any]:
    return await core.set_room_mode(who, room, mode)


def forwards(gateway: RecordingGateway) -> list[dict[str, Any]]:
    return [d for s, _, e, d in gateway.sent if s == "st-sid" and e == "LLM_REQUEST"]


@pytest.mark.parametrize(
    "mode, who, target, disposition",
    [
        ("Immediate", "host", False, "forwarded"),
        ("Immediate", "guest", False, "forwarded"),
        ("HostSubmit", "host", False, "forwarded"),
        ("HostSubmit", "mate", False, "forwarded"),
        ("HostSubmit", "guest", False, "queued"),
        ("HostSubmit", "guest", True, "queued"),
        ("MasterOnly", "host", False, "forwarded"),
        ("MasterOnly", "guest", False, "recorded"),
        ("Conversational", "host", True, "forwarded"),
        ("Conversational", "guest", True, "forwarded"),
        ("Conversational", "host", False, "recorded"),
        ("Conversational", "guest", False, "recorded"),
    ],
)
async def test_every_cell_of_the_mode_table(
    core: Core,
    lobby: dict[str, SocketInfo],
    gateway: RecordingGateway,
    mode: str,
    who: str,
    target: bool,
    disposition: str,
) -> None:
    assert (await set_mode(core, lobby["host"], mode))["status"] == "ok"
    extra = {"target": "st"} if target else {}
    ack = await send(core, lobby[who], "r1", "hello", **extra)
    assert ack["status"] == "ok", ack
    assert ack["disposition"] == disposition
    assert ack["targets"] == (["st"] if disposition == "forwarded" else [])
    assert len(forwards(gateway)) == (1 if disposition == "forwarded" else 0)
    # recorded either way, and announced
    history = core.relay.history.messages("lobby")
    assert [m.get("requestId") for m in history if m["kind"] == "request"] == ["r1"]
    if disposition != "forwarded":
        assert "r1" not in core.relay.requests  # not tracked: no timer, no status updates


async def test_an_admin_is_privileged_in_any_room(core: Core, lobby: dict[str, SocketInfo]) -> None:
    await set_mode(core, lobby["host"], "MasterOnly")
    ack = await send(core, desktop_socket(core), "r1", "from the desktop")
    assert ack["disposition"] == "forwarded"


async def test_host_submit_merges_the_queue_exactly(
    core: Core, lobby: dict[str, SocketInfo], gateway: RecordingGateway
) -> None:
    await set_mode(core, lobby["host"], "HostSubmit")
    assert (await send(core, lobby["guest"], "g1", "  first  \n"))["disposition"] == "queued"
    assert (await send(core, lobby["guest"], "g2", "   "))["disposition"] == "queued"
    assert (await send(core, lobby["guest"], "g3", "third"))["disposition"] == "queued"
    assert [m["requestId"] for m in core.host_queue("lobby")] == ["g1", "g2", "g3"]
    ack = await send(core, lobby["host"], "h1", "\thost says\t")
    assert ack["disposition"] == "forwarded"
    (sent,) = forwards(gateway)
    assert sent["message"] == "first\n\nthird\n\nhost says"
    assert sent["isMerged"] is True
    assert sent["mergedFromCount"] == 4
    assert sent["originalRequestIds"] == ["g1", "g2", "g3", "h1"]
    current = sent["currentRequest"]
    assert current["message"] == current["data"] == sent["message"]
    assert current["isMerged"] is True and current["mergedFromCount"] == 4
    assert current["originalRequestIds"] == ["g1", "g2", "g3", "h1"]
    assert core.host_queue("lobby") == []
    assert list(core.relay.requests) == ["h1"]  # only the privileged id is tracked
    # the stored host message keeps its own text
    stored = [m for m in core.relay.history.messages("lobby") if m.get("requestId") == "h1"]
    assert stored[0]["message"] == "\thost says\t"


async def test_a_host_message_without_queue_is_not_merged(
    core: Core, lobby: dict[str, SocketInfo], gateway: RecordingGateway
) -> None:
    await set_mode(core, lobby["host"], "HostSubmit")
    await send(core, lobby["host"], "h1", "alone")
    (sent,) = forwards(gateway)
    assert sent["message"] == "alone"
    assert "isMerged" not in sent


def test_merge_counts_empty_texts_among_the_ids() -> None:
    merged = merge(
        [{"requestId": "a", "message": ""}, {"requestId": "b", "message": " x "}],
        {"requestId": "c", "message": ""},
    )
    assert merged["message"] == merged["data"] == "x"
    assert merged["mergedFromCount"] == 3
    assert merged["originalRequestIds"] == ["a", "b", "c"]


async def test_leaving_host_submit_or_deleting_the_room_discards_the_queue(
    core: Core, lobby: dict[str, SocketInfo], gateway: RecordingGateway
) -> None:
    await set_mode(core, lobby["host"], "HostSubmit")
    await send(core, lobby["guest"], "g1", "one")
    await set_mode(core, lobby["host"], "Immediate")
    assert core.host_queue("lobby") == []
    await set_mode(core, lobby["host"], "HostSubmit")
    await send(core, lobby["host"], "h1", "host")
    assert "isMerged" not in forwards(gateway)[0]
    await send(core, lobby["guest"], "g2", "two")
    await core.relay.room_deleted("lobby")
    assert core.host_queue("lobby") == []


async def test_a_room_deleted_from_the_desktop_drops_its_queue_and_tells_the_hooks(
    core: Core, lobby: dict[str, SocketInfo]
) -> None:
    """The desktop deletes through the room service and `deliver`, not the wire handler."""
    seen: list[tuple[str, str]] = []
    core.on_mode_changed.append(lambda room, mode: seen.append((room, mode)))
    await set_mode(core, lobby["host"], "HostSubmit")
    await send(core, lobby["guest"], "g1", "one")
    assert seen == [("lobby", "HostSubmit")]
    result = core.rooms.delete_room("lobby", is_registered=core.registry.is_registered)
    await core.deliver(result)
    assert core.host_queue("lobby") == []
    assert seen == [("lobby", "HostSubmit"), ("lobby", "")]
    await core.deliver(core.rooms.create_room("lobby", creator=None))
    assert seen[-1] == ("lobby", "")  # a new room is not a mode change


async def test_a_queued_request_needs_no_extension(
    core: Core, lobby: dict[str, SocketInfo]
) -> None:
    """§7.2 step 6: "No extension available" only when the request is to be forwarded."""
    await set_mode(core, lobby["host"], "HostSubmit")
    await core.socket_closed("st-sid")
    assert (await send(core, lobby["guest"], "g1", "one"))["disposition"] == "queued"
    ack = await send(core, lobby["host"], "h1", "two")
    assert ack == {"status": "error", "message": "No extension available for this room."}
    assert [m["requestId"] for m in core.host_queue("lobby")] == ["g1"]  # kept for next time


async def test_conversational_direct_requests_carry_their_type(
    core: Core, lobby: dict[str, SocketInfo], gateway: RecordingGateway
) -> None:
    await set_mode(core, lobby["host"], "Conversational")
    await send(core, lobby["guest"], "r1", "hey st", target="st")
    (sent,) = forwards(gateway)
    assert sent["type"] == "DIRECT_REQUEST"
    assert sent["mode"] == "Conversational"
    await set_mode(core, lobby["host"], "Immediate")
    await send(core, lobby["guest"], "r2", "plain")
    assert "type" not in forwards(gateway)[1]


async def test_set_mode_errors_in_order(core: Core, lobby: dict[str, SocketInfo]) -> None:
    host, guest = lobby["host"], lobby["guest"]

    def error(message: str) -> dict[str, Any]:
        return {"status": "error", "message": message}

    assert await set_mode(core, host, None) == error("roomName and mode are required.")
    assert await set_mode(core, host, "Immediate", room="") == error(
        "roomName and mode are required."
    )
    assert await set_mode(core, host, "Loud") == error(
        "Invalid mode specified. Valid modes are: Immediate, HostSubmit, MasterOnly, Conversational"
    )
    assert await set_mode(core, host, "Immediate", room="nowhere") == error(
        "Room nowhere not found."
    )
    assert await set_mode(core, guest, "MasterOnly") == error(
        "Permission denied. Only room master/manager or admin can set the mode."
    )
    assert await set_mode(core, lobby["mate"], "MasterOnly") == {
        "status": "ok",
        "roomName": "lobby",
        "mode": "MasterOnly",
    }
    assert (await set_mode(core, desktop_socket(core), "Immediate"))["status"] == "ok"
    assert core.rooms.store.get("lobby").mode == "Immediate"  # type: ignore[union-attr]


async def test_room_mode_changed_goes_to_members_only_on_a_real_change(
    core: Core, lobby: dict[str, SocketInfo], gateway: RecordingGateway
) -> None:
    rooms_sids = {}
    from newage_desktop.core.auth.admission import Accepted, Handshake, admit, after_connect

    for name in ("host", "guest", "st"):
        auth = {"clientId": name, "key": await core.generate_key(name), "clientType": "client"}
        if name == "st":
            auth["clientType"] = "SillyTavern"
        admission = await admit(core, Handshake(f"{name}-rooms", "/rooms", auth, "10.0.0.1", None))
        assert isinstance(admission, Accepted)
        await after_connect(core, admission)
        rooms_sids[name] = f"{name}-rooms"
    gateway.sent.clear()
    await set_mode(core, lobby["mate"], "HostSubmit")
    await set_mode(core, lobby["mate"], "HostSubmit")  # no change: no event
    changed = [(s, d) for s, ns, e, d in gateway.sent if e == "ROOM_MODE_CHANGED"]
    expected = {"roomName": "lobby", "mode": "HostSubmit", "setter": "mate"}
    assert sorted(s for s, _ in changed) == ["guest-rooms", "host-rooms"]  # st is no member
    assert all(d == expected for _, d in changed)
