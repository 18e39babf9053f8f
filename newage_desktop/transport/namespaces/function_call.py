"""`/function_call` (PROTOCOL.md §6.8, §9): `FUNCTION_CALL` to the server or to another client.

Acks here have their own shape, `{requestId, success, result | error:{message}}`, so the
payload is validated in this module (`any_payload`) rather than by the generic dispatcher,
whose `Invalid payload.` would have the wrong shape.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any, cast

from newage_desktop.core.app import Core
from newage_desktop.core.files.functions import Caller, FunctionCallError, ServerFunctions
from newage_desktop.protocol import errors as err
from newage_desktop.protocol import events as names
from newage_desktop.transport.dispatch import Answer, Call, EventSpec, Namespace

log = logging.getLogger("newage")

SERVER_TARGET = "server"


@dataclass(frozen=True)
class FunctionRequest:
    request_id: Any  # echoed as sent; None when absent
    function_name: str
    args: list[Any]
    target: str


class _Invalid(ValueError):
    pass


def success(request_id: Any, result: Any) -> Answer:
    return {"requestId": request_id, "success": True, "result": result}


def failure(request_id: Any, message: str) -> Answer:
    return {"requestId": request_id, "success": False, "error": {"message": message}}


def parse_request(payload: Any) -> FunctionRequest:
    """§9.1; raises _Invalid for `Invalid function call.`."""
    if payload is None:  # §2.2 rule 1: missing or null is `{}`
        payload = {}
    if not isinstance(payload, dict):
        raise _Invalid
    name = payload.get("functionName")
    if not isinstance(name, str) or not name:
        raise _Invalid
    target = payload.get("target")
    if target is None or target == "":  # an empty identifier counts as missing (§2.2 rule 7)
        target = SERVER_TARGET
    if not isinstance(target, str):
        raise _Invalid
    raw_args = payload.get("args")
    if raw_args is None:
        args: list[Any] = []
    elif isinstance(raw_args, list):
        args = list(raw_args)
    else:
        args = [raw_args]
    return FunctionRequest(payload.get("requestId"), name, args, target)


def target_socket(core: Core, target: str) -> str | None:
    """§9.2: the newest `/function_call` socket of identity `target`, else of clientId `target`."""
    by_identity = core.registry.sids_of_identity(target, names.NS_FUNCTION_CALL)
    if by_identity:
        return by_identity[-1]
    by_client = [
        info.sid
        for info in core.registry.sockets()
        if info.namespace == names.NS_FUNCTION_CALL
        and info.pending_room is None
        and info.client_id == target
    ]
    return by_client[-1] if by_client else None


def call_server(call: Call, request: FunctionRequest) -> Answer:
    caller = Caller(call.socket.client_id, call.socket.is_admin)
    try:
        result = ServerFunctions(call.core).call(request.function_name, request.args, caller)
    except FunctionCallError as exc:
        return failure(request.request_id, str(exc) or err.UNKNOWN_FUNCTION_ERROR)
    return success(request.request_id, result)


async def forward(call: Call, request: FunctionRequest, payload: dict[str, Any]) -> Answer:
    """Emit to the target and relay its first ack argument unchanged (§9.2)."""
    sid = target_socket(call.core, request.target)
    if sid is None:
        return failure(request.request_id, err.target_not_connected(request.target))
    data = {
        **payload,
        "callerIdentity": call.socket.identity,
        "callerClientId": call.socket.client_id,
    }
    acked: asyncio.Future[list[Any]] = asyncio.get_running_loop().create_future()

    def on_ack(*args: Any) -> None:
        if not acked.done():
            acked.set_result(list(args))

    await call.core.send(sid, names.NS_FUNCTION_CALL, names.FUNCTION_CALL, [data], on_ack)
    try:
        args = await asyncio.wait_for(acked, call.core.settings.timeout / 1000)
    except TimeoutError:
        return failure(request.request_id, err.FUNCTION_CALL_TIMED_OUT)
    if not args:
        return success(request.request_id, None)
    if not call.wants_ack:
        return success(request.request_id, None)  # discarded; never mistaken for an error
    # The target's answer is relayed as it is, whatever JSON value it is; the socket server
    # sends the handler's return value as the ack's one argument.
    return cast(Answer, args[0])


async def function_call(call: Call) -> Answer:
    payload = call.args[0] if call.args else None
    request_id = payload.get("requestId") if isinstance(payload, dict) else None
    try:
        request = parse_request(payload)
    except _Invalid:
        return failure(request_id, err.INVALID_FUNCTION_CALL)
    try:
        if request.target == SERVER_TARGET:
            return call_server(call, request)
        return await forward(call, request, payload if isinstance(payload, dict) else {})
    except Exception:
        log.exception(f"FUNCTION_CALL {request.function_name} failed")
        return failure(request.request_id, err.INTERNAL_ERROR)


EVENTS: Namespace = {
    # Forwarding waits for the target's ack: `waits` keeps later events of the socket moving.
    names.FUNCTION_CALL: EventSpec(function_call, waits=True, any_payload=True),
}
