"""The Statistics dock: connected clients, tokens/s and events/s over the last minutes.

The core's counters are read once a second on the server loop (`bridge.call`); the rates are
differences of two readings. The plots are `TimeChart`s (QPainter), redrawn only while the dock
is visible.
"""

from __future__ import annotations

from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from newage_desktop.gui.bridge import CoreBridge
from newage_desktop.gui.docks.base import DockBase, fill
from newage_desktop.gui.docks.stats.chart import Series, TimeChart
from newage_desktop.gui.docks.stats.model import WINDOW_SECONDS, StatsModel, read_counters

POLL_MS = 1000
SHORTEST_SECONDS = 60.0  # the x axis grows with the data from here up to WINDOW_SECONDS
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

        self.plots = QWidget(self)
        stack = QVBoxLayout(self.plots)
        stack.setContentsMargins(0, 0, 0, 0)
        stack.setSpacing(self.fontMetrics().height() // 2)
        self.clients_plot = TimeChart(self.plots, integer=True)  # whole clients, from 0
        self.tokens_plot = TimeChart(self.plots)
        self.events_plot = TimeChart(self.plots)
        self.charts = (self.clients_plot, self.tokens_plot, self.events_plot)
        self.curves: dict[str, Series] = {}
        for chart, columns in zip(
            self.charts,
            (("clients", "extensions"), ("tokensIn", "tokensOut", "tokensApi"), ("events",)),
            strict=True,
        ):
            for column in columns:
                dashed = column == "tokensOut"  # often equal to tokensIn: keep both visible
                self.curves[column] = chart.add_series(column, _PENS[column], dashed=dashed)
            stack.addWidget(chart, 1)
        TimeChart.align(self.charts)
        self._chart_of = {c: chart for chart in self.charts for c in chart.series}
        self.body.addWidget(self.plots, 1)

        self.timer = QTimer(self)
        self.timer.setInterval(POLL_MS)
        self.timer.timeout.connect(self.poll)
        self.visibilityChanged.connect(self._visibility_changed)
        self.start()

    def retranslate(self) -> None:
        self.setWindowTitle(self.tr("Statistics"))
        self.clients_plot.set_title(self.tr("Connected clients"))
        self.tokens_plot.set_title(self.tr("Tokens per second"))
        self.events_plot.set_title(self.tr("Events per second"))
        self.events_plot.set_x_label(self.tr("seconds"))
        names = {
            "clients": self.tr("clients"),
            "extensions": self.tr("extensions"),
            "tokensIn": self.tr("from extensions"),
            "tokensOut": self.tr("to clients"),
            "tokensApi": self.tr("to OpenAI API clients"),
            "events": self.tr("events in"),
        }
        for column, chart in self._chart_of.items():
            chart.set_label(column, names[column])
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
        for column, chart in self._chart_of.items():
            chart.set_data(column, *self.model.series(column))
        # The x axis grows with the data up to the window, so a fresh start is not a thin line.
        xs, _counts = self.model.series("clients")
        oldest = xs[0] if xs else 0.0
        low = max(-float(WINDOW_SECONDS), min(oldest, -SHORTEST_SECONDS))
        for chart in self.charts:
            chart.set_x_range(low, 0.0)

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
