"""python-socketio `AsyncServer` adapted to the protocol's connect and dispatch rules.

Three library behaviours do not fit PROTOCOL.md, so they are overridden here:
- unknown namespaces must be refused with `Invalid namespace` (the library says `Unable to
  connect`), and admission may wait for bcrypt without holding up the Engine.IO connection's other
  namespaces (§2.3): `_handle_connect` runs admission in a task;
- handlers must know whether the client asked for an ack, and must answer with exactly one
  argument or with an `ERROR` event (§2.2): `_handle_event` dispatches through namespace tables;
- events must start in arrival order per socket (§2.3): `async_handlers=False`, with waiting
  handlers moved to tasks by the dispatcher.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Iterable, Mapping
from typing import Any

import socketio
from socketio import packet

from newage_desktop.core.app import Core
from newage_desktop.core.auth.admission import (
    Admission,
    Handshake,
    Refused,
    admit,
    after_connect,
    log_refusal,
)
from newage_desktop.protocol import errors as err
from newage_desktop.protocol import events as names
from newage_desktop.protocol.validation import (
    MAX_DEPTH_CAP,
    PayloadError,
    is_bounded,
    payload_object,
)
from newage_desktop.transport import eio_fixes, fastjson
from newage_desktop.transport.dispatch import Answer, Call, EventSpec, Namespace, error

log = logging.getLogger("newage")

# Stands in for an unbounded payload (§2.2 rule 6a): a non-object every handler refuses as such.
_UNENCODABLE = ""
# Events whose handler applies the same bounds itself before it reads anything but the
# `requestId` its refusal echoes (§7.2: `ERROR` carries the requestId where known).
_SELF_BOUNDED = frozenset({(names.NS_LLM, names.LLM_REQUEST)})


def _refusal(reason: str) -> dict[str, Any]:
    # What ConnectionRefusedError(reason, {...}).error_args gives; socket.io-client turns it
    # into err.message / err.data.
    return {"message": reason, "data": {"type": "ERROR", "message": reason}}


class RelaySocketServer(socketio.AsyncServer):  # type: ignore[misc]
    def __init__(self, core: Core, namespaces: Mapping[str, Namespace], **kwargs: Any) -> None:
        super().__init__(
            async_mode="aiohttp", async_handlers=False, namespaces="*", json=fastjson, **kwargs
        )
        eio_fixes.install(self.eio)
        self.core = core
        self.tables = dict(namespaces)
        # Set while the Socket.IO Admin UI is instrumented (transport/admin_ui.py): that one
        # namespace is python-socketio's own, with its own login.
        self.admin_namespace: str | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        # One handler per namespace, not "*": the Admin UI lists the handlers' namespaces, and
        # its own namespace's sockets are none of the core's business.
        for name in self.tables:
            self.on("disconnect", self._on_disconnect, namespace=name)

    # --- the core's gateway (core.gateway.Gateway) ----------------------------------------------
    # Direct sends: the library's emit() makes a task and an asyncio.wait per call even for one
    # recipient; here a packet is encoded once and queued on each Engine.IO socket in order.
    async def emit_to(self, sids: Iterable[str], namespace: str, event: str, data: Any) -> None:
        encoded: Any = None
        for sid in sids:
            eio_sid = self.manager.eio_sid_from_sid(sid, namespace)
            if eio_sid is None:
                continue
            if encoded is None:
                encoded = self.packet_class(
                    packet.EVENT, namespace=namespace, data=[event, data]
                ).encode()
                if not isinstance(encoded, list):
                    encoded = [encoded]
            for part in encoded:
                await self.eio.send(eio_sid, part)

    async def send_event(
        self,
        sid: str,
        namespace: str,
        event: str,
        args: list[Any],
        on_ack: Callable[..., None] | None = None,
    ) -> None:
        eio_sid = self.manager.eio_sid_from_sid(sid, namespace)
        if eio_sid is None:
            return
        ack_id = self.manager._generate_ack_id(sid, on_ack) if on_ack is not None else None
        pkt = self.packet_class(packet.EVENT, namespace=namespace, data=[event, *args], id=ack_id)
        await self._send_packet(eio_sid, pkt)

    async def drop(self, sid: str, namespace: str) -> None:
        await self.disconnect(sid, namespace=namespace)

    def _spawn(self, coro: Any) -> None:
        task = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    # --- connect -------------------------------------------------------------------------------
    async def _handle_connect(self, eio_sid: str, namespace: str | None, data: Any) -> None:
        namespace = namespace or "/"
        if namespace == self.admin_namespace:
            await super()._handle_connect(eio_sid, namespace, data)
            return
        if namespace not in self.tables:
            await self._send_packet(
                eio_sid,
                self.packet_class(
                    packet.CONNECT_ERROR, data=_refusal(err.INVALID_NAMESPACE), namespace=namespace
                ),
            )
            return
        sid = await self.manager.pre_connect(eio_sid, namespace)
        self._spawn(self._admit(eio_sid, namespace, sid, data))

    async def _admit(self, eio_sid: str, namespace: str, sid: str, auth: Any) -> None:
        environ = self.environ.get(eio_sid)
        if environ is None:
            await self.manager.disconnect(sid, namespace, ignore_queue=True)
            return
        # The TCP peer of the handshake request (aiohttp records it when the request is made;
        # with polling its connection may be gone by now). Forwarding headers are not trusted.
        request = environ.get("aiohttp.request")
        address = str(request.remote) if request is not None and request.remote else ""
        handshake = Handshake(sid, namespace, auth, address, environ.get("HTTP_ORIGIN"))
        try:
            if not is_bounded(auth, self._max_depth()) and not self.core.shutting_down:
                # §4.2 step 1, §2.2 rule 6a: text that cannot be encoded, nesting deeper than
                # `maxPayloadDepth`, or a number that is not finite is not auth data (it would
                # break the registration and every later emit that names this socket).
                admission: Admission = Refused(err.INVALID_AUTH_DATA)
                log_refusal(self.core, handshake, err.INVALID_AUTH_DATA)
            else:
                admission = await admit(self.core, handshake)  # logs its own refusals
        except Exception:
            log.exception("admission failed")
            admission = Refused(err.INTERNAL_ERROR)
            log_refusal(self.core, handshake, err.INTERNAL_ERROR)
        if eio_sid not in self.environ:  # the Engine.IO connection closed meanwhile
            if not isinstance(admission, Refused):
                await self.core.socket_closed(sid)
            await self.manager.disconnect(sid, namespace, ignore_queue=True)
            return
        if isinstance(admission, Refused):
            await self._send_packet(
                eio_sid,
                self.packet_class(
                    packet.CONNECT_ERROR, data=_refusal(admission.reason), namespace=namespace
                ),
            )
            await self.manager.disconnect(sid, namespace, ignore_queue=True)
            return
        await self._send_packet(
            eio_sid, self.packet_class(packet.CONNECT, {"sid": sid}, namespace=namespace)
        )
        await self.manager.connect(sid, namespace)
        if self.admin_namespace is not None:
            await self._report_connect(namespace, sid, environ)
        await after_connect(self.core, admission)

    async def _report_connect(self, namespace: str, sid: str, environ: Any) -> None:
        """Tell the Admin UI's instrumentation of a socket admitted by us (the library's own
        connect path would have): it lists the socket, and expects it known at disconnect.
        No auth data is passed: keys are secrets."""
        try:
            await self._trigger_event("connect", namespace, sid, environ, None)
        except Exception:  # the Engine.IO socket closed meanwhile: its disconnect follows
            log.debug(f"Admin UI: socket {sid} on {namespace} not reported", exc_info=True)

    async def _on_disconnect(self, sid: str, reason: Any = None) -> None:
        await self.core.socket_closed(sid)

    # --- events --------------------------------------------------------------------------------
    async def _handle_event(
        self, eio_sid: str, namespace: str | None, ack_id: int | None, data: list[Any]
    ) -> None:
        namespace = namespace or "/"
        if namespace == self.admin_namespace:
            if data and isinstance(data[0], str):  # the library's handler reads data[0]
                await super()._handle_event(eio_sid, namespace, ack_id, data)
            return
        sid = self.manager.sid_from_eio_sid(eio_sid, namespace)
        if sid is None or not self.manager.is_connected(sid, namespace):
            return
        if not data or not isinstance(data[0], str):
            return  # §2.2 rule 5: a non-string event name is ignored, the connection stays
        event, args = data[0], list(data[1:])
        wants_ack = ack_id is not None
        self.core.counters["eventsIn"] += 1

        async def answer(value: Answer) -> None:
            if wants_ack:
                await self._send_packet(
                    eio_sid,
                    self.packet_class(packet.ACK, namespace=namespace, id=ack_id, data=[value]),
                )

        info = self.core.registry.socket(sid)
        if info is None:
            await answer(error(err.INTERNAL_ERROR))
            return
        if event == names.CLIENT_DISCONNECTED:
            await self.disconnect(sid, namespace=namespace)
            return
        if info.pending_room is not None:
            await self._pending_event(info.pending_room, namespace, event, wants_ack, answer)
            return

        spec = self.tables[namespace].get(event)
        if spec is None:
            await answer(error(err.UNKNOWN_EVENT))
            return
        if spec.reads_only and not wants_ack:
            return
        if (
            args
            and (namespace, event) not in _SELF_BOUNDED
            and not is_bounded(args[0], self._max_depth())
        ):
            # §2.2 rule 6a: a payload nested deeper than `maxPayloadDepth`, holding text that
            # cannot be encoded or a number that is not finite (or not readable) is answered like
            # one of the wrong shape, with the event's own validation string (`Invalid
            # payload.`, `Invalid LLM request data.`, `Invalid function call.`, ...); no handler
            # sees it, so nothing of it is stored or relayed.
            args = [_UNENCODABLE]
        try:
            payload = {} if spec.any_payload else payload_object(args[0] if args else None)
        except PayloadError as exc:
            await self._respond(info.sid, namespace, spec, wants_ack, answer, error(str(exc)))
            return
        if spec.admin and not info.is_admin:
            await self._respond(
                info.sid, namespace, spec, wants_ack, answer, error(err.UNAUTHORIZED)
            )
            return
        call = Call(self.core, info, event, payload, args, wants_ack)
        if spec.waits:
            self._spawn(self._run(call, spec, answer))
        else:
            await self._run(call, spec, answer)

    async def _handle_ack(
        self, eio_sid: str, namespace: str | None, ack_id: Any, data: Any
    ) -> None:
        """A client's answer to one of our events (a forwarded function call's result is relayed
        to its caller as it is, §9.2): bounded like a payload (§2.2 rule 6a). An answer that
        is not bounded is no answer; its callback is dropped (the caller's wait times out)."""
        namespace = namespace or "/"
        sid = self.manager.sid_from_eio_sid(eio_sid, namespace)
        callbacks = self.manager.callbacks.get(sid, {})
        if isinstance(ack_id, bool) or not isinstance(ack_id, int) or ack_id not in callbacks:
            return
        if ack_id == 0:
            return  # the library keeps its ack-id counter there: it is not a callback
        if not is_bounded(data, self._max_depth() + 1):  # +1: the list of the ack's arguments
            del callbacks[ack_id]
            log.warning(f"an answer on {namespace} was refused: not a bounded JSON value")
            return
        await super()._handle_ack(eio_sid, namespace, ack_id, data)

    def _max_depth(self) -> int:
        return min(self.core.settings.max_payload_depth, MAX_DEPTH_CAP)

    async def _run(self, call: Call, spec: EventSpec, answer: Any) -> None:
        try:
            result = await spec.handler(call)
        except Exception:
            log.exception(f"handler of {call.event} on {call.namespace} failed")
            result = error(err.INTERNAL_ERROR)
        await self._respond(call.sid, call.namespace, spec, call.wants_ack, answer, result)
        for then in call.after_ack:
            try:
                await then()
            except Exception:
                log.exception(f"follow-up of {call.event} on {call.namespace} failed")

    async def _respond(
        self,
        sid: str,
        namespace: str,
        spec: EventSpec,
        wants_ack: bool,
        answer: Any,
        result: Answer,
    ) -> None:
        if wants_ack:
            await answer(result)
        elif (
            isinstance(result, dict)
            and result.get("status") == "error"
            and not spec.reads_only
            and not spec.silent
        ):
            # §2.2 rule 3: a failed change without an ack is reported as an ERROR event.
            await self.core.emit_error(sid, namespace, str(result["message"]))

    async def _pending_event(
        self, room_id: str, namespace: str, event: str, wants_ack: bool, answer: Any
    ) -> None:
        """§4.7 step 4: a pending socket may only wait; IDENTIFY_SILLYTAVERN is held."""
        if not wants_ack:
            return
        request = self.core.pairing.get(room_id)
        if (
            request is not None
            and event == names.IDENTIFY_SILLYTAVERN
            and namespace == names.NS_SILLYTAVERN
        ):
            request.held_acks.append(lambda value: self._spawn(answer(value)))
            return
        await answer(error(err.KEY_REQUEST_PENDING))
