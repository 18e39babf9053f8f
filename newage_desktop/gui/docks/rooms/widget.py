"""The Rooms dock: rooms → members with roles; create, delete, add, set role, kick."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QModelIndex, QPoint, Qt
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHeaderView,
    QInputDialog,
    QMenu,
    QTreeView,
    QWidget,
)

from newage_desktop.core import events as ev
from newage_desktop.core.app import Core
from newage_desktop.core.rooms.service import RoomResult
from newage_desktop.core.rooms.store import ROLES
from newage_desktop.gui.bridge import CoreBridge
from newage_desktop.gui.docks.base import DockBase, Snapshot, fill, room_operation
from newage_desktop.gui.docks.rooms.controls import (
    MODES,
    POLICIES,
    AssignDialog,
    MuteDialog,
    ack_operation,
    as_admin,
)
from newage_desktop.gui.docks.rooms.model import (
    MEMBER_ROLE,
    ROOM_ROLE,
    RoomsModel,
    RoomView,
    rooms_snapshot,
)

# Room events, connections (a member's online state) and the room system's state.
_RELOAD_ON = (
    ev.RoomChanged,
    ev.ClientConnected,
    ev.ClientDisconnected,
    ev.RoomModeChanged,
    ev.AssignmentsChanged,
    ev.MuteChanged,
    ev.MemberStatusChanged,
)


class MemberDialog(QDialog):
    """Identity (a known one or any other) and role for "Add member"."""

    def __init__(self, room: str, known: list[str], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("memberDialog")
        self.setWindowTitle(fill(self.tr("Add member to %1"), room))
        self.identity = QComboBox(self)
        self.identity.setEditable(True)
        self.identity.addItems(known)
        self.identity.setCurrentText("")
        self.role = QComboBox(self)
        for role in ROLES:
            self.role.addItem(role, role)
        self.role.setCurrentIndex(ROLES.index("guest"))
        form = QFormLayout(self)
        form.addRow(self.tr("Identity:"), self.identity)
        form.addRow(self.tr("Role:"), self.role)
        buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def values(self) -> tuple[str, str]:
        return self.identity.currentText().strip(), str(self.role.currentData())


class RoomsDock(DockBase):
    OBJECT_NAME = "roomsDock"

    def __init__(self, bridge: CoreBridge, parent: QWidget | None = None) -> None:
        super().__init__(bridge, parent)
        self.model = RoomsModel(self)
        self._snapshot = Snapshot(self, rooms_snapshot, self.model.set_rooms)
        self.dialog: QDialog | None = None

        self.create_action = QAction(self)
        self.create_action.triggered.connect(self.open_create_dialog)
        self.delete_action = QAction(self)
        self.delete_action.triggered.connect(self.delete_selected_room)
        self.add_action = QAction(self)
        self.add_action.triggered.connect(self.open_member_dialog)
        self.kick_action = QAction(self)
        self.kick_action.triggered.connect(self.kick_selected_member)
        self.role_actions: dict[str, QAction] = {}
        for role in ROLES:
            action = QAction(self)
            action.triggered.connect(lambda _checked=False, r=role: self.set_selected_role(r))
            self.role_actions[role] = action
        self.role_menu = QMenu(self)
        self.role_menu.addActions(list(self.role_actions.values()))
        self.role_action = self.role_menu.menuAction()
        self.mode_actions: dict[str, QAction] = {}
        self.mode_menu = QMenu(self)
        for mode in MODES:
            action = QAction(mode, self)
            action.setCheckable(True)
            action.triggered.connect(lambda _checked=False, m=mode: self.set_selected_mode(m))
            self.mode_actions[mode] = action
            self.mode_menu.addAction(action)
        self.mode_action = self.mode_menu.menuAction()
        self.assign_action = QAction(self)
        self.assign_action.triggered.connect(self.open_assign_dialog)
        self.mute_action = QAction(self)
        self.mute_action.triggered.connect(self.open_mute_dialog)
        self.unmute_action = QAction(self)
        self.unmute_action.triggered.connect(self.unmute_selected_member)
        self.policy = QComboBox(self)
        self.policy.setObjectName("connectionPolicy")
        for name in POLICIES:
            self.policy.addItem(name, name)
        self.policy.activated.connect(lambda _i: self.set_policy(str(self.policy.currentData())))
        for action in (self.create_action, self.delete_action, self.add_action):
            self.toolbar.addAction(action)
        self.toolbar.addAction(self.role_action)
        self.toolbar.addAction(self.kick_action)
        self.toolbar.addSeparator()
        self.toolbar.addAction(self.mode_action)
        self.toolbar.addAction(self.mute_action)
        self.toolbar.addAction(self.unmute_action)
        self.toolbar.addSeparator()
        self.toolbar.addWidget(self.policy)
        self.toolbar.addAction(self.assign_action)

        self.view = QTreeView(self)
        self.view.setModel(self.model)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setAlternatingRowColors(True)
        self.view.setUniformRowHeights(True)
        self.view.header().setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        self.view.header().setStretchLastSection(False)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._context_menu)
        self.view.selectionModel().selectionChanged.connect(self._update_actions)
        self.model.rowsInserted.connect(self._expand_new)
        # Mode, mute and assignment come with refreshes: the actions follow the data too.
        self.model.dataChanged.connect(lambda *_args: self._update_actions())
        self.body.addWidget(self.view)
        self._update_actions()
        self.start()

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Rooms"))
        self.create_action.setText(self.tr("New room…"))
        self.delete_action.setText(self.tr("Delete room…"))
        self.add_action.setText(self.tr("Add member…"))
        self.role_action.setText(self.tr("Set role"))
        self.role_actions["master"].setText(self.tr("Master"))
        self.role_actions["manager"].setText(self.tr("Manager"))
        self.role_actions["guest"].setText(self.tr("Guest"))
        self.kick_action.setText(self.tr("Kick…"))
        self.mode_action.setText(self.tr("Mode"))
        self.mode_action.setToolTip(self.tr("How the room's requests are sent (PROTOCOL §7.3)"))
        self.assign_action.setText(self.tr("Assign extensions…"))
        self.mute_action.setText(self.tr("Mute…"))
        self.unmute_action.setText(self.tr("Unmute"))
        self.policy.setToolTip(self.tr("Connection policy: which extensions serve which room"))
        self.model.retranslate()

    # --- data ----------------------------------------------------------------------------------
    def server_started(self) -> None:
        self._snapshot.request()
        self.run_quiet(self._load_policy())

    async def _load_policy(self) -> None:
        policy = await self.bridge.call(lambda core: core.settings.connection_policy)
        self.show_policy(str(policy))

    def server_stopped(self) -> None:
        self.model.set_rooms([])

    def handle_events(self, batch: list[ev.CoreEvent]) -> None:
        if any(isinstance(event, _RELOAD_ON) for event in batch):
            self._snapshot.request()
        for event in batch:
            if isinstance(event, ev.AssignmentsChanged):
                self.show_policy(event.policy)

    def show_policy(self, policy: str) -> None:
        self.policy.setCurrentIndex(max(0, self.policy.findData(policy)))
        self._update_actions()

    def _expand_new(self, parent: QModelIndex, first: int, last: int) -> None:
        if not parent.isValid():
            for row in range(first, last + 1):
                self.view.expand(self.model.index(row, 0))

    # --- selection -----------------------------------------------------------------------------
    def selected(self) -> tuple[str | None, str | None]:
        """(room, member identity or None) of the current selection."""
        rows = self.view.selectionModel().selectedRows()
        if not rows:
            return None, None
        return rows[0].data(ROOM_ROLE), rows[0].data(MEMBER_ROLE)

    def select(self, room: str, member: str | None = None) -> None:
        index = self.model.room_index(room)
        if member is not None:
            view = self.model.room(room)
            assert view is not None
            row = [m.identity for m in view.members].index(member)
            index = self.model.index(row, 0, index)
        self.view.setCurrentIndex(index)

    def _update_actions(self) -> None:
        room, member = self.selected()
        view = self.model.room(room) if room is not None else None
        self.delete_action.setEnabled(view is not None and member is None)
        self.add_action.setEnabled(view is not None)
        self.kick_action.setEnabled(member is not None)
        self.role_action.setEnabled(member is not None)
        self.mode_action.setEnabled(view is not None and member is None)
        for mode, action in self.mode_actions.items():
            action.setChecked(view is not None and view.mode == mode)
        muted = view is not None and any(m.muted for m in view.members if m.identity == member)
        self.mute_action.setEnabled(member is not None and not muted)
        self.unmute_action.setEnabled(member is not None and muted)
        manual = self.policy.currentData() == "Manual"
        self.assign_action.setEnabled(manual and view is not None and member is None)

    def _context_menu(self, pos: QPoint) -> None:
        menu = QMenu(self)
        menu.addAction(self.create_action)
        room, member = self.selected()
        if room is not None:
            menu.addActions([self.add_action, self.delete_action])
        if room is not None and member is None:
            menu.addMenu(self.mode_menu)
            menu.addAction(self.assign_action)
        if member is not None:
            menu.addSeparator()
            menu.addMenu(self.role_menu)
            menu.addAction(self.kick_action)
            menu.addActions([self.mute_action, self.unmute_action])
        menu.popup(self.view.viewport().mapToGlobal(pos))

    # --- actions -------------------------------------------------------------------------------
    def _operate(self, title: str, operation: Callable[[Core], RoomResult]) -> None:
        self.run_action(title, room_operation(self.bridge, operation))

    def open_create_dialog(self) -> None:
        dialog = QInputDialog(self)
        dialog.setObjectName("createRoomDialog")
        dialog.setWindowTitle(self.tr("New room"))
        dialog.setLabelText(self.tr("Room name:"))
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.textValueSelected.connect(self.create_room)
        self.dialog = dialog
        dialog.open()

    def create_room(self, name: str) -> None:
        name = name.strip()
        if name:
            self._operate(
                self.tr("New room"), lambda core: core.rooms.create_room(name, creator=None)
            )

    def delete_selected_room(self) -> None:
        room, member = self.selected()
        if room is None or member is not None:
            return
        if not self.confirm(
            self.tr("Delete room"),
            fill(
                self.tr('Delete room "%1" and its whole chat history? Its members are told.'), room
            ),
        ):
            return
        self._operate(
            self.tr("Delete room"),
            lambda core: core.rooms.delete_room(room, is_registered=core.registry.is_registered),
        )

    def open_member_dialog(self) -> None:
        room, _member = self.selected()
        if room is None:
            return
        dialog = MemberDialog(room, self._known_identities(room), self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self.add_member(room, *dialog.values()))
        self.dialog = dialog
        dialog.open()

    def _known_identities(self, room: str) -> list[str]:
        members = {m.identity for m in (self.model.room(room) or _EMPTY).members}
        known: dict[str, None] = {}
        for view in self.model.rooms():
            for member in view.members:
                if member.identity not in members:
                    known.setdefault(member.identity)
        return sorted(known)

    def add_member(self, room: str, identity: str, role: str) -> None:
        if identity:
            self._operate(
                self.tr("Add member"), lambda core: core.rooms.add_client(room, identity, role)
            )

    def set_selected_role(self, role: str) -> None:
        room, member = self.selected()
        if room is None or member is None:
            return
        self._operate(
            self.tr("Set role"), lambda core: core.rooms.set_member_role(room, member, role)
        )

    def kick_selected_member(self) -> None:
        room, member = self.selected()
        if room is None or member is None:
            return
        if not self.confirm(
            self.tr("Kick member"),
            fill(self.tr('Kick %1 from room "%2"?'), member, room),
        ):
            return
        self._operate(self.tr("Kick member"), lambda core: core.rooms.kick_member(room, member))

    # --- the room system (§6.5.1, §7.3, §7.12) -------------------------------------------------
    def _ack(self, title: str, fn: Any, *args: Any) -> None:
        self.run_action(title, ack_operation(self.bridge, as_admin(fn, *args)))

    def set_selected_mode(self, mode: str) -> None:
        room, member = self.selected()
        if room is not None and member is None:
            self._ack(self.tr("Set mode"), Core.set_room_mode, room, mode)

    def set_policy(self, policy: str) -> None:
        self._ack(self.tr("Connection policy"), Core.set_connection_policy, policy)
        self._update_actions()

    def open_assign_dialog(self) -> None:
        room, _member = self.selected()
        if room is None:
            return
        self.run_action(self.tr("Assign extensions"), self._assign(room))

    async def _assign(self, room: str) -> None:
        available, table = await self.bridge.call(
            lambda core: (core.available_extensions(), core.assignments.manual_table())
        )
        dialog = AssignDialog(room, list(available), list(table.get(room, [])), self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(
            lambda: self._ack(
                self.tr("Assign extensions"), Core.assign_extensions, room, dialog.extensions()
            )
        )
        self.dialog = dialog
        dialog.open()

    def open_mute_dialog(self) -> None:
        room, member = self.selected()
        if room is None or member is None:
            return
        dialog = MuteDialog(member, room, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self.mute(room, member, dialog.seconds()))
        self.dialog = dialog
        dialog.open()

    def mute(self, room: str, member: str, seconds: int | None) -> None:
        self._ack(self.tr("Mute member"), Core.mute_member, member, room, seconds)

    def unmute_selected_member(self) -> None:
        room, member = self.selected()
        if room is not None and member is not None:
            self._ack(self.tr("Unmute member"), Core.unmute_member, member, room)


_EMPTY = RoomView("", False, "", "", ())
