"""The Statistics dock's line chart: nice ticks, short labels, data to pixels, and a drawing
that keeps every label inside for any data and size.

The arithmetic is plain functions; the widget checks compare positions with the font's own
metrics, so they hold for any font, screen or pixel ratio.
"""

from __future__ import annotations

import math

import pytest
from PySide6.QtCore import QRectF
from PySide6.QtGui import QFontMetricsF, QImage
from pytestqt.qtbot import QtBot

from newage_desktop.gui.docks.stats.chart import (
    Axis,
    TimeChart,
    nice_step,
    tick_labels,
    time_axis,
    to_pixels,
    value_axis,
)


@pytest.mark.parametrize(
    ("span", "count", "step"),
    [(60, 6, 10), (300, 6, 50), (71, 5, 20), (135, 5, 50), (3, 5, 1), (0.3, 5, 0.1), (1e6, 5, 2e5)],
)
def test_steps_are_one_two_or_five_times_a_power_of_ten(
    span: float, count: int, step: float
) -> None:
    assert nice_step(span, count) == pytest.approx(step)


@pytest.mark.parametrize("span", [0.0, -5.0, math.inf, math.nan])
def test_a_span_that_cannot_be_divided_gets_a_step_of_one(span: float) -> None:
    assert nice_step(span, 5) == 1.0


def test_values_run_from_zero_to_the_first_tick_at_or_above_the_peak() -> None:
    assert value_axis(71) == Axis(0, 80, 20)
    assert value_axis(80) == Axis(0, 80, 20)
    assert value_axis(1e6) == Axis(0, 1e6, 2e5)
    assert value_axis(0) == Axis(0, 1, 0.2)  # all zeros (or nothing yet): a flat line at 0
    assert value_axis(math.nan) == value_axis(math.inf) == value_axis(0)


@pytest.mark.parametrize(
    ("peak", "axis"),
    [(0, Axis(0, 3, 1)), (2, Axis(0, 3, 1)), (3, Axis(0, 4, 1)), (10, Axis(0, 15, 5))],
)
def test_counts_get_whole_ticks_from_zero_with_room_above(peak: float, axis: Axis) -> None:
    assert value_axis(peak, integer=True) == axis
    assert all(t.is_integer() for t in value_axis(peak, integer=True).ticks())


def test_ticks_are_the_multiples_of_the_step_on_the_axis() -> None:
    assert Axis(-60, 0, 10).ticks() == [-60, -50, -40, -30, -20, -10, 0]
    assert Axis(-45, 0, 10).ticks() == [-40, -30, -20, -10, 0]
    assert len(Axis(0, 1, 0.2).ticks()) == 6  # 5 × 0.2 is 1, despite binary fractions
    assert time_axis(-300, 0, 6) == Axis(-300, 0, 50)


@pytest.mark.parametrize(
    ("axis", "labels"),
    [
        (Axis(-60, 0, 20), ["-60", "-40", "-20", "0"]),
        (Axis(0, 1, 0.5), ["0", "0.5", "1.0"]),
        (Axis(0, 8000, 2000), ["0", "2000", "4000", "6000", "8000"]),
        (Axis(0, 20000, 5000), ["0", "5k", "10k", "15k", "20k"]),
        (Axis(0, 1e6, 5e5), ["0", "0.5M", "1.0M"]),
        (Axis(0, 3e9, 1e9), ["0", "1G", "2G", "3G"]),
    ],
)
def test_labels_are_short_and_share_one_unit_per_axis(axis: Axis, labels: list[str]) -> None:
    assert tick_labels(axis) == labels


def test_data_maps_left_to_right_and_bottom_up() -> None:
    area = QRectF(10, 20, 100, 50)
    points = to_pixels([-60, 0, -30], [0, 10, 5], Axis(-60, 0, 10), Axis(0, 10, 5), area)
    assert [(p.x(), p.y()) for p in points] == [(10, 70), (110, 20), (60, 45)]
    flat = to_pixels([0], [0], Axis(0, 0, 1), Axis(0, 0, 1), area)  # no span: no division
    assert (flat[0].x(), flat[0].y()) == (10, 70)
    with pytest.raises(ValueError):
        to_pixels([0, 1], [0], Axis(0, 1, 1), Axis(0, 1, 1), area)


# --- the widget ---------------------------------------------------------------------------------

DATA = {
    "empty": ([], []),
    "one point": ([0.0], [2.0]),
    "zeros": ([float(t) for t in range(-30, 1)], [0.0] * 31),
    "a million tokens/s": ([float(t) for t in range(-30, 1)], [1e6 + t * 1e4 for t in range(31)]),
}


@pytest.mark.parametrize("size", [(760, 200), (300, 160), (120, 60)])
@pytest.mark.parametrize("data", DATA.values(), ids=DATA.keys())
def test_every_label_fits_for_any_data_and_size(
    qtbot: QtBot, size: tuple[int, int], data: tuple[list[float], list[float]]
) -> None:
    chart = TimeChart()
    qtbot.addWidget(chart)
    chart.set_title("Tokens per second")
    chart.set_x_label("seconds")
    for key in ("tokensIn", "tokensOut"):
        chart.add_series(key, "#b3261e", dashed=key == "tokensOut")
        chart.set_data(key, *data)
    chart.set_x_range(-300, 0)
    chart.resize(*size)
    assert not chart.grab().isNull()  # painting copes (a single point, nothing, a tiny widget)

    metrics = QFontMetricsF(chart.font())
    area, y_axis, x_axis = chart.plot_area(), chart.y_axis(), chart.x_axis()
    assert 0 < area.left() <= area.right() < size[0] and 0 < area.top() <= area.bottom() < size[1]
    assert y_axis.high >= max(data[1], default=0)
    widest = max(metrics.horizontalAdvance(text) for text in tick_labels(y_axis))
    assert widest < area.left()  # value labels sit left of the plot, inside the widget
    x_labels = tick_labels(x_axis)
    if len(x_labels) > 1 and area.width() > 0:  # time labels do not overlap each other
        gap = area.width() * x_axis.step / (x_axis.high - x_axis.low)
        assert gap > max(metrics.horizontalAdvance(text) for text in x_labels)


def test_resizing_changes_the_ticks_not_the_data(qtbot: QtBot) -> None:
    chart = TimeChart()
    qtbot.addWidget(chart)
    chart.add_series("events", "#6a3fb5")
    chart.set_data("events", [-2.0, -1.0, 0.0], [10.0, 140.0, 30.0])
    chart.resize(760, 300)
    wide, tall = chart.x_axis(), chart.y_axis()
    chart.resize(250, 90)
    assert chart.x_axis().step > wide.step and chart.y_axis().step >= tall.step
    assert chart.y_axis().high >= 140 and chart.series["events"].ys == [10.0, 140.0, 30.0]


def test_it_paints_on_a_high_dpi_screen(qtbot: QtBot) -> None:
    chart = TimeChart(integer=True)
    qtbot.addWidget(chart)
    chart.add_series("clients", "#1a63c7")
    chart.set_data("clients", [-1.0, 0.0], [1.0, 2.0])
    chart.resize(400, 160)
    image = QImage(800, 320, QImage.Format.Format_ARGB32)
    image.setDevicePixelRatio(2.0)
    image.fill(0)
    chart.render(image)
    assert image.pixel(799, 319) != 0  # the whole image: 400 × 160 logical pixels at 2×


def test_points_and_values_must_pair_up(qtbot: QtBot) -> None:
    chart = TimeChart()
    qtbot.addWidget(chart)
    chart.add_series("events", "#6a3fb5")
    with pytest.raises(ValueError, match="2 x values but 1 y values"):
        chart.set_data("events", [-1.0, 0.0], [1.0])


def test_stacked_charts_share_their_left_edge(qtbot: QtBot) -> None:
    clients, tokens, alone = TimeChart(integer=True), TimeChart(), TimeChart(integer=True)
    TimeChart.align([clients, tokens])
    for chart, peak in ((clients, 3.0), (tokens, 150_000.0), (alone, 3.0)):
        qtbot.addWidget(chart)
        chart.add_series("s", "#1a63c7")
        chart.set_data("s", [-1.0, 0.0], [peak, peak])
        chart.resize(500, 150)
    assert clients.plot_area().left() == tokens.plot_area().left()
    assert clients.plot_area().left() > alone.plot_area().left()  # "150k" is wider than "4"
