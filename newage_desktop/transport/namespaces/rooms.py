"""`/rooms` (PROTOCOL.md §6.5): chat rooms and their members."""

from __future__ import annotations

from newage_desktop.core.rooms.service import RoomResult, member_identity, target_identity
from newage_desktop.protocol import events as names
from newage_desktop.transport.dispatch import Answer, Call, EventSpec, Namespace


async def _done(call: Call, result: RoomResult) -> Answer:
    await call.core.deliver(result)
    return result.ack


async def get_rooms(call: Call) -> Answer:
    return call.core.rooms.get_rooms().ack


async def get_room_info(call: Call) -> Answer:
    return call.core.rooms.room_info(call.payload.get("roomName")).ack


async def get_clients_in_room(call: Call) -> Answer:
    registry = call.core.registry
    return call.core.rooms.clients_in_room(call.payload.get("roomName"), registry.is_registered).ack


async def create_room(call: Call) -> Answer:
    rooms = call.core.rooms
    return await _done(
        call, rooms.create_room(call.payload.get("roomName"), creator=call.socket.identity)
    )


async def delete_room(call: Call) -> Answer:
    result = call.core.rooms.delete_room(
        call.payload.get("roomName"), is_registered=call.core.registry.is_registered
    )
    if result.ok:
        await call.core.relay.room_deleted(str(call.payload.get("roomName")))
    return await _done(call, result)


async def add_client_to_room(call: Call) -> Answer:
    p = call.payload
    result = call.core.rooms.add_client(p.get("roomName"), member_identity(p), p.get("role"))
    return await _done(call, result)


async def remove_client_from_room(call: Call) -> Answer:
    p = call.payload
    return await _done(call, call.core.rooms.remove_client(p.get("roomName"), member_identity(p)))


async def set_member_role(call: Call) -> Answer:
    p = call.payload
    result = call.core.rooms.set_member_role(p.get("roomName"), target_identity(p), p.get("role"))
    return await _done(call, result)


async def kick_member(call: Call) -> Answer:
    p = call.payload
    return await _done(call, call.core.rooms.kick_member(p.get("roomName"), target_identity(p)))


async def set_room_message_request_mode(call: Call) -> Answer:
    """§6.5: privileged in the room; the core checks, so the desktop follows the same rule."""
    p = call.payload
    return await call.core.set_room_mode(call.socket, p.get("roomName"), p.get("mode"))


async def set_connection_policy(call: Call) -> Answer:
    return await call.core.set_connection_policy(call.socket, call.payload.get("policy"))


async def get_connection_policy(call: Call) -> Answer:
    return {"status": "ok", "policy": call.core.settings.connection_policy}


async def assign_extension_to_client(call: Call) -> Answer:
    p = call.payload
    return await call.core.assign_extensions(call.socket, p.get("clientRoom"), p.get("extensions"))


async def get_assignments(call: Call) -> Answer:
    return {"status": "ok", "assignments": call.core.assignments.all()}


async def get_assignments_for_room(call: Call) -> Answer:
    room = call.payload.get("roomName")
    found = call.core.assignments.for_room(room) if isinstance(room, str) else []
    return {"status": "ok", "assignments": found}


async def mute_member(call: Call) -> Answer:
    p = call.payload
    return await call.core.mute_member(
        call.socket, target_identity(p), p.get("roomName"), p.get("duration")
    )


async def unmute_member(call: Call) -> Answer:
    p = call.payload
    return await call.core.unmute_member(call.socket, target_identity(p), p.get("roomName"))


EVENTS: Namespace = {
    names.GET_ROOMS: EventSpec(get_rooms, reads_only=True),
    names.GET_ROOM_INFO: EventSpec(get_room_info, reads_only=True),
    names.GET_CLIENTS_IN_ROOM: EventSpec(get_clients_in_room, reads_only=True),
    names.CREATE_ROOM: EventSpec(create_room, admin=True),
    names.DELETE_ROOM: EventSpec(delete_room, admin=True),
    names.ADD_CLIENT_TO_ROOM: EventSpec(add_client_to_room, admin=True),
    names.REMOVE_CLIENT_FROM_ROOM: EventSpec(remove_client_from_room, admin=True),
    names.SET_MEMBER_ROLE: EventSpec(set_member_role, admin=True),
    names.KICK_MEMBER: EventSpec(kick_member, admin=True),
    names.SET_ROOM_MESSAGE_REQUEST_MODE: EventSpec(set_room_message_request_mode),
    names.SET_CONNECTION_POLICY: EventSpec(set_connection_policy, admin=True),
    names.GET_CONNECTION_POLICY: EventSpec(get_connection_policy, reads_only=True),
    names.ASSIGN_EXTENSION_TO_CLIENT: EventSpec(assign_extension_to_client, admin=True),
    names.MUTE_MEMBER: EventSpec(mute_member),
    names.UNMUTE_MEMBER: EventSpec(unmute_member),
    names.GET_ASSIGNMENTS: EventSpec(get_assignments, reads_only=True),
    names.GET_ASSIGNMENTS_FOR_ROOM: EventSpec(get_assignments_for_room, reads_only=True),
}
