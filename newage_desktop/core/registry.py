"""Accepted sockets, registered identities and available extensions (PROTOCOL.md §5)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Literal

from newage_desktop.protocol.events import CLIENT_TYPE_MONITOR, EXTENSION_CLIENT_TYPES, NS_LLM


@dataclass
class SocketInfo:
    """One accepted (or pending, §4.7) namespace connection."""

    sid: str
    namespace: str
    client_id: str
    identity: str
    client_type: str
    desc: str
    address: str
    origin: str | None
    connected_at: str
    is_admin: bool = False
    pending_room: str | None = None  # set while a 'getKey' request waits for a decision
    # A key handed to this socket at admission (immediate issue or approval): IDENTIFY_SILLYTAVERN
    # answers with the same key (§6.7). Memory only; gone with the socket.
    issued_key: str | None = field(default=None, repr=False)

    @property
    def is_extension(self) -> bool:
        return self.client_type in EXTENSION_CLIENT_TYPES

    @property
    def is_monitor(self) -> bool:
        return self.client_type == CLIENT_TYPE_MONITOR


@dataclass
class Registration:
    identity: str
    client_id: str
    client_type: str
    desc: str
    connected_at: str
    address: str
    sids: dict[str, str] = field(default_factory=dict)  # sid -> namespace, in connect order

    @property
    def namespaces(self) -> list[str]:
        seen: dict[str, None] = {}
        for namespace in self.sids.values():
            seen.setdefault(namespace)
        return list(seen)

    def entry(self) -> dict[str, Any]:
        """The client list entry of §5. Never a key or hash."""
        return {
            "clientId": self.client_id,
            "identity": self.identity,
            "clientType": self.client_type,
            "desc": self.desc,
            "namespaces": self.namespaces,
            "connectedAt": self.connected_at,
        }


Change = Literal["added", "updated", "removed"] | None


class Registry:
    """In-memory view of who is connected. Owned by the core; used on the event loop only."""

    def __init__(self) -> None:
        self._sockets: dict[str, SocketInfo] = {}
        self._identities: dict[str, Registration] = {}
        # extension identity -> sids of its /llm sockets, in connect order; dict order = the
        # order in which each extension became available (§5).
        self._llm: dict[str, list[str]] = {}

    # --- sockets -------------------------------------------------------------------------------
    def socket(self, sid: str) -> SocketInfo | None:
        return self._sockets.get(sid)

    def sockets(self) -> Iterator[SocketInfo]:
        return iter(list(self._sockets.values()))

    def add_pending(self, info: SocketInfo) -> None:
        self._sockets[info.sid] = info

    def register(self, info: SocketInfo) -> Change:
        """Accept a socket; returns how the client list changed."""
        info.pending_room = None
        self._sockets[info.sid] = info
        reg = self._identities.get(info.identity)
        if reg is None:
            reg = Registration(
                identity=info.identity,
                client_id=info.client_id,
                client_type=info.client_type,
                desc=info.desc,
                connected_at=info.connected_at,
                address=info.address,
            )
            self._identities[info.identity] = reg
            reg.sids[info.sid] = info.namespace
            change: Change = "added"
        else:
            before = reg.entry()
            reg.client_type = info.client_type
            reg.desc = info.desc
            reg.sids[info.sid] = info.namespace
            change = "updated" if reg.entry() != before else None
        if info.namespace == NS_LLM and info.is_extension:
            self._llm.setdefault(info.identity, []).append(info.sid)
        return change

    def remove(self, sid: str) -> tuple[SocketInfo | None, Change]:
        info = self._sockets.pop(sid, None)
        if info is None or info.pending_room is not None:
            return info, None
        reg = self._identities.get(info.identity)
        if reg is None:
            return info, None
        before = reg.entry()
        reg.sids.pop(sid, None)
        llm = self._llm.get(info.identity)
        if llm is not None and sid in llm:
            llm.remove(sid)
            if not llm:
                del self._llm[info.identity]
        if not reg.sids:
            del self._identities[info.identity]
            return info, "removed"
        return info, ("updated" if reg.entry() != before else None)

    # --- identities ----------------------------------------------------------------------------
    def registration(self, identity: str) -> Registration | None:
        return self._identities.get(identity)

    def registrations(self) -> list[Registration]:
        return list(self._identities.values())

    def is_registered(self, identity: str) -> bool:
        return identity in self._identities

    def client_list(self) -> list[dict[str, Any]]:
        return [reg.entry() for reg in self._identities.values()]

    def sids_of_client(self, client_id: str) -> list[SocketInfo]:
        """Every socket (pending ones included) of a clientId, in every namespace."""
        return [s for s in self._sockets.values() if s.client_id == client_id]

    def sids_of_identity(self, identity: str, namespace: str | None = None) -> list[str]:
        reg = self._identities.get(identity)
        if reg is None:
            return []
        return [sid for sid, ns in reg.sids.items() if namespace is None or ns == namespace]

    def sids_of_identities(self, identities: Iterable[str], namespace: str) -> list[str]:
        """The sockets of several identities in one namespace, each once, in identity order."""
        sids: dict[str, None] = {}
        for identity in identities:
            for sid in self.sids_of_identity(identity, namespace):
                sids.setdefault(sid)
        return list(sids)

    def sids_in_namespace(self, namespace: str, *, admin_only: bool = False) -> list[str]:
        return [
            s.sid
            for s in self._sockets.values()
            if s.namespace == namespace
            and s.pending_room is None
            and (s.is_admin or not admin_only)
        ]

    # --- extensions ----------------------------------------------------------------------------
    def available_extensions(self) -> list[str]:
        return list(self._llm)

    def latest_llm_socket(self, identity: str) -> str | None:
        sids = self._llm.get(identity)
        return sids[-1] if sids else None

    def counts(self) -> dict[str, int]:
        regs = self._identities.values()
        return {
            "registered": len(self._identities),
            "extensions": sum(1 for r in regs if r.client_type in EXTENSION_CLIENT_TYPES),
            "monitors": sum(1 for r in regs if r.client_type == CLIENT_TYPE_MONITOR),
            "sockets": sum(1 for s in self._sockets.values() if s.pending_room is None),
        }
