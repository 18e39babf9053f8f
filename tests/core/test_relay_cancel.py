"""CANCEL_REQUEST on the core alone (PROTOCOL.md §7.14): acks, permission, the order of its
effects, and a cancelled request's late output answered `No matching request.`."""

from __future__ import annotations

from typing import Any

import pytest

from newage_desktop.core.app import Core
from newage_desktop.core.auth import keys
from newage_desktop.core.auth.admission import Accepted, Handshake, admit, after_connect
from newage_desktop.core.llm.desktop import desktop_cancel, desktop_request
from newage_desktop.core.llm.tracking import TrackedRequest
from newage_desktop.core.registry import SocketInfo
from tests.core.conftest import RecordingGateway
from tests.core.test_relay import Receiver, request

CANCELLED = {"type": "ERROR", "message": "Request cancelled.", "requestId": "r1"}


async def provision(core: Core, client_id: str, client_type: str = "client") -> str:
    await core.trust_client(client_id, client_type=client_type)
    return await core.generate_key(client_id)


async def connect(
    core: Core, sid: str, client_id: str, key: str, client_type: str = "client"
) -> SocketInfo:
    auth = {"clientId": client_id, "key": key, "clientType": client_type}
    admission = await admit(core, Handshake(sid, "/llm", auth, "10.0.0.1", None))
    assert isinstance(admission, Accepted), admission
    await after_connect(core, admission)
    return admission.info


@pytest.fixture
async def world(
    core: Core, gateway: RecordingGateway, monkeypatch: pytest.MonkeyPatch
) -> dict[str, Any]:
    """Extensions `st` and `st2`, the requester `app` on two sockets, a stranger, an admin."""
    monkeypatch.setattr(keys, "BCRYPT_COST", 4)  # six keys: keep the set-up fast
    sockets: dict[str, Any] = {}
    for name, client_id, client_type in [
        ("ext", "st", "SillyTavern"),
        ("ext2", "st2", "SillyTavern"),
        ("other", "other", "client"),
        ("boss", "boss", "monitor"),
    ]:
        key = await provision(core, client_id, client_type)
        sockets[name] = await connect(core, f"{name}-sid", client_id, key, client_type)
    app_key = await provision(core, "app")
    sockets["app"] = await connect(core, "app-sid", "app", app_key)
    sockets["app2"] = await connect(core, "app2-sid", "app", app_key)  # a second tab
    sockets["receiver"] = Receiver(core, gateway, "app-sid")
    return sockets


def sent(gateway: RecordingGateway, sid: str, event: str) -> list[Any]:
    return [data for s, _, e, data in gateway.sent if s == sid and e == event]


async def start(core: Core, ext: SocketInfo, stream_id: str, **fields: Any) -> dict[str, Any]:
    return await core.relay.stream_start(ext, {"type": 1, "streamId": stream_id, **fields})


async def chunk(core: Core, ext: SocketInfo, stream_id: str, index: int, text: str) -> Any:
    payload = {"streamId": stream_id, "chunkIndex": index, "data": text}
    return await core.relay.stream_data(ext, payload, retry=False)


async def end(core: Core, ext: SocketInfo, stream_id: str, **fields: Any) -> dict[str, Any]:
    return await core.relay.stream_end(ext, {"type": 3, "streamId": stream_id, **fields})


async def test_cancel_mid_stream_in_protocol_order(
    core: Core, world: dict[str, Any], gateway: RecordingGateway
) -> None:
    ext, app = world["ext"], world["app"]
    await request(core, app, "r1")
    await start(core, ext, "s", requestId="r1", outputId="o")
    await chunk(core, ext, "s", 0, "par")
    await world["receiver"].pump()
    mark = len(gateway.sent)

    ack = await core.relay.cancel(app, {"requestId": "r1"})

    assert ack == {"status": "ok", "requestId": "r1"}
    effects = [(s, e, d) for s, _, e, d in gateway.sent[mark:]]
    assert [(s, e) for s, e, _ in effects] == [
        ("ext-sid", "CANCEL_REQUEST"),
        ("app-sid", "$stream-error"),
        ("app2-sid", "$stream-error"),
        ("app2-sid", "ERROR"),  # the requester's other socket; the cancelling one has its ack
        ("app-sid", "REQUEST_STATUS_UPDATE"),
        ("app2-sid", "REQUEST_STATUS_UPDATE"),
    ]
    assert effects[0][2] == {"requestId": "r1"}
    assert effects[1][2][1] == "Request cancelled."
    assert effects[3][2] == CANCELLED
    assert effects[4][2] == {
        "mode": "Immediate",
        "roomName": "app",
        "requestId": "r1",
        "responseId": None,
        "target": None,
        "status": "failed",
    }
    assert core.relay.requests == {}
    assert [m["kind"] for m in core.relay.history.messages("app")] == ["request"]


async def test_late_output_of_a_cancelled_request_matches_no_request(
    core: Core, world: dict[str, Any]
) -> None:
    """§7.14: later stream events for it are ignored (`No matching request.`), even while
    another request of the same extension waits (attribution must not fall back to it)."""
    ext, app = world["ext"], world["app"]
    await request(core, app, "r1")
    await start(core, ext, "s", requestId="r1", outputId="o")
    await request(core, app, "r2")
    assert (await core.relay.cancel(app, {"requestId": "r1"}))["status"] == "ok"
    no_match = {"status": "error", "message": "No matching request."}
    assert await chunk(core, ext, "s", 0, "late") == no_match
    assert await end(core, ext, "s") == no_match
    assert await start(core, ext, "s2", outputId="o") == no_match  # the cancelled output
    assert await end(core, ext, "s2") == no_match
    assert await start(core, ext, "s3", requestId="r1", outputId="o3") == no_match
    message = {"type": 0, "data": "late", "requestId": "r1"}
    assert await core.relay.message(ext, message) == no_match
    # r2 got nothing of it and is still answerable
    assert await start(core, ext, "s4", requestId="r2") == {"status": "ok"}
    assert await chunk(core, ext, "s4", 0, "fresh") == {"status": "ok"}
    assert await end(core, ext, "s4") == {"status": "ok"}
    messages = core.relay.history.messages("app")
    assert [(m["kind"], m["requestId"]) for m in messages] == [
        ("request", "r1"),
        ("request", "r2"),
        ("response", "r2"),
    ]
    assert messages[-1]["message"] == "fresh"


async def test_cancelled_output_tombstones_expire_with_the_request_timeout(
    core: Core, world: dict[str, Any]
) -> None:
    ext, app = world["ext"], world["app"]
    clock = [1000.0]
    core.clock = lambda: clock[0]
    await request(core, app, "r1")
    await start(core, ext, "s", requestId="r1", outputId="o")
    await core.relay.cancel(app, {"requestId": "r1"})
    clock[0] += core.settings.request_timeout_ms / 1000 + 1
    await core.relay.sweep()
    assert await chunk(core, ext, "s", 0, "x") == {"status": "error", "message": "Unknown stream."}


async def test_completed_when_one_target_answered(
    core: Core, world: dict[str, Any], gateway: RecordingGateway
) -> None:
    ext, app = world["ext"], world["app"]
    ack, plan = await core.relay.handle_request(
        app, {"requestId": "r1", "message": "hi", "target": ["st", "st2"]}
    )
    assert plan is not None and ack["targets"] == ["st", "st2"]
    await core.relay.forward(plan)
    await start(core, ext, "s", requestId="r1")
    await chunk(core, ext, "s", 0, "done")
    await end(core, ext, "s")
    assert [d["status"] for d in sent(gateway, "app-sid", "REQUEST_STATUS_UPDATE")] == [
        "processing"
    ]
    assert (await core.relay.cancel(app, {"requestId": "r1"}))["status"] == "ok"
    assert sent(gateway, "ext-sid", "CANCEL_REQUEST") == []  # st has answered
    assert sent(gateway, "ext2-sid", "CANCEL_REQUEST") == [{"requestId": "r1"}]
    final = sent(gateway, "app-sid", "REQUEST_STATUS_UPDATE")[-1]
    assert final["status"] == "completed" and final["responseId"] is not None
    assert [m["kind"] for m in core.relay.history.messages("app")] == ["request", "response"]


async def test_acks_for_bad_unknown_completed_and_foreign_requests(
    core: Core, world: dict[str, Any], gateway: RecordingGateway
) -> None:
    ext, app, other = world["ext"], world["app"], world["other"]
    relay = core.relay
    invalid = {"status": "error", "message": "Invalid payload."}
    for payload in ["r1", None, {}, {"requestId": ""}, {"requestId": 5}]:
        assert await relay.cancel(app, payload) == invalid
    not_found = {"status": "error", "message": "Request not found."}
    assert await relay.cancel(app, {"requestId": "nope"}) == not_found
    await request(core, app, "r1")
    assert await relay.cancel(other, {"requestId": "r1"}) == {
        "status": "error",
        "message": "Permission denied.",
    }
    assert await relay.cancel(ext, {"requestId": "r1"}) == {
        "status": "error",
        "message": "Permission denied.",
    }
    await start(core, ext, "s", requestId="r1")
    await chunk(core, ext, "s", 0, "all")
    await end(core, ext, "s")
    assert relay.requests["r1"].completed  # still known for attribution, but not in flight
    assert await relay.cancel(app, {"requestId": "r1"}) == not_found
    assert sent(gateway, "ext-sid", "CANCEL_REQUEST") == []


async def test_an_admin_cancels_any_request_and_the_requester_is_told(
    core: Core, world: dict[str, Any], gateway: RecordingGateway
) -> None:
    app, boss = world["app"], world["boss"]
    assert boss.is_admin
    await request(core, app, "r1")
    assert await core.relay.cancel(boss, {"requestId": "r1"}) == {
        "status": "ok",
        "requestId": "r1",
    }
    assert sent(gateway, "app-sid", "ERROR") == [CANCELLED]
    assert sent(gateway, "app2-sid", "ERROR") == [CANCELLED]
    assert sent(gateway, "boss-sid", "ERROR") == []
    assert sent(gateway, "ext-sid", "CANCEL_REQUEST") == [{"requestId": "r1"}]


async def test_think_requests_are_cancelled_by_admins_only(
    core: Core, world: dict[str, Any], gateway: RecordingGateway
) -> None:
    now = core.clock()
    think = TrackedRequest(
        request_id="think_1",
        room="app",
        mode="Conversational",
        requester=None,
        targets=["st"],
        forwarded_at=now,
        last_event=now,
    )
    core.relay.requests[think.request_id] = think
    denied = await core.relay.cancel(world["app"], {"requestId": "think_1"})
    assert denied == {"status": "error", "message": "Permission denied."}
    ack = await core.relay.cancel(world["boss"], {"requestId": "think_1"})
    assert ack == {"status": "ok", "requestId": "think_1"}
    assert sent(gateway, "ext-sid", "CANCEL_REQUEST") == [{"requestId": "think_1"}]
    assert [e for _, _, e, _ in gateway.sent if e in ("ERROR", "REQUEST_STATUS_UPDATE")] == []


async def test_the_desktop_cancels_in_process(
    core: Core, world: dict[str, Any], gateway: RecordingGateway
) -> None:
    ack = await desktop_request(core, text="hi", room="app", target="st", request_id="d1")
    assert ack["status"] == "ok"
    assert await desktop_cancel(core, "d1") == {"status": "ok", "requestId": "d1"}
    assert sent(gateway, "ext-sid", "CANCEL_REQUEST") == [{"requestId": "d1"}]
    assert core.relay.requests == {}
    assert await desktop_cancel(core, "d1") == {
        "status": "error",
        "message": "Request not found.",
    }
    # and a client's request, as the admin it is
    await request(core, world["app"], "r1")
    assert (await desktop_cancel(core, "r1"))["status"] == "ok"
    assert sent(gateway, "app-sid", "ERROR") == [CANCELLED]
