"""Chat rooms and their members as the room store hands them out (PROTOCOL.md §6.5)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final, Literal, get_args

Role = Literal["master", "manager", "guest"]
ROLES: Final[tuple[Role, ...]] = get_args(Role)
UNKNOWN_CLIENT_TYPE: Final = "unknown"


@dataclass(frozen=True)
class Member:
    identity: str
    role: Role
    client_id: str | None = None
    client_type: str = UNKNOWN_CLIENT_TYPE


@dataclass(frozen=True)
class Room:
    name: str
    personal: bool
    mode: str
    created_at: str
    members: tuple[Member, ...]  # in joining order

    @property
    def master(self) -> str | None:
        return next((m.identity for m in self.members if m.role == "master"), None)

    @property
    def managers(self) -> list[str]:
        return [m.identity for m in self.members if m.role == "manager"]

    @property
    def guests(self) -> list[str]:
        return [m.identity for m in self.members if m.role == "guest"]

    def member(self, identity: str) -> Member | None:
        return next((m for m in self.members if m.identity == identity), None)

    def role_of(self, identity: str) -> Role | None:
        found = self.member(identity)
        return found.role if found else None

    def info(self) -> dict[str, Any]:
        """The `room` object of the `GET_ROOM_INFO` ack (§6.5)."""
        return {
            "name": self.name,
            "personal": self.personal,
            "mode": self.mode,
            "master": self.master,
            "managers": self.managers,
            "guests": self.guests,
            "createdAt": self.created_at,
        }
