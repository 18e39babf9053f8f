"""The dock models on their own: in-place updates keep Qt's model contract (model tester)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QPersistentModelIndex

from newage_desktop.gui.docks.chat.model import ChatItem, ChatModel, item_of
from newage_desktop.gui.docks.log.model import LogLine, LogModel
from newage_desktop.gui.docks.rooms.model import MemberView, RoomsModel, RoomView
from newage_desktop.gui.docks.table import KeyedTableModel
from tests.gui.docks.conftest import ModelCheck


class Pairs(KeyedTableModel):
    def key_of(self, row: Any) -> str:
        return str(row[0])

    def headers(self) -> Sequence[str]:
        return ("key", "value")

    def display(self, row: Any, column: int) -> str:
        return str(row[column])


def test_keyed_rows_insert_move_change_and_remove_in_place(check_models: ModelCheck) -> None:
    model = Pairs()
    check_models(model)
    model.set_rows([("a", 1), ("b", 2), ("c", 3)])
    kept = QPersistentModelIndex(model.index(1, 0))  # "b"
    moves: list[int] = []
    model.rowsMoved.connect(lambda *args: moves.append(1))
    model.set_rows([("c", 3), ("b", 20), ("d", 4)])
    assert [model.row(i) for i in range(model.rowCount())] == [("c", 3), ("b", 20), ("d", 4)]
    assert moves  # reordered by moving, not by resetting
    assert kept.isValid() and kept.row() == 1 and kept.data() == "b"
    assert model.index(1, 1).data() == "20"
    model.set_rows([])
    assert model.rowCount() == 0


def room(name: str, *members: tuple[str, str, bool]) -> RoomView:
    views = tuple(MemberView(i, role, i, "client", online) for i, role, online in members)
    return RoomView(name, False, "Immediate", "2025-01-01T00:00:00.000Z", views)


def test_rooms_tree_updates_keep_rooms_and_member_indexes(check_models: ModelCheck) -> None:
    model = RoomsModel()
    check_models(model)
    model.set_rooms([room("a", ("x", "master", True)), room("b")])
    lobby = QPersistentModelIndex(model.room_index("a"))
    model.set_rooms([room("a", ("x", "manager", False)), room("b", ("y", "guest", True))])
    assert lobby.isValid() and lobby.row() == 0
    member = model.index(0, 1, model.room_index("a"))
    assert member.data() == "manager" and model.parent(member) == model.room_index("a")
    model.set_rooms([room("c"), room("a", ("x", "manager", False), ("z", "guest", True))])
    assert [r.name for r in model.rooms()] == ["c", "a"]
    assert model.rowCount(model.room_index("a")) == 2
    assert model.rowCount(model.index(0, 0, model.room_index("a"))) == 0  # members are leaves
    model.set_rooms([])
    assert model.rowCount() == 0


def test_chat_rows_merge_by_key(check_models: ModelCheck) -> None:
    model = ChatModel()
    check_models(model)
    request = {"kind": "request", "requestId": "r1", "message": "hi", "identity": "u"}
    response = {"kind": "response", "requestId": "r1", "outputId": "o1", "message": "he"}
    model.reset([item_of(request), item_of(response)])
    model.add(ChatItem("req:r1", "request", "u", "duplicate"))  # already there: ignored
    assert model.rowCount() == 2
    model.update("out:r1:o1", text="hello", status="streaming")
    assert model.index(1).data() == "hello"
    assert model.last_request_text() == "hi"


def test_log_append_more_than_capacity_at_once(check_models: ModelCheck) -> None:
    model = LogModel(capacity=10)
    check_models(model)
    model.append(LogLine(0.0, "info", f"a{i}") for i in range(4))
    model.append(LogLine(0.0, "info", f"b{i}") for i in range(25))
    assert [line.message for line in model.lines()] == [f"b{i}" for i in range(15, 25)]
