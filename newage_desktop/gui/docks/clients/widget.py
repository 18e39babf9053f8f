"""The Clients dock: who is connected, with disconnect, revoke key and copy id."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtWidgets import (
    QLabel,
    QLineEdit,
    QMenu,
    QTableView,
    QWidget,
)

from newage_desktop.core import events as ev
from newage_desktop.core.app import Core
from newage_desktop.gui.bridge import CoreBridge
from newage_desktop.gui.docks.base import DockBase, Snapshot, fill
from newage_desktop.gui.docks.clients.model import (
    ClientsModel,
    ClientsProxy,
    client_addresses,
    client_snapshot,
)
from newage_desktop.gui.docks.empty import EmptyHint
from newage_desktop.gui.docks.table import setup_table

_CLIENT_EVENTS = (ev.ClientConnected, ev.ClientUpdated, ev.ClientDisconnected)
ClientEvent = ev.ClientConnected | ev.ClientUpdated | ev.ClientDisconnected


class ClientsDock(DockBase):
    OBJECT_NAME = "clientsDock"

    def __init__(self, bridge: CoreBridge, parent: QWidget | None = None) -> None:
        super().__init__(bridge, parent)
        self.model = ClientsModel(self)
        self.proxy = ClientsProxy(self)
        self.proxy.setSourceModel(self.model)
        # Events that arrive while a snapshot is being read are replayed on top of it.
        self._replay: list[ClientEvent] | None = None
        self._snapshot = Snapshot(self, client_snapshot, self._apply_snapshot)
        self._running = False  # as the state events tell (bridge.running may be ahead of them)

        self.filter = QLineEdit(self)
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self.proxy.setFilterFixedString)
        self.disconnect_action = QAction(self)
        self.disconnect_action.triggered.connect(self.disconnect_selected)
        self.revoke_action = QAction(self)
        self.revoke_action.triggered.connect(self.revoke_selected)
        self.copy_action = QAction(self)
        self.copy_action.setShortcut("Ctrl+C")
        self.copy_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.copy_action.triggered.connect(self.copy_selected_id)
        self.toolbar.addWidget(self.filter)
        for action in (self.disconnect_action, self.revoke_action, self.copy_action):
            self.toolbar.addAction(action)

        self.view = QTableView(self)
        setup_table(self.view, self.proxy)
        self.view.setSortingEnabled(True)
        self.view.sortByColumn(0, Qt.SortOrder.AscendingOrder)
        self.view.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        self.view.customContextMenuRequested.connect(self._context_menu)
        self.view.addAction(self.copy_action)
        self.view.selectionModel().selectionChanged.connect(self._update_actions)
        self.empty = EmptyHint(self.model, self.view, self)
        self.body.addWidget(self.empty)
        self.count_label = QLabel(self)
        self.body.addWidget(self.count_label)
        for signal in (self.model.rowsInserted, self.model.rowsRemoved, self.model.modelReset):
            signal.connect(self._update_count)
        self._update_actions()
        self.start()

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Clients"))
        self.filter.setPlaceholderText(self.tr("Filter clients…"))
        self.disconnect_action.setText(self.tr("Disconnect"))
        self.disconnect_action.setToolTip(self.tr("Close every socket of the selected client"))
        self.revoke_action.setText(self.tr("Revoke key…"))
        self.revoke_action.setToolTip(
            self.tr("Delete the client's key; its live sockets are dropped")
        )
        self.copy_action.setText(self.tr("Copy ID"))
        self.model.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, 7)
        self._update_count()
        self._update_hint()

    def _update_hint(self) -> None:
        if not self._running:
            self.empty.set_text(self.tr("The server is not running: Server → Start server."))
            return
        self.empty.set_text(
            self.tr(
                "No clients connected.\n\nTo connect SillyTavern: SillyTavern → Install "
                "extension…, start SillyTavern, then approve the pairing request in the Keys dock."
            )
        )

    # --- data ----------------------------------------------------------------------------------
    def server_started(self) -> None:
        self._replay = []
        self._snapshot.request()
        self._running = True
        self._update_hint()

    def server_stopped(self) -> None:
        self._replay = None
        self.model.reset([])
        self._running = False
        self._update_hint()

    def _apply_snapshot(self, entries: list[dict[str, Any]]) -> None:
        replay, self._replay = self._replay or [], None
        self.model.reset(entries)
        self._apply(replay)

    def handle_events(self, batch: list[ev.CoreEvent]) -> None:
        events = [e for e in batch if isinstance(e, _CLIENT_EVENTS)]
        if not events:
            return
        if self._replay is not None:
            self._replay.extend(events)
        self._apply(events)

    def _apply(self, events: Sequence[ev.CoreEvent]) -> None:
        for event in events:
            if isinstance(event, ev.ClientDisconnected):
                self.model.remove(event.entry["identity"])
            elif isinstance(event, ev.ClientConnected | ev.ClientUpdated):
                self.model.upsert(event.entry)
        missing = self.model.missing_addresses()
        if missing:
            self.run_quiet(self._fetch_addresses(missing))

    async def _fetch_addresses(self, identities: list[str]) -> None:
        addresses = await self.bridge.call(lambda core: client_addresses(core, identities))
        self.model.set_addresses(addresses)

    # --- actions -------------------------------------------------------------------------------
    def selected_entries(self) -> list[dict[str, Any]]:
        rows = self.view.selectionModel().selectedRows()
        return [self.model.entry(self.proxy.mapToSource(index).row()) for index in rows]

    def _update_actions(self) -> None:
        selected = bool(self.view.selectionModel().selectedRows())
        for action in (self.disconnect_action, self.revoke_action, self.copy_action):
            action.setEnabled(selected)

    def _update_count(self) -> None:
        total = self.model.rowCount()
        self.count_label.setText(self.tr("%n client(s) connected", "", total))

    def _context_menu(self, pos: QPoint) -> None:
        if not self.selected_entries():
            return
        menu = QMenu(self)
        menu.addActions([self.disconnect_action, self.revoke_action, self.copy_action])
        menu.popup(self.view.viewport().mapToGlobal(pos))

    def copy_selected_id(self) -> None:
        ids = [entry["clientId"] for entry in self.selected_entries()]
        if ids:
            QGuiApplication.clipboard().setText("\n".join(dict.fromkeys(ids)))

    def disconnect_selected(self) -> None:
        identities = [entry["identity"] for entry in self.selected_entries()]
        if identities:
            self.run_action(self.tr("Disconnect"), self._disconnect(identities))

    async def _disconnect(self, identities: list[str]) -> None:
        for identity in identities:

            async def disconnect(core: Core, identity: str = identity) -> int:
                return await core.disconnect_identity(identity)

            await self.call_async(disconnect)

    def revoke_selected(self) -> None:
        client_ids = list(dict.fromkeys(e["clientId"] for e in self.selected_entries()))
        if not client_ids:
            return
        question = fill(
            self.tr(
                "Revoke the key of %1? Its live sockets are dropped and it must be given a new key "
                "to connect again."
            ),
            ", ".join(client_ids),
        )
        if self.confirm(self.tr("Revoke key"), question):
            self.run_action(self.tr("Revoke key"), self.revoke_keys(client_ids))
