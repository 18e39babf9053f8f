"""Extension output (PROTOCOL.md §7.5–§7.8): attribution, chunk order, fan-out, recording.

Each `CLIENT_STREAM_START` and non-stream `message` is attributed to a tracked request; a
stream's chunks are reordered by index and written to one forwarded stream per recipient
socket; each output's text is recorded as one response message, created at its first END (or
`message`) and updated at every later one, until a `final` END completes the output; the
updates are sent throttled (`updates.ResponseUpdates`).
"""

from __future__ import annotations

import logging
import uuid
from typing import TYPE_CHECKING, Any

from newage_desktop.core import events as ev
from newage_desktop.core.llm.sstream import ForwardedStream
from newage_desktop.core.llm.tracking import ExtensionStream, Output, TrackedRequest
from newage_desktop.core.llm.updates import ResponseUpdates
from newage_desktop.protocol import events as names
from newage_desktop.protocol import llm as wire

if TYPE_CHECKING:
    from newage_desktop.core.llm.relay import LlmRelay
    from newage_desktop.core.registry import SocketInfo

log = logging.getLogger("newage")

Answer = dict[str, Any]


class OutputRelay:
    """The extension → server events of §7.5 (after the connection test), for one relay."""

    def __init__(self, relay: LlmRelay) -> None:
        self.relay = relay
        self.deps = relay.deps
        self.updates = ResponseUpdates(relay)  # MESSAGE_UPDATED throttle (§7.8)

    # --- attribution (§7.6) --------------------------------------------------------------------
    def _attribute(self, extension: str, output_id: str, request_id: Any) -> TrackedRequest | None:
        """Bound output, else the named request, else the oldest unanswered one."""
        relay = self.relay
        bound = relay.outputs.get((extension, output_id))
        if bound is not None and bound.request.request_id in relay.requests:
            return bound.request
        if isinstance(request_id, str):
            named = relay.requests.get(request_id)
            if named is not None and extension in named.targets:
                return named
        candidates = [
            r
            for r in relay.requests.values()
            if not r.completed
            and extension in r.targets
            and extension not in r.answered
            and extension not in r.given_up
        ]
        return min(candidates, key=lambda r: r.forwarded_at) if candidates else None

    def _of_cancelled(self, extension: str, output_id: str, request_id: Any) -> bool:
        """Late output of a cancelled request (§7.14): an output bound to it, or its id while
        no live request has that id (a client may send the id again after cancelling)."""
        relay = self.relay
        if (extension, output_id) in relay.outputs:
            return False
        now = self.deps.clock()
        if relay.cancelled.hit("output", (extension, output_id), now):
            return True
        if not isinstance(request_id, str) or request_id in relay.requests:
            return False
        return relay.cancelled.hit("request", (request_id,), now)

    def _is_complete(self, extension: str, output_id: str) -> bool:
        output = self.relay.outputs.get((extension, output_id))
        return output is not None and output.complete

    def _missing_stream(self, extension: str, stream_id: str) -> Answer:
        """A data event for no open stream: of a cancelled request, or simply unknown."""
        if self.relay.cancelled.hit("stream", (extension, stream_id), self.deps.clock()):
            return _error(wire.NO_MATCHING_REQUEST)
        return _error(wire.UNKNOWN_STREAM)

    def _output(self, extension: str, output_id: str, request: TrackedRequest) -> Output:
        key = (extension, output_id)
        output = self.relay.outputs.get(key)
        if output is None or output.request is not request:
            output = Output(extension, output_id, request)
            self.relay.outputs[key] = output
        return output

    # --- streams (§7.7) ------------------------------------------------------------------------
    async def stream_start(self, info: SocketInfo, payload: dict[str, Any]) -> Answer:
        stream_id = payload.get("streamId")
        if payload.get("type") != 1 or not isinstance(stream_id, str) or not stream_id:
            return _error(wire.INVALID_STREAM_EVENT)
        output_id = payload.get("outputId")
        output_id = output_id if isinstance(output_id, str) and output_id else stream_id
        extension = info.identity
        relay = self.relay
        if (extension, stream_id) in relay.streams:
            return _error(wire.INVALID_STREAM_EVENT)  # already open: ignored (§7.5)
        if self._is_complete(extension, output_id):
            return _error(wire.UNKNOWN_STREAM)  # after a `final` END (§7.5)
        if self._of_cancelled(extension, output_id, payload.get("requestId")):
            relay.cancelled.bury("stream", (extension, stream_id), self.deps.clock())
            return _error(wire.NO_MATCHING_REQUEST)
        request = self._attribute(extension, output_id, payload.get("requestId"))
        if request is None:
            log.info(f"Stream {stream_id} of {extension} matches no request; ignored")
            return _error(wire.NO_MATCHING_REQUEST)
        request.last_event = self.deps.clock()
        output = self._output(extension, output_id, request)
        self.updates.stream_started(output)
        stream = ExtensionStream(extension, stream_id, output, forwards=[])
        output.streams.append(stream)
        relay.streams[(extension, stream_id)] = stream
        tap = relay.tap_of(request)
        if tap is not None:
            tap.stream_started(output)
        metadata = {
            "streamId": stream_id,
            "outputId": output_id,
            "requestId": request.request_id,
            "source": "server",
            "clientId": extension,
            "roomName": request.room,
        }
        for sid in relay.output_recipients(request, extension):
            forward = ForwardedStream(relay.env, sid, after=output.last_forward.get(sid))
            output.last_forward[sid] = forward
            stream.forwards.append(forward)
            relay.forwards.setdefault(sid, {})[forward.id] = forward
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
        stream = self.relay.streams.get((info.identity, stream_id))
        if stream is None:
            return self._missing_stream(info.identity, stream_id)
        stream.output.request.last_event = self.deps.clock()
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
        counters = self.deps.counters
        counters["chunksIn"] += 1
        counters["chunksOut"] += len(stream.forwards)
        for forward in stream.forwards:
            await forward.write(text)
        output = stream.output
        self.deps.bus.publish(
            ev.LlmChunk(output.request.request_id, output.output_id, stream.extension, text)
        )
        tap = self.relay.tap_of(output.request)
        if tap is not None:
            tap.chunk(output, text)

    async def stream_failed(self, info: SocketInfo, payload: dict[str, Any]) -> Answer:
        stream_id = payload.get("streamId")
        if not isinstance(stream_id, str):
            return _error(wire.INVALID_STREAM_EVENT)
        stream = self.relay.streams.pop((info.identity, stream_id), None)
        if stream is None:
            return self._missing_stream(info.identity, stream_id)
        data = payload.get("data")
        message = data if isinstance(data, str) and data else wire.STREAM_FAILED
        stream.closed = True
        stream.output.request.last_event = self.deps.clock()
        for forward in stream.forwards:
            await forward.abort(message)
        tap = self.relay.tap_of(stream.output.request)
        if tap is not None:
            tap.stream_failed(stream.output, message)
        return _ok()

    async def stream_end(self, info: SocketInfo, payload: dict[str, Any]) -> Answer:
        stream_id = payload.get("streamId")
        if payload.get("type") != 3 or not isinstance(stream_id, str):
            return _error(wire.INVALID_STREAM_EVENT)
        stream = self.relay.streams.pop((info.identity, stream_id), None)
        if stream is None:
            return self._missing_stream(info.identity, stream_id)
        for index in sorted(stream.waiting):  # gaps skipped (§7.7)
            await self._write(stream, stream.waiting[index])
        stream.waiting.clear()
        stream.closed = True
        for forward in stream.forwards:
            await forward.end()
        if payload.get("final") is True:
            stream.output.complete = True
        await self._record(stream.output, info)
        tap = self.relay.tap_of(stream.output.request)
        if tap is not None:
            tap.stream_ended(stream.output, stream.output.complete)
        return _ok()

    # --- non-stream responses ------------------------------------------------------------------
    async def message(self, info: SocketInfo, payload: dict[str, Any]) -> Answer:
        """A non-stream `message` (§7.5), after the connection test."""
        data = payload.get("data")
        if payload.get("type") != 0 or not isinstance(data, str):
            return _error(wire.INVALID_STREAM_EVENT)
        request_id = payload.get("requestId")
        output_id = payload.get("outputId")
        output_id = output_id if isinstance(output_id, str) and output_id else str(uuid.uuid4())
        if self._is_complete(info.identity, output_id):
            return _error(wire.UNKNOWN_STREAM)  # its response is final (§7.5)
        if self._of_cancelled(info.identity, output_id, request_id):
            return _error(wire.NO_MATCHING_REQUEST)
        request = self._attribute(info.identity, output_id, request_id)
        if request is None:
            log.info(f"Message of {info.identity} matches no request; ignored")
            return _error(wire.NO_MATCHING_REQUEST)
        request.last_event = self.deps.clock()
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
        relay = self.relay
        await self.deps.out.emit_to(
            relay.output_recipients(request, info.identity), names.NS_LLM, wire.MESSAGE, relayed
        )
        self.deps.bus.publish(ev.LlmChunk(request.request_id, output_id, info.identity, data))
        await self._record(output, info)
        tap = relay.tap_of(request)
        if tap is not None:
            tap.message(output, data)
        return _ok()

    # --- recording (§7.8) ----------------------------------------------------------------------
    async def _record(self, output: Output, info: SocketInfo) -> None:
        """Create or update the one response of this output; completion and status."""
        relay = self.relay
        request = output.request
        if output.deleted:
            return
        message, created = relay.history.upsert_response(
            request.room,
            request_id=request.request_id,
            output_id=output.output_id,
            identity=output.extension,
            client_id=info.client_id,
            text=output.text(),
            known=output.response,
        )
        output.response = message
        if created:
            await relay.announce_message(request.room, message, created=True)
            self.updates.created(output)
        self.deps.bus.publish(
            ev.LlmResponseRecorded(
                request.request_id, output.output_id, output.extension, message["message"]
            )
        )
        if not created:
            await self.updates.changed(output)  # sent now or later, the latest text (§7.8)
            return
        if self.deps.settings().auto_push_context:
            await self.relay.context.push_to_room(request.room)
        if output.extension in request.answered or request.completed:
            return
        request.answered.add(output.extension)
        request.first_response_id = request.first_response_id or message["responseId"]
        remaining = request.remaining()
        await relay.status_update(
            request,
            "processing" if remaining else "completed",
            message["responseId"],
            output.extension,
        )
        if not remaining:
            relay.mark_completed(request, "completed")


def _ok() -> Answer:
    return {"status": "ok"}


def _error(message: str) -> Answer:
    return {"status": "error", "message": message}
