"""The Rooms dock's room-system controls (PROTOCOL.md §6.5, §6.5.1, §7.3, §7.12): the room's
mode, the connection policy and the manual assignment, and muting members. Every control calls
the core as the desktop admin and shows a refused one with the server's message."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any, Final

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QListWidget,
    QListWidgetItem,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from newage_desktop.core.app import Core
from newage_desktop.core.llm.desktop import desktop_socket
from newage_desktop.core.rooms.modes import MODES
from newage_desktop.core.rooms.policy import POLICIES
from newage_desktop.gui.bridge import CoreBridge
from newage_desktop.gui.docks.base import call_async, fill

# (label, seconds); None = permanent, 0 = the custom field's value.
DURATIONS: Final[tuple[tuple[str, int | None], ...]] = (
    ("30 seconds", 30),
    ("5 minutes", 300),
    ("1 hour", 3600),
    ("1 day", 86400),
    ("Permanent", None),
    ("Custom…", 0),
)

__all__ = ["MODES", "POLICIES", "AssignDialog", "MuteDialog", "ack_operation"]


async def ack_operation(
    bridge: CoreBridge, operation: Callable[[Core], Awaitable[dict[str, Any]]]
) -> dict[str, Any]:
    """Run a core operation that answers with an ack; a refusal raises with its message."""
    ack = await call_async(bridge, operation)
    if ack.get("status") != "ok":
        raise RuntimeError(str(ack.get("message", "error")))
    return ack


def as_admin(
    fn: Callable[..., Awaitable[dict[str, Any]]], *args: Any
) -> Callable[[Core], Awaitable[dict[str, Any]]]:
    """`fn(desktop admin, *args)` for a Core method like `Core.set_room_mode`."""
    return lambda core: fn(core, desktop_socket(core), *args)


class MuteDialog(QDialog):
    """How long to mute a member: a few usual durations, permanent, or a number of seconds."""

    def __init__(self, member: str, room: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("muteDialog")
        self.setWindowTitle(fill(self.tr("Mute %1 in %2"), member, room))
        self.duration = QComboBox(self)
        labels = {
            "30 seconds": self.tr("30 seconds"),
            "5 minutes": self.tr("5 minutes"),
            "1 hour": self.tr("1 hour"),
            "1 day": self.tr("1 day"),
            "Permanent": self.tr("Permanent"),
            "Custom…": self.tr("Custom…"),
        }
        for label, seconds in DURATIONS:
            self.duration.addItem(labels[label], seconds)
        self.custom = QSpinBox(self)
        self.custom.setRange(1, 365 * 86400)
        self.custom.setValue(600)
        self.custom.setSuffix(self.tr(" s"))
        self.custom.setEnabled(False)
        self.duration.currentIndexChanged.connect(
            lambda _i: self.custom.setEnabled(self.duration.currentData() == 0)
        )
        form = QFormLayout(self)
        form.addRow(self.tr("Duration:"), self.duration)
        form.addRow(self.tr("Seconds:"), self.custom)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def seconds(self) -> int | None:
        """The mute's `duration` for MUTE_MEMBER: seconds, or None for permanent."""
        chosen = self.duration.currentData()
        if chosen == 0:
            return int(self.custom.value())
        return None if chosen is None else int(chosen)


class AssignDialog(QDialog):
    """The manual assignment of one room: which available extensions serve it, in order."""

    def __init__(
        self, room: str, available: list[str], assigned: list[str], parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("assignDialog")
        self.setWindowTitle(fill(self.tr("Extensions for %1"), room))
        self.list = QListWidget(self)
        for identity in [*assigned, *(e for e in available if e not in assigned)]:
            item = QListWidgetItem(identity, self.list)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(
                Qt.CheckState.Checked if identity in assigned else Qt.CheckState.Unchecked
            )
        layout = QVBoxLayout(self)
        layout.addWidget(self.list)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout.addWidget(buttons)

    def extensions(self) -> list[str]:
        items = (self.list.item(row) for row in range(self.list.count()))
        return [i.text() for i in items if i.checkState() == Qt.CheckState.Checked]
