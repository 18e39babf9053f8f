"""The server in a worker thread, as the desktop app runs it (no Qt needed)."""

from __future__ import annotations

import asyncio

from newage_desktop.client import NewAgeClient
from newage_desktop.core import events as ev
from newage_desktop.core.store.datadir import DataDir
from newage_desktop.runtime import ServerRuntime
from tests.server.conftest import provision


async def test_runtime_serves_from_its_own_thread_and_reports_events(datadir: DataDir) -> None:
    key = provision(datadir, "app")
    runtime = ServerRuntime(datadir, host="127.0.0.1", port=0)
    try:
        url = await asyncio.wrap_future(runtime.start())
        assert runtime.loop is not asyncio.get_running_loop()
        async with NewAgeClient(url, client_id="app", key=key or "", namespaces=["/llm"]) as client:
            assert await client.extensions() == []
            clients = await runtime.acall(
                lambda: runtime.server.core.client_list() if runtime.server else []
            )
            assert [c["identity"] for c in clients] == ["app"]
        await asyncio.sleep(0.1)
        kinds = [type(e) for e in runtime.drain()]
        assert ev.ClientConnected in kinds and ev.ClientDisconnected in kinds
        assert kinds[0] is ev.ServerStateChanged
    finally:
        await asyncio.wrap_future(runtime.stop())
        runtime.close()
    assert not runtime.running


def test_inbox_merges_consecutive_chunks_of_one_output_in_order() -> None:
    from newage_desktop.runtime import EventInbox

    inbox = EventInbox()
    for text in ("a", "b"):
        inbox.put(ev.LlmChunk("r1", "o1", "st", text))
    inbox.put(ev.LlmChunk("r2", "o2", "st", "x"))
    inbox.put(ev.LlmChunk("r1", "o1", "st", "c"))
    inbox.put(ev.LlmResponseRecorded("r1", "o1", "st", "abc"))
    inbox.put(ev.LlmChunk("r1", "o1", "st", "d"))
    assert inbox.take() == [
        ev.LlmChunk("r1", "o1", "st", "ab"),
        ev.LlmChunk("r2", "o2", "st", "x"),
        ev.LlmChunk("r1", "o1", "st", "c"),
        ev.LlmResponseRecorded("r1", "o1", "st", "abc"),
        ev.LlmChunk("r1", "o1", "st", "d"),
    ]
    assert inbox.take() == []
