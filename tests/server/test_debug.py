"""`/debug` over the wire (PROTOCOL.md §6.9): debug toggle, server status, log reading."""

from __future__ import annotations

import asyncio
import re
from typing import Any

from newage_desktop import __version__
from newage_desktop.core.store.datadir import DataDir
from newage_desktop.transport.server import RelayServer
from tests.server.conftest import Client, provision, write_settings

NS = "/debug"


async def debugger(make_client: Any, datadir: DataDir, client_id: str = "admin") -> Client:
    key = provision(datadir, client_id, monitor=True)
    client: Client = await make_client(
        [NS],
        {"clientId": client_id, "key": key, "clientType": "monitor"},
        subscribe=((NS, "DEBUG_MODE_CHANGED"),),
    )
    return client


def error(message: str) -> dict[str, Any]:
    return {"status": "error", "message": message}


async def test_toggle_debug_mode_acks_then_tells_every_debug_socket(
    server: RelayServer, datadir: DataDir, make_client: Any
) -> None:
    switched: list[bool] = []
    server.core.on_debug_mode = switched.append
    first = await debugger(make_client, datadir, "admin")
    second = await debugger(make_client, datadir, "monitor")
    order: list[str] = []
    events = first.queue(NS, "DEBUG_MODE_CHANGED")

    def on_changed(data: Any) -> None:
        order.append("event")
        events.put_nowait(data)

    first.sio.on("DEBUG_MODE_CHANGED", on_changed, namespace=NS)  # replaces the queue's handler

    acked: asyncio.Queue[Any] = asyncio.Queue()

    def on_ack(answer: Any) -> None:  # runs as the ack packet is read, like on_changed
        order.append("ack")
        acked.put_nowait(answer)

    await first.sio.emit("TOGGLE_DEBUG_MODE", namespace=NS, callback=on_ack)
    assert await asyncio.wait_for(acked.get(), 5) == {"status": "ok", "debugMode": True}
    assert await first.next(NS, "DEBUG_MODE_CHANGED") == {"debugMode": True}
    assert await second.next(NS, "DEBUG_MODE_CHANGED") == {"debugMode": True}
    assert order == ["ack", "event"]

    assert await second.call(NS, "TOGGLE_DEBUG_MODE", {}) == {"status": "ok", "debugMode": False}
    assert await first.next(NS, "DEBUG_MODE_CHANGED") == {"debugMode": False}
    assert await second.next(NS, "DEBUG_MODE_CHANGED") == {"debugMode": False}
    assert switched == [True, False]
    assert (await first.call(NS, "SERVER_STATUS"))["serverStatus"]["debugMode"] is False
    # the toggle is not written back to the settings file
    assert '"debugMode": false' in datadir.server_settings_file.read_text()
    assert await first.call(NS, "TOGGLE_DEBUG_MODE", 3) == error("Invalid payload.")


async def test_server_status_fields(datadir: DataDir, make_client: Any) -> None:
    write_settings(datadir, debugMode=True, serverAddress="http://example.test")
    srv = RelayServer(datadir, host="127.0.0.1", port=0)
    await srv.start()
    try:
        key = provision(datadir, "admin", monitor=True)
        client = Client(srv.url)
        await client.connect([NS, "/"], {"clientId": "admin", "key": key, "clientType": "monitor"})
        status = (await client.call(NS, "SERVER_STATUS"))["serverStatus"]
        await client.close()
    finally:
        await srv.stop()
    assert set(status) == {
        "serverPort",
        "serverAddress",
        "bindAddress",
        "networkSafe",
        "debugMode",
        "startTime",
        "uptime",
        "version",
        "clients",
        "pendingKeyRequests",
        "connectionPolicy",
    }
    assert status["serverPort"] == srv.port
    assert status["bindAddress"] == "127.0.0.1"
    assert status["serverAddress"] == "http://example.test"
    assert status["networkSafe"] is False
    assert status["debugMode"] is True
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d", status["startTime"])
    assert isinstance(status["uptime"], int) and status["uptime"] >= 0
    assert status["version"] == __version__
    assert status["clients"] == {"registered": 1, "extensions": 0, "monitors": 1, "sockets": 2}
    assert status["pendingKeyRequests"] == 0
    assert status["connectionPolicy"] == "Free"


def log_line(n: int, level: str) -> str:
    return f"2025-01-01 10:00:{n:02d} [{level}] [llm-server]: entry {n} about [error] things"


async def test_read_log_pages_and_filters(
    server: RelayServer, datadir: DataDir, make_client: Any
) -> None:
    levels = ["info", "error", "warn", "debug", "info"] * 5  # 25 entries, 5 errors
    lines = [log_line(n, level) for n, level in enumerate(levels)]
    (datadir.logs_dir / "combined.log").write_text("\n".join(lines) + "\n")
    client = await debugger(make_client, datadir)

    first = await client.call(NS, "READ_LOG", {"filename": "combined.log"})
    assert first == {
        "status": "ok",
        "lines": lines[:10],
        "total": 25,
        "page": 1,
        "pageSize": 10,
        "level": "all",
    }
    last = await client.call(NS, "READ_LOG", {"filename": "combined.log", "page": 3})
    assert last["lines"] == lines[20:] and last["page"] == 3
    beyond = await client.call(NS, "READ_LOG", {"filename": "combined.log", "page": 9})
    assert beyond["lines"] == [] and beyond["total"] == 25

    errors = [line for line in lines if " [error] [llm" in line]
    answer = await client.call(
        NS, "READ_LOG", {"filename": "combined.log", "level": "error", "page": "2", "pageSize": 3}
    )
    assert answer == {
        "status": "ok",
        "lines": errors[3:6],
        "total": 5,
        "page": 2,
        "pageSize": 3,
        "level": "error",
    }
    debug = await client.call(NS, "READ_LOG", {"filename": "combined.log", "level": "debug"})
    assert debug["total"] == 5

    # missing, non-numeric and zero fall back to the defaults
    for page, page_size in ((0, 0), ("abc", "x"), (None, None), (True, False)):
        answer = await client.call(
            NS, "READ_LOG", {"filename": "combined.log", "page": page, "pageSize": page_size}
        )
        assert (answer["page"], answer["pageSize"]) == (1, 10), (page, page_size)
    answer = await client.call(NS, "READ_LOG", {"filename": "combined.log", "pageSize": 100})
    assert len(answer["lines"]) == 25


async def test_read_log_validation_order(
    server: RelayServer, datadir: DataDir, make_client: Any
) -> None:
    (datadir.logs_dir / "combined.log").write_text(log_line(1, "info") + "\n")
    client = await debugger(make_client, datadir)

    async def read(payload: Any) -> Any:
        return await client.call(NS, "READ_LOG", payload)

    bad_file = error("Invalid filename")
    assert await read({}) == bad_file
    assert await read({"filename": "../keys/clients.json"}) == bad_file
    assert await read({"filename": "combined.log.1"}) == bad_file
    assert await read({"filename": "nope", "level": "bogus", "page": -1}) == bad_file
    bad_level = error("Invalid level Options")
    assert await read({"filename": "combined.log", "level": "ERROR", "page": -1}) == bad_level
    assert await read({"filename": "combined.log", "level": 3}) == bad_level
    bad_page = error("Invalid page number")
    assert await read({"filename": "combined.log", "page": -1, "pageSize": 500}) == bad_page
    assert await read({"filename": "combined.log", "page": "-2"}) == bad_page
    bad_size = error("Invalid page size (must be between 1 and 100)")
    assert await read({"filename": "combined.log", "pageSize": 101}) == bad_size
    assert await read({"filename": "combined.log", "pageSize": -5}) == bad_size
    assert await read({"filename": "warn.log"}) == error("Log file not found.")
    assert await read("combined.log") == error("Invalid payload.")


async def test_reads_without_an_ack_are_ignored(
    server: RelayServer, datadir: DataDir, make_client: Any
) -> None:
    client = await debugger(make_client, datadir)
    client.queue(NS, "ERROR")
    await client.sio.emit("READ_LOG", {"filename": "nope"}, namespace=NS)
    await client.sio.emit("SERVER_STATUS", namespace=NS)
    # a later event's answer proves the earlier ones were processed
    assert (await client.call(NS, "SERVER_STATUS"))["status"] == "ok"
    await asyncio.sleep(0.05)
    assert client.queue(NS, "ERROR").empty()
