"""Trusted clients with their key state, and pending pairing requests (PROTOCOL.md §4.4, §4.7).

Neither model ever holds a key: `KeyState` has none, and a pending request's view has none.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtGui import QBrush, QColor

from newage_desktop.core.app import Core, KeyState
from newage_desktop.gui.docks.table import KeyedTableModel, local_time

_MISSING = QBrush(QColor("#a15c00"))
_WARNING = QBrush(QColor("#b3261e"))


def keys_snapshot(core: Core) -> tuple[list[KeyState], list[dict[str, Any]]]:
    """Runs on the server loop: key states and pending requests, never a key."""
    return core.key_states(), core.pending_requests()


class KeysModel(KeyedTableModel):
    """One row per clientId that is trusted or has a key."""

    def key_of(self, row: KeyState) -> str:
        return row.client_id

    def headers(self) -> Sequence[str]:
        return (
            self.tr("Client ID"),
            self.tr("Trusted"),
            self.tr("Key"),
            self.tr("Admin"),
            self.tr("Description"),
            self.tr("Key last used"),
        )

    def display(self, row: KeyState, column: int) -> str:
        if column == 0:
            return row.client_id
        if column == 1:
            return self.tr("yes") if row.trusted else self.tr("no")
        if column == 2:
            return self.tr("has key") if row.has_key else self.tr("none")
        if column == 3:
            return self.tr("admin") if row.admin_capable else ""
        if column == 4:
            return row.desc or ""
        return local_time(row.last_used) or (self.tr("never") if row.has_key else "")

    def other_role(self, row: KeyState, column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.ForegroundRole:
            if column == 2 and not row.has_key:
                return _MISSING
            if column == 1 and not row.trusted:
                return _WARNING
        if role == Qt.ItemDataRole.ToolTipRole and column == 2 and not row.has_key:
            return self.tr("Trusted, no key: generate one so that the client can connect")
        return None

    def state(self, client_id: str) -> KeyState | None:
        number = self.find(client_id)
        return None if number is None else self.row(number)


class PendingModel(KeyedTableModel):
    """Pending 'getKey' requests, by roomId (§4.7 step 3)."""

    def key_of(self, row: dict[str, Any]) -> str:
        return str(row["roomId"])

    def headers(self) -> Sequence[str]:
        return (
            self.tr("Client ID"),
            self.tr("Type"),
            self.tr("Identity"),
            self.tr("Address"),
            self.tr("Origin"),
            self.tr("Requested"),
            self.tr("Expires"),
            self.tr("Note"),
        )

    def display(self, row: dict[str, Any], column: int) -> str:
        if column == 0:
            return str(row.get("clientId") or "")
        if column == 1:
            return str(row.get("clientType") or "")
        if column == 2:
            return str(row.get("identity") or "")
        if column == 3:
            return str(row.get("address") or "")
        if column == 4:
            return str(row.get("origin") or "")
        if column == 5:
            return local_time(row.get("createdAt"))
        if column == 6:
            return local_time(row.get("expiresAt"))
        notes = []
        if row.get("adminRequest"):
            notes.append(self.tr("asks for admin rights"))
        if row.get("trusted"):
            notes.append(self.tr("already trusted"))
        return "; ".join(notes)

    def other_role(self, row: dict[str, Any], column: int, role: int) -> Any:
        if role == Qt.ItemDataRole.ForegroundRole and column == 7 and row.get("adminRequest"):
            return _WARNING
        if role == Qt.ItemDataRole.ToolTipRole and column in (0, 2) and row.get("desc"):
            return str(row["desc"])
        return None
