"""A small line chart of the last seconds, painted with QPainter: the Statistics dock's plots.

Qt Charts is deprecated since Qt 6.10 and Qt Graphs needs Qt Quick; a plotting library brought
numpy (43 MB of the frozen build) for three small charts. This one draws a title, a legend, a
light grid, a value axis from 0 and a time axis in seconds up to now (0). Every length comes
from the font's metrics, so it scales with the font and the screen's pixel ratio. The tick and
mapping arithmetic are plain functions, tested without a window.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

from PySide6.QtCore import QEvent, QPointF, QRectF, QSize, Qt
from PySide6.QtGui import QColor, QFont, QFontMetricsF, QPainter, QPaintEvent, QPalette, QPen
from PySide6.QtWidgets import QSizePolicy, QWidget

_MULTIPLES = (1.0, 2.0, 5.0, 10.0)
# (divisor, suffix, from which axis end on): "1.5M", "20k"; below 10 000 the digits fit.
_UNITS = ((1e9, "G", 1e9), (1e6, "M", 1e6), (1e3, "k", 1e4))
_EPSILON = 1e-9
_SAMPLE, _SPACING = 2.5, 1.5  # legend: line sample and gap, space between entries (in em)


@dataclass(frozen=True)
class Axis:
    """A linear axis from `low` to `high` with a tick at every multiple of `step` (> 0)."""

    low: float
    high: float
    step: float

    def ticks(self) -> list[float]:
        first = math.ceil(self.low / self.step - _EPSILON)
        last = math.floor(self.high / self.step + _EPSILON)
        return [i * self.step for i in range(first, last + 1)]


def nice_step(span: float, count: int) -> float:
    """The smallest 1, 2 or 5 × 10ⁿ that cuts `span` into at most `count` intervals."""
    if not (math.isfinite(span) and span > 0):
        return 1.0
    raw = span / max(1, count)
    base = 10.0 ** math.floor(math.log10(raw))
    return next(m * base for m in _MULTIPLES if m * base >= raw * (1 - _EPSILON))


def value_axis(peak: float, count: int = 5, *, integer: bool = False) -> Axis:
    """From 0 up to the first tick at or above `peak`, with at most `count` intervals.

    `integer` (counts of clients): whole steps, at least 0..3, and room above the peak so a
    constant count is not drawn on the top edge. Otherwise an all-zero series shows 0..1.
    """
    peak = peak if math.isfinite(peak) and peak > 0 else 0.0
    if integer:
        top = max(3.0, math.floor(peak) + 1.0)
        step = max(1.0, nice_step(top, count))
    else:
        top = peak or 1.0
        step = nice_step(top, count)
    return Axis(0.0, math.ceil(top / step - _EPSILON) * step, step)


def time_axis(low: float, high: float, count: int) -> Axis:
    """Seconds from `low` (negative: in the past) to `high` (0: now)."""
    return Axis(low, high, nice_step(high - low, count))


def tick_labels(axis: Axis) -> list[str]:
    """Short labels in one unit for the whole axis: 1500 → "1500", 1 500 000 → "1.5M"."""
    biggest = max(abs(axis.low), abs(axis.high))
    divisor, suffix = next(((d, s) for d, s, start in _UNITS if biggest >= start), (1.0, ""))
    decimals = max(0, -math.floor(math.log10(axis.step / divisor) + _EPSILON))
    labels = []
    for value in axis.ticks():
        text = f"{value / divisor:.{decimals}f}"
        labels.append("0" if float(text) == 0 else text + suffix)  # never "-0" or "0M"
    return labels


def to_pixels(
    xs: Sequence[float], ys: Sequence[float], x_axis: Axis, y_axis: Axis, area: QRectF
) -> list[QPointF]:
    """Data to widget coordinates: `x_axis` left to right across `area`, `y_axis` bottom up."""
    x_span = x_axis.high - x_axis.low
    y_span = y_axis.high - y_axis.low
    x_scale = area.width() / x_span if x_span > 0 else 0.0
    y_scale = area.height() / y_span if y_span > 0 else 0.0
    left, bottom = area.left(), area.bottom()
    return [
        QPointF(left + (x - x_axis.low) * x_scale, bottom - (y - y_axis.low) * y_scale)
        for x, y in zip(xs, ys, strict=True)
    ]


@dataclass
class Series:
    """One line of a chart: its legend text, how it is drawn and its points."""

    color: QColor
    dashed: bool = False
    label: str = ""
    xs: list[float] = field(default_factory=list)
    ys: list[float] = field(default_factory=list)


@dataclass(frozen=True)
class _Layout:
    area: QRectF  # where the lines are drawn
    legend: list[tuple[QPointF, Series]]  # top left of each legend entry
    x_axis: Axis
    y_axis: Axis


class TimeChart(QWidget):
    """Lines over the last seconds (x from a negative number of seconds up to 0), y from 0."""

    def __init__(self, parent: QWidget | None = None, *, integer: bool = False) -> None:
        super().__init__(parent)
        self.integer = integer  # whole-number value ticks (counts)
        self.title = ""
        self.x_label = ""
        self.series: dict[str, Series] = {}
        self.x_range = (-60.0, 0.0)
        self.aligned: list[TimeChart] = []  # charts stacked with this one: one left edge
        policy = QSizePolicy.Policy.Expanding
        self.setSizePolicy(policy, policy)

    # --- content -------------------------------------------------------------------------------
    def add_series(self, key: str, color: str | QColor, *, dashed: bool = False) -> Series:
        self.series[key] = series = Series(QColor(color), dashed, label=key)
        self.update()
        return series

    def set_title(self, text: str) -> None:
        self.title = text
        self.setAccessibleName(text)
        self.update()

    def set_x_label(self, text: str) -> None:
        self.x_label = text
        self.update()

    def set_label(self, key: str, text: str) -> None:
        self.series[key].label = text
        self.update()

    def set_data(self, key: str, xs: Sequence[float], ys: Sequence[float]) -> None:
        if len(xs) != len(ys):
            raise ValueError(f"{key}: {len(xs)} x values but {len(ys)} y values")
        series = self.series[key]
        series.xs, series.ys = list(xs), list(ys)
        self.update()

    @staticmethod
    def align(charts: Sequence[TimeChart]) -> None:
        """Give stacked charts the same plot left edge, so their time axes line up."""
        for chart in charts:
            chart.aligned = [c for c in charts if c is not chart]

    def set_x_range(self, low: float, high: float) -> None:
        self.x_range = (low, high)
        self.update()

    def x_axis(self) -> Axis:
        return self._layout().x_axis

    def y_axis(self) -> Axis:
        return self._layout().y_axis

    def plot_area(self) -> QRectF:
        return self._layout().area

    # --- geometry ------------------------------------------------------------------------------
    def sizeHint(self) -> QSize:
        line = QFontMetricsF(self.font()).height()
        return QSize(math.ceil(line * 30), math.ceil(line * 11))

    def minimumSizeHint(self) -> QSize:
        line = QFontMetricsF(self.font()).height()
        return QSize(math.ceil(line * 12), math.ceil(line * 6))

    def changeEvent(self, event: QEvent) -> None:
        if event.type() == QEvent.Type.FontChange:
            self.updateGeometry()
        super().changeEvent(event)

    def _title_font(self) -> QFont:
        font = QFont(self.font())
        font.setBold(True)
        return font

    def _layout(self, *, aligned: bool = True) -> _Layout:
        metrics = QFontMetricsF(self.font())
        line, em = metrics.height(), metrics.horizontalAdvance("M")
        pad, width, height = line / 3, float(self.width()), float(self.height())
        # Header: the title, and the legend on its right if it fits there, else in rows below.
        entries = [
            (s, _SAMPLE * em + metrics.horizontalAdvance(s.label)) for s in self.series.values()
        ]
        legend_width = sum(w for _s, w in entries) + _SPACING * em * max(0, len(entries) - 1)
        title_width = QFontMetricsF(self._title_font()).horizontalAdvance(self.title)
        beside = title_width + 2 * em + legend_width <= width - 2 * pad
        x, row = (width - pad - legend_width, 0) if beside else (pad, 1)
        legend: list[tuple[QPointF, Series]] = []
        for series, entry_width in entries:
            if not beside and x > pad and x + entry_width > width - pad:
                x, row = pad, row + 1
            legend.append((QPointF(x, pad + row * line), series))
            x += entry_width + _SPACING * em
        top = pad + (row + 1) * line + line * 0.75  # room for the top value label's upper half
        bottom = height - pad - line * (1.5 + (1 if self.x_label else 0))
        y_count = max(1, min(5, int((bottom - top) / (line * 1.8))))
        values = value_axis(
            max((y for s in self.series.values() for y in s.ys), default=0.0),
            y_count,
            integer=self.integer,
        )
        widest = max(metrics.horizontalAdvance(text) for text in tick_labels(values))
        low, high = self.x_range
        oldest_width = metrics.horizontalAdvance(f"{low:.0f}")  # the widest time label
        left = pad + max(widest + em / 2, oldest_width / 2)
        if aligned:  # the widest value labels of the stack decide
            left = max([left] + [c._layout(aligned=False).area.left() for c in self.aligned])
        right = width - pad - metrics.horizontalAdvance(f"{high:.0f}") / 2
        label_room = oldest_width + 3 * em
        times = time_axis(low, high, max(1, min(12, int((right - left) / label_room))))
        area = QRectF(QPointF(left, top), QPointF(max(left, right), max(top, bottom)))
        return _Layout(area, legend, times, values)

    # --- painting ------------------------------------------------------------------------------
    def paintEvent(self, event: QPaintEvent) -> None:
        layout = self._layout()
        area = layout.area
        metrics = QFontMetricsF(self.font())
        line, em = metrics.height(), metrics.horizontalAdvance("M")
        thin = max(1.0, metrics.lineWidth())
        palette = self.palette()
        foreground = palette.color(QPalette.ColorRole.Text)
        painter = QPainter(self)
        painter.fillRect(self.rect(), palette.color(QPalette.ColorRole.Base))

        painter.setPen(foreground)
        title_font = self._title_font()
        title = QFontMetricsF(title_font).elidedText(
            self.title, Qt.TextElideMode.ElideRight, self.width() - 2 * line / 3
        )
        painter.setFont(title_font)
        painter.drawText(QPointF(line / 3, line / 3 + metrics.ascent()), title)
        painter.setFont(self.font())
        for corner, series in layout.legend:
            middle = corner.y() + line / 2
            painter.setPen(self._pen(series, 2 * thin))
            end = corner.x() + (_SAMPLE - 0.5) * em
            painter.drawLine(QPointF(corner.x(), middle), QPointF(end, middle))
            painter.setPen(foreground)
            baseline = corner.y() + metrics.ascent()
            painter.drawText(QPointF(corner.x() + _SAMPLE * em, baseline), series.label)
        if area.width() < em or area.height() < line:
            return  # too small for a plot: the title and the legend only

        grid, axis = QColor(foreground), QColor(foreground)
        grid.setAlphaF(0.12)
        axis.setAlphaF(0.5)
        x_axis, y_axis = layout.x_axis, layout.y_axis
        y_ticks, x_ticks = y_axis.ticks(), x_axis.ticks()
        y_pixels = to_pixels([x_axis.low] * len(y_ticks), y_ticks, x_axis, y_axis, area)
        x_pixels = to_pixels(x_ticks, [y_axis.low] * len(x_ticks), x_axis, y_axis, area)
        painter.setPen(QPen(grid, thin))
        for point in y_pixels:
            painter.drawLine(QPointF(area.left(), point.y()), QPointF(area.right(), point.y()))
        for point in x_pixels:
            painter.drawLine(QPointF(point.x(), area.top()), QPointF(point.x(), area.bottom()))
        painter.setPen(QPen(axis, thin))
        painter.drawLine(area.topLeft(), area.bottomLeft())
        painter.drawLine(area.bottomLeft(), area.bottomRight())

        painter.setPen(foreground)
        right_aligned = Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter
        for point, text in zip(y_pixels, tick_labels(y_axis), strict=True):
            box = QRectF(0, point.y() - line / 2, area.left() - em / 2, line)
            painter.drawText(box, right_aligned, text)
        label_top = area.bottom() + line / 2  # clear of the lowest value label
        for point, text in zip(x_pixels, tick_labels(x_axis), strict=True):
            half = metrics.horizontalAdvance(text) / 2 + em
            box = QRectF(point.x() - half, label_top, 2 * half, line)
            painter.drawText(box, Qt.AlignmentFlag.AlignCenter, text)
        if self.x_label:
            box = QRectF(area.left(), label_top + line, area.width(), line)
            painter.drawText(box, Qt.AlignmentFlag.AlignCenter, self.x_label)

        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        width = 2 * thin
        painter.setClipRect(area.adjusted(-width, -width, width, width))
        for series in self.series.values():
            points = to_pixels(series.xs, series.ys, x_axis, y_axis, area)
            if len(points) == 1:  # a polyline of one point draws nothing
                painter.setPen(Qt.PenStyle.NoPen)
                painter.setBrush(series.color)
                painter.drawEllipse(points[0], 1.5 * width, 1.5 * width)
            elif points:
                painter.setPen(self._pen(series, width))
                painter.drawPolyline(points)

    @staticmethod
    def _pen(series: Series, width: float) -> QPen:
        style = Qt.PenStyle.DashLine if series.dashed else Qt.PenStyle.SolidLine
        pen = QPen(series.color, width, style)
        pen.setJoinStyle(Qt.PenJoinStyle.RoundJoin)
        return pen
