"""The OpenAI-compatible API over the core: models, completions, cancellation.

Each completion is an `LLM_REQUEST` of its own (PROTOCOL.md §7.2), made in-process by the
API client's identity, like the desktop's requests (`core/llm/desktop.py`): validated,
recorded in the client's personal room (or the room it names), announced, forwarded to one
extension, tracked, timed out. Its output reaches the HTTP handler through a relay tap
(`session.CompletionSession`), never through a socket. API requests carry no admin rights.
"""

from __future__ import annotations

import contextlib
import logging
import uuid
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final

from newage_desktop.core.openai import errors as api
from newage_desktop.core.openai.auth import API_SID, ApiAuth, ApiClient
from newage_desktop.core.openai.body import ChatRequest
from newage_desktop.core.openai.errors import ApiError
from newage_desktop.core.openai.session import CompletionSession
from newage_desktop.core.registry import SocketInfo
from newage_desktop.protocol import errors as err
from newage_desktop.protocol import llm as wire
from newage_desktop.protocol.events import NS_LLM
from newage_desktop.protocol.validation import MAX_ROOM_NAME

if TYPE_CHECKING:
    from newage_desktop.core.app import Core
    from newage_desktop.core.llm.relay import LlmRelay

log = logging.getLogger("newage")

CLIENT_TYPE: Final = "openai"  # the clientType of an API client that has no socket
OWNED_BY: Final = "sillytavern"


def queue_position(relay: LlmRelay, extension: str) -> int:
    """Requests in flight that `extension` has not answered yet: those ahead of a new one."""
    return sum(1 for r in relay.requests.values() if not r.completed and extension in r.remaining())


class OpenAiService:
    def __init__(self, core: Core) -> None:
        self.core = core
        self.auth = ApiAuth(core)
        self.open: set[CompletionSession] = set()  # answers being read by an HTTP handler

    # --- models --------------------------------------------------------------------------------
    def models(self) -> dict[str, Any]:
        """`GET /v1/models`: one model per connected, available extension (id = identity)."""
        return {"object": "list", "data": [self._model(e) for e in self._extensions()]}

    def model(self, model_id: str) -> dict[str, Any]:
        if model_id not in self._extensions():
            raise api.model_not_found(model_id)
        return self._model(model_id)

    def _extensions(self) -> list[str]:
        return self.core.registry.available_extensions()

    def _model(self, identity: str) -> dict[str, Any]:
        reg = self.core.registry.registration(identity)
        created = 0
        if reg is not None:  # when it connected: the closest thing to a model's creation
            with contextlib.suppress(ValueError):
                stamp = reg.connected_at.replace("Z", "+00:00")
                created = int(datetime.fromisoformat(stamp).timestamp())
        return {"id": identity, "object": "model", "created": created, "owned_by": OWNED_BY}

    # --- completions ---------------------------------------------------------------------------
    async def start(
        self, client: ApiClient, chat: ChatRequest, room_header: str | None
    ) -> CompletionSession:
        """Record and forward the request; the session to read its answer from."""
        core = self.core
        relay = core.relay
        identity = client.client_id
        room = await self._room(identity, room_header)
        target = self._target(chat.model, room)
        position = queue_position(relay, target)
        limit = core.settings.openai_queue_limit
        if position >= limit:
            raise api.rate_limited(
                f"The queue of {target} is full: {position} requests are waiting "
                f"(setting openaiQueueLimit = {limit}). Try again later.",
                "queue_full",
                retry=True,
            )
        request_id = str(uuid.uuid4())
        payload = {
            "requestId": request_id,
            "message": chat.prompt,
            "requestType": "newMessage",
            "targetRoom": room,
            "target": target,
        }
        info = self._socket(client)
        ack, plan = await relay.handle_request(info, payload)
        if ack.get("status") != "ok":
            raise _refusal(str(ack.get("message")), target)
        if ack.get("disposition") != "forwarded" or plan is None or plan.request is None:
            raise api.ApiError(
                409,
                f"The room '{room}' does not forward this message now (disposition "
                f"'{ack.get('disposition')}', its mode decides): it was recorded, and no "
                "extension generates an answer for it.",
                api.INVALID_REQUEST,
                "not_forwarded",
            )
        session = CompletionSession(
            relay,
            request_id=request_id,
            room=room,
            client_id=identity,
            extension=target,
            queue_position=position,
        )
        relay.taps[request_id] = session
        self.open.add(session)
        core.counters["apiRequests"] += 1
        await relay.forward(plan)
        return session

    async def finish(self, session: CompletionSession) -> None:
        """After the answer ended or the client left: a request still in flight is cancelled
        (the extension is sent CANCEL_REQUEST, §7.14), so nothing generates for nobody."""
        session.abandon()
        self.open.discard(session)
        relay = self.core.relay
        request = relay.requests.get(session.request_id)
        if request is None or request.completed:
            return
        reason = "the client closed the connection" if session.error is None else "it failed"
        log.info(f"API request {session.request_id} of {session.client_id} cancelled: {reason}")
        await relay.cancel(
            self._socket(ApiClient(session.client_id, "")), {"requestId": session.request_id}
        )

    def shutdown(self) -> None:
        """The server stops: every open answer ends with `Server is shutting down.`."""
        for session in list(self.open):
            session.fail(api.no_extension(err.SHUTTING_DOWN))

    def count_chunks(self, pieces: int) -> None:
        self.core.counters["apiChunksOut"] += pieces

    # --- parts ---------------------------------------------------------------------------------
    def _socket(self, client: ApiClient) -> SocketInfo:
        return SocketInfo(
            sid=API_SID,
            namespace=NS_LLM,
            client_id=client.client_id,
            identity=client.client_id,
            client_type=CLIENT_TYPE,
            desc="OpenAI-compatible API",
            address=client.address,
            origin=None,
            connected_at=self.core.now(),
            is_admin=False,
        )

    async def _room(self, identity: str, room_header: str | None) -> str:
        """The named room, or the client's personal room (created as at registration, §5)."""
        core = self.core
        if room_header is not None:
            if not 1 <= len(room_header) <= MAX_ROOM_NAME:
                raise api.forbidden(wire.INVALID_TARGET_ROOM, "invalid_room")
            return room_header
        store = core.relay.history.store
        if store.get(identity) is None and core.registry.registration(identity) is None:
            await core.deliver(core.rooms.ensure_personal_room(identity, identity, CLIENT_TYPE))
        return identity

    def _target(self, model: str | None, room: str) -> str:
        """The extension: the named model, or the first one the room's assignment gives."""
        relay = self.core.relay
        if model is not None:
            if model not in self._extensions():
                raise api.model_not_found(model)
            return model
        if relay.history.store.get(room) is None:
            raise api.forbidden(wire.INVALID_TARGET_ROOM, "invalid_room")
        assigned = relay.assigned_extensions(room)
        if not assigned:
            raise api.no_extension(
                f"{wire.NO_EXTENSION} Connect a SillyTavern with the NewAge extension "
                "(GET /v1/models lists the connected ones)."
            )
        return assigned[0]


def _refusal(message: str, target: str) -> ApiError:
    """The API error of an intake refusal (§7.2)."""
    if message == wire.MUTED:
        return api.forbidden(message, "muted")
    if message == wire.INVALID_TARGET_ROOM:
        return api.forbidden(message, "invalid_room")
    if message == wire.target_not_connected(target):
        return api.model_not_found(target)
    if message == wire.NO_EXTENSION:
        return api.no_extension(message)
    if message == wire.INVALID_LLM_REQUEST:
        return api.bad_request(message)
    return api.ApiError(500, message, api.SERVER, "server_error")
