"""`/sillytavern` (PROTOCOL.md §6.7): an extension fetches its key."""

from __future__ import annotations

from newage_desktop.core.auth.admission import names_admin
from newage_desktop.protocol import errors as err
from newage_desktop.protocol import events as names
from newage_desktop.protocol.events import NS_LLM
from newage_desktop.transport.dispatch import Answer, Call, EventSpec, Namespace, error, ok


async def identify_sillytavern(call: Call) -> Answer:
    info = call.socket
    if not info.is_extension:
        return error(err.PERMISSION_DENIED)
    requested = call.payload.get("clientId")
    if requested is not None and not isinstance(requested, str):
        return error(err.INVALID_PAYLOAD)
    if requested and requested != info.client_id:
        return error(err.CLIENT_ID_MISMATCH)
    if info.issued_key is not None:
        return ok(key=info.issued_key)
    registry = call.core.registry
    if any(
        s.namespace == NS_LLM and s.pending_room is None
        for s in registry.sids_of_client(info.client_id)
    ):
        return error(err.EXTENSION_ALREADY_CONNECTED)
    if call.core.settings.network_safe and names_admin(call.core, info.client_id):
        # §4.6: with authentication off a keyless socket must not mint an admin key.
        return error(err.PERMISSION_DENIED)
    # Not remembered as `issued_key`: only a key given at admission is echoed (§6.7); a second
    # IDENTIFY re-keys again, or is refused while the extension is live on /llm.
    key = await call.core.generate_key(info.client_id, spare_sid=info.sid)
    return ok(key=key)


EVENTS: Namespace = {
    names.IDENTIFY_SILLYTAVERN: EventSpec(identify_sillytavern, waits=True),
}
