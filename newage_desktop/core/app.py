"""The relay core: one object that owns the server's state and is its in-process API.

The transport (socket.io namespaces) and the desktop GUI are two consumers of this API and of its
event stream (`core.bus`). Nothing here imports python-socketio or Qt. Everything runs on one
asyncio loop; CPU-heavy bcrypt work goes to a thread executor.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
import uuid
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from newage_desktop import __version__
from newage_desktop.core import events as ev
from newage_desktop.core.auth.keys import KeyStore, hash_key, new_key
from newage_desktop.core.auth.pairing import PairingBook, PendingRequest
from newage_desktop.core.auth.throttle import FailureThrottle, RefusalLog
from newage_desktop.core.auth.trust import TrustStore
from newage_desktop.core.clock import iso_utc
from newage_desktop.core.files.staticfiles import StaticMounts
from newage_desktop.core.gateway import Gateway
from newage_desktop.core.llm.deps import RelayDeps
from newage_desktop.core.llm.history import History
from newage_desktop.core.llm.relay import LlmRelay
from newage_desktop.core.outbox import Outbox
from newage_desktop.core.registry import Registry, SocketInfo
from newage_desktop.core.rooms.members import Members
from newage_desktop.core.rooms.modes import CONVERSATIONAL
from newage_desktop.core.rooms.modeswitch import ModeSwitch
from newage_desktop.core.rooms.policy import AssignmentControl, Assignments
from newage_desktop.core.rooms.service import Notice, RoomResult, RoomService
from newage_desktop.core.rooms.store import RoomStore
from newage_desktop.core.rooms.thinking import ThinkScheduler
from newage_desktop.core.store.datadir import DataDir
from newage_desktop.core.store.settings import Settings, SettingsStore
from newage_desktop.protocol import errors as err
from newage_desktop.protocol import events as names

if TYPE_CHECKING:
    from newage_desktop.core.llm.context import ContextPusher

log = logging.getLogger("newage")

# How often timed mutes and think checks are looked at; their own times are exact multiples of
# nothing, so this is the worst lateness of an unmute or a think.
ROOM_TICK_SECONDS = 0.1


@dataclass(frozen=True)
class KeyState:
    """One row of the key management view: trust and key, never the key itself."""

    client_id: str
    trusted: bool
    has_key: bool
    admin_capable: bool
    desc: str | None
    last_used: str | None


class Core:
    """State and operations of one relay server."""

    def __init__(
        self,
        datadir: DataDir,
        *,
        clock: Callable[[], float] = time.time,
        rng: random.Random | None = None,
    ) -> None:
        self.datadir = datadir
        self.clock = clock
        # The random source of the Random policy and of background thinking (tests seed it).
        self.rng = rng if rng is not None else random.Random()
        self.bus = ev.EventBus()
        self.settings_store = SettingsStore(datadir)
        self.trust = TrustStore(datadir)
        self.keys = KeyStore(datadir)
        self.registry = Registry()
        self.pairing = PairingBook()
        self.throttle = FailureThrottle(
            max_failures=lambda: self.settings.auth_max_failures,
            window_ms=lambda: self.settings.auth_failure_window_ms,
            tracked_pairs=lambda: self.settings.auth_tracked_pairs,
            clock=clock,
        )
        # Refused CONNECTs: one log line per (reason, address) and minute (§3.4).
        self.refusal_log = RefusalLog(log, clock=clock)
        self.outbox = Outbox()
        self.started_at = clock()
        self.shutting_down = False
        self.key_last_used: dict[str, str] = {}
        # Monotonic counters for live statistics: events received, chunks relayed to sockets,
        # requests over the OpenAI-compatible API and the chunks it sent as SSE events.
        self.counters: dict[str, int] = {
            "eventsIn": 0,
            "chunksIn": 0,
            "chunksOut": 0,
            "apiRequests": 0,
            "apiChunksOut": 0,
        }
        self._store: RoomStore | None = None
        self._rooms: RoomService | None = None
        self._relay: LlmRelay | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._room_timer: asyncio.Task[Any] | None = None
        # More work for the room timer loop (background thinking registers here).
        self.room_tick_hooks: list[Callable[[], Awaitable[None]]] = []
        # Coalesced client-list broadcasts (§5): loop time of the last pair, and the timer of
        # the trailing pair while one is due.
        self._client_list_sent_at: float | None = None
        self._client_list_timer: asyncio.TimerHandle | None = None
        # Folders served over HTTP (§10); `addStaticResources` adds to it while running.
        self.static_mounts = StaticMounts(datadir.root)
        # Debug mode (§6.9): starts as setting `debugMode`; `on_debug_mode` lets the log
        # set-up follow the toggle (headless: LogControl.set_debug).
        self.debug_mode = False
        self.on_debug_mode: Callable[[bool], None] | None = None
        # Where the transport really listens (`--host`/`--port` may override the settings).
        self.listen_address: tuple[str, int] | None = None

    # --- lifecycle -----------------------------------------------------------------------------
    def open(self) -> list[str]:
        """Load settings, trust, keys and rooms. Raises on a corrupt file (never overwrites it).

        Returns warnings (ignored settings, skipped trust files) for the log.
        """
        self.datadir.ensure()
        warnings = self.settings_store.load()
        self.keys.load()
        warnings += self.trust.reload()
        self._store = RoomStore.open(self.datadir.chat_db_file)
        self._rooms = RoomService(
            self._store,
            now=self.now,
            new_id=lambda: str(uuid.uuid4()),
            default_mode=lambda: self.settings.default_room_message_request_mode,
        )
        deps = RelayDeps(
            out=self.outbox,
            registry=self.registry,
            bus=self.bus,
            clock=lambda: self.clock(),  # tests swap `Core.clock` after open()
            settings=lambda: self.settings,
            spawn=self.spawn,
            stopping=lambda: self.shutting_down,
            counters=self.counters,
        )
        self._relay = LlmRelay(deps, History(self._store, now=self.now))
        self.assignments = Assignments(
            self._store,
            self.registry.available_extensions,
            lambda: self.settings.connection_policy,
            self.rng,
        )
        deps.assigned = self.assignments.for_room
        self.assignment_control = AssignmentControl(
            self.assignments, self.registry, self.outbox, self.bus, self._write_setting
        )
        self.assignments.changed()  # the state at start is the baseline, nothing to announce
        self.members = Members(
            self._rooms,
            self.registry,
            self.outbox,
            self.bus,
            lambda: self.clock(),
            self.deliver,
            self.assignments.for_room,
        )
        self.mutes = self.statuses = self.members  # the names the GUI and the docs use
        deps.muted = self.members.is_muted
        self.modes = ModeSwitch(
            self._store, self.registry, self.outbox, self.bus, self._relay.intake.host_queues
        )
        self.on_mode_changed = self.modes.on_changed
        self.thinking = self._think_scheduler()
        self.started_at = self.clock()
        self.debug_mode = self.settings.debug_mode
        return warnings

    def _think_scheduler(self) -> ThinkScheduler:
        store, relay = self.rooms.store, self.relay

        async def send_think(room: str, extension: str, instruction: str, kind: str) -> None:
            request_id = await relay.think(room, extension, instruction)
            log.info(f"Background think in {room} by {extension} ({kind}): {request_id}")
            self.bus.publish(ev.ThinkStarted(room, extension, request_id, kind))

        scheduler = ThinkScheduler(
            clock=lambda: self.clock(),
            rng=self.rng,
            settings=lambda: self.settings,
            conversational_rooms=lambda: [
                r.name for r in store.list_rooms() if r.mode == CONVERSATIONAL
            ],
            assigned=self.assignments.for_room,
            available=self.registry.available_extensions,
            is_muted=self.members.is_muted,
            has_history=lambda room: store.count_messages(room) > 0,
            send_think=send_think,
        )
        self.modes.on_changed.append(scheduler.mode_changed)
        self.members.on_unmuted.append(scheduler.unmuted)
        self.room_tick_hooks.append(scheduler.tick)
        return scheduler

    def start_background(self) -> None:
        """Timers of a running server (request and receiver time-outs, mutes). Needs the loop."""
        self.relay.start()
        self._room_timer = self.spawn(self._room_ticks())

    async def _room_ticks(self) -> None:
        """Mute expiry (§7.12) and background thinking (§7.13) on the core's clock."""
        while True:
            await asyncio.sleep(ROOM_TICK_SECONDS)
            try:
                await self.members.tick()
                for hook in self.room_tick_hooks:
                    await hook()
            except Exception:
                log.exception("room timers failed")

    async def stop_background(self) -> None:
        self._cancel_client_list_timer()
        if self._room_timer is not None:
            self._room_timer.cancel()
            self._room_timer = None
        if self._relay is not None:
            await self._relay.stop()

    def close(self) -> None:
        if self._relay is not None:
            self._relay.history.flush()  # pending response updates are written, not lost
        for request in self.pairing.all():
            self.pairing.pop(request.room_id)
        self._cancel_client_list_timer()
        for task in list(self._tasks):
            task.cancel()
        if self._store is not None:
            self._store.close()
            self._store = None

    def attach(self, gateway: Gateway) -> None:
        self.outbox.gateway = gateway

    @property
    def gateway(self) -> Gateway:
        return self.outbox.gateway

    @property
    def settings(self) -> Settings:
        return self.settings_store.settings

    @property
    def rooms(self) -> RoomService:
        assert self._rooms is not None, "Core.open() first"
        return self._rooms

    @property
    def relay(self) -> LlmRelay:
        assert self._relay is not None, "Core.open() first"
        return self._relay

    @property
    def context(self) -> ContextPusher:
        return self.relay.context

    # --- assignment (§6.5.1) ---------------------------------------------------------------------
    async def set_connection_policy(self, actor: SocketInfo, policy: Any) -> dict[str, Any]:
        return await self.assignment_control.set_policy(actor, policy)

    async def assign_extensions(
        self, actor: SocketInfo, room: Any, extensions: Any
    ) -> dict[str, Any]:
        return await self.assignment_control.assign(actor, room, extensions)

    async def _refresh_assignments(self) -> None:
        # Disconnects can still be reported after close() at shutdown: the store is gone then.
        if self._store is not None:
            await self.assignment_control.refresh()

    def _write_setting(self, name: str, value: Any) -> None:
        for warning in self.settings_store.update({name: value}):
            log.warning(warning)

    # --- mute and member status (§6.5, §7.12) --------------------------------------------------
    async def mute_member(
        self, actor: SocketInfo, target: Any, room: Any = None, duration: Any = None
    ) -> dict[str, Any]:
        return await self.members.mute(actor, target, room, duration)

    async def unmute_member(
        self, actor: SocketInfo, target: Any, room: Any = None
    ) -> dict[str, Any]:
        return await self.members.unmute(actor, target, room)

    async def set_member_status(
        self, actor: SocketInfo, event: str, payload: dict[str, Any]
    ) -> dict[str, Any]:
        return await self.members.status_event(actor, event, payload)

    # --- room modes (§7.3) ----------------------------------------------------------------------
    async def set_room_mode(self, actor: SocketInfo, room: Any, mode: Any) -> dict[str, Any]:
        """SET_ROOM_MESSAGE_REQUEST_MODE by `actor` (a socket, or the desktop's admin)."""
        return await self.modes.set_mode(actor, room, mode)

    def host_queue(self, room: str) -> list[dict[str, Any]]:
        """The guest request messages a HostSubmit room holds for its host, oldest first."""
        return self.relay.intake.host_queues.peek(room)

    # --- history editing (§7.11) ----------------------------------------------------------------
    async def edit_message(
        self, actor: SocketInfo, room: Any, message_id: Any, updated_fields: Any
    ) -> dict[str, Any]:
        payload = {"roomName": room, "messageId": message_id, "updatedFields": updated_fields}
        return await self.relay.editing.edit(actor, payload)

    async def delete_messages(
        self, actor: SocketInfo, room: Any, message_ids: Any
    ) -> dict[str, Any]:
        return await self.relay.editing.delete(actor, {"roomName": room, "messageIds": message_ids})

    async def clear_messages(
        self,
        actor: SocketInfo,
        room: Any,
        clear_requests: bool = True,
        clear_responses: bool = True,
    ) -> dict[str, Any]:
        payload = {
            "roomName": room,
            "clearRequests": clear_requests,
            "clearResponses": clear_responses,
        }
        return await self.relay.editing.clear(actor, payload)

    def now(self) -> str:
        return iso_utc(self.clock())

    def set_debug_mode(self, on: bool) -> None:
        """Switch debug entries in combined.log (§6.9); not written back to the settings."""
        self.debug_mode = on
        if self.on_debug_mode is not None:
            self.on_debug_mode(on)
        log.info(f"Debug mode {'enabled' if on else 'disabled'}")

    def spawn(self, coro: Any) -> asyncio.Task[Any]:
        """Run `coro` after the current handler; keeps a reference so it is not collected."""
        task: asyncio.Task[Any] = asyncio.get_running_loop().create_task(coro)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)
        return task

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("background task failed", exc_info=task.exception())

    # --- queries -------------------------------------------------------------------------------
    def client_list(self) -> list[dict[str, Any]]:
        return self.registry.client_list()

    def available_extensions(self) -> list[str]:
        return self.registry.available_extensions()

    def pending_requests(self) -> list[dict[str, Any]]:
        return self.pairing.views()

    def key_states(self) -> list[KeyState]:
        """Every clientId that is trusted or has a key, for the key management view."""
        records = {r.client_id: r for r in self.trust.records()}
        ids = sorted(set(records) | set(self.keys.client_ids()))
        return [
            KeyState(
                client_id=cid,
                trusted=self.trust.is_trusted(cid),
                has_key=self.keys.has_key(cid),
                admin_capable=self.trust.is_admin_capable(cid),
                desc=records[cid].desc if cid in records else None,
                last_used=self.key_last_used.get(cid),
            )
            for cid in ids
        ]

    def status(self) -> dict[str, Any]:
        settings = self.settings
        return {
            "version": __version__,
            "uptime": int(self.clock() - self.started_at),
            "clients": self.registry.counts(),
            "pendingKeyRequests": len(self.pairing.all()),
            "networkSafe": settings.network_safe,
            "bindAddress": settings.bind_address,
            "serverPort": settings.server_port,
        }

    def refresh_files(self) -> None:
        """Pick up trust files and key hashes changed on disk (command-line admin, by hand)."""
        changed = self.keys.reload_if_changed()
        for warning in self.trust.reload():
            log.warning(warning)
        for client_id in changed:
            log.info(f"Key of {client_id} changed on disk; disconnecting its sockets")
            self.bus.publish(ev.KeyRevoked(client_id))
            self.spawn(self._drop_client_sockets(client_id, spare_sid=None))

    # --- delivery helpers ----------------------------------------------------------------------
    async def emit_to(self, sids: Iterable[str], namespace: str, event: str, data: Any) -> None:
        await self.outbox.emit_to(sids, namespace, event, data)

    async def emit_error(self, sid: str, namespace: str, message: str, **extra: Any) -> None:
        await self.outbox.emit_error(sid, namespace, message, **extra)

    async def deliver(self, result: RoomResult) -> None:
        """Send a room operation's notices and publish its room changes."""
        if self._store is not None:
            # Whoever deleted it (the wire, the desktop, a personal room's last leave), a gone
            # room's requests end, its HostSubmit queue goes and mode followers hear mode "".
            for room in [r for r in result.changed_rooms if self._store.get(r) is None]:
                await self.relay.room_deleted(room)
                self.modes.notify(room, "")
        for notice in result.notices:
            await self.deliver_notice(notice)
        for room in result.changed_rooms:
            self.bus.publish(ev.RoomChanged(room))
        if result.changed_rooms and self._rooms is not None:
            await self._refresh_assignments()  # the set of rooms may have changed

    async def deliver_notice(self, notice: Notice) -> None:
        if notice.chat_room is not None:  # chat events also reach extensions and watchers
            sids = self.relay.chat_recipients(notice.chat_room, notice.identities)
        else:
            sids = []
            for identity in notice.identities:
                for sid in self.registry.sids_of_identity(identity, notice.namespace):
                    if sid not in sids:
                        sids.append(sid)
        await self.emit_to(sids, notice.namespace, notice.event, notice.payload)

    async def send(
        self,
        sid: str,
        namespace: str,
        event: str,
        args: list[Any],
        on_ack: Callable[..., None] | None = None,
    ) -> None:
        await self.gateway.send(sid, namespace, event, args, on_ack)

    async def broadcast_client_list(self) -> None:
        """§5: the client list changed; coalesced to one pair every clientListUpdateIntervalMs.

        Leading edge: the first change after a quiet interval goes out at once. Changes within
        the interval after a send are folded into one trailing pair, sent when the interval
        ends with the list as it is then, so the last change is never lost.
        """
        if self._client_list_timer is not None:
            return  # a trailing pair is already due; it will carry this change
        loop = asyncio.get_running_loop()
        interval = self.settings.client_list_update_interval_ms / 1000.0
        now = loop.time()
        if self._client_list_sent_at is None or now - self._client_list_sent_at >= interval:
            await self._send_client_list()
            return
        self._client_list_timer = loop.call_at(
            self._client_list_sent_at + interval, self._client_list_due
        )

    def _client_list_due(self) -> None:
        self._client_list_timer = None
        if not self.shutting_down:
            self.spawn(self._send_client_list())

    def _cancel_client_list_timer(self) -> None:
        if self._client_list_timer is not None:
            self._client_list_timer.cancel()
            self._client_list_timer = None

    async def _send_client_list(self) -> None:
        """§5: both event names, to every /clients socket, with the list as it is now."""
        self._client_list_sent_at = asyncio.get_running_loop().time()
        clients = self.client_list()
        sids = self.registry.sids_in_namespace(names.NS_CLIENTS)
        await self.emit_to(
            sids, names.NS_CLIENTS, names.UPDATE_CONNECTED_CLIENTS, {"clients": clients}
        )
        await self.emit_to(
            sids, names.NS_CLIENTS, names.CONNECTED_CLIENTS_UPDATE, {"clients": clients}
        )

    async def broadcast_key_requests(self) -> None:
        sids = self.registry.sids_in_namespace(names.NS_CLIENTS, admin_only=True)
        await self.emit_to(
            sids, names.NS_CLIENTS, names.KEY_REQUESTS_UPDATE, {"requests": self.pending_requests()}
        )

    # --- registration (§5) ---------------------------------------------------------------------
    async def register(self, info: SocketInfo) -> None:
        change = self.registry.register(info)
        reg = self.registry.registration(info.identity)
        assert reg is not None
        if change == "added":
            log.info(f"Client connected: {info.identity} ({info.client_type}) from {info.address}")
            await self.deliver(
                self.rooms.ensure_personal_room(info.identity, info.client_id, info.client_type)
            )
            self.bus.publish(ev.ClientConnected(reg.entry()))
        elif change == "updated":
            self.bus.publish(ev.ClientUpdated(reg.entry()))
        if change is not None:
            await self._refresh_assignments()  # availability may have changed
            await self.broadcast_client_list()

    async def socket_closed(self, sid: str) -> None:
        request = self.pairing.by_sid(sid)
        if request is not None:
            await self._end_request(request, "disconnected", message=None)
        was_available = self.registry.available_extensions()
        info, change = self.registry.remove(sid)
        if info is None:
            return
        if self._relay is not None and info.pending_room is None:
            gone = info.identity in was_available and info.identity not in (
                self.registry.available_extensions()
            )
            await self._relay.socket_closed(info, gone)
            self.context.socket_closed(sid)
            if (
                self._store is not None
                and info.namespace == names.NS_LLM
                and not self.registry.sids_of_identity(info.identity, names.NS_LLM)
            ):
                await self.members.llm_gone(info.identity)
        await self._refresh_assignments()
        if change is None:
            return
        reg = self.registry.registration(info.identity)
        if change == "removed":
            log.info(f"Client disconnected: {info.identity}")
            self.bus.publish(ev.ClientDisconnected({**_entry_of(info), "namespaces": []}))
            # A personal room nobody used is not kept once its identity has gone.
            await self.deliver(self.rooms.release_personal_room(info.identity))
        elif reg is not None:
            self.bus.publish(ev.ClientUpdated(reg.entry()))
        await self.broadcast_client_list()

    async def disconnect_identity(self, identity: str) -> int:
        """Desktop "Disconnect": close every socket of an identity. Returns how many."""
        sids = self.registry.sids_of_identity(identity)
        for sid in sids:
            info = self.registry.socket(sid)
            if info is not None:
                await self.gateway.disconnect(sid, info.namespace)
        return len(sids)

    # --- keys and trust (§4.4, §4.5, §4.10) ----------------------------------------------------
    async def generate_key(self, client_id: str, *, spare_sid: str | None = None) -> str:
        """Give `client_id` a new key; returns the plaintext (shown once by the caller).

        An existing key is revoked: the clientId's live sockets, except `spare_sid`, are
        dropped after the caller's answer has gone out (they are scheduled, not awaited).
        """
        plaintext = new_key()
        hashed = await asyncio.get_running_loop().run_in_executor(None, hash_key, plaintext)
        had_key = self.keys.has_key(client_id)
        self.keys.put_hash(client_id, hashed)
        log.info(f"Key generated for {client_id}")
        self.bus.publish(ev.KeyGenerated(client_id))
        if had_key:
            self.spawn(self._drop_client_sockets(client_id, spare_sid=spare_sid))
        return plaintext

    async def revoke_key(self, client_id: str) -> bool:
        """Delete the key; drops the clientId's live sockets. False if it had none."""
        if not self.keys.remove(client_id):
            return False
        log.info(f"Key revoked for {client_id}")
        self.bus.publish(ev.KeyRevoked(client_id))
        self.spawn(self._drop_client_sockets(client_id, spare_sid=None))
        return True

    async def trust_client(
        self, client_id: str, *, client_type: str | None = None, desc: str | None = None
    ) -> None:
        self.trust.trust(client_id, client_type=client_type, desc=desc)
        log.info(f"Client trusted: {client_id}")
        self.bus.publish(ev.TrustChanged(client_id, True))

    async def untrust_client(self, client_id: str) -> None:
        """§3.2: isTrust false in every file naming it, and its key revoked."""
        self.trust.untrust(client_id)
        log.info(f"Client untrusted: {client_id}")
        self.bus.publish(ev.TrustChanged(client_id, False))
        await self.revoke_key(client_id)

    async def _drop_client_sockets(self, client_id: str, *, spare_sid: str | None) -> None:
        for info in self.registry.sids_of_client(client_id):
            if info.sid == spare_sid or info.pending_room is not None:
                continue
            await self.emit_error(info.sid, info.namespace, err.KEY_REVOKED)
            await self.gateway.disconnect(info.sid, info.namespace)

    # --- pairing (§4.7) ------------------------------------------------------------------------
    async def approve_request(self, room_id: str) -> str | None:
        """Approve a pending 'getKey' request; returns its clientId, None if unknown."""
        request = self.pairing.pop(room_id)
        if request is None:
            return None
        self.trust.trust(request.client_id, client_type=request.client_type)
        self.bus.publish(ev.TrustChanged(request.client_id, True))
        key = await self.generate_key(request.client_id, spare_sid=request.sid)
        info = self.registry.socket(request.sid)
        log.info(f"Key request approved: {request.client_id}")
        self.bus.publish(ev.PairingResolved(request.view(), "approved"))
        await self.broadcast_key_requests()
        if info is None:  # the socket left while the key was being hashed
            return request.client_id
        info.is_admin = info.is_monitor and self.trust.is_admin_capable(info.client_id)
        info.issued_key = key
        await self.emit_to(
            [info.sid],
            info.namespace,
            names.GET_CLIENT_KEY,
            {"type": "GET_CLIENT_KEY", "key": key, "clientId": request.client_id},
        )
        for ack in request.held_acks:
            ack({"status": "ok", "key": key})
        await self.register(info)
        return request.client_id

    async def deny_request(self, room_id: str) -> str | None:
        request = self.pairing.get(room_id)
        if request is None:
            return None
        self.throttle.record_failure(request.address, request.client_id)
        await self._end_request(request, "denied", message=err.KEY_REQUEST_DENIED)
        return request.client_id

    async def expire_request(self, room_id: str) -> None:
        request = self.pairing.get(room_id)
        if request is not None:
            await self._end_request(request, "expired", message=err.KEY_REQUEST_EXPIRED)

    async def _end_request(
        self, request: PendingRequest, outcome: Any, *, message: str | None
    ) -> None:
        """Deny, expire, supersede or forget a request; the socket is dropped if `message`."""
        self.pairing.pop(request.room_id)
        log.info(f"Key request {outcome}: {request.client_id}")
        if message is not None:
            for ack in request.held_acks:
                ack({"status": "error", "message": message})
            await self.emit_error(request.sid, request.namespace, message)
            self.registry.remove(request.sid)
            await self.gateway.disconnect(request.sid, request.namespace)
        self.bus.publish(ev.PairingResolved(request.view(), outcome))
        await self.broadcast_key_requests()


def _entry_of(info: SocketInfo) -> dict[str, Any]:
    return {
        "clientId": info.client_id,
        "identity": info.identity,
        "clientType": info.client_type,
        "desc": info.desc,
        "connectedAt": info.connected_at,
    }
