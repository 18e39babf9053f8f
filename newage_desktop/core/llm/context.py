"""Context transfers (PROTOCOL.md §7.11 "Paging"): a room's history in pages to one socket."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from typing import Any

from newage_desktop.core.llm.deps import RelayDeps
from newage_desktop.core.llm.history import History
from newage_desktop.protocol import events as names
from newage_desktop.protocol import llm as wire


class ContextPusher:
    """`readers(room)` gives the /llm sockets an automatic push goes to (members, watchers)."""

    def __init__(
        self, deps: RelayDeps, history: History, readers: Callable[[str], list[str]]
    ) -> None:
        self.deps = deps
        self.history = history
        self.readers = readers
        # (room, sid) -> the running transfer; a new one supersedes it.
        self._transfers: dict[tuple[str, str], asyncio.Task[None]] = {}

    def start(
        self,
        room: str,
        sid: str,
        pages: list[list[dict[str, Any]]] | None = None,
        *,
        partial: bool = False,
    ) -> tuple[str, int]:
        """Begin a transfer to one socket; returns (updateId, totalPages). It supersedes an
        unfinished transfer of the same room to the same socket (§7.11). `partial` marks its
        pages as not reaching back to the room's first message (automatic pushes)."""
        if pages is None:
            pages = self.history.pages(room, self.deps.settings().context_page_size)
        update_id = str(uuid.uuid4())
        previous = self._transfers.pop((room, sid), None)
        if previous is not None:
            previous.cancel()
        task = self.deps.spawn(self._send(room, sid, update_id, pages, partial))
        self._transfers[(room, sid)] = task
        task.add_done_callback(lambda t: self._done(room, sid, t))
        return update_id, len(pages)

    def _done(self, room: str, sid: str, task: asyncio.Task[None]) -> None:
        if self._transfers.get((room, sid)) is task:
            del self._transfers[(room, sid)]

    async def _send(
        self,
        room: str,
        sid: str,
        update_id: str,
        pages: list[list[dict[str, Any]]],
        partial: bool,
    ) -> None:
        delay = self.deps.settings().context_send_delay / 1000.0
        total = len(pages)
        for number, page in enumerate(pages, start=1):
            if number > 1 and delay > 0:
                await asyncio.sleep(delay)
            payload: dict[str, Any] = {
                "updateId": update_id,
                "roomName": room,
                "pageNumber": number,
                "totalPages": total,
                "isLastPage": number == total,
                "contextPage": page,
            }
            if partial:
                payload["partial"] = True
            await self.deps.out.emit_to([sid], names.NS_LLM, wire.UPDATE_CONTEXT_PAGE, payload)

    async def push_to_room(self, room: str) -> None:
        """autoPushContext: the room's newest page only, to every member's and watcher's /llm
        socket (§7.11), so a push costs the same in a room of 50 messages and of 50,000.

        One page `pageNumber:1, totalPages:1, isLastPage:true` with the last `contextPageSize`
        messages; `partial:true` when older messages exist (absent otherwise, so a push of a
        small room looks like its full transfer)."""
        sids = self.readers(room)
        if not sids:
            return
        size = self.deps.settings().context_page_size
        newest = self.history.messages(room, size + 1)  # one more: are there older ones?
        partial = len(newest) > size
        page = newest[1:] if partial else newest
        for sid in sids:
            self.start(room, sid, [page], partial=partial)

    def socket_closed(self, sid: str) -> None:
        for key in [k for k in self._transfers if k[1] == sid]:
            self._transfers.pop(key).cancel()
