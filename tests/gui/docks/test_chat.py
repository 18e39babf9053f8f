"""The Chat dock sends as the desktop admin and shows an extension's streamed answer."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from PySide6.QtCore import Qt
from pytestqt.qtbot import QtBot

from newage_desktop.core.app import Core
from newage_desktop.core.llm.desktop import DESKTOP_IDENTITY
from newage_desktop.gui.bridge import CoreBridge
from newage_desktop.gui.docks.base import call_async
from newage_desktop.gui.docks.chat import ChatDock
from newage_desktop.gui.docks.chat.model import STATUS_ROLE, ChatItem
from tests.gui.conftest import run_async
from tests.gui.docks.conftest import ModelCheck
from tests.gui.docks.helpers import server_url, trust_with_key
from tests.server.emulated import EmulatedExtension

TOKENS = [f"tok{i} " for i in range(120)] + ["世界", "!"]


@pytest.fixture
def extension(bridge: CoreBridge) -> Iterator[EmulatedExtension]:
    key = trust_with_key(bridge, "tavern")
    ext = EmulatedExtension(server_url(bridge), "tavern", key, tokens=TOKENS, batch=7)
    run_async(ext.connect())
    yield ext
    if ext.sio.connected:
        run_async(ext.close())


@pytest.fixture
def dock(qtbot: QtBot, bridge: CoreBridge, extension: EmulatedExtension) -> ChatDock:
    widget = ChatDock(bridge)
    qtbot.addWidget(widget)
    widget.resize(700, 500)
    widget.show()
    assert widget.objectName() == "chatDock"
    qtbot.waitUntil(lambda: widget.current_extension() == "tavern")
    qtbot.waitUntil(lambda: widget.current_room() == "tavern")  # its personal room
    return widget


def responses(dock: ChatDock) -> list[ChatItem]:
    return [item for item in dock.model.items() if item.kind == "response"]


def requests(dock: ChatDock) -> list[ChatItem]:
    return [item for item in dock.model.items() if item.kind == "request"]


def test_answer_streams_in_coalesced_and_equals_what_the_extension_sent(
    qtbot: QtBot, dock: ChatDock, extension: EmulatedExtension, check_models: ModelCheck
) -> None:
    check_models(dock.model)
    updates: list[int] = []
    dock.model.dataChanged.connect(lambda top, bottom, roles: updates.append(top.row()))
    qtbot.keyClicks(dock.prompt, "Hello")
    qtbot.keyClick(dock.prompt, Qt.Key.Key_Return, Qt.KeyboardModifier.ShiftModifier)
    qtbot.keyClicks(dock.prompt, "there")
    assert dock.prompt.toPlainText() == "Hello\nthere"  # Shift+Enter: a new line, not sent
    qtbot.keyClick(dock.prompt, Qt.Key.Key_Return)  # Enter sends

    qtbot.waitUntil(lambda: len(requests(dock)) == 1)
    request = requests(dock)[0]
    assert request.author == DESKTOP_IDENTITY and request.text == "Hello\nthere"
    qtbot.waitUntil(lambda: bool(responses(dock)) and responses(dock)[0].text == extension.text)
    qtbot.waitUntil(lambda: requests(dock)[0].status == "done")
    assert dock.prompt.toPlainText() == ""
    assert dock.last_ack is not None and dock.last_ack["targets"] == ["tavern"]
    (forwarded,) = extension.requests
    assert forwarded["message"] == "Hello\nthere"
    assert forwarded["requestType"] == "newMessage" and forwarded["target"] == "tavern"
    assert forwarded["requestingIdentity"] == DESKTOP_IDENTITY
    # 122 chunks: the text was appended in a few batches, not once per token
    response_row = dock.model.items().index(responses(dock)[0])
    assert 0 < updates.count(response_row) < len(TOKENS) / 3
    assert dock.model.index(0).data(STATUS_ROLE) == "done"

    # The stored history shows the same conversation after a reload.
    dock.load_history()
    run_async(dock.settle())
    kinds = [(item.kind, item.text) for item in dock.model.items()]
    assert ("request", "Hello\nthere") in kinds and ("response", extension.text) in kinds


def test_a_slow_stream_grows_batch_by_batch(
    qtbot: QtBot, dock: ChatDock, extension: EmulatedExtension
) -> None:
    extension.tokens = [f"w{i} " for i in range(40)]
    extension.delay = 0.02  # ~0.8 s of streaming: several repaints (at most ~10 a second)
    seen: list[str] = []

    def changed() -> None:
        if responses(dock):
            seen.append(responses(dock)[0].text)

    dock.model.dataChanged.connect(changed)
    dock.prompt.setPlainText("Go")
    dock.send()
    qtbot.waitUntil(lambda: bool(requests(dock)) and requests(dock)[0].status == "streaming")
    qtbot.waitUntil(lambda: bool(responses(dock)) and responses(dock)[0].text == extension.text)
    texts = list(dict.fromkeys(seen))
    assert 3 <= len(texts) < len(extension.tokens)  # grew in steps, not token by token
    assert all(extension.text.startswith(text) for text in texts)
    # the view shows what the model holds: the appended pieces add up to the whole answer
    qtbot.waitUntil(lambda: extension.text in dock.view.toPlainText())
    assert dock.view.toPlainText().count(extension.text) == 1


def test_regenerate_sends_regenerate_message(
    qtbot: QtBot, dock: ChatDock, extension: EmulatedExtension
) -> None:
    assert not dock.regenerate_action.isEnabled()  # nothing to regenerate yet
    dock.prompt.setPlainText("Once")
    dock.send()
    qtbot.waitUntil(lambda: len(responses(dock)) == 1 and requests(dock)[0].status == "done")
    qtbot.waitUntil(lambda: responses(dock)[0].text == extension.text)
    assert dock.regenerate_action.isEnabled()
    dock.regenerate_action.trigger()
    qtbot.waitUntil(lambda: len(extension.requests) == 2)
    assert extension.requests[1]["requestType"] == "regenerateMessage"
    assert extension.requests[1]["message"] == "Once"
    qtbot.waitUntil(lambda: len(responses(dock)) == 2)


def test_failed_and_timed_out_requests_show_their_status(
    qtbot: QtBot, bridge: CoreBridge, dock: ChatDock, extension: EmulatedExtension
) -> None:
    def short_timeout(core: Core) -> None:
        core.settings_store.update({"requestTimeoutMs": 1000})

    run_async(bridge.call(short_timeout))
    extension.mode = "silent"
    dock.prompt.setPlainText("anyone?")
    dock.send()
    qtbot.waitUntil(lambda: len(requests(dock)) == 1)
    assert requests(dock)[0].status == "waiting"
    qtbot.waitUntil(lambda: requests(dock)[0].status == "timed out", timeout=5000)

    dock.prompt.setPlainText("and now?")
    dock.send()
    qtbot.waitUntil(lambda: len(requests(dock)) == 2)
    run_async(extension.close())  # the extension leaves without answering
    qtbot.waitUntil(lambda: requests(dock)[1].status == "failed")
    assert requests(dock)[1].detail == "Extension disconnected."
    qtbot.waitUntil(lambda: dock.current_extension() is None)
    assert not dock.send_button.isEnabled()


def test_refused_request_is_reported_and_keeps_the_prompt(
    qtbot: QtBot, bridge: CoreBridge, dock: ChatDock
) -> None:
    def delete_room(core: Core) -> None:
        core.rooms.store.delete("tavern")  # behind the dock's back: the request is refused

    run_async(bridge.call(delete_room))
    dock.prompt.setPlainText("hello?")
    with qtbot.waitSignal(dock.actionFailed, timeout=5000) as failed:
        dock.send()
    assert failed.args == ["Send", "Invalid or unauthorized target room."]
    assert dock.prompt.toPlainText() == "hello?"
    assert dock.error_box is not None
    dock.error_box.close()


def test_room_changes_reload_the_history(qtbot: QtBot, bridge: CoreBridge, dock: ChatDock) -> None:
    async def join(core: Core) -> None:
        await core.deliver(core.rooms.add_client("tavern", "reader", "guest"))

    run_async(call_async(bridge, join))
    joined = "[System] reader has joined the room as guest."
    qtbot.waitUntil(lambda: any(item.text == joined for item in dock.model.items()))
    assert dock.model.items()[-1].kind == "system"


def test_without_an_extension_the_dock_explains_how_to_connect_one(
    qtbot: QtBot, bridge: CoreBridge
) -> None:
    lonely = ChatDock(bridge)
    qtbot.addWidget(lonely)
    lonely.resize(700, 500)
    lonely.show()
    run_async(lonely.settle())
    assert lonely.model.rowCount() == 0 and lonely.empty.showing_hint()
    assert lonely.empty.hint.text().startswith("No SillyTavern connected.\n\nTo chat with")
    assert "SillyTavern → Install extension…" in lonely.empty.hint.text()

    key = trust_with_key(bridge, "late")
    late = EmulatedExtension(server_url(bridge), "late", key, tokens=["hi"])
    run_async(late.connect())
    qtbot.waitUntil(lambda: lonely.current_extension() == "late")
    assert lonely.empty.hint.text() == (
        "No messages in this room yet.\n\nType below and press Enter to ask late."
    )
    lonely.prompt.setPlainText("Hello")
    lonely.send()
    qtbot.waitUntil(lambda: not lonely.empty.showing_hint())  # the conversation, not the hint
    assert lonely.empty.currentWidget() is lonely.view
    run_async(late.close())


def test_a_history_reload_that_read_before_a_request_keeps_it(
    qtbot: QtBot, dock: ChatDock, extension: EmulatedExtension, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A reload (a member joined, say) reads the history, the request starts and is shown, and
    # then the reload's older answer arrives: the request stays, above its answer. CI once saw
    # the answer alone.
    from newage_desktop.gui.docks.chat import widget as chat_widget
    from newage_desktop.gui.docks.chat.model import room_history

    stale = run_async(dock.bridge.call(lambda core: room_history(core, "tavern")))
    monkeypatch.setattr(chat_widget, "room_history", lambda core, room: stale)
    dock.prompt.setPlainText("Once")
    dock.send()
    qtbot.waitUntil(lambda: bool(requests(dock)) and requests(dock)[0].status == "done")
    qtbot.waitUntil(lambda: bool(responses(dock)) and responses(dock)[0].text == extension.text)
    dock.load_history()
    run_async(dock.settle())
    kinds = [(item.kind, item.text) for item in dock.model.items()]
    assert ("request", "Once") in kinds and ("response", extension.text) in kinds
    assert kinds.index(("request", "Once")) < kinds.index(("response", extension.text))
    assert requests(dock)[0].status == "done"


def test_an_openai_api_request_shows_with_its_clients_id(
    qtbot: QtBot, bridge: CoreBridge, dock: ChatDock, extension: EmulatedExtension
) -> None:
    """Issue 10: a request over /v1 appears like any other, in the caller's personal room."""
    import openai

    key = trust_with_key(bridge, "api-bot")
    api = openai.AsyncOpenAI(
        base_url=f"{server_url(bridge)}/v1", api_key=f"api-bot:{key}", max_retries=0
    )

    async def ask() -> str:  # on the loop the emulated extension runs on
        completion = await api.chat.completions.create(
            model="tavern", messages=[{"role": "user", "content": "from an OpenAI client"}]
        )
        return completion.choices[0].message.content or ""

    assert run_async(ask()) == extension.text
    qtbot.waitUntil(lambda: dock.room_combo.findData("api-bot") >= 0)
    dock.room_combo.setCurrentIndex(dock.room_combo.findData("api-bot"))
    qtbot.waitUntil(lambda: bool(requests(dock)) and bool(responses(dock)))
    (request,) = requests(dock)
    assert (request.author, request.text) == ("api-bot", "from an OpenAI client")
    assert responses(dock)[0].text == extension.text


def test_a_history_reload_that_wins_the_race_still_shows_the_request_waiting(
    qtbot: QtBot, dock: ChatDock
) -> None:
    # The reload read the stored request (history has no status) before the window got the
    # request's start event: the start must still give the row its status.
    from newage_desktop.core import events as ev
    from newage_desktop.gui.docks.chat.model import request_key

    room = dock.current_room()
    assert room is not None
    dock.model.add(ChatItem(request_key("r-race"), "request", "someone", "hi", 0.0, "r-race"))
    assert requests(dock)[-1].status == ""
    dock.handle_events([ev.LlmRequestStarted("r-race", room, "someone", ["x"], "hi")])
    qtbot.waitUntil(lambda: requests(dock)[-1].status == "waiting")
    dock.handle_events([ev.LlmRequestStarted("r-queued", room, "someone", [], "hi", "queued")])
    qtbot.waitUntil(lambda: requests(dock)[-1].status == "queued")
