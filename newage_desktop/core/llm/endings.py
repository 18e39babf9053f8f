"""How tracked requests end before every target answered (PROTOCOL.md §6.5, §7.9, §7.14):
time-out, extension disconnect, room deletion and cancellation.

Each aborts the request's open forwarded streams, tells the requester, lets the targets that
have not answered give up (which sends the final `REQUEST_STATUS_UPDATE`) and, except for a
disconnect, forgets the request. A cancelled request also leaves tombstones, so that what the
extension still sends for it answers `No matching request.`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from newage_desktop.core.llm.tracking import ExtensionStream, TrackedRequest
from newage_desktop.protocol import errors as err
from newage_desktop.protocol import events as names
from newage_desktop.protocol import llm as wire

if TYPE_CHECKING:
    from newage_desktop.core.llm.relay import LlmRelay
    from newage_desktop.core.registry import SocketInfo

Answer = dict[str, Any]


class RequestEndings:
    def __init__(self, relay: LlmRelay) -> None:
        self.relay = relay
        self.deps = relay.deps

    # --- shared steps --------------------------------------------------------------------------
    async def give_up(self, request: TrackedRequest, extension: str | None, reason: str) -> None:
        """Targets that have not answered give up; the final status follows (§7.9)."""
        relay = self.relay
        if extension is None:
            request.given_up.update(request.remaining())
        else:
            request.given_up.add(extension)
        if request.remaining() or request.completed:
            return
        if request.answered:
            await relay.status_update(request, "completed", request.first_response_id, None)
            relay.mark_completed(request, "completed", reason)
        else:
            await relay.status_update(request, "failed", None, None)
            relay.mark_completed(request, "failed", reason)

    async def error_to_requester(
        self, request: TrackedRequest, message: str, *, spare_sid: str | None = None, **extra: Any
    ) -> None:
        """`ERROR {type, message, requestId, ...}` to the requester's `/llm` sockets."""
        if request.requester is None:
            return
        sids = [s for s in self.relay._llm_sids([request.requester]) if s != spare_sid]
        payload = {"type": "ERROR", "message": message, "requestId": request.request_id, **extra}
        await self.deps.out.emit_to(sids, names.NS_LLM, names.ERROR, payload)

    async def abort_stream(self, stream: ExtensionStream, message: str) -> None:
        """The extension stream closes; its forwarded streams still open get `$stream-error`."""
        streams = self.relay.streams
        key = (stream.extension, stream.stream_id)
        if streams.get(key) is stream:
            del streams[key]
        was_open = not stream.closed
        stream.closed = True
        for forward in stream.forwards:
            await forward.abort(message)
        tap = self.relay.tap_of(stream.output.request)
        if tap is not None and was_open:
            tap.stream_failed(stream.output, message)

    def _open_streams(self, request: TrackedRequest) -> list[ExtensionStream]:
        return [s for s in self.relay.streams.values() if s.output.request is request]

    def forget(self, request: TrackedRequest) -> None:
        relay = self.relay
        if relay.requests.get(request.request_id) is request:
            del relay.requests[request.request_id]
        for key in [k for k, o in relay.outputs.items() if o.request is request]:
            del relay.outputs[key]
        relay.output.updates.discard(request)
        relay.taps.pop(request.request_id, None)

    # --- the endings ---------------------------------------------------------------------------
    async def time_out(self, request: TrackedRequest) -> None:
        """§7.9: ERROR and `$stream-error` `Request timed out.`; the caller forgets it."""
        await self.relay.output.updates.flush(request)  # the request ends: its last updates
        await self.error_to_requester(request, wire.REQUEST_TIMED_OUT)
        for stream in self._open_streams(request):
            await self.abort_stream(stream, wire.REQUEST_TIMED_OUT)
        await self.give_up(request, None, wire.REQUEST_TIMED_OUT)

    async def extension_gone(self, extension: str) -> None:
        """§7.9: its open streams fail, its requests give it up."""
        await self.relay.output.updates.flush(extension=extension)  # its outputs are over
        affected: dict[str, TrackedRequest] = {}
        for stream in [s for s in self.relay.streams.values() if s.extension == extension]:
            affected[stream.output.request.request_id] = stream.output.request
            await self.abort_stream(stream, wire.EXTENSION_DISCONNECTED)
        for request in self.relay.requests.values():
            if not request.completed and extension in request.remaining():
                affected[request.request_id] = request
        for request in affected.values():
            if request.completed:
                continue
            await self.error_to_requester(request, wire.EXTENSION_DISCONNECTED, target=extension)
            await self.give_up(request, extension, wire.EXTENSION_DISCONNECTED)

    async def room_deleted(self, room: str) -> None:
        """§6.5: a deleted room's tracked requests fail; open streams get `Room deleted.`."""
        for request in [r for r in self.relay.requests.values() if r.room == room]:
            for stream in self._open_streams(request):
                await self.abort_stream(stream, wire.ROOM_DELETED)
            if not request.completed:
                await self.give_up(request, None, wire.ROOM_DELETED)
            self.forget(request)

    async def cancel(self, info: SocketInfo, payload: Any) -> Answer:
        """`CANCEL_REQUEST {requestId}` from `info` (§7.14); the ack it answers."""
        request_id = payload.get("requestId") if isinstance(payload, dict) else None
        if not isinstance(request_id, str) or not request_id:
            return {"status": "error", "message": err.INVALID_PAYLOAD}
        request = self.relay.requests.get(request_id)
        if request is None or request.completed:
            return {"status": "error", "message": wire.REQUEST_NOT_FOUND}
        own = request.requester is not None and request.requester == info.identity
        if not (own or info.is_admin):  # think requests have no requester: admins only
            return {"status": "error", "message": err.PERMISSION_DENIED}
        await self._cancel(request, spare_sid=info.sid)
        return {"status": "ok", "requestId": request_id}

    async def _cancel(self, request: TrackedRequest, *, spare_sid: str) -> None:
        relay = self.relay
        await relay.output.updates.flush(request)  # the request ends: its last updates (§7.8)
        now = self.deps.clock()
        waiting = request.remaining()
        if waiting:
            await self.deps.out.emit_to(
                relay._llm_sids(waiting),
                names.NS_LLM,
                names.CANCEL_REQUEST,
                {"requestId": request.request_id},
            )
        # Every forwarded stream of the request still open, including those whose extension
        # stream has ended but whose receiver has not read everything yet: it is not wanted.
        tombstones = relay.cancelled
        for output in [o for o in relay.outputs.values() if o.request is request]:
            for stream in output.streams:
                if not stream.closed:
                    tombstones.bury("stream", (stream.extension, stream.stream_id), now)
                await self.abort_stream(stream, wire.REQUEST_CANCELLED)
            tombstones.bury("output", (output.extension, output.output_id), now)
        tombstones.bury("request", (request.request_id,), now)
        await self.error_to_requester(request, wire.REQUEST_CANCELLED, spare_sid=spare_sid)
        await self.give_up(request, None, wire.REQUEST_CANCELLED)
        self.forget(request)
