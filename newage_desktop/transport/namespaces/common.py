"""Handlers used by more than one namespace."""

from __future__ import annotations

from newage_desktop.protocol import errors as err
from newage_desktop.transport.dispatch import Answer, Call, EventSpec, error, ok


async def get_client_key(call: Call) -> Answer:
    """`GET_CLIENT_KEY {clientId?}` (§6.3): the stored *hash* (upstream shape), own or as admin."""
    requested = call.payload.get("clientId")
    if requested is not None and not isinstance(requested, str):
        return error(err.INVALID_PAYLOAD)
    client_id = requested or call.socket.client_id
    if client_id != call.socket.client_id and not call.socket.is_admin:
        return error(err.NO_RIGHT_TO_OTHERS_KEY)
    hashed = call.core.keys.hash_of(client_id)
    if hashed is None:
        return error(err.CLIENT_KEY_NOT_FOUND)
    return ok(key=hashed)


async def get_sillytavern_extension(call: Call) -> Answer:
    """§6.3: available extensions under both names (the client document reads the second)."""
    extensions = call.core.available_extensions()
    return ok(extensions=extensions, allTheSTSocket=list(extensions))


GET_CLIENT_KEY = EventSpec(get_client_key, reads_only=True)
GET_SILLYTAVERN_EXTENSION = EventSpec(get_sillytavern_extension, reads_only=True)
