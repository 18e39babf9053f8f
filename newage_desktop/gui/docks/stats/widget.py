"""The Statistics dock: connected clients, tokens/s and events/s over the last minutes.

The core's counters are read once a second on the server loop (`bridge.call`); the rates are
differences of two readings. Plots are pyqtgraph curves, redrawn only while the dock is visible.
"""

from __future__ import annotations

import math
from typing import Any

import pyqtgraph as pg  # no stubs
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QLabel, QWidget

from newage_desktop.gui.bridge import CoreBridge
from newage_desktop.gui.docks.base import DockBase, fill
from newage_desktop.gui.docks.stats.model import WINDOW_SECONDS, StatsModel, read_counters

POLL_MS = 1000
_SOLID = Qt.PenStyle.SolidLine
_DASH = Qt.PenStyle.DashLine
_PENS = {
    "clients": "#1a63c7",
    "extensions": "#1b7f3b",
    "tokensIn": "#b3261e",
    "tokensOut": "#a15c00",
    "events": "#6a3fb5",
    "tokensApi": "#00796b",
}


class StatsDock(DockBase):
    OBJECT_NAME = "statsDock"

    def __init__(self, bridge: CoreBridge, parent: QWidget | None = None) -> None:
        super().__init__(bridge, parent)
        self.model = StatsModel(self)
        self._polling = False
        self.toolbar.hide()
        self.summary = QLabel(self)
        self.body.addWidget(self.summary)

        self.plots = pg.GraphicsLayoutWidget(self)
        palette = self.palette()
        self.plots.setBackground(palette.color(QPalette.ColorRole.Base))
        foreground = palette.color(QPalette.ColorRole.Text)
        self.clients_plot = self.plots.addPlot(row=0, col=0)
        self.tokens_plot = self.plots.addPlot(row=1, col=0)
        self.events_plot = self.plots.addPlot(row=2, col=0)
        self.curves: dict[str, Any] = {}  # pyqtgraph PlotDataItem
        for plot, columns in (
            (self.clients_plot, ("clients", "extensions")),
            (self.tokens_plot, ("tokensIn", "tokensOut", "tokensApi")),
            (self.events_plot, ("events",)),
        ):
            plot.addLegend(offset=(-8, 4), labelTextColor=foreground)
            plot.showGrid(x=True, y=True, alpha=0.2)
            plot.setXRange(-WINDOW_SECONDS, 0, padding=0)
            plot.setMouseEnabled(x=False, y=False)
            plot.hideButtons()
            plot.setMenuEnabled(False)
            if plot is not self.clients_plot:
                plot.enableAutoRange(axis="y")
            plot.setLimits(yMin=0)
            for axis in ("left", "bottom"):
                plot.getAxis(axis).setTextPen(foreground)
                plot.getAxis(axis).setPen(QColor(foreground).lighter(160))
            for column in columns:
                dashed = column == "tokensOut"  # often equal to tokensIn: keep both visible
                pen = pg.mkPen(_PENS[column], width=2, style=_DASH if dashed else _SOLID)
                self.curves[column] = plot.plot([], [], pen=pen, name=column)
        self.tokens_plot.setXLink(self.clients_plot)
        self.events_plot.setXLink(self.clients_plot)
        self.body.addWidget(self.plots, 1)

        self.timer = QTimer(self)
        self.timer.setInterval(POLL_MS)
        self.timer.timeout.connect(self.poll)
        self.visibilityChanged.connect(self._visibility_changed)
        self.start()

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Statistics"))
        self.clients_plot.setTitle(self.tr("Connected clients"))
        self.tokens_plot.setTitle(self.tr("Tokens per second"))
        self.events_plot.setTitle(self.tr("Events per second"))
        self.events_plot.setLabel("bottom", self.tr("seconds"))
        names = {
            "clients": self.tr("clients"),
            "extensions": self.tr("extensions"),
            "tokensIn": self.tr("from extensions"),
            "tokensOut": self.tr("to clients"),
            "tokensApi": self.tr("to OpenAI API clients"),
            "events": self.tr("events in"),
        }
        for plot in (self.clients_plot, self.tokens_plot, self.events_plot):
            legend = plot.legend
            if legend is None:
                continue
            for sample, label in legend.items:
                column = next(c for c, curve in self.curves.items() if curve is sample.item)
                label.setText(names[column])
        self.model.retranslate()
        self._update_summary()

    # --- polling -------------------------------------------------------------------------------
    def server_started(self) -> None:
        self.model.restart()
        self.timer.start()
        self.poll()

    def server_stopped(self) -> None:
        self.timer.stop()

    def poll(self) -> None:
        if not self._polling:
            self._polling = True
            self.run_quiet(self.sample())

    async def sample(self) -> None:
        """Read the counters once and add a sample (the first reading only sets the base)."""
        try:
            reading = await self.bridge.call(read_counters)
        finally:
            self._polling = False
        if self.model.add(reading) is not None:
            self._update_summary()
            if self.isVisible():
                self.redraw()

    def _visibility_changed(self, visible: bool) -> None:
        if visible:
            self.redraw()  # the samples taken while hidden

    def redraw(self) -> None:
        for column, curve in self.curves.items():
            curve.setData(*self.model.series(column))
        # The x axis grows with the data up to the window, so a fresh start is not a thin line.
        xs, counts = self.model.series("clients")
        oldest = xs[0] if xs else 0.0
        self.clients_plot.setXRange(max(-WINDOW_SECONDS, min(oldest, -60.0)), 0, padding=0)
        # Whole clients only: from 0, with integer ticks.
        top = max(3, int(max(counts, default=0)) + 1)
        step = max(1, math.ceil(top / 5))
        self.clients_plot.setYRange(0, top, padding=0)
        self.clients_plot.getAxis("left").setTickSpacing(major=step, minor=step)

    def _update_summary(self) -> None:
        samples = self.model.samples()
        if not samples:
            self.summary.setText(self.tr("Collecting…"))
            return
        last = samples[-1]
        self.summary.setText(
            fill(
                self.tr("Clients: %1 (extensions: %2) · tokens/s: %3 in, %4 out · events/s: %5"),
                str(last.clients),
                str(last.extensions),
                f"{last.tokens_in:.0f}",
                f"{last.tokens_out:.0f}",
                f"{last.events:.0f}",
            )
            + " · "
            + fill(
                self.tr("OpenAI API: %1 requests, %2 tokens/s"),
                str(last.api_requests),
                f"{last.tokens_api:.0f}",
            )
        )
