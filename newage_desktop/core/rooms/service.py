"""The chat-room service behind `/rooms` (PROTOCOL.md §5, §6.5): decisions, no sockets.

Each operation takes arguments already taken out of the payload (the transport has checked that
the payload is an object and answered `Unauthorized` where needed, §2.2 rule 9) and returns a
`RoomResult`: the exact ack, the notices to deliver and the rooms whose state changed. The
in-process desktop admin calls the same operations. Store errors (SQLite) propagate; the
transport turns them into `Internal server error.`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from newage_desktop.core.rooms.store import (
    ROLES,
    UNKNOWN_CLIENT_TYPE,
    Member,
    Role,
    Room,
    RoomStore,
)
from newage_desktop.protocol import errors, events

MAX_NAME_LENGTH: Final = 128  # room names and identities (§6.5, §11)
_CONTROL_CHARACTER: Final = re.compile(r"[\x00-\x1f\x7f-\x9f]")

# Notification and system-message texts of §6.5 / §7.11. They are not errors, so they are kept
# here rather than in protocol.errors.
KICKED_WARNING: Final = "You have been kicked from room {room}."
ROOM_DELETED: Final = 'Room "{room}" has been deleted.'
JOINED_TEXT: Final = "[System] {identity} has joined the room as {role}."
LEFT_TEXT: Final = "[System] {identity} has left the room."
SYSTEM_IDENTITY: Final = "System"


@dataclass(frozen=True)
class Notice:
    """A server→client event for all sockets of `identities` in `namespace`.

    `chat_room` is set on chat events (NEW_MESSAGE): §7.11 also sends those to the room's
    assigned extensions and watchers, which only the transport knows; `identities` may then be
    empty and the notice must still be delivered to them.
    """

    identities: tuple[str, ...]
    namespace: str
    event: str
    payload: dict[str, Any]
    chat_room: str | None = None


@dataclass(frozen=True)
class RoomResult:
    ack: dict[str, Any]
    notices: list[Notice] = field(default_factory=list)
    changed_rooms: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return bool(self.ack.get("status") == "ok")


def valid_name(value: object) -> str | None:
    """`value` if it is a usable room name or identity: 1 to 128 characters, none a control."""
    if (
        isinstance(value, str)
        and 0 < len(value) <= MAX_NAME_LENGTH
        and not _CONTROL_CHARACTER.search(value)
    ):
        return value
    return None


def pick_alias(payload: Mapping[str, object], first: str, second: str) -> object:
    """The value of `first`, or of `second` if `first` is missing (absent, null or empty, §2.2)."""
    value = payload.get(first)
    return payload.get(second) if value is None or value == "" else value


def member_identity(payload: Mapping[str, object]) -> object:
    """`identity`, alias `clientId` (ADD_CLIENT_TO_ROOM, REMOVE_CLIENT_FROM_ROOM)."""
    return pick_alias(payload, "identity", "clientId")


def target_identity(payload: Mapping[str, object]) -> object:
    """`targetIdentity`, alias `targetClientId` (SET_MEMBER_ROLE, KICK_MEMBER)."""
    return pick_alias(payload, "targetIdentity", "targetClientId")


def _error(message: str) -> RoomResult:
    return RoomResult({"status": "error", "message": message})


def _ok(**fields: Any) -> dict[str, Any]:
    return {"status": "ok", **fields}


def _as_role(value: object) -> Role | None:
    return next((role for role in ROLES if value == role), None)


def _privileged(room: Room) -> list[str]:
    return [m.identity for m in room.members if m.role in ("master", "manager")]


def _unique(*groups: Iterable[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(identity for group in groups for identity in group))


class RoomService:
    """Room operations of §6.5 and the personal room of §5, on top of a `RoomStore`."""

    def __init__(
        self,
        store: RoomStore,
        *,
        now: Callable[[], str],
        new_id: Callable[[], str],
        default_mode: Callable[[], str],
    ) -> None:
        self._store = store
        self._now = now
        self._new_id = new_id
        self._default_mode = default_mode
        # Last registration seen in this run, so that an identity that is added to a room after
        # registering (possibly offline by then) is stored with its clientId and clientType.
        self._registrations: dict[str, tuple[str, str]] = {}
        # Personal rooms are written only once used (roomstore's deferred rooms); those that
        # earlier versions wrote for every identity that ever connected go now, at start-up.
        store.prune_unused_personal_rooms(default_mode())

    @property
    def store(self) -> RoomStore:
        return self._store

    # --- reading --------------------------------------------------------------------------------

    def get_rooms(self) -> RoomResult:
        return RoomResult(_ok(rooms=[room.name for room in self._store.list_rooms()]))

    def room_info(self, room_name: object) -> RoomResult:
        room, failure = self._find(room_name)
        if room is None:
            return failure
        return RoomResult(_ok(room=room.info()))

    def clients_in_room(self, room_name: object, online: Callable[[str], bool]) -> RoomResult:
        room, failure = self._find(room_name)
        if room is None:
            return failure
        clients = [
            {
                "clientId": m.client_id,
                "identity": m.identity,
                "clientType": m.client_type,
                "role": m.role,
                "online": online(m.identity),
            }
            for m in room.members
        ]
        return RoomResult(_ok(clients=clients))

    def _find(self, room_name: object) -> tuple[Room | None, RoomResult]:
        name = valid_name(room_name)
        if name is None:
            return None, _error(errors.INVALID_ROOM_NAME)
        room = self._store.get(name)
        return room, _error(errors.ROOM_NOT_FOUND)

    # --- rooms ----------------------------------------------------------------------------------

    def create_room(self, room_name: object, *, creator: str | None) -> RoomResult:
        """CREATE_ROOM: `creator` (an admin socket's identity) becomes master; None = no master."""
        name = valid_name(room_name)
        if name is None:
            return _error(errors.INVALID_ROOM_NAME)
        if self._store.get(name) is not None:
            return _error(errors.ROOM_ALREADY_EXISTS)
        master = self._member(creator, "master") if creator is not None else None
        self._store.create(
            name, personal=False, mode=self._default_mode(), master=master, created_at=self._now()
        )
        # Creating a room is not a join: no system message and no member notices (§6.5).
        return RoomResult(_ok(roomName=name), changed_rooms=[name])

    def delete_room(self, room_name: object, *, is_registered: Callable[[str], bool]) -> RoomResult:
        """DELETE_ROOM; the personal room of a registered identity is protected."""
        room, failure = self._find(room_name)
        if room is None:
            return failure
        if room.personal and is_registered(room.name):
            return _error(errors.INVALID_OPERATION)
        self._store.delete(room.name)
        notice = Notice(
            _unique(m.identity for m in room.members),
            events.NS_ROOMS,
            events.DELETE_ROOM,
            {"roomName": room.name, "message": ROOM_DELETED.format(room=room.name)},
        )
        return RoomResult(_ok(), [notice] if notice.identities else [], [room.name])

    def ensure_personal_room(self, identity: str, client_id: str, client_type: str) -> RoomResult:
        """On registration (§5): store the registration, create the personal room if missing."""
        self._registrations[identity] = (client_id, client_type)
        changed: list[str] = []
        for name in self._store.rooms_of(identity):
            room = self._store.get(name)
            member = room.member(identity) if room else None
            if member and (member.client_id, member.client_type) != (client_id, client_type):
                changed.append(name)
        if changed:
            self._store.update_registration(identity, client_id, client_type)
        if valid_name(identity) is not None and self._store.get(identity) is None:
            # Deferred: written by the first message, member, role or mode change, so that an
            # identity that never uses its room leaves nothing in the file (§3.5).
            self._store.create(
                identity,
                personal=True,
                mode=self._default_mode(),
                master=Member(identity, "master", client_id, client_type),
                created_at=self._now(),
                deferred=True,
            )
            changed.append(identity)
        return RoomResult(_ok(), changed_rooms=changed)

    def release_personal_room(self, identity: str) -> RoomResult:
        """On de-registration (§5): forget the identity's personal room if it was never used.

        A used one was written when first used and stays, as before.
        """
        room = self._store.get(identity)
        if room is None or not room.personal or not self._store.discard_deferred(identity):
            return RoomResult(_ok())
        return RoomResult(_ok(), changed_rooms=[identity])

    # --- members --------------------------------------------------------------------------------

    def add_client(self, room_name: object, identity: object, role: object = None) -> RoomResult:
        """ADD_CLIENT_TO_ROOM; `role` None (absent) means `guest`."""
        new_role = _as_role("guest" if role is None else role)
        if new_role is None:
            return _error(errors.INVALID_ROLE)
        name, member_name = valid_name(room_name), valid_name(identity)
        room = self._store.get(name) if name is not None else None
        if room is None or member_name is None or room.member(member_name) is not None:
            return _error(errors.FAILED_TO_ADD)
        with self._store.transaction():
            self._store.add_member(room.name, self._member(member_name, new_role))
            joined = self._system_message(
                room.name, JOINED_TEXT.format(identity=member_name, role=new_role)
            )
        after = self._room(room.name)
        notices = [
            self._rooms_notice(
                [i for i in _privileged(after) if i != member_name],
                events.MEMBER_JOINED,
                after,
                member_name,
            ),
            self._rooms_notice([member_name], events.MEMBER_ROLE_CHANGED, after, member_name),
            *self._demotion(room, after, member_name),
            self._chat_notice(after, joined),
        ]
        return RoomResult(_ok(), [n for n in notices if n is not None], [room.name])

    def remove_client(self, room_name: object, identity: object) -> RoomResult:
        """REMOVE_CLIENT_FROM_ROOM."""
        return self._remove(room_name, identity, errors.FAILED_TO_REMOVE, kicked=False)

    def kick_member(self, room_name: object, identity: object) -> RoomResult:
        """KICK_MEMBER: a removal plus a WARNING to the kicked identity."""
        return self._remove(room_name, identity, errors.FAILED_TO_KICK, kicked=True)

    def _remove(
        self, room_name: object, identity: object, failure: str, *, kicked: bool
    ) -> RoomResult:
        name, member_name = valid_name(room_name), valid_name(identity)
        room = self._store.get(name) if name is not None else None
        if room is None or member_name is None:
            return _error(failure)
        if room.personal and member_name == room.name:
            return _error(errors.INVALID_OPERATION)
        member = room.member(member_name)
        if member is None:
            return _error(failure)
        with self._store.transaction():
            self._store.remove_member(room.name, member_name)
            left = self._system_message(room.name, LEFT_TEXT.format(identity=member_name))
        after = self._room(room.name)
        payload = {"clientId": member.client_id, "identity": member_name, "roomName": room.name}
        notices = [
            self._notice(_privileged(after), events.NS_ROOMS, events.MEMBER_LEFT, payload),
        ]
        if kicked:
            warning = {"type": "WARNING", "message": KICKED_WARNING.format(room=room.name)}
            for namespace in (events.NS_ROOMS, events.NS_LLM):
                notices.append(self._notice([member_name], namespace, events.WARNING, warning))
        notices.append(self._chat_notice(after, left))
        return RoomResult(_ok(), [n for n in notices if n is not None], [room.name])

    def set_member_role(self, room_name: object, identity: object, role: object) -> RoomResult:
        """SET_MEMBER_ROLE; `master` demotes the previous master to `manager`."""
        new_role = _as_role(role)
        if new_role is None:
            return _error(errors.INVALID_ROLE)
        name, member_name = valid_name(room_name), valid_name(identity)
        room = self._store.get(name) if name is not None else None
        member = room.member(member_name) if room is not None and member_name is not None else None
        if room is None or member is None:
            return _error(errors.FAILED_TO_SET_ROLE)
        if member.role == new_role:
            return RoomResult(_ok())  # nothing changes, so nobody is told
        self._store.set_role(room.name, member.identity, new_role)
        after = self._room(room.name)
        notices = [
            self._rooms_notice(
                [member.identity, *_privileged(after)],
                events.MEMBER_ROLE_CHANGED,
                after,
                member.identity,
            ),
            *self._demotion(room, after, member.identity),
        ]
        return RoomResult(_ok(), [n for n in notices if n is not None], [room.name])

    # --- helpers --------------------------------------------------------------------------------

    def _member(self, identity: str, role: Role) -> Member:
        registration = self._registrations.get(identity) or self._store.registration_of(identity)
        client_id, client_type = registration or (None, UNKNOWN_CLIENT_TYPE)
        return Member(identity, role, client_id, client_type)

    def _room(self, name: str) -> Room:
        room = self._store.get(name)
        if room is None:  # only possible if the store changed under us, which callers prevent
            raise LookupError(name)
        return room

    def _demotion(self, before: Room, after: Room, promoted: str) -> list[Notice | None]:
        """The MEMBER_ROLE_CHANGED of a master demoted because `promoted` became master."""
        demoted = before.master
        if demoted is None or demoted == promoted or after.master != promoted:
            return []
        recipients = [demoted, *_privileged(after)]
        return [self._rooms_notice(recipients, events.MEMBER_ROLE_CHANGED, after, demoted)]

    def _rooms_notice(
        self, recipients: Iterable[str], event: str, room: Room, identity: str
    ) -> Notice | None:
        """MEMBER_JOINED / MEMBER_ROLE_CHANGED: `{clientId, identity, roomName, role}`."""
        member = room.member(identity)
        payload = {
            "clientId": member.client_id if member else None,
            "identity": identity,
            "roomName": room.name,
            "role": member.role if member else None,
        }
        return self._notice(recipients, events.NS_ROOMS, event, payload)

    @staticmethod
    def _notice(
        recipients: Iterable[str], namespace: str, event: str, payload: dict[str, Any]
    ) -> Notice | None:
        identities = _unique(recipients)
        return Notice(identities, namespace, event, payload) if identities else None

    def system_message(self, room_name: str, text: str) -> RoomResult:
        """Record a system message in a room and announce it (mutes, §7.11)."""
        room = self._store.get(room_name)
        if room is None:
            return _error(errors.ROOM_NOT_FOUND)
        message = self._system_message(room_name, text)
        return RoomResult({"status": "ok"}, [self._chat_notice(room, message)], [room_name])

    def _system_message(self, room: str, text: str) -> dict[str, Any]:
        """Record a system message (§7.11) and return it."""
        message = {
            "messageId": self._new_id(),
            "roomName": room,
            "identity": SYSTEM_IDENTITY,
            "clientId": None,
            "timestamp": self._now(),
            "kind": "system",
            "message": text,
            "data": text,
            "role": "system",
            "isSystem": True,
            "fromClient": False,
        }
        self._store.append_message(room, message)
        return message

    @staticmethod
    def _chat_notice(room: Room, message: dict[str, Any]) -> Notice:
        return Notice(
            _unique(m.identity for m in room.members),
            events.NS_LLM,
            events.NEW_MESSAGE,
            {"roomName": room.name, "message": message},
            chat_room=room.name,
        )
