"""Conversational background thinking over the wire (PROTOCOL.md §7.13, §7.4, §7.8, §7.14).

Deterministic as §7.13 allows: probability 1 and equal minimum and maximum intervals."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import pytest

from newage_desktop.core.store.datadir import DataDir
from newage_desktop.core.store.settings import Settings
from newage_desktop.transport.server import RelayServer
from tests.server.conftest import Client, provision, write_settings
from tests.server.emulated import EmulatedExtension
from tests.server.test_modes_wire import LLM, ROOMS, Make

QUIET = ((LLM, "REQUEST_STATUS_UPDATE"), (LLM, "ERROR"), (LLM, "NEW_MESSAGE"))
THINK_FIELDS = {
    "mode",
    "type",
    "requestId",
    "targetRoom",
    "requestingIdentity",
    "currentRequest",
    "context",
    "instruction",
    "message",
    "requestType",
    "target",
}


class StreamReader:
    """Reads the server's forwarded streams as §8.4 describes, keyed by request id."""

    def __init__(self, client: Client) -> None:
        self.sio = client.sio
        self.meta: dict[str, dict[str, Any]] = {}
        self.text: dict[str, str] = {}
        self.ended: asyncio.Queue[dict[str, Any]] = asyncio.Queue()
        self.sio.on("$stream", self._announced, namespace=LLM)
        self.sio.on("$stream-write", self._written, namespace=LLM)
        self.sio.on("$stream-end", self._ended, namespace=LLM)

    async def _announced(self, name: Any, handle: Any = None, meta: Any = None) -> None:
        if name == "SERVER_STREAM_DATA" and isinstance(handle, dict):
            ss_id = handle["$stream"]
            self.meta[ss_id], self.text[ss_id] = meta, ""
            await self.sio.emit("$stream-read", (ss_id, 16384), namespace=LLM)

    async def _written(self, ss_id: Any, chunk: Any = None, encoding: Any = "utf8") -> None:
        self.text[ss_id] += chunk
        await self.sio.emit("$stream-read", (ss_id, 16384), namespace=LLM)

    async def _ended(self, ss_id: Any = None) -> None:
        await self.ended.put({**self.meta[ss_id], "text": self.text[ss_id]})


@pytest.fixture
def datadir(tmp_path: Any) -> DataDir:
    d = DataDir(tmp_path / "data")
    d.ensure()
    write_settings(
        d,
        conversationalCheckInterval=50,
        conversationalThinkProbability=1,
        conversationalThinkIntervalMin=200,
        conversationalThinkIntervalMax=200,
        postUnmuteThinkDelay=200,
    )
    return d


@pytest.fixture
async def room(
    server: RelayServer, datadir: DataDir, make_client: Make
) -> AsyncIterator[dict[str, Any]]:
    """Room `lobby` (still Immediate) with the member `guest`, an `outsider`, an admin, `st`."""
    people: dict[str, Any] = {}
    for cid, monitor in (("admin", True), ("guest", False), ("outsider", False)):
        key = provision(datadir, cid, monitor=monitor)
        people[cid] = await make_client(
            [ROOMS, LLM],
            {"clientId": cid, "key": key, "clientType": "monitor" if monitor else "client"},
            subscribe=QUIET,
        )
    admin = people["admin"]
    assert (await admin.call(ROOMS, "CREATE_ROOM", {"roomName": "lobby"}))["status"] == "ok"
    add = {"identity": "guest", "roomName": "lobby", "role": "guest"}
    assert (await admin.call(ROOMS, "ADD_CLIENT_TO_ROOM", add))["status"] == "ok"
    key = provision(datadir, "st")
    assert key is not None
    ext = EmulatedExtension(server.url, "st", key, tokens=["a", " thought"])
    await ext.connect()
    people["st"] = ext
    yield people
    await ext.close()


async def conversational(admin: Client) -> None:
    mode = {"roomName": "lobby", "mode": "Conversational"}
    assert (await admin.call(ROOMS, "SET_ROOM_MESSAGE_REQUEST_MODE", mode))["status"] == "ok"


async def thinks(ext: EmulatedExtension, count: int, timeout: float = 5) -> list[dict[str, Any]]:
    """The first `count` THINK_REQUESTs `ext` received, waiting for them."""

    async def wait() -> None:
        while len(received(ext)) < count:
            await asyncio.sleep(0.02)

    await asyncio.wait_for(wait(), timeout)
    return received(ext)[:count]


def received(ext: EmulatedExtension) -> list[dict[str, Any]]:
    return [r for r in ext.requests if r.get("type") == "THINK_REQUEST"]


async def test_a_think_is_streamed_to_the_members_with_no_status(room: dict[str, Any]) -> None:
    admin, guest, outsider, ext = room["admin"], room["guest"], room["outsider"], room["st"]
    reader, watcher = StreamReader(guest), StreamReader(outsider)
    await conversational(admin)
    (think,) = await thinks(ext, 1)
    assert set(think) == THINK_FIELDS
    assert think["requestId"].startswith("think_")
    uuid.UUID(think["requestId"].removeprefix("think_"))
    instruction = Settings().conversational_instruction
    assert (think["mode"], think["type"], think["targetRoom"]) == (
        "Conversational",
        "THINK_REQUEST",
        "lobby",
    )
    assert think["requestingIdentity"] is None and think["currentRequest"] is None
    assert think["instruction"] == think["message"] == instruction
    assert (think["requestType"], think["target"]) == ("newMessage", "st")
    assert think["context"] and all(m["roomName"] == "lobby" for m in think["context"])
    heard = await asyncio.wait_for(reader.ended.get(), 5)
    assert heard["requestId"] == think["requestId"] and heard["text"] == "a thought"
    while True:
        new = await guest.next(LLM, "NEW_MESSAGE")
        if new["message"]["kind"] == "response":
            break
    assert new["message"]["requestId"] == think["requestId"]
    assert new["message"]["message"] == "a thought"
    # one check interval of 200 ms later the room thinks again: min == max
    second = (await thinks(ext, 2))[1]
    assert second["requestId"] != think["requestId"]
    await asyncio.sleep(0.2)
    for client in (guest, admin, outsider):
        for event in ("REQUEST_STATUS_UPDATE", "ERROR"):
            assert client.queue(LLM, event).empty(), (client, event)
    assert watcher.meta == {}  # not a member: the answer is not streamed to it


async def test_an_unmuted_extension_thinks_with_the_post_unmute_instruction(
    room: dict[str, Any],
) -> None:
    admin, ext = room["admin"], room["st"]
    await conversational(admin)
    await thinks(ext, 1)
    mute = {"targetIdentity": "st", "roomName": "lobby"}
    assert await admin.call(ROOMS, "MUTE_MEMBER", mute) == {"status": "ok"}
    await asyncio.sleep(0.3)  # a think sent before the mute has arrived by now
    before = len(received(ext))
    await asyncio.sleep(0.5)  # two check intervals: a muted extension is never picked
    assert len(received(ext)) == before
    assert await admin.call(ROOMS, "UNMUTE_MEMBER", mute) == {"status": "ok"}
    instruction = Settings().post_unmute_instruction

    async def post_unmute() -> dict[str, Any]:
        while True:
            for think in received(ext)[before:]:
                if think["instruction"] == instruction:
                    return think
            await asyncio.sleep(0.02)

    think = await asyncio.wait_for(post_unmute(), 5)
    assert think["message"] == instruction and think["targetRoom"] == "lobby"


async def test_only_an_admin_cancels_a_think(room: dict[str, Any]) -> None:
    admin, guest, ext = room["admin"], room["guest"], room["st"]
    ext.mode = "silent"
    await conversational(admin)
    (think,) = await thinks(ext, 1)
    cancel = {"requestId": think["requestId"]}
    assert await guest.call(LLM, "CANCEL_REQUEST", cancel) == {
        "status": "error",
        "message": "Permission denied.",
    }
    assert await admin.call(LLM, "CANCEL_REQUEST", cancel) == {
        "status": "ok",
        "requestId": think["requestId"],
    }

    async def cancelled() -> None:
        while cancel not in ext.received.get("CANCEL_REQUEST", []):
            await asyncio.sleep(0.02)

    await asyncio.wait_for(cancelled(), 5)
    for client in (guest, admin):
        for event in ("REQUEST_STATUS_UPDATE", "ERROR"):
            assert client.queue(LLM, event).empty(), (client, event)
