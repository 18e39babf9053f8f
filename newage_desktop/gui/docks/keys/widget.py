"""The Keys dock: trust, keys (shown once), revocation, and pending pairing requests."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from PySide6.QtCore import QAbstractItemModel, Qt, Signal
from PySide6.QtGui import QAction
from PySide6.QtWidgets import (
    QAbstractItemView,
    QGroupBox,
    QLabel,
    QSplitter,
    QTableView,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from newage_desktop.core import events as ev
from newage_desktop.core.app import Core, KeyState
from newage_desktop.gui.bridge import CoreBridge
from newage_desktop.gui.docks.base import DockBase, Snapshot, fill
from newage_desktop.gui.docks.keys.dialogs import KeyDialog, TrustDialog, openai_base_url
from newage_desktop.gui.docks.keys.model import KeysModel, PendingModel, keys_snapshot
from newage_desktop.gui.docks.table import setup_table

_RELOAD_ON = (
    ev.KeyGenerated,
    ev.KeyRevoked,
    ev.TrustChanged,
    ev.PairingRequested,
    ev.PairingResolved,
    ev.ClientConnected,  # a key was just used: "last used" changed
)


def _table(parent: QWidget, model: QAbstractItemModel) -> QTableView:
    view = QTableView(parent)
    setup_table(view, model)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    return view


class KeysDock(DockBase):
    OBJECT_NAME = "keysDock"

    # A 'getKey' client asks to be paired: the request's admin view (for a tray notification).
    pairingRequested = Signal(dict)

    def __init__(self, bridge: CoreBridge, parent: QWidget | None = None) -> None:
        super().__init__(bridge, parent)
        self.keys_model = KeysModel(self)
        self.pending_model = PendingModel(self)
        self._snapshot = Snapshot(self, keys_snapshot, self._apply_snapshot)
        self.key_dialog: KeyDialog | None = None
        self.trust_dialog: TrustDialog | None = None

        self.trust_action = QAction(self)
        self.trust_action.triggered.connect(self.open_trust_dialog)
        self.rekey_action = QAction(self)
        self.rekey_action.triggered.connect(self.rekey_selected)
        self.revoke_action = QAction(self)
        self.revoke_action.triggered.connect(self.revoke_selected)
        self.untrust_action = QAction(self)
        self.untrust_action.triggered.connect(self.untrust_selected)
        for action in (self.trust_action, self.rekey_action, self.revoke_action):
            self.toolbar.addAction(action)
        self.toolbar.addAction(self.untrust_action)

        self.keys_view = _table(self, self.keys_model)
        self.keys_view.selectionModel().selectionChanged.connect(self._update_actions)

        self.pending_box = QGroupBox(self)
        pending_layout = QVBoxLayout(self.pending_box)
        pending_layout.setContentsMargins(4, 4, 4, 4)
        self.pending_toolbar = QToolBar(self.pending_box)
        self.approve_action = QAction(self)
        self.approve_action.triggered.connect(self.approve_selected)
        self.deny_action = QAction(self)
        self.deny_action.triggered.connect(self.deny_selected)
        self.pending_toolbar.addAction(self.approve_action)
        self.pending_toolbar.addAction(self.deny_action)
        self.pending_view = _table(self.pending_box, self.pending_model)
        self.pending_view.selectionModel().selectionChanged.connect(self._update_actions)
        self.pending_empty = QLabel(self.pending_box)
        self.pending_empty.setAlignment(Qt.AlignmentFlag.AlignCenter)
        pending_layout.addWidget(self.pending_toolbar)
        pending_layout.addWidget(self.pending_view)
        pending_layout.addWidget(self.pending_empty)

        splitter = QSplitter(Qt.Orientation.Vertical, self)
        splitter.addWidget(self.keys_view)
        splitter.addWidget(self.pending_box)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        self.body.addWidget(splitter)
        for signal in (self.pending_model.rowsInserted, self.pending_model.rowsRemoved):
            signal.connect(self._update_pending)
        self._update_actions()
        self.start()

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Keys"))
        self.trust_action.setText(self.tr("Trust new client…"))
        self.rekey_action.setText(self.tr("New key…"))
        self.rekey_action.setToolTip(self.tr("Generate a new key; the old one stops working"))
        self.revoke_action.setText(self.tr("Revoke key…"))
        self.untrust_action.setText(self.tr("Untrust…"))
        self.approve_action.setText(self.tr("Approve"))
        self.deny_action.setText(self.tr("Deny"))
        self.pending_empty.setText(self.tr("No pending pairing requests."))
        self.keys_model.retranslate()
        self.pending_model.retranslate()
        self._update_pending()

    # --- data ----------------------------------------------------------------------------------
    def server_started(self) -> None:
        self._snapshot.request()

    def server_stopped(self) -> None:
        self.pending_model.set_rows([])

    def _apply_snapshot(self, snapshot: tuple[list[KeyState], list[dict[str, Any]]]) -> None:
        states, pending = snapshot
        self.keys_model.set_rows(states)
        self.pending_model.set_rows(pending)

    def handle_events(self, batch: list[ev.CoreEvent]) -> None:
        reload = False
        for event in batch:
            if isinstance(event, _RELOAD_ON):
                reload = True
                if isinstance(event, ev.PairingRequested):
                    self.pairingRequested.emit(dict(event.request))
        if reload:
            self._snapshot.request()

    def _update_pending(self) -> None:
        count = self.pending_model.rowCount()
        title = fill(self.tr("Pending pairing requests (%1)"), str(count))
        self.pending_box.setTitle(title)
        self.pending_empty.setVisible(count == 0)
        self._update_actions()

    def _update_actions(self) -> None:
        state = self.selected_state()
        self.rekey_action.setEnabled(state is not None)
        self.revoke_action.setEnabled(state is not None and state.has_key)
        self.untrust_action.setEnabled(state is not None and state.trusted)
        request = self.selected_request() is not None
        self.approve_action.setEnabled(request)
        self.deny_action.setEnabled(request)

    def selected_state(self) -> KeyState | None:
        rows = self.keys_view.selectionModel().selectedRows()
        return self.keys_model.row(rows[0].row()) if rows else None

    def selected_request(self) -> dict[str, Any] | None:
        rows = self.pending_view.selectionModel().selectedRows()
        return self.pending_model.row(rows[0].row()) if rows else None

    # --- trust and keys ------------------------------------------------------------------------
    def open_trust_dialog(self) -> None:
        def has_key(client_id: str) -> bool:
            state = self.keys_model.state(client_id)
            return state is not None and state.has_key

        dialog = TrustDialog(has_key, self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self._trust(*dialog.values()))
        dialog.finished.connect(lambda _result: setattr(self, "trust_dialog", None))
        self.trust_dialog = dialog
        dialog.open()

    def _trust(self, client_id: str, desc: str, admin: bool) -> None:
        async def trust(core: Core) -> str:
            await core.trust_client(
                client_id, client_type="monitor" if admin else None, desc=desc or None
            )
            return await core.generate_key(client_id)

        self.run_action(self.tr("Trust new client"), self._show_new_key(client_id, trust))

    async def _show_new_key(
        self, client_id: str, generate: Callable[[Core], Awaitable[str]]
    ) -> None:
        key = await self.call_async(generate)
        self.show_key(client_id, key)

    def show_key(self, client_id: str, key: str) -> None:
        """The only place a plaintext key reaches the window: one dialog, cleared on close."""
        base_url = openai_base_url(self.bridge.url) if self.bridge.running else ""
        dialog = KeyDialog(client_id, key, self, base_url=base_url)
        dialog.finished.connect(lambda _result: self._key_dialog_closed(dialog))
        self.key_dialog = dialog
        dialog.open()

    def _key_dialog_closed(self, dialog: KeyDialog) -> None:
        if self.key_dialog is dialog:
            self.key_dialog = None

    def rekey_selected(self) -> None:
        state = self.selected_state()
        if state is None:
            return
        client_id = state.client_id
        if state.has_key and not self.confirm(
            self.tr("New key"),
            fill(
                self.tr(
                    "Generate a new key for %1? The old key stops working and its live "
                    "sockets drop."
                ),
                client_id,
            ),
        ):
            return

        async def generate(core: Core) -> str:
            return await core.generate_key(client_id)

        self.run_action(self.tr("New key"), self._show_new_key(client_id, generate))

    def revoke_selected(self) -> None:
        state = self.selected_state()
        if state is None or not self.confirm(
            self.tr("Revoke key"),
            fill(
                self.tr(
                    "Revoke the key of %1? Its live sockets drop; it stays trusted and needs a new "
                    "key to connect."
                ),
                state.client_id,
            ),
        ):
            return
        self.run_action(self.tr("Revoke key"), self.revoke_keys([state.client_id]))

    def untrust_selected(self) -> None:
        state = self.selected_state()
        if state is None or not self.confirm(
            self.tr("Untrust"),
            self.tr("Stop trusting %1? Its key is revoked and its live sockets drop.").replace(
                "%1", state.client_id
            ),
        ):
            return
        client_id = state.client_id

        async def untrust(core: Core) -> None:
            await core.untrust_client(client_id)

        self.run_action(self.tr("Untrust"), self.call_async(untrust))

    # --- pairing -------------------------------------------------------------------------------
    def approve_selected(self) -> None:
        request = self.selected_request()
        if request is None:
            return
        if request.get("adminRequest") and not self.confirm(
            self.tr("Approve"),
            self.tr("%1 asks for admin rights (clientType monitor). Approve?").replace(
                "%1", str(request.get("clientId"))
            ),
        ):
            return
        room_id = str(request["roomId"])

        async def approve(core: Core) -> str | None:
            return await core.approve_request(room_id)

        self.run_action(self.tr("Approve"), self._resolve(approve))

    def deny_selected(self) -> None:
        request = self.selected_request()
        if request is None:
            return
        room_id = str(request["roomId"])

        async def deny(core: Core) -> str | None:
            return await core.deny_request(room_id)

        self.run_action(self.tr("Deny"), self._resolve(deny))

    async def _resolve(self, decide: Callable[[Core], Awaitable[str | None]]) -> None:
        if await self.call_async(decide) is None:
            raise RuntimeError(self.tr("The request is no longer pending."))
