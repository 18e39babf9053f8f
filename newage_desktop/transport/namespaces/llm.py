"""`/llm` (PROTOCOL.md §6.6, §7, §8): requests, extension output, stream control, history."""

from __future__ import annotations

import uuid

from newage_desktop.core.llm.sstream import (
    STREAM,
    STREAM_END,
    STREAM_ERROR,
    STREAM_READ,
    STREAM_WRITE,
)
from newage_desktop.protocol import errors as err
from newage_desktop.protocol import events as names
from newage_desktop.protocol import llm as wire
from newage_desktop.protocol.validation import is_valid_room_name
from newage_desktop.transport.dispatch import Answer, Call, EventSpec, Namespace, error, ok
from newage_desktop.transport.namespaces import common


async def llm_request(call: Call) -> Answer:
    relay = call.core.relay
    ack, plan = await relay.handle_request(call.socket, call.args[0] if call.args else None)
    if plan is not None:

        async def forward() -> None:
            await relay.forward(plan)

        call.after_ack.append(forward)
    return ack


async def cancel_request(call: Call) -> Answer:
    """§7.14: the requester or an admin; the effects are done when the ack goes out."""
    return await call.core.relay.cancel(call.socket, call.payload)


async def _stream_event(call: Call) -> Answer:
    """CLIENT_STREAM_* from extensions only; others get `Permission denied.` (§7.5)."""
    if not call.socket.is_extension:
        return error(err.PERMISSION_DENIED)
    relay = call.core.relay
    event = call.event
    if event == wire.CLIENT_STREAM_START:
        return await relay.stream_start(call.socket, call.payload)
    if event == wire.CLIENT_STREAM_END:
        return await relay.stream_end(call.socket, call.payload)
    if event == wire.CLIENT_STREAM_DATA_FAILED:
        return await relay.stream_failed(call.socket, call.payload)
    return await relay.stream_data(
        call.socket, call.payload, retry=event == wire.CLIENT_STREAM_DATA_RETRY
    )


async def message(call: Call) -> Answer:
    payload = call.payload
    if payload.get("data") == wire.CONNECTION_TEST:  # any /llm socket (§7.5)
        await call.core.emit_to(
            [call.sid],
            names.NS_LLM,
            wire.MESSAGE,
            {
                "type": 0,
                "data": wire.CONNECTION_FINE,
                "source": "server",
                "requestId": payload.get("requestId"),
                "outputId": str(uuid.uuid4()),
            },
        )
        return ok()
    if not call.socket.is_extension:
        return error(err.PERMISSION_DENIED)
    return await call.core.relay.message(call.socket, payload)


async def get_full_context(call: Call) -> Answer:
    """§7.11: processed with or without an ack; errors also as ERROR."""
    core = call.core
    room_name = call.payload.get("roomName")
    failure: str | None = None
    if not isinstance(room_name, str) or not room_name:
        failure = "roomName is required."
    else:
        room = core.relay.history.store.get(room_name)
        if room is None:
            failure = f"Room {room_name} not found."
        elif not (
            room.role_of(call.socket.identity) is not None
            or call.socket.is_admin
            or call.sid in core.relay.watchers_of(room_name)
            or call.socket.identity in core.relay.assigned_extensions(room_name)
        ):
            failure = f"You are not a member of room {room_name}."
    if failure is not None or not isinstance(room_name, str):
        message = failure or "roomName is required."
        await core.emit_error(call.sid, call.namespace, message)
        return error(message)
    update_id, total = core.context.start(room_name, call.sid)
    return ok(updateId=update_id, totalPages=total)


def _watch_target(call: Call) -> str | None:
    room = call.payload.get("roomName")
    return room if isinstance(room, str) and room else None


async def watch_room(call: Call) -> Answer:
    room = _watch_target(call)
    relay = call.core.relay
    if room is None or (
        room != "*" and (not is_valid_room_name(room) or relay.history.store.get(room) is None)
    ):
        return error(err.ROOM_NOT_FOUND)
    watching = relay.watching.setdefault(call.sid, set())
    watching.add(room)
    return ok(watching=sorted(watching))


async def unwatch_room(call: Call) -> Answer:
    room = _watch_target(call)
    relay = call.core.relay
    watching = relay.watching.get(call.sid, set())
    if room == "*":
        watching.clear()
    elif room is not None:
        watching.discard(room)
    if not watching:
        relay.watching.pop(call.sid, None)
    return ok(watching=sorted(watching))


async def edit_message(call: Call) -> Answer:
    return await call.core.relay.editing.edit(call.socket, call.payload)


async def delete_message(call: Call) -> Answer:
    return await call.core.relay.editing.delete(call.socket, call.payload)


async def clear_messages(call: Call) -> Answer:
    return await call.core.relay.editing.clear(call.socket, call.payload)


async def member_status(call: Call) -> Answer:
    return await call.core.set_member_status(call.socket, call.event, call.payload)


# --- socket.io-stream control from receivers (§8.3, §8.4) -----------------------------------------
async def stream_read(call: Call) -> Answer:
    forward = call.core.relay.forward_of(call.sid, call.args[0] if call.args else None)
    if forward is not None:
        await forward.on_read()
    return ok()


async def stream_end(call: Call) -> Answer:
    # Before our end the receiver closed its side; after it, the library's echo is ignored.
    forward = call.core.relay.forward_of(call.sid, call.args[0] if call.args else None)
    if forward is not None:
        forward.drop()
    return ok()


async def stream_write(call: Call) -> Answer:
    """Client-to-server streams are not supported (§8.4)."""
    ss_id = call.args[0] if call.args else None
    return f"invalid stream id: {ss_id}"


async def ignore(call: Call) -> Answer:
    return ok()


_STREAM = EventSpec(_stream_event, silent=True)

EVENTS: Namespace = {
    names.LLM_REQUEST: EventSpec(llm_request, any_payload=True, silent=True),
    names.CANCEL_REQUEST: EventSpec(cancel_request),
    names.GET_SILLYTAVERN_EXTENSION: common.GET_SILLYTAVERN_EXTENSION,
    wire.GET_FULL_CONTEXT: EventSpec(get_full_context, silent=True),
    wire.GET_OFFLINE_MESSAGES: EventSpec(get_full_context, silent=True),
    names.EDIT_MESSAGE: EventSpec(edit_message),
    names.DELETE_MESSAGE: EventSpec(delete_message),
    names.CLEAR_MESSAGES: EventSpec(clear_messages),
    names.START_TYPING: EventSpec(member_status),
    names.STOP_TYPING: EventSpec(member_status),
    names.START_PROCESSING: EventSpec(member_status),
    names.STOP_PROCESSING: EventSpec(member_status),
    wire.WATCH_ROOM: EventSpec(watch_room, admin=True),
    wire.UNWATCH_ROOM: EventSpec(unwatch_room, admin=True),
    wire.CLIENT_STREAM_START: _STREAM,
    wire.CLIENT_STREAM_DATA_FIRST: _STREAM,
    wire.CLIENT_STREAM_DATA_MIDDLE: _STREAM,
    wire.CLIENT_STREAM_DATA_LAST: _STREAM,
    wire.CLIENT_STREAM_DATA_RETRY: _STREAM,
    wire.CLIENT_STREAM_DATA_FAILED: _STREAM,
    wire.CLIENT_STREAM_END: _STREAM,
    wire.MESSAGE: EventSpec(message, silent=True),
    STREAM_READ: EventSpec(stream_read, any_payload=True, silent=True),
    STREAM_END: EventSpec(stream_end, any_payload=True, silent=True),
    STREAM_ERROR: EventSpec(stream_end, any_payload=True, silent=True),
    STREAM_WRITE: EventSpec(stream_write, any_payload=True, silent=True),
    STREAM: EventSpec(ignore, any_payload=True, silent=True),
}
