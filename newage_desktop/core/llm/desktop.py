"""LLM requests from the desktop window: the in-process admin of PROTOCOL.md §1 and §4.8.

The desktop has no socket. Its requests go through the same `LlmRelay.handle_request` and
`forward` as an `LLM_REQUEST` from `/llm` (validated, recorded in the room, announced with
`NEW_MESSAGE`, forwarded to the extension, tracked and timed out), under a pseudo-identity that
no client can take: identities start with their clientId, and a clientId cannot contain `*`
(§4.1), so no socket is ever registered under it and nothing is emitted to one. The window
follows the request through core events: `LlmRequestStarted`, `LlmChunk`,
`LlmResponseRecorded` and `LlmRequestEnded`; it cancels through `LlmRelay.cancel` too, with the
effects of a `CANCEL_REQUEST` (§7.14), as the admin it is.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any, Final

from newage_desktop.core.registry import SocketInfo
from newage_desktop.protocol.events import CLIENT_TYPE_MONITOR, NS_LLM

if TYPE_CHECKING:
    from newage_desktop.core.app import Core

DESKTOP_IDENTITY: Final = "*desktop*"
# Never a Socket.IO sid (those are 20 URL-safe base64 characters), so emits to it go nowhere.
DESKTOP_SID: Final = "*desktop*"


def desktop_socket(core: Core) -> SocketInfo:
    """The requester the relay sees: an admin `/llm` socket that is never registered."""
    return SocketInfo(
        sid=DESKTOP_SID,
        namespace=NS_LLM,
        client_id=DESKTOP_IDENTITY,
        identity=DESKTOP_IDENTITY,
        client_type=CLIENT_TYPE_MONITOR,
        desc="NewAge Desktop",
        address="in-process",
        origin=None,
        connected_at=core.now(),
        is_admin=True,
    )


async def desktop_request(
    core: Core,
    *,
    text: str,
    room: str,
    target: str | list[str] | None = None,
    request_type: str = "newMessage",
    request_id: str | None = None,
) -> dict[str, Any]:
    """Send an LLM request into `room` as the desktop admin; returns the ack of §7.2.

    The ack is `{status:'ok', requestId, disposition, targets, ...}` or
    `{status:'error', message}` (nothing recorded). Forwarding happens before this returns, as
    it follows the ack of a socket's request (§7.10 rule 1).
    """
    payload: dict[str, Any] = {
        "requestId": request_id or str(uuid.uuid4()),
        "message": text,
        "requestType": request_type,
        "targetRoom": room,
    }
    if target:
        payload["target"] = target
    relay = core.relay
    ack, plan = await relay.handle_request(desktop_socket(core), payload)
    if plan is not None:
        await relay.forward(plan)
    return ack


async def desktop_cancel(core: Core, request_id: str) -> dict[str, Any]:
    """Cancel a request in flight (any requester's: the desktop is admin); the ack of §7.14.

    `{status:'ok', requestId}` once the extensions were told, the open streams failed, the
    requester informed and the final status sent; else `{status:'error', message}` with
    `Request not found.` (unknown or already completed) or `Invalid payload.`.
    """
    return await core.relay.cancel(desktop_socket(core), {"requestId": request_id})
