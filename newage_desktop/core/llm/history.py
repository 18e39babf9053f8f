"""Chat history message objects (PROTOCOL.md §7.11) on top of the room store."""

from __future__ import annotations

import asyncio
import json
import logging
import uuid
from collections.abc import Callable, Mapping
from typing import Any

from newage_desktop.core.rooms.store import RoomStore

# Fields the server sets on every message; a client cannot override them (§7.11).
_REQUEST_DROPPED = ("role",)

# Later updates of a response (one per stream end: many for a token-batching extension) are
# written at most this often; reads see them at once (they flush first), and a crash loses at
# most this much of a response that is still being generated.
UPDATE_WRITE_DELAY = 0.25

log = logging.getLogger("newage")


class History:
    """Creates, stores and updates the message objects of rooms."""

    def __init__(self, store: RoomStore, *, now: Callable[[], str]) -> None:
        self._store = store
        self._now = now
        self._dirty: dict[tuple[str, str], dict[str, Any]] = {}  # (room, messageId) -> message
        self._flush_timer: asyncio.TimerHandle | None = None

    @property
    def store(self) -> RoomStore:
        return self._store

    def now(self) -> str:
        return self._now()

    def record_request(
        self,
        room: str,
        payload: Mapping[str, Any],
        *,
        identity: str,
        client_id: str | None,
        text: str,
        request_type: str,
        target: Any,
    ) -> dict[str, Any]:
        """Store a request message: the client's fields (minus `role`), server fields on top."""
        message: dict[str, Any] = {k: v for k, v in payload.items() if k not in _REQUEST_DROPPED}
        message.update(
            messageId=str(uuid.uuid4()),
            roomName=room,
            identity=identity,
            clientId=client_id,
            timestamp=self._now(),
            kind="request",
            message=text,
            data=text,
            requestId=payload["requestId"],
            requestType=request_type,
            target=target,
            fromClient=True,
        )
        self._store.append_message(room, message)
        return message

    def upsert_response(
        self,
        room: str,
        *,
        request_id: str,
        output_id: str,
        identity: str,
        client_id: str | None,
        text: str,
        known: dict[str, Any] | None = None,
    ) -> tuple[dict[str, Any], bool]:
        """One stored response per (requestId, outputId) (§7.8). Returns (message, created).

        `known` is the response stored earlier for this output, if the caller kept it: it saves
        a look-up per stream end (an output of a token-batching extension has many).
        """
        existing = known
        if existing is None:
            self.flush()
            existing = self._store.find_response(room, request_id, output_id)
        if existing is not None:
            existing.update(message=text, data=text, updatedAt=self._now())
            self._dirty[(room, existing["messageId"])] = existing
            self._schedule_flush()
            return existing, False
        message = {
            "messageId": str(uuid.uuid4()),
            "roomName": room,
            "identity": identity,
            "clientId": client_id,
            "timestamp": self._now(),
            "kind": "response",
            "message": text,
            "data": text,
            "requestId": request_id,
            "outputId": output_id,
            "responseId": str(uuid.uuid4()),
            "isResponse": True,
            "fromClient": False,
        }
        self._store.append_message(room, message)
        return message, True

    def _schedule_flush(self) -> None:
        if self._flush_timer is not None:
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:  # no loop (command line): write at once
            self.flush()
            return
        self._flush_timer = loop.call_later(UPDATE_WRITE_DELAY, self.flush)

    def flush(self) -> None:
        """Write the pending response updates, in one transaction."""
        if self._flush_timer is not None:
            self._flush_timer.cancel()
            self._flush_timer = None
        if not self._dirty:
            return
        dirty, self._dirty = self._dirty, {}
        try:
            with self._store.transaction():
                for (room, _), message in dirty.items():
                    self._store.replace_message(room, message)  # False if the room is gone
        except Exception:
            log.exception("writing response updates failed")

    def messages(self, room: str, limit: int | None = None) -> list[dict[str, Any]]:
        """The room's history, oldest first (the last `limit` messages)."""
        self.flush()
        return self._store.messages(room, limit=limit)

    def context(self, room: str, limit: int, max_bytes: int | None = None) -> list[dict[str, Any]]:
        """The last `limit` messages, oldest first; 0 = the whole history.

        With `max_bytes`, only the newest messages that fit together (as UTF-8 JSON) are kept,
        stopping at the first that does not, so one huge answer does not ride along with every
        later request (issue 8); the newest message (the request itself) is always kept.
        """
        messages = self.messages(room, limit or None)
        if max_bytes is None or not messages:
            return messages
        kept = 1
        total = _json_size(messages[-1])
        for message in reversed(messages[:-1]):
            total += _json_size(message) + 1  # the comma between items
            if total > max_bytes:
                break
            kept += 1
        return messages[-kept:]

    def pages(self, room: str, page_size: int) -> list[list[dict[str, Any]]]:
        messages = self.messages(room)
        if not messages:
            return [[]]
        return [messages[i : i + page_size] for i in range(0, len(messages), page_size)]


def _json_size(message: dict[str, Any]) -> int:
    return len(json.dumps(message, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
