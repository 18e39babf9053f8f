"""`/clients` (PROTOCOL.md §6.4): client lists, keys and pairing decisions."""

from __future__ import annotations

from newage_desktop.protocol import errors as err
from newage_desktop.protocol import events as names
from newage_desktop.protocol.validation import is_valid_client_id
from newage_desktop.transport.dispatch import Answer, Call, EventSpec, Namespace, error, ok
from newage_desktop.transport.namespaces import common


async def client_list(call: Call) -> Answer:
    return ok(clients=call.core.client_list())


async def all_client_keys(call: Call) -> Answer:
    return ok(keys=call.core.keys.export())


def _target_client_id(call: Call) -> str | Answer:
    """`targetClientId` (alias `clientId`): the id, or the error answer."""
    payload = call.payload
    value = payload.get("targetClientId")
    if value is None:
        value = payload.get("clientId")
    if value is None or value == "":
        return error(err.MISSING_TARGET_CLIENT_ID)
    if not isinstance(value, str) or not is_valid_client_id(value):
        return error(err.INVALID_CLIENT_ID)
    return value


async def generate_client_key(call: Call) -> Answer:
    target = _target_client_id(call)
    if not isinstance(target, str):
        return target
    key = await call.core.generate_key(target)  # the caller's own sockets are dropped too
    return ok(key=key, clientId=target)


async def remove_client_key(call: Call) -> Answer:
    target = _target_client_id(call)
    if not isinstance(target, str):
        return target
    if not await call.core.revoke_key(target):
        return ok(message=err.CLIENT_KEY_NOT_FOUND)
    return ok()


async def key_requests(call: Call) -> Answer:
    return ok(requests=call.core.pending_requests())


def _room_id(call: Call) -> str | None:
    room_id = call.payload.get("roomId")
    return room_id if isinstance(room_id, str) and room_id else None


async def approve_key_request(call: Call) -> Answer:
    room_id = _room_id(call)
    client_id = await call.core.approve_request(room_id) if room_id else None
    return ok(clientId=client_id) if client_id else error(err.KEY_REQUEST_NOT_FOUND)


async def deny_key_request(call: Call) -> Answer:
    room_id = _room_id(call)
    client_id = await call.core.deny_request(room_id) if room_id else None
    return ok(clientId=client_id) if client_id else error(err.KEY_REQUEST_NOT_FOUND)


EVENTS: Namespace = {
    names.GET_CLIENT_LIST: EventSpec(client_list, reads_only=True),
    names.UPDATE_CONNECTED_CLIENTS: EventSpec(client_list, reads_only=True),
    names.GET_CLIENT_KEY: common.GET_CLIENT_KEY,
    names.GET_ALL_CLIENT_KEYS: EventSpec(all_client_keys, reads_only=True, admin=True),
    names.GENERATE_CLIENT_KEY: EventSpec(generate_client_key, admin=True, waits=True),
    names.REMOVE_CLIENT_KEY: EventSpec(remove_client_key, admin=True),
    names.GET_KEY_REQUESTS: EventSpec(key_requests, reads_only=True, admin=True),
    names.APPROVE_KEY_REQUEST: EventSpec(approve_key_request, admin=True, waits=True),
    names.DENY_KEY_REQUEST: EventSpec(deny_key_request, admin=True),
}
