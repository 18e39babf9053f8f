"""The LLM relay (PROTOCOL.md §7): requests to extensions, their output back to the room.

Requests are validated and recorded, forwarded to extension sockets, and tracked here; the
extensions' output is handled by `output.OutputRelay` (attribution, reordering, fan-out to one
socket.io-stream stream per recipient socket, one recorded response per output), and requests
that end early (time-out, disconnect, room deleted, cancelled) by `endings.RequestEndings`.
This class owns the state both work on and is the API the transport and the desktop call.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from newage_desktop.core import events as ev
from newage_desktop.core.llm.context import ContextPusher
from newage_desktop.core.llm.deps import RelayDeps
from newage_desktop.core.llm.editing import HistoryEditor
from newage_desktop.core.llm.endings import RequestEndings
from newage_desktop.core.llm.history import History
from newage_desktop.core.llm.intake import Forward, RequestIntake
from newage_desktop.core.llm.output import OutputRelay
from newage_desktop.core.llm.sstream import RECEIVER_TIMED_OUT, ForwardedStream, StreamEnv
from newage_desktop.core.llm.taps import RequestTap
from newage_desktop.core.llm.tracking import ExtensionStream, Output, Tombstones, TrackedRequest
from newage_desktop.protocol import events as names
from newage_desktop.protocol import llm as wire

if TYPE_CHECKING:
    from newage_desktop.core.registry import SocketInfo

log = logging.getLogger("newage")

Answer = dict[str, Any]


class LlmRelay:
    def __init__(self, deps: RelayDeps, history: History) -> None:
        self.deps = deps
        self.history = history
        self.requests: dict[str, TrackedRequest] = {}
        self.outputs: dict[tuple[str, str], Output] = {}
        self.streams: dict[tuple[str, str], ExtensionStream] = {}
        self.forwards: dict[str, dict[str, ForwardedStream]] = {}  # sid -> ssId -> stream
        self.watching: dict[str, set[str]] = {}  # admin sid -> room names ('*' = all)
        self.cancelled = Tombstones()  # what cancelled requests left behind (§7.14)
        self.taps: dict[str, RequestTap] = {}  # request id -> in-process listener (taps.py)
        self.env = StreamEnv(
            out=deps.out,
            clock=deps.clock,
            spawn=deps.spawn,
            max_pending=lambda: deps.settings().stream_max_pending_bytes,
            on_close=self._forward_closed,
        )
        self._sweeper: asyncio.Task[None] | None = None
        self.output = OutputRelay(self)
        self.endings = RequestEndings(self)
        self.intake = RequestIntake(self)
        self.editing = HistoryEditor(self)
        self.context = ContextPusher(deps, history, self.context_readers)

    # --- lifecycle -----------------------------------------------------------------------------
    def start(self) -> None:
        self._sweeper = asyncio.get_running_loop().create_task(self._sweep_forever())

    async def stop(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeper
        await self.output.updates.stop()  # message updates: a stop sends the pending ones (§7.8)

    async def _sweep_forever(self) -> None:
        while True:
            timeout = self.deps.settings().request_timeout_ms / 1000.0
            await asyncio.sleep(max(0.02, min(1.0, timeout / 10)))
            try:
                await self.sweep()
            except Exception:
                log.exception("relay sweep failed")

    async def sweep(self) -> None:
        """Time out silent requests and stalled receivers (§7.9, §8.3 rule 5)."""
        now = self.deps.clock()
        timeout = self.deps.settings().request_timeout_ms / 1000.0
        for request in list(self.requests.values()):
            if now - request.last_event < timeout:
                continue
            if not request.completed:
                await self.endings.time_out(request)
            self.endings.forget(request)
        self.cancelled.expire(now, timeout)
        for streams in list(self.forwards.values()):
            for forward in list(streams.values()):
                if not forward.idle and now - forward.last_activity >= timeout:
                    await forward.abort(RECEIVER_TIMED_OUT)

    # --- recipients ----------------------------------------------------------------------------
    def watchers_of(self, room: str) -> list[str]:
        return [sid for sid, rooms in self.watching.items() if room in rooms or "*" in rooms]

    def assigned_extensions(self, room: str) -> list[str]:
        """§6.5.1: the room's assigned extensions (`Free` until the policy service is set)."""
        if self.deps.assigned is not None:
            return self.deps.assigned(room)
        store = self.history.store
        stored = store.get(room)
        available = self.deps.registry.available_extensions()
        if stored is not None and stored.personal:
            return [e for e in available if e != room]
        return available

    def _llm_sids(self, identities: Iterable[str]) -> list[str]:
        return self.deps.registry.sids_of_identities(identities, names.NS_LLM)

    def output_recipients(self, request: TrackedRequest, extension: str) -> list[str]:
        """§7.7: members, requester and watchers; never the responding extension."""
        room = self.history.store.get(request.room)
        members = [m.identity for m in room.members] if room is not None else []
        if request.requester is not None:
            members.append(request.requester)
        sids = dict.fromkeys(self._llm_sids(members))
        for sid in self.watchers_of(request.room):
            sids.setdefault(sid)
        own = set(self.deps.registry.sids_of_identity(extension))
        return [sid for sid in sids if sid not in own]

    def context_readers(self, room_name: str) -> list[str]:
        """§7.11 automatic pushes: the /llm sockets of the room's members and watchers."""
        room = self.history.store.get(room_name)
        members = [m.identity for m in room.members] if room is not None else []
        sids = dict.fromkeys(self._llm_sids(members))
        for sid in self.watchers_of(room_name):
            sids.setdefault(sid)
        return list(sids)

    def chat_recipients(self, room_name: str, extra: Iterable[str] = ()) -> list[str]:
        """§7.11 incremental events: members, assigned extensions, watchers."""
        room = self.history.store.get(room_name)
        identities = [m.identity for m in room.members] if room is not None else []
        identities += self.assigned_extensions(room_name)
        identities += list(extra)
        sids = dict.fromkeys(self._llm_sids(identities))
        for sid in self.watchers_of(room_name):
            sids.setdefault(sid)
        return list(sids)

    async def announce_message(
        self, room: str, message: dict[str, Any], *, created: bool, extra: Iterable[str] = ()
    ) -> None:
        event = names.NEW_MESSAGE if created else names.MESSAGE_UPDATED
        await self.deps.out.emit_to(
            self.chat_recipients(room, extra),
            names.NS_LLM,
            event,
            {"roomName": room, "message": message},
        )

    # --- requests (§7.1–§7.4, `intake`) -------------------------------------------------------
    async def handle_request(self, info: SocketInfo, payload: Any) -> tuple[Answer, Forward | None]:
        """Validate, decide and record an LLM_REQUEST (§7.2). Returns the ack and what
        `forward` does once the ack is out (§7.10 rule 1)."""
        return await self.intake.handle(info, payload)

    async def forward(self, plan: Forward) -> None:
        await self.intake.forward(plan)

    async def think(self, room: str, extension: str, instruction: str) -> str:
        """A THINK_REQUEST (§7.13, §7.4) to one extension; tracked without a requester."""
        return await self.intake.think(room, extension, instruction)

    # --- extension output (§7.5–§7.8) and cancellation (§7.14) ---------------------------------
    async def stream_start(self, info: SocketInfo, payload: dict[str, Any]) -> Answer:
        return await self.output.stream_start(info, payload)

    async def stream_data(
        self, info: SocketInfo, payload: dict[str, Any], *, retry: bool
    ) -> Answer:
        return await self.output.stream_data(info, payload, retry=retry)

    async def stream_failed(self, info: SocketInfo, payload: dict[str, Any]) -> Answer:
        return await self.output.stream_failed(info, payload)

    async def stream_end(self, info: SocketInfo, payload: dict[str, Any]) -> Answer:
        return await self.output.stream_end(info, payload)

    async def message(self, info: SocketInfo, payload: dict[str, Any]) -> Answer:
        return await self.output.message(info, payload)

    async def cancel(self, info: SocketInfo, payload: Any) -> Answer:
        """`CANCEL_REQUEST` by `info` (a socket, or the desktop's in-process admin): the ack."""
        return await self.endings.cancel(info, payload)

    async def room_deleted(self, room: str) -> None:
        await self.endings.room_deleted(room)
        if self.intake.host_queues.discard(room):
            self.deps.bus.publish(ev.HostQueueChanged(room, 0))
        for rooms in self.watching.values():
            rooms.discard(room)

    # --- request status (§7.8) -----------------------------------------------------------------
    async def status_update(
        self, request: TrackedRequest, status: str, response_id: str | None, target: str | None
    ) -> None:
        if request.requester is None:
            return
        await self.deps.out.emit_to(
            self._llm_sids([request.requester]),
            names.NS_LLM,
            wire.REQUEST_STATUS_UPDATE,
            {
                "mode": request.mode,
                "roomName": request.room,
                "requestId": request.request_id,
                "responseId": response_id,
                "target": target,
                "status": status,
            },
        )

    def mark_completed(
        self, request: TrackedRequest, status: str, reason: str | None = None
    ) -> None:
        request.completed = True
        self.deps.bus.publish(ev.LlmRequestEnded(request.request_id, status, reason))
        tap = self.taps.get(request.request_id)
        if tap is not None:
            tap.request_ended(status, reason)

    def tap_of(self, request: TrackedRequest) -> RequestTap | None:
        """The in-process listener on `request`, if any (`taps.RequestTap`)."""
        return self.taps.get(request.request_id) if self.taps else None

    # --- sockets going away --------------------------------------------------------------------
    async def socket_closed(self, info: SocketInfo, extension_gone: bool) -> None:
        for forward in list(self.forwards.pop(info.sid, {}).values()):
            forward.drop()
        self.watching.pop(info.sid, None)
        if extension_gone:
            await self.endings.extension_gone(info.identity)

    def _forward_closed(self, forward: ForwardedStream) -> None:
        streams = self.forwards.get(forward.sid)
        if streams is not None:
            streams.pop(forward.id, None)
            if not streams:
                del self.forwards[forward.sid]

    # --- socket.io-stream control from receivers (§8.3) ----------------------------------------
    def forward_of(self, sid: str, ss_id: Any) -> ForwardedStream | None:
        if not isinstance(ss_id, str):
            return None
        return self.forwards.get(sid, {}).get(ss_id)
