"""Once-a-second samples of the server's counters, as rates, in a bounded table model."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from PySide6.QtCore import QAbstractTableModel, QObject, Qt

from newage_desktop.core.app import Core
from newage_desktop.gui.docks.base import ROOT, Index

WINDOW_SECONDS: Final = 300  # what the plots show: the last five minutes
COLUMNS: Final = (
    "time",
    "clients",
    "extensions",
    "tokensIn",
    "tokensOut",
    "events",
    "tokensApi",
    "apiRequests",
)
_COUNTS: Final = frozenset({"clients", "extensions", "apiRequests"})  # whole numbers


@dataclass(frozen=True)
class Reading:
    """The raw values read on the server loop: counts and monotonic counters."""

    time: float
    clients: int
    extensions: int
    events_in: int
    chunks_in: int
    chunks_out: int
    api_chunks_out: int = 0  # chunks sent to OpenAI API clients as SSE events
    api_requests: int = 0  # requests over the OpenAI-compatible API since the start


@dataclass(frozen=True)
class Sample:
    time: float
    clients: int
    extensions: int
    tokens_in: float  # chunks received from extensions per second
    tokens_out: float  # chunks written to client streams per second
    events: float  # Socket.IO events received per second
    tokens_api: float = 0.0  # chunks sent to OpenAI API clients per second
    api_requests: int = 0  # OpenAI API requests since the server started

    def value(self, column: str) -> float:
        return {
            "time": self.time,
            "clients": self.clients,
            "extensions": self.extensions,
            "tokensIn": self.tokens_in,
            "tokensOut": self.tokens_out,
            "events": self.events,
            "tokensApi": self.tokens_api,
            "apiRequests": self.api_requests,
        }[column]


def read_counters(core: Core) -> Reading:
    """Runs on the server loop: cheap reads only."""
    counts = core.registry.counts()
    counters = core.counters
    return Reading(
        time=core.clock(),
        clients=counts["registered"],
        extensions=counts["extensions"],
        events_in=counters["eventsIn"],
        chunks_in=counters["chunksIn"],
        chunks_out=counters["chunksOut"],
        api_chunks_out=counters["apiChunksOut"],
        api_requests=counters["apiRequests"],
    )


def _rate(now: int, before: int, seconds: float) -> float:
    return max(0, now - before) / seconds if seconds > 0 else 0.0


class StatsModel(QAbstractTableModel):
    """One row per sample, oldest first; rates come from the difference of two readings."""

    def __init__(self, parent: QObject | None = None, *, capacity: int = WINDOW_SECONDS) -> None:
        super().__init__(parent)
        self.capacity = capacity
        self._samples: deque[Sample] = deque()
        self._last: Reading | None = None

    def rowCount(self, parent: Index = ROOT) -> int:
        return 0 if parent.isValid() else len(self._samples)

    def columnCount(self, parent: Index = ROOT) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(
        self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole
    ) -> Any:
        if orientation != Qt.Orientation.Horizontal or role != Qt.ItemDataRole.DisplayRole:
            return None
        headers = (
            self.tr("Time"),
            self.tr("Clients"),
            self.tr("Extensions"),
            self.tr("Tokens in/s"),
            self.tr("Tokens out/s"),
            self.tr("Events/s"),
            self.tr("API tokens/s"),
            self.tr("API requests"),
        )
        return headers[section] if 0 <= section < len(headers) else None

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or index.row() >= len(self._samples):
            return None
        value = self._samples[index.row()].value(COLUMNS[index.column()])
        if role == Qt.ItemDataRole.DisplayRole:
            if index.column() == 0:
                return datetime.fromtimestamp(value).strftime("%H:%M:%S")
            return str(int(value)) if COLUMNS[index.column()] in _COUNTS else f"{value:.1f}"
        if role == Qt.ItemDataRole.UserRole:
            return value
        return None

    # --- samples -------------------------------------------------------------------------------
    def add(self, reading: Reading) -> Sample | None:
        """Turn a reading into a sample (None for the first: a rate needs two readings)."""
        last, self._last = self._last, reading
        if last is None or reading.time <= last.time:
            return None
        seconds = reading.time - last.time
        sample = Sample(
            time=reading.time,
            clients=reading.clients,
            extensions=reading.extensions,
            tokens_in=_rate(reading.chunks_in, last.chunks_in, seconds),
            tokens_out=_rate(reading.chunks_out, last.chunks_out, seconds),
            events=_rate(reading.events_in, last.events_in, seconds),
            tokens_api=_rate(reading.api_chunks_out, last.api_chunks_out, seconds),
            api_requests=reading.api_requests,
        )
        if len(self._samples) >= self.capacity:
            self.beginRemoveRows(ROOT, 0, 0)
            self._samples.popleft()
            self.endRemoveRows()
        row = len(self._samples)
        self.beginInsertRows(ROOT, row, row)
        self._samples.append(sample)
        self.endInsertRows()
        return sample

    def restart(self) -> None:
        """A new server run: its counters start again from zero."""
        self._last = None

    def samples(self) -> list[Sample]:
        return list(self._samples)

    def series(self, column: str) -> tuple[list[float], list[float]]:
        """(seconds relative to the newest sample, values) for a plot."""
        if not self._samples:
            return [], []
        newest = self._samples[-1].time
        return (
            [s.time - newest for s in self._samples],
            [s.value(column) for s in self._samples],
        )

    def retranslate(self) -> None:
        self.headerDataChanged.emit(Qt.Orientation.Horizontal, 0, len(COLUMNS) - 1)
