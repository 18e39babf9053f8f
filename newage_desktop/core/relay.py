"""The LLM relay (PROTOCOL.md §7): requests to extensions, their output back to the room.

Requests are validated and recorded, forwarded to extension sockets, and tracked; extension
streams are attributed to requests, reordered by chunk index and fanned out to one
socket.io-stream stream per recipient socket; responses are recorded once per output.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from newage_desktop.core import events as ev
from newage_desktop.core.history import History
from newage_desktop.core.sstream import RECEIVER_TIMED_OUT, ForwardedStream, StreamEnv
from newage_desktop.core.tracking import ExtensionStream, Output, TrackedRequest
from newage_desktop.protocol import events as names
from newage_desktop.protocol import llm as wire

if TYPE_CHECKING:
    from newage_desktop.core.app import Core
    from newage_desktop.core.registry import SocketInfo

log = logging.getLogger("newage")

Answer = dict[str, Any]


@dataclass(frozen=True)
class Forward:
    request: TrackedRequest
    message: dict[str, Any]
    request_type: str


class LlmRelay:
    def __init__(self, core: Core, history: History) -> None:
        self.core = core
        self.history = history
        self.requests: dict[str, TrackedRequest] = {}
        self.outputs: dict[tuple[str, str], Output] = {}
        self.streams: dict[tuple[str, str], ExtensionStream] = {}
        self.forwards: dict[str, dict[str, ForwardedStream]] = {}  # sid -> ssId -> stream
        self.watching: dict[str, set[str]] = {}  # admin sid -> room names ('*' = all)
        self.env = StreamEnv(
            out=core,
            clock=core.clock,
            spawn=core.spawn,
            max_pending=lambda: core.settings.stream_max_pending_bytes,
            on_close=self._forward_closed,
        )
        self._sweeper: asyncio.Task[None] | None = None

    # --- lifecycle -----------------------------------------------------------------------------
    def start(self) -> None:
        self._sweeper = asyncio.get_running_loop().create_task(self._sweep_forever())

    async def stop(self) -> None:
        if self._sweeper is not None:
            self._sweeper.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._sweeper

    async def _sweep_forever(self) -> None:
        while True:
            timeout = self.core.settings.request_timeout_ms / 1000.0
            await asyncio.sleep(max(0.02, min(1.0, timeout / 10)))
            try:
                await self.sweep()
            except Exception:
                log.exception("relay sweep failed")

    async def sweep(self) -> None:
        """Time out silent requests and stalled receivers (§7.9, §8.3 rule 5)."""
        now = self.core.clock()
        timeout = self.core.settings.request_timeout_ms / 1000.0
        for request in list(self.requests.values()):
            if now - request.last_event < timeout:
                continue
            if not request.completed:
                await self._time_out(request)
            self._forget(request)
        for streams in list(self.forwards.values()):
            for forward in list(streams.values()):
                if not forward.idle and now - forward.last_activity >= timeout:
                    await forward.abort(RECEIVER_TIMED_OUT)

    # --- recipients ----------------------------------------------------------------------------
    def watchers_of(self, room: str) -> list[str]:
        return [sid for sid, rooms in self.watching.items() if room in rooms or "*" in rooms]

    def assigned_extensions(self, room: str) -> list[str]:
        """§6.5.1 under `Free`/`Broadcast`: every available extension but in its own room."""
        store = self.history.store
        stored = store.get(room)
        available = self.core.registry.available_extensions()
        if stored is not None and stored.personal:
            return [e for e in available if e != room]
        return available

    def _llm_sids(self, identities: Iterable[str]) -> list[str]:
        registry = self.core.registry
        sids: dict[str, None] = {}
        for identity in identities:
            for sid in registry.sids_of_identity(identity, names.NS_LLM):
                sids.setdefault(sid)
        return list(sids)

    def output_recipients(self, request: TrackedRequest, extension: str) -> list[str]:
        """§7.7: members, requester and watchers; never the responding extension."""
        room = self.history.store.get(request.room)
        members = [m.identity for m in room.members] if room is not None else []
        if request.requester is not None:
            members.append(request.requester)
        sids = dict.fromkeys(self._llm_sids(members))
        for sid in self.watchers_of(request.room):
            sids.setdefault(sid)
        own = set(self.core.registry.sids_of_identity(extension))
        return [sid for sid in sids if sid not in own]

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
        await self.core.emit_to(
            self.chat_recipients(room, extra),
            names.NS_LLM,
            event,
            {"roomName": room, "message": message},
        )

    # --- requests (§7.1, §7.2) -----------------------------------------------------------------
    async def handle_request(self, info: SocketInfo, payload: Any) -> tuple[Answer, Forward | None]:
        """Validate and record an LLM_REQUEST (§7.2). Returns the ack and, if accepted, what
        `forward` sends once the ack is out (§7.10 rule 1)."""
        parsed = wire.parse_llm_request(payload)
        request_id = payload.get("requestId") if isinstance(payload, dict) else None
        request_id = request_id if isinstance(request_id, str) else None
        if parsed is None:
            return await self._reject(info, wire.INVALID_LLM_REQUEST, request_id), None
        core = self.core
        room_name = parsed.target_room or info.identity
        room = self.history.store.get(room_name)
        if room is None or (room.role_of(info.identity) is None and not info.is_admin):
            return await self._reject(info, wire.INVALID_TARGET_ROOM, parsed.request_id), None
        existing = self.requests.get(parsed.request_id)
        if existing is not None and not existing.completed:
            return await self._reject(info, wire.DUPLICATE_REQUEST_ID, parsed.request_id), None
        available = core.registry.available_extensions()
        for target in parsed.targets:
            if target not in available:
                return await self._reject(
                    info, wire.target_not_connected(target), parsed.request_id
                ), None
        targets = parsed.targets
        if not targets:
            assigned = self.assigned_extensions(room_name)
            targets = assigned if core.settings.connection_policy == "Broadcast" else assigned[:1]
        if not targets:
            return await self._reject(info, wire.NO_EXTENSION, parsed.request_id), None
        try:
            message = self.history.record_request(
                room_name,
                payload,
                identity=info.identity,
                client_id=info.client_id,
                text=parsed.text,
                request_type=parsed.request_type,
                target=payload.get("target"),
            )
        except Exception:
            log.exception("recording a request failed")
            return await self._reject(info, wire.RECORD_FAILED, parsed.request_id), None
        await self.announce_message(room_name, message, created=True, extra=[info.identity])
        now = core.clock()
        request = TrackedRequest(
            request_id=parsed.request_id,
            room=room_name,
            mode=room.mode,
            requester=info.identity,
            targets=list(targets),
            forwarded_at=now,
            last_event=now,
        )
        if existing is not None:
            self._forget(existing)
        self.requests[request.request_id] = request
        ack = {
            "status": "ok",
            "message": "Request received.",
            "requestId": request.request_id,
            "disposition": "forwarded",
            "targets": list(targets),
        }
        core.bus.publish(
            ev.LlmRequestStarted(
                request.request_id, room_name, info.identity, list(targets), parsed.text
            )
        )
        return ack, Forward(request, message, parsed.request_type)

    async def forward(self, plan: Forward) -> None:
        """§7.4: one LLM_REQUEST per target, to its most recent /llm socket; after the ack."""
        request, message, request_type = plan.request, plan.message, plan.request_type
        context = self.history.context(request.room, self.core.settings.forward_context_limit)
        for target in request.targets:
            sid = self.core.registry.latest_llm_socket(target)
            if sid is None:
                continue
            await self.core.emit_to(
                [sid],
                names.NS_LLM,
                names.LLM_REQUEST,
                {
                    "mode": request.mode,
                    "requestId": request.request_id,
                    "targetRoom": request.room,
                    "requestingIdentity": request.requester,
                    "currentRequest": message,
                    "context": context,
                    "message": message.get("message", ""),
                    "requestType": request_type,
                    "target": target,
                },
            )
        request.forwarded_at = request.last_event = self.core.clock()
        if self.core.settings.auto_push_context:
            await self.core.context.push_to_room(request.room)

    async def _reject(self, info: SocketInfo, message: str, request_id: str | None) -> Answer:
        """§7.2: an ERROR event (before the ack) and the error ack."""
        await self.core.emit_error(info.sid, info.namespace, message, requestId=request_id)
        return {"status": "error", "message": message}

    # --- extension output (§7.5–§7.8) ----------------------------------------------------------
    def _attribute(self, extension: str, output_id: str, request_id: Any) -> TrackedRequest | None:
        """§7.6: bound output, else the named request, else the oldest unanswered one."""
        bound = self.outputs.get((extension, output_id))
        if bound is not None and bound.request.request_id in self.requests:
            return bound.request
        if isinstance(request_id, str):
            named = self.requests.get(request_id)
            if named is not None and extension in named.targets:
                return named
        candidates = [
            r
            for r in self.requests.values()
            if not r.completed
            and extension in r.targets
            and extension not in r.answered
            and extension not in r.given_up
        ]
        return min(candidates, key=lambda r: r.forwarded_at) if candidates else None

    def _output(self, extension: str, output_id: str, request: TrackedRequest) -> Output:
        key = (extension, output_id)
        output = self.outputs.get(key)
        if output is None or output.request is not request:
            output = Output(extension, output_id, request)
            self.outputs[key] = output
        return output

    async def stream_start(self, info: SocketInfo, payload: dict[str, Any]) -> Answer:
        stream_id = payload.get("streamId")
        if payload.get("type") != 1 or not isinstance(stream_id, str) or not stream_id:
            return _error(wire.INVALID_STREAM_EVENT)
        output_id = payload.get("outputId")
        output_id = output_id if isinstance(output_id, str) and output_id else stream_id
        extension = info.identity
        if (extension, stream_id) in self.streams:
            return _error(wire.INVALID_STREAM_EVENT)  # already open: ignored (§7.5)
        request = self._attribute(extension, output_id, payload.get("requestId"))
        if request is None:
            log.info(f"Stream {stream_id} of {extension} matches no request; ignored")
            return _error(wire.NO_MATCHING_REQUEST)
        request.last_event = self.core.clock()
        output = self._output(extension, output_id, request)
        stream = ExtensionStream(extension, stream_id, output, forwards=[])
        output.streams.append(stream)
        self.streams[(extension, stream_id)] = stream
        metadata = {
            "streamId": stream_id,
            "outputId": output_id,
            "requestId": request.request_id,
            "source": "server",
            "clientId": extension,
            "roomName": request.room,
        }
        for sid in self.output_recipients(request, extension):
            forward = ForwardedStream(self.env, sid, after=output.last_forward.get(sid))
            output.last_forward[sid] = forward
            stream.forwards.append(forward)
            self.forwards.setdefault(sid, {})[forward.id] = forward
            await forward.announce(metadata)
        return _ok()

    async def stream_data(
        self, info: SocketInfo, payload: dict[str, Any], *, retry: bool
    ) -> Answer:
        stream_id = payload.get("streamId")
        data = payload.get("data")
        if not isinstance(stream_id, str) or not isinstance(data, str):
            return _error(wire.INVALID_STREAM_EVENT)
        try:
            index = wire.chunk_index(payload)
        except ValueError:
            return _error(wire.INVALID_STREAM_EVENT)
        stream = self.streams.get((info.identity, stream_id))
        if stream is None:
            return _error(wire.UNKNOWN_STREAM)
        stream.output.request.last_event = self.core.clock()
        if index is None:
            index = stream.highest + 1
        if index < stream.next_index:
            return _ok()  # already written: a duplicate or a late RETRY is dropped (§7.7)
        if index in stream.waiting and not retry:
            return _ok()
        stream.highest = max(stream.highest, index)
        if index == stream.next_index and not stream.waiting:
            stream.next_index += 1
            await self._write(stream, data)
            return _ok()
        stream.waiting[index] = data
        while stream.next_index in stream.waiting:
            text = stream.waiting.pop(stream.next_index)
            stream.next_index += 1
            await self._write(stream, text)
        return _ok()

    async def _write(self, stream: ExtensionStream, text: str) -> None:
        if not text:
            return
        stream.written.append(text)
        counters = self.core.counters
        counters["chunksIn"] += 1
        counters["chunksOut"] += len(stream.forwards)
        for forward in stream.forwards:
            await forward.write(text)
        output = stream.output
        self.core.bus.publish(
            ev.LlmChunk(output.request.request_id, output.output_id, stream.extension, text)
        )

    async def stream_failed(self, info: SocketInfo, payload: dict[str, Any]) -> Answer:
        stream_id = payload.get("streamId")
        if not isinstance(stream_id, str):
            return _error(wire.INVALID_STREAM_EVENT)
        stream = self.streams.pop((info.identity, stream_id), None)
        if stream is None:
            return _error(wire.UNKNOWN_STREAM)
        data = payload.get("data")
        message = data if isinstance(data, str) and data else wire.STREAM_FAILED
        stream.closed = True
        stream.output.request.last_event = self.core.clock()
        for forward in stream.forwards:
            await forward.abort(message)
        return _ok()

    async def stream_end(self, info: SocketInfo, payload: dict[str, Any]) -> Answer:
        stream_id = payload.get("streamId")
        if payload.get("type") != 3 or not isinstance(stream_id, str):
            return _error(wire.INVALID_STREAM_EVENT)
        stream = self.streams.pop((info.identity, stream_id), None)
        if stream is None:
            return _error(wire.UNKNOWN_STREAM)
        for index in sorted(stream.waiting):  # gaps skipped (§7.7)
            await self._write(stream, stream.waiting[index])
        stream.waiting.clear()
        stream.closed = True
        for forward in stream.forwards:
            await forward.end()
        await self._record(stream.output, info)
        return _ok()

    async def message(self, info: SocketInfo, payload: dict[str, Any]) -> Answer:
        """A non-stream `message` (§7.5), after the connection test."""
        data = payload.get("data")
        if payload.get("type") != 0 or not isinstance(data, str):
            return _error(wire.INVALID_STREAM_EVENT)
        request_id = payload.get("requestId")
        output_id = payload.get("outputId")
        output_id = output_id if isinstance(output_id, str) and output_id else str(uuid.uuid4())
        request = self._attribute(info.identity, output_id, request_id)
        if request is None:
            log.info(f"Message of {info.identity} matches no request; ignored")
            return _error(wire.NO_MATCHING_REQUEST)
        request.last_event = self.core.clock()
        output = self._output(info.identity, output_id, request)
        output.message_text = data
        relayed = {
            "type": 0,
            "data": data,
            "source": "server",
            "requestId": request.request_id,
            "outputId": output_id,
            "clientId": info.identity,
            "roomName": request.room,
        }
        await self.core.emit_to(
            self.output_recipients(request, info.identity), names.NS_LLM, wire.MESSAGE, relayed
        )
        self.core.bus.publish(ev.LlmChunk(request.request_id, output_id, info.identity, data))
        await self._record(output, info)
        return _ok()

    async def _record(self, output: Output, info: SocketInfo) -> None:
        """§7.8: create or update the one response of this output; completion and status."""
        request = output.request
        message, created = self.history.upsert_response(
            request.room,
            request_id=request.request_id,
            output_id=output.output_id,
            identity=output.extension,
            client_id=info.client_id,
            text=output.text(),
            known=output.response,
        )
        output.response = message
        await self.announce_message(request.room, message, created=created)
        self.core.bus.publish(
            ev.LlmResponseRecorded(
                request.request_id, output.output_id, output.extension, output.text()
            )
        )
        if not created:
            return
        if self.core.settings.auto_push_context:
            await self.core.context.push_to_room(request.room)
        if output.extension in request.answered or request.completed:
            return
        request.answered.add(output.extension)
        request.first_response_id = request.first_response_id or message["responseId"]
        remaining = request.remaining()
        await self._status(
            request,
            "processing" if remaining else "completed",
            message["responseId"],
            output.extension,
        )
        if not remaining:
            self._complete(request, "completed")

    async def _status(
        self, request: TrackedRequest, status: str, response_id: str | None, target: str | None
    ) -> None:
        if request.requester is None:
            return
        await self.core.emit_to(
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

    def _complete(self, request: TrackedRequest, status: str, reason: str | None = None) -> None:
        request.completed = True
        self.core.bus.publish(ev.LlmRequestEnded(request.request_id, status, reason))

    async def _give_up(self, request: TrackedRequest, extension: str | None, reason: str) -> None:
        """Targets that have not answered give up; the final status follows (§7.9)."""
        if extension is None:
            request.given_up.update(request.remaining())
        else:
            request.given_up.add(extension)
        if request.remaining() or request.completed:
            return
        if request.answered:
            await self._status(request, "completed", request.first_response_id, None)
            self._complete(request, "completed", reason)
        else:
            await self._status(request, "failed", None, None)
            self._complete(request, "failed", reason)

    async def _time_out(self, request: TrackedRequest) -> None:
        if request.requester is not None:
            await self._error_to_requester(request, wire.REQUEST_TIMED_OUT)
        for stream in [s for s in self.streams.values() if s.output.request is request]:
            await self._abort_stream(stream, wire.REQUEST_TIMED_OUT)
        await self._give_up(request, None, wire.REQUEST_TIMED_OUT)

    async def _error_to_requester(
        self, request: TrackedRequest, message: str, **extra: Any
    ) -> None:
        if request.requester is None:
            return
        payload = {"type": "ERROR", "message": message, "requestId": request.request_id, **extra}
        await self.core.emit_to(
            self._llm_sids([request.requester]), names.NS_LLM, names.ERROR, payload
        )

    async def _abort_stream(self, stream: ExtensionStream, message: str) -> None:
        self.streams.pop((stream.extension, stream.stream_id), None)
        stream.closed = True
        for forward in stream.forwards:
            await forward.abort(message)

    def _forget(self, request: TrackedRequest) -> None:
        if self.requests.get(request.request_id) is request:
            del self.requests[request.request_id]
        for key in [k for k, o in self.outputs.items() if o.request is request]:
            del self.outputs[key]

    async def room_deleted(self, room: str) -> None:
        """§6.5: a deleted room's tracked requests fail; open streams get `Room deleted.`."""
        for request in [r for r in self.requests.values() if r.room == room]:
            for stream in [s for s in self.streams.values() if s.output.request is request]:
                await self._abort_stream(stream, wire.ROOM_DELETED)
            if not request.completed:
                await self._give_up(request, None, wire.ROOM_DELETED)
            self._forget(request)
        for rooms in self.watching.values():
            rooms.discard(room)

    # --- sockets going away --------------------------------------------------------------------
    async def socket_closed(self, info: SocketInfo, extension_gone: bool) -> None:
        for forward in list(self.forwards.pop(info.sid, {}).values()):
            forward.drop()
        self.watching.pop(info.sid, None)
        if extension_gone:
            await self._extension_gone(info.identity)

    async def _extension_gone(self, extension: str) -> None:
        """§7.9: its open streams fail, its requests give it up."""
        affected: dict[str, TrackedRequest] = {}
        for stream in [s for s in self.streams.values() if s.extension == extension]:
            affected[stream.output.request.request_id] = stream.output.request
            await self._abort_stream(stream, wire.EXTENSION_DISCONNECTED)
        for request in self.requests.values():
            if not request.completed and extension in request.remaining():
                affected[request.request_id] = request
        for request in affected.values():
            if request.completed:
                continue
            await self._error_to_requester(request, wire.EXTENSION_DISCONNECTED, target=extension)
            await self._give_up(request, extension, wire.EXTENSION_DISCONNECTED)

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


def _ok() -> Answer:
    return {"status": "ok"}


def _error(message: str) -> Answer:
    return {"status": "error", "message": message}
