"""Write `chat_history_v1.sqlite3`: a database as the release with schema version 1 leaves it.

Run with the code of that release (commit 3e51b9b or any before the v2 migration):
    .venv/bin/python tests/core/data/make_v1_db.py
The migration test opens it with the current code and checks that nothing was lost.
"""

from __future__ import annotations

from pathlib import Path

from newage_desktop.core.rooms.model import Member
from newage_desktop.core.rooms.store import RoomStore

HERE = Path(__file__).resolve().parent
TARGET = HERE / "chat_history_v1.sqlite3"


def main() -> None:
    TARGET.unlink(missing_ok=True)
    store = RoomStore.open(TARGET)
    store.create(
        "app",
        personal=True,
        mode="Immediate",
        master=Member("app", "master", "app", "client"),
        created_at="2026-11-01T10:00:00.000Z",
    )
    store.create(
        "lobby",
        personal=False,
        mode="HostSubmit",
        master=None,
        created_at="2026-11-01T10:01:00.000Z",
    )
    store.add_member("lobby", Member("host", "master", "host", "client"))
    store.add_member("lobby", Member("guest", "guest", None, "unknown"))
    base = {"roomName": "lobby", "timestamp": "2026-11-01T10:02:00.000Z"}
    store.append_message(
        "lobby",
        {**base, "messageId": "m1", "identity": "System", "clientId": None, "kind": "system",
         "message": "[System] guest has joined the room as guest.",
         "data": "[System] guest has joined the room as guest.",
         "role": "system", "isSystem": True, "fromClient": False},
    )  # fmt: skip
    store.append_message(
        "lobby",
        {**base, "messageId": "m2", "identity": "host", "clientId": "host", "kind": "request",
         "message": "héllo 世界", "data": "héllo 世界", "requestId": "r1",
         "requestType": "newMessage", "target": None, "fromClient": True, "extra": {"a": [1]}},
    )  # fmt: skip
    store.append_message(
        "lobby",
        {**base, "messageId": "m3", "identity": "st", "clientId": "st", "kind": "response",
         "message": "answer", "data": "answer", "requestId": "r1", "outputId": "o1",
         "responseId": "resp1", "isResponse": True, "fromClient": False,
         "updatedAt": "2026-11-01T10:03:00.000Z"},
    )  # fmt: skip
    store.close()
    for suffix in ("-wal", "-shm"):
        Path(str(TARGET) + suffix).unlink(missing_ok=True)


if __name__ == "__main__":
    main()
