"""The Log dock: the `newage` logger live, bounded, filtered, pausable, copyable."""

from __future__ import annotations

from PySide6.QtCore import Qt, QUrl
from PySide6.QtGui import QAction, QDesktopServices, QGuiApplication, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QHeaderView,
    QLabel,
    QLineEdit,
    QTableView,
    QWidget,
)

from newage_desktop.core import events as ev
from newage_desktop.gui.bridge import CoreBridge
from newage_desktop.gui.docks.base import DockBase, fill
from newage_desktop.gui.docks.log.model import CAPACITY, LEVELS, LogFilter, LogLine, LogModel


class LogDock(DockBase):
    OBJECT_NAME = "logDock"

    def __init__(
        self, bridge: CoreBridge, parent: QWidget | None = None, *, capacity: int = CAPACITY
    ) -> None:
        super().__init__(bridge, parent)
        self.model = LogModel(self, capacity=capacity)
        self.proxy = LogFilter(self)
        self.proxy.setSourceModel(self.model)
        self.paused = False
        self._held: list[LogLine] = []  # lines that arrived while paused (bounded too)

        self.level_combo = QComboBox(self)
        for level in LEVELS:
            self.level_combo.addItem(level, level)
        self.level_combo.setCurrentIndex(LEVELS.index("info"))
        self.proxy.set_minimum_level("info")
        self.level_combo.currentIndexChanged.connect(
            lambda _i: self.proxy.set_minimum_level(str(self.level_combo.currentData()))
        )
        self.filter = QLineEdit(self)
        self.filter.setClearButtonEnabled(True)
        self.filter.textChanged.connect(self.proxy.set_text)
        self.pause_action = QAction(self)
        self.pause_action.setCheckable(True)
        self.pause_action.toggled.connect(self.set_paused)
        self.copy_action = QAction(self)
        self.copy_action.setShortcut(QKeySequence.StandardKey.Copy)
        self.copy_action.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.copy_action.triggered.connect(self.copy)
        self.clear_action = QAction(self)
        self.clear_action.triggered.connect(self.clear)
        self.folder_action = QAction(self)
        self.folder_action.triggered.connect(self.open_log_folder)
        self.level_label = QLabel(self)
        self.toolbar.addWidget(self.level_label)
        self.toolbar.addWidget(self.level_combo)
        self.toolbar.addWidget(self.filter)
        for action in (self.pause_action, self.copy_action, self.clear_action):
            self.toolbar.addAction(action)
        self.toolbar.addAction(self.folder_action)

        self.view = QTableView(self)
        self.view.setModel(self.proxy)
        self.view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.view.setWordWrap(False)
        self.view.verticalHeader().hide()
        self.view.verticalHeader().setDefaultSectionSize(self.fontMetrics().height() + 4)
        self.view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.view.horizontalHeader().setStretchLastSection(True)
        self.view.addAction(self.copy_action)
        self.body.addWidget(self.view)
        self.status = QLabel(self)
        self.body.addWidget(self.status)
        proxy = self.proxy
        for signal in (
            proxy.rowsInserted,
            proxy.rowsRemoved,
            proxy.modelReset,
            proxy.layoutChanged,
        ):
            signal.connect(self._update_status)
        self.start()

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Log"))
        self.level_label.setText(self.tr("Level: "))
        self.filter.setPlaceholderText(self.tr("Filter messages…"))
        self.pause_action.setText(self.tr("Resume") if self.paused else self.tr("Pause"))
        self.copy_action.setText(self.tr("Copy"))
        self.copy_action.setToolTip(self.tr("Copy the selected lines (all shown lines if none)"))
        self.clear_action.setText(self.tr("Clear"))
        self.folder_action.setText(self.tr("Open log folder"))
        self.model.retranslate()
        self._update_status()

    # --- lines ---------------------------------------------------------------------------------
    def handle_events(self, batch: list[ev.CoreEvent]) -> None:
        lines = [
            LogLine(e.time, e.level, e.message) for e in batch if isinstance(e, ev.LogRecorded)
        ]
        if not lines:
            return
        if self.paused:
            self._held.extend(lines)
            del self._held[: -self.model.capacity]
        else:
            self._append(lines)
        self._update_status()

    def _append(self, lines: list[LogLine]) -> None:
        bar = self.view.verticalScrollBar()
        follow = bar.value() >= bar.maximum() - 2
        self.model.append(lines)
        if follow:
            self.view.scrollToBottom()

    def set_paused(self, paused: bool) -> None:
        self.paused = paused
        if self.pause_action.isChecked() != paused:
            self.pause_action.setChecked(paused)
        if not paused and self._held:
            held, self._held = self._held, []
            self._append(held)
        self.pause_action.setText(self.tr("Resume") if paused else self.tr("Pause"))
        self._update_status()

    def clear(self) -> None:
        self.model.clear()
        self._held.clear()
        self._update_status()

    def _update_status(self) -> None:
        text = fill(
            self.tr("%1 of %2 lines shown (at most %3 kept)"),
            str(self.proxy.rowCount()),
            str(self.model.rowCount()),
            str(self.model.capacity),
        )
        if self.paused:
            text += " — " + fill(self.tr("paused, %1 new"), str(len(self._held)))
        self.status.setText(text)

    def visible_lines(self) -> list[LogLine]:
        return [
            self.model.line(self.proxy.mapToSource(self.proxy.index(row, 0)).row())
            for row in range(self.proxy.rowCount())
        ]

    def copy(self) -> None:
        rows = sorted(i.row() for i in self.view.selectionModel().selectedRows())
        if rows:
            source = [self.proxy.mapToSource(self.proxy.index(r, 0)).row() for r in rows]
            lines = [self.model.line(r) for r in source]
        else:
            lines = self.visible_lines()
        QGuiApplication.clipboard().setText("\n".join(line.text() for line in lines))

    def log_folder_url(self) -> QUrl:
        return QUrl.fromLocalFile(str(self.bridge.runtime.datadir.logs_dir))

    def open_log_folder(self) -> None:
        QDesktopServices.openUrl(self.log_folder_url())
