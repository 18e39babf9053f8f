"""Taking in an `LLM_REQUEST` (PROTOCOL.md §7.1–§7.4): validate, decide, record, forward.

The room's mode decides what a request becomes (§7.3, `rooms.modes`): forwarded to extensions,
queued for the host of a `HostSubmit` room, or only recorded. Every accepted request is recorded
and announced before its ack; only forwarded ones are tracked, timed and sent (after the ack,
§7.10 rule 1).
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from newage_desktop.core import events as ev
from newage_desktop.core.llm.tracking import TrackedRequest
from newage_desktop.core.rooms import modes
from newage_desktop.protocol import events as names
from newage_desktop.protocol import llm as wire
from newage_desktop.protocol.validation import is_bounded

if TYPE_CHECKING:
    from newage_desktop.core.llm.relay import LlmRelay
    from newage_desktop.core.registry import SocketInfo

log = logging.getLogger("newage")

Answer = dict[str, Any]


@dataclass(frozen=True)
class Forward:
    """What happens after the ack: the forward of a tracked request (`request` set), or only
    the context push of a request that was queued or recorded."""

    room: str
    message: dict[str, Any]
    request_type: str
    request: TrackedRequest | None = None
    # The message the extensions receive as `currentRequest` (the merged one under HostSubmit).
    current: dict[str, Any] = field(default_factory=dict)
    kind: str | None = None  # `type` of §7.4: DIRECT_REQUEST in Conversational


class RequestIntake:
    def __init__(self, relay: LlmRelay) -> None:
        self.relay = relay
        self.deps = relay.deps
        self.host_queues = modes.HostQueues()

    async def handle(self, info: SocketInfo, payload: Any) -> tuple[Answer, Forward | None]:
        relay, deps = self.relay, self.deps
        # §2.2 rule 6a: bounded before anything is recorded (the transport checked the depth
        # already; the desktop's in-process requests are checked here).
        parsed = wire.parse_llm_request(payload, deps.settings().max_payload_depth)
        request_id = payload.get("requestId") if isinstance(payload, dict) else None
        # Echoed in the refusal's ERROR: only text that can be encoded (§2.2 rule 6a).
        request_id = (
            request_id if isinstance(request_id, str) and is_bounded(request_id, 0) else None
        )
        if parsed is None:
            return await self._reject(info, wire.INVALID_LLM_REQUEST, request_id), None
        rid = parsed.request_id
        if deps.muted(info.identity):
            return await self._reject(info, wire.MUTED, rid), None
        room_name = parsed.target_room or info.identity
        room = relay.history.store.get(room_name)
        role = room.role_of(info.identity) if room is not None else None
        if room is None or (role is None and not info.is_admin):
            return await self._reject(info, wire.INVALID_TARGET_ROOM, rid), None
        existing = relay.requests.get(rid)
        if existing is not None and not existing.completed:
            return await self._reject(info, wire.DUPLICATE_REQUEST_ID, rid), None
        available = deps.registry.available_extensions()
        for target in parsed.targets:
            if target not in available:
                return await self._reject(info, wire.target_not_connected(target), rid), None
        privileged = info.is_admin or role in ("master", "manager")
        disposition = modes.disposition(
            room.mode, privileged=privileged, has_target=bool(parsed.targets)
        )
        targets: list[str] = []
        if disposition == "forwarded":
            targets = list(parsed.targets)
            if not targets:
                assigned = relay.assigned_extensions(room_name)
                broadcast = deps.settings().connection_policy == "Broadcast"
                targets = assigned if broadcast else assigned[:1]
            if not targets:
                return await self._reject(info, wire.NO_EXTENSION, rid), None
        try:
            message = relay.history.record_request(
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
            return await self._reject(info, wire.RECORD_FAILED, rid), None
        await relay.announce_message(room_name, message, created=True, extra=[info.identity])
        ack = {
            "status": "ok",
            "message": "Request received.",
            "requestId": rid,
            "disposition": disposition,
            "targets": list(targets),
        }
        deps.bus.publish(
            ev.LlmRequestStarted(
                rid, room_name, info.identity, list(targets), parsed.text, disposition
            )
        )
        if disposition == "queued":
            count = self.host_queues.append(room_name, message)
            deps.bus.publish(ev.HostQueueChanged(room_name, count))
        if disposition != "forwarded":
            return ack, Forward(room_name, message, parsed.request_type)
        current = message
        if room.mode == modes.HOST_SUBMIT:
            queued = self.host_queues.take(room_name)
            if queued:
                current = modes.merge(queued, message)
                deps.bus.publish(ev.HostQueueChanged(room_name, 0))
        now = deps.clock()
        request = TrackedRequest(
            request_id=rid,
            room=room_name,
            mode=room.mode,
            requester=info.identity,
            targets=targets,
            forwarded_at=now,
            last_event=now,
        )
        if existing is not None:
            relay.endings.forget(existing)
        relay.requests[rid] = request
        kind = modes.DIRECT_REQUEST if room.mode == modes.CONVERSATIONAL else None
        return ack, Forward(room_name, message, parsed.request_type, request, current, kind)

    async def forward(self, plan: Forward) -> None:
        """§7.4: one LLM_REQUEST per target, to its most recent /llm socket; after the ack."""
        relay, deps = self.relay, self.deps
        request = plan.request
        if request is not None:
            if relay.requests.get(request.request_id) is not request:
                return  # cancelled (or its room deleted) before its ack was out
            await self._send(request, plan)
        if deps.settings().auto_push_context:
            await relay.context.push_to_room(plan.room)

    async def _send(self, request: TrackedRequest, plan: Forward) -> None:
        settings = self.deps.settings()
        # Bounded in bytes too: the same bound the server sets on what it accepts (§2.1).
        context = self.relay.history.context(
            request.room, settings.forward_context_limit, settings.max_payload_bytes
        )
        current = plan.current or plan.message
        merged = {
            k: current[k]
            for k in ("isMerged", "mergedFromCount", "originalRequestIds")
            if k in current
        }
        for target in request.targets:
            sid = self.deps.registry.latest_llm_socket(target)
            if sid is None:
                continue
            payload: dict[str, Any] = {"mode": request.mode}
            if plan.kind is not None:
                payload["type"] = plan.kind
            payload.update(
                requestId=request.request_id,
                targetRoom=request.room,
                requestingIdentity=request.requester,
                currentRequest=current,
                context=context,
                message=current.get("message", ""),
                requestType=plan.request_type,
                target=target,
                **merged,
            )
            await self.deps.out.emit_to([sid], names.NS_LLM, names.LLM_REQUEST, payload)
        request.forwarded_at = request.last_event = self.deps.clock()

    async def think(self, room_name: str, extension: str, instruction: str) -> str:
        relay, deps = self.relay, self.deps
        room = relay.history.store.get(room_name)
        request_id = f"think_{uuid.uuid4()}"
        now = deps.clock()
        request = TrackedRequest(
            request_id=request_id,
            room=room_name,
            mode=room.mode if room is not None else modes.CONVERSATIONAL,
            requester=None,
            targets=[extension],
            forwarded_at=now,
            last_event=now,
        )
        relay.requests[request_id] = request
        settings = deps.settings()
        context = relay.history.context(
            room_name, settings.forward_context_limit, settings.max_payload_bytes
        )
        sid = deps.registry.latest_llm_socket(extension)
        if sid is not None:
            payload = {
                "mode": request.mode,
                "type": modes.THINK_REQUEST,
                "requestId": request_id,
                "targetRoom": room_name,
                "requestingIdentity": None,
                "currentRequest": None,
                "context": context,
                "instruction": instruction,
                "message": instruction,
                "requestType": "newMessage",
                "target": extension,
            }
            await deps.out.emit_to([sid], names.NS_LLM, names.LLM_REQUEST, payload)
        return request_id

    async def _reject(self, info: SocketInfo, message: str, request_id: str | None) -> Answer:
        """§7.2: an ERROR event (before the ack) and the error ack."""
        await self.deps.out.emit_error(info.sid, info.namespace, message, requestId=request_id)
        return {"status": "error", "message": message}
