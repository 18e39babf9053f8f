"""§7.11: with `autoPushContext` on, a request and a new response push the room's newest page
only (its last `contextPageSize` messages as page 1 of 1, `partial:true` when older messages
exist) to the members' and watchers' `/llm` sockets; `GET_FULL_CONTEXT` still sends all pages."""

from __future__ import annotations

import asyncio
from typing import Any

from newage_desktop.core.app import Core
from newage_desktop.core.registry import SocketInfo
from tests.core.conftest import RecordingGateway
from tests.core.test_relay import join, request, stream


async def settle() -> None:
    for _ in range(5):  # pushes are sent by a task of their own
        await asyncio.sleep(0)


def pages(gateway: RecordingGateway, sid: str) -> list[dict[str, Any]]:
    return [d for s, _, e, d in gateway.sent if s == sid and e == "UPDATE_CONTEXT_PAGE"]


def fill(core: Core, room: str, count: int) -> None:
    history = core.relay.history
    for n in range(count):
        history.record_request(
            room,
            {"requestId": f"old{n}"},
            identity="app",
            client_id="app",
            text=f"m{n}",
            request_type="newMessage",
            target=None,
        )


async def members(core: Core) -> tuple[SocketInfo, SocketInfo]:
    ext = await join(core, "ext-sid", "st", "SillyTavern")
    app = await join(core, "app-sid", "app")
    return ext, app


async def test_a_big_room_pushes_its_newest_page_marked_partial(
    core: Core, gateway: RecordingGateway
) -> None:
    ext, app = await members(core)
    fill(core, "app", 199)
    await request(core, app)  # the 200th message
    await settle()
    pushed = pages(gateway, "app-sid")
    assert len(pushed) == 1
    page = pushed[0]
    assert (page["pageNumber"], page["totalPages"], page["isLastPage"]) == (1, 1, True)
    assert page["partial"] is True and page["roomName"] == "app"
    texts = [m["message"] for m in page["contextPage"]]
    assert texts == [f"m{n}" for n in range(150, 199)] + ["hi"]  # the last 50, oldest first
    await stream(core, ext, "s", [(0, "answer")], requestId="r1")
    await settle()
    pushed = pages(gateway, "app-sid")
    assert len(pushed) == 2  # the response's creation pushes again, one page
    assert [m["message"] for m in pushed[1]["contextPage"]][-2:] == ["hi", "answer"]
    assert len(pushed[1]["contextPage"]) == 50 and pushed[1]["partial"] is True


async def test_a_small_room_pushes_one_whole_page_not_partial(
    core: Core, gateway: RecordingGateway
) -> None:
    _ext, app = await members(core)
    fill(core, "app", 9)
    await request(core, app)
    await settle()
    pushed = pages(gateway, "app-sid")
    assert len(pushed) == 1
    page = pushed[0]
    assert (page["pageNumber"], page["totalPages"], page["isLastPage"]) == (1, 1, True)
    assert page.get("partial", False) is False
    assert len(page["contextPage"]) == 10


async def test_exactly_one_page_of_messages_is_not_partial(
    core: Core, gateway: RecordingGateway
) -> None:
    _ext, app = await members(core)
    fill(core, "app", 49)
    await request(core, app)
    await settle()
    (page,) = pages(gateway, "app-sid")
    assert len(page["contextPage"]) == 50 and page.get("partial", False) is False


async def test_watchers_get_the_push_and_the_page_size_setting_applies(
    core: Core, gateway: RecordingGateway
) -> None:
    _ext, app = await members(core)
    core.settings_store.update({"contextPageSize": 5})
    core.relay.watching["admin-sid"] = {"*"}
    fill(core, "app", 20)
    await request(core, app)
    await settle()
    for sid in ("app-sid", "admin-sid"):
        (page,) = pages(gateway, sid)
        assert len(page["contextPage"]) == 5 and page["partial"] is True


async def test_full_context_still_sends_every_page(core: Core, gateway: RecordingGateway) -> None:
    await members(core)
    core.settings_store.update({"autoPushContext": False, "contextSendDelay": 0})
    fill(core, "app", 120)
    update_id, total = core.context.start("app", "app-sid")
    await settle()
    got = pages(gateway, "app-sid")
    assert total == 3 and [p["pageNumber"] for p in got] == [1, 2, 3]
    assert all(p["updateId"] == update_id and "partial" not in p for p in got)
    assert sum(len(p["contextPage"]) for p in got) == 120


async def test_a_push_supersedes_an_unfinished_transfer(
    core: Core, gateway: RecordingGateway
) -> None:
    _ext, app = await members(core)
    core.settings_store.update({"contextSendDelay": 10_000})  # the full transfer stalls
    fill(core, "app", 120)
    full_id, _ = core.context.start("app", "app-sid")
    await settle()
    assert [p["pageNumber"] for p in pages(gateway, "app-sid")] == [1]
    await request(core, app)
    await settle()
    got = pages(gateway, "app-sid")
    assert len(got) == 2 and got[1]["updateId"] != full_id and got[1]["partial"] is True
    assert core.context._transfers == {}  # the stalled one was cancelled, nothing runs
