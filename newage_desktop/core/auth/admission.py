"""Who may connect: the admission algorithm of PROTOCOL.md §4.2 and key requests of §4.7."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import uuid
from dataclasses import dataclass
from typing import Any

from newage_desktop.core import events as ev
from newage_desktop.core.app import Core
from newage_desktop.core.auth.keys import check_key
from newage_desktop.core.auth.pairing import PendingRequest
from newage_desktop.core.clock import iso_utc
from newage_desktop.core.registry import SocketInfo
from newage_desktop.protocol import errors as err
from newage_desktop.protocol import events as names
from newage_desktop.protocol.validation import (
    MAX_CLIENT_TYPE,
    MAX_DESC,
    is_valid_client_id,
    is_valid_identity_shape,
    key_too_long,
)

log = logging.getLogger("newage")

_AUTH_FIELDS = ("clientType", "clientId", "key", "desc", "identity")
_KEY_REQUEST_NAMESPACES = (names.NS_AUTH, names.NS_SILLYTAVERN)


@dataclass(frozen=True)
class Handshake:
    sid: str
    namespace: str
    auth: Any
    address: str
    origin: str | None


@dataclass(frozen=True)
class Refused:
    reason: str


@dataclass(frozen=True)
class Accepted:
    """Accepted and registered after CONNECT; `push_key` is sent as GET_CLIENT_KEY then."""

    info: SocketInfo
    push_key: str | None = None


@dataclass(frozen=True)
class Pending:
    info: SocketInfo
    request: PendingRequest


Admission = Refused | Accepted | Pending


_FAILURE_REASONS = frozenset({err.NOT_TRUSTED, err.INVALID_KEY})  # counted (§4.9): warnings


def log_refusal(core: Core, hs: Handshake, reason: str) -> None:
    """Log one refused CONNECT, at most one line per (reason, address) and minute (§3.4).

    Refusals within the minute after a logged one are counted, and the count is logged as
    `... and N more in the last minute` when the minute ends (or at the next such refusal).
    """
    book = core.refusal_log
    auth = hs.auth if isinstance(hs.auth, dict) else {}
    client_id = auth.get("clientId")
    named = isinstance(client_id, str) and is_valid_client_id(client_id)
    who = f" for {client_id}" if named else ""
    if reason in _FAILURE_REASONS:
        level = logging.WARNING
        line = f"Authentication failed{who} from {hs.address}: {reason}"
    else:
        level = logging.INFO
        line = f"Connection to {hs.namespace} refused{who} from {hs.address}: {reason}"
    summary = f"Connections refused from {hs.address}: {reason}"
    if book.refused(reason, hs.address, level, line, summary):
        # Without a running loop the next refusal of this key writes the summary instead.
        with contextlib.suppress(RuntimeError):
            asyncio.get_running_loop().call_later(book.window_s + 0.1, book.flush_due)


async def admit(core: Core, hs: Handshake) -> Admission:
    """Run §4.2 for one namespace CONNECT. Never raises for bad input. Refusals are logged."""
    admission = await _admit(core, hs)
    if isinstance(admission, Refused):
        log_refusal(core, hs, admission.reason)
    return admission


async def _admit(core: Core, hs: Handshake) -> Admission:
    if core.shutting_down:
        return Refused(err.SHUTTING_DOWN)
    auth = {} if hs.auth is None else hs.auth
    if not isinstance(auth, dict):
        return Refused(err.INVALID_AUTH_DATA)
    # JSON null counts as absent: `{key: undefined}` is dropped by JSON, null is its cousin.
    fields = {name: auth.get(name) for name in _AUTH_FIELDS}
    if any(v is not None and not isinstance(v, str) for v in fields.values()):
        return Refused(err.INVALID_AUTH_DATA)
    client_type: str = fields["clientType"] or "unknown"
    desc: str = fields["desc"] or ""
    if len(client_type) > MAX_CLIENT_TYPE or len(desc) > MAX_DESC:
        return Refused(err.INVALID_AUTH_DATA)

    client_id = fields["clientId"]
    if not client_id:
        return Refused(err.MISSING_CLIENT_ID)
    if not is_valid_client_id(client_id):
        return Refused(err.INVALID_CLIENT_ID)

    identity = fields["identity"] or client_id
    if not is_valid_identity_shape(identity, client_id) or (
        identity != client_id
        and (identity in core.trust.known_client_ids() or core.keys.has_key(identity))
    ):
        return Refused(err.INVALID_IDENTITY)
    registered = core.registry.registration(identity)
    if registered is not None and registered.client_id != client_id:
        return Refused(err.IDENTITY_IN_USE)

    info = SocketInfo(
        sid=hs.sid,
        namespace=hs.namespace,
        client_id=client_id,
        identity=identity,
        client_type=client_type,
        desc=desc,
        address=hs.address,
        origin=hs.origin,
        connected_at=core.now(),
    )
    key = fields["key"]
    wants_key = key == names.GET_KEY and hs.namespace in _KEY_REQUEST_NAMESPACES

    if core.settings.network_safe:
        # §4.6: steps 5-9 are skipped, so anyone is accepted; admin rights still need an
        # admin-capable clientId *with its key* (§4.8). A wrong or missing key is no refusal
        # here (and no counted failure): the socket is simply a plain client.
        if info.is_monitor and key is not None and not wants_key:
            info.is_admin = await _admin_key_verifies(core, client_id, key)
        if info.namespace == names.NS_DEBUG and not info.is_admin:
            return Refused(err.UNAUTHORIZED)  # step 10 still applies
        if wants_key:
            if _asks_for_admin_key(core, info):
                # An immediate issue would hand out a key that later makes its holder admin
                # (§4.8); only the operator's approval may give one.
                return await _pair(core, info, trusted=_is_trusted(core, client_id))
            return await _issue_now(core, info)
        return Accepted(info)

    if core.throttle.is_locked(hs.address, client_id):
        return Refused(err.TOO_MANY_FAILURES)

    if wants_key:
        return await _key_request(core, info)

    if not _is_trusted(core, client_id):
        return _fail(core, info, err.NOT_TRUSTED)

    hashed = core.keys.hash_of(client_id)
    if key is None or key_too_long(key) or hashed is None:
        return _fail(core, info, err.INVALID_KEY)
    # §4.9: the failure is counted before bcrypt runs, so parallel wrong keys for one pair are
    # cut at authMaxFailures without further bcrypt work; a success gives the slot back.
    slot = core.throttle.reserve(hs.address, client_id)
    if slot is None:
        return Refused(err.TOO_MANY_FAILURES)
    try:
        ok = await asyncio.get_running_loop().run_in_executor(None, check_key, key, hashed)
    except BaseException:
        core.throttle.release(hs.address, client_id, slot)
        raise
    if not ok or core.keys.hash_of(client_id) != hashed:  # re-keyed while we were checking
        return _failed(core, info, err.INVALID_KEY)
    core.throttle.release(hs.address, client_id, slot)
    core.key_last_used[client_id] = core.now()

    refusal = _admin_checks(core, info)
    return Refused(refusal) if refusal else Accepted(info)


def _is_trusted(core: Core, client_id: str) -> bool:
    """Trusted in the cache, or after a re-read of keys and trust files (§3.2, §3.3)."""
    if core.trust.is_trusted(client_id):
        return True
    core.refresh_files()
    return core.trust.is_trusted(client_id)


async def _admin_key_verifies(core: Core, client_id: str, key: str) -> bool:
    """Under networkSafe: is `client_id` admin-capable (§4.8) and `key` its stored key?"""
    if key_too_long(key):
        return False
    if not core.trust.is_admin_capable(client_id) or core.keys.hash_of(client_id) is None:
        core.refresh_files()  # keys or a monitor trust file written moments ago (§3.2, §3.3)
    hashed = core.keys.hash_of(client_id)
    if not core.trust.is_admin_capable(client_id) or hashed is None:
        return False
    ok = await asyncio.get_running_loop().run_in_executor(None, check_key, key, hashed)
    if not ok or core.keys.hash_of(client_id) != hashed:  # re-keyed while we were checking
        return False
    core.key_last_used[client_id] = core.now()
    return True


def _admin_checks(core: Core, info: SocketInfo) -> str | None:
    """Steps 9 and 10 of §4.2; sets `info.is_admin`."""
    if info.is_monitor:
        if not core.trust.is_admin_capable(info.client_id):
            return err.NOT_ALLOWED_AS_MONITOR
        info.is_admin = True
    if info.namespace == names.NS_DEBUG and not info.is_admin:
        return err.UNAUTHORIZED
    return None


def _fail(core: Core, info: SocketInfo, reason: str) -> Refused:
    core.throttle.record_failure(info.address, info.client_id)
    return _failed(core, info, reason)


def _failed(core: Core, info: SocketInfo, reason: str) -> Refused:
    """A failure already counted (the log line is written by `admit`, rate-limited)."""
    core.bus.publish(ev.AuthFailed(info.client_id, info.address, reason))
    return Refused(reason)


def _asks_for_admin_key(core: Core, info: SocketInfo) -> bool:
    """Would a key for this request be an admin key (§4.8)? Under networkSafe such a request
    is never issued at once: `monitor`, a clientId with a monitor trust file (trusted or not,
    so trusting it later cannot promote a key minted now), or a request as clientType monitor.
    """
    return info.is_monitor or names_admin(core, info.client_id)


def names_admin(core: Core, client_id: str) -> bool:
    """Whether a key for this clientId would be an admin key (§4.8), trusted or not yet."""
    if _names_monitor(core, client_id):
        return True
    core.refresh_files()  # a monitor trust file written moments ago (§3.2)
    return _names_monitor(core, client_id)


def _names_monitor(core: Core, client_id: str) -> bool:
    return core.trust.is_admin_capable(client_id) or any(
        r.client_id == client_id and r.client_type == names.CLIENT_TYPE_MONITOR
        for r in core.trust.records()
    )


async def _issue_now(core: Core, info: SocketInfo) -> Accepted:
    """Immediate issue (§4.7): accept and push a fresh key; other sockets of the id are dropped."""
    key = await core.generate_key(info.client_id, spare_sid=info.sid)
    info.issued_key = key
    return Accepted(info, push_key=key)


async def _key_request(core: Core, info: SocketInfo) -> Admission:
    settings = core.settings
    trusted = _is_trusted(core, info.client_id)
    if trusted and settings.allow_key_requests:
        refusal = _admin_checks(core, info)
        if refusal:
            return Refused(refusal)
        return await _issue_now(core, info)
    return await _pair(core, info, trusted=trusted)


async def _pair(core: Core, info: SocketInfo, *, trusted: bool) -> Admission:
    """The pairing path of §4.7: a pending request for an admin to approve or deny."""
    settings = core.settings
    if not settings.pairing_requests:
        return Refused(err.KEY_REQUESTS_NOT_ALLOWED)

    older = core.pairing.by_client(info.client_id)
    pending_here = core.pairing.count_for_address(info.address)
    if older is not None and older.address == info.address:
        pending_here -= 1  # the older one is about to be replaced
    if pending_here >= settings.pairing_max_pending_per_address:
        return Refused(err.TOO_MANY_PENDING)
    if older is not None:
        await core._end_request(older, "superseded", message=err.KEY_REQUEST_SUPERSEDED)

    now = core.clock()
    timeout_s = settings.pairing_timeout_ms / 1000.0
    room_id = f"temp-{uuid.uuid4()}"
    request = PendingRequest(
        room_id=room_id,
        sid=info.sid,
        namespace=info.namespace,
        client_id=info.client_id,
        client_type=info.client_type,
        identity=info.identity,
        desc=info.desc,
        address=info.address,
        origin=info.origin,
        created_at=iso_utc(now),
        expires_at=iso_utc(now + timeout_s),
        trusted=trusted,
    )
    request.expiry = asyncio.get_running_loop().call_later(
        timeout_s, lambda: core.spawn(core.expire_request(room_id))
    )
    info.pending_room = room_id
    core.pairing.add(request)
    core.registry.add_pending(info)
    log.info(f"Key request from {info.client_id} ({info.address}) pending approval")
    return Pending(info, request)


async def after_connect(core: Core, admission: Accepted | Pending) -> None:
    """What follows the CONNECT packet: registration and pushes (§4.7, §5)."""
    info = admission.info
    if isinstance(admission, Pending):
        await core.emit_to(
            [info.sid],
            info.namespace,
            names.TEMP_ROOM_ASSIGNED,
            {"roomId": admission.request.room_id},
        )
        core.bus.publish(ev.PairingRequested(admission.request.view()))
        await core.broadcast_key_requests()
        return
    await core.register(info)
    if admission.push_key is not None:
        await core.emit_to(
            [info.sid],
            info.namespace,
            names.GET_CLIENT_KEY,
            {"type": "GET_CLIENT_KEY", "key": admission.push_key, "clientId": info.client_id},
        )
