"""The Statistics dock samples the core's counters and plots clients, tokens/s and events/s.

The charts themselves (ticks, labels, drawing) are specified in test_stats_chart.py.
"""

from __future__ import annotations

import openai
import pytest
from pytestqt.qtbot import QtBot

from newage_desktop.client import NewAgeClient
from newage_desktop.gui.bridge import CoreBridge
from newage_desktop.gui.docks.stats import StatsDock
from newage_desktop.gui.docks.stats.model import WINDOW_SECONDS, Reading, StatsModel
from newage_desktop.gui.resources import install_translators, remove_translators
from tests.gui.conftest import run_async
from tests.gui.docks.conftest import ModelCheck
from tests.gui.docks.helpers import server_url, trust_with_key
from tests.server.emulated import EmulatedExtension


@pytest.fixture
def dock(qtbot: QtBot, bridge: CoreBridge) -> StatsDock:
    widget = StatsDock(bridge)
    qtbot.addWidget(widget)
    widget.timer.stop()  # the test takes the samples itself
    run_async(widget.settle())
    assert widget.objectName() == "statsDock"
    return widget


def test_rates_are_counter_differences_and_the_window_is_bounded(
    check_models: ModelCheck,
) -> None:
    model = StatsModel(capacity=3)
    check_models(model)
    assert model.add(Reading(100.0, 1, 0, 10, 0, 0)) is None  # a rate needs two readings
    sample = model.add(Reading(102.0, 2, 1, 30, 100, 50))
    assert sample is not None
    assert (sample.events, sample.tokens_in, sample.tokens_out) == (10.0, 50.0, 25.0)
    for t in (103.0, 104.0, 105.0):
        model.add(Reading(t, 2, 1, 30, 100, 50))
    assert [s.time for s in model.samples()] == [103.0, 104.0, 105.0]
    assert model.series("clients") == ([-2.0, -1.0, 0.0], [2, 2, 2])
    model.restart()  # a new server run: counters start from zero again
    assert model.add(Reading(106.0, 0, 0, 0, 0, 0)) is None
    assert model.add(Reading(107.0, 0, 0, 5, 0, 0)).events == 5.0  # type: ignore[union-attr]


def test_live_plots_follow_clients_tokens_and_events(
    qtbot: QtBot, bridge: CoreBridge, dock: StatsDock, check_models: ModelCheck
) -> None:
    check_models(dock.model)
    dock.show()
    ext_key = trust_with_key(bridge, "tavern")
    extension = EmulatedExtension(server_url(bridge), "tavern", ext_key, tokens=["a"] * 40)
    run_async(extension.connect())
    user_key = trust_with_key(bridge, "user")
    user = NewAgeClient(server_url(bridge), client_id="user", key=user_key, namespaces=["/llm"])
    run_async(user.connect())

    run_async(dock.sample())
    before = len(dock.model.samples())
    qtbot.wait(300)
    reply = run_async(user.request("hi", target="tavern"))
    assert run_async(reply.text()) == "a" * 40
    run_async(dock.sample())
    assert len(dock.model.samples()) == before + 1
    sample = dock.model.samples()[-1]
    assert sample.clients == 2 and sample.extensions == 1
    assert sample.tokens_in > 0 and sample.tokens_out > 0 and sample.events > 0
    clients = dock.curves["clients"]
    assert (clients.xs, clients.ys) == dock.model.series("clients")
    assert clients.xs[-1] == 0.0 and clients.ys[-1] == 2 and len(clients.xs) == before + 1
    # Whole clients only: the axis runs from 0 to a whole number above the count, in whole steps.
    axis = dock.clients_plot.y_axis()
    assert axis.low == 0 and axis.high > 2 and axis.high.is_integer() and axis.step.is_integer()
    assert "Clients: 2 (extensions: 1)" in dock.summary.text()

    # A streamed request over the OpenAI-compatible API shows as API requests and tokens.
    api = openai.AsyncOpenAI(
        base_url=f"{server_url(bridge)}/v1", api_key=f"user:{user_key}", max_retries=0
    )

    async def streamed() -> str:  # on the loop the emulated extension runs on
        stream = await api.chat.completions.create(
            model="tavern", messages=[{"role": "user", "content": "hi"}], stream=True
        )
        return "".join([c.choices[0].delta.content or "" async for c in stream])

    assert run_async(streamed()) == "a" * 40
    run_async(dock.sample())
    sample = dock.model.samples()[-1]
    assert sample.api_requests == 1 and sample.tokens_api > 0
    assert "OpenAI API: 1 requests" in dock.summary.text()
    assert dock.curves["tokensApi"].ys[-1] > 0

    for client in (user, extension):
        run_async(client.close())
    run_async(dock.sample())
    assert dock.model.samples()[-1].clients == 0
    assert dock.curves["events"].ys[-1] >= 0


def test_polls_every_second_while_running(qtbot: QtBot, bridge: CoreBridge) -> None:
    dock = StatsDock(bridge)
    qtbot.addWidget(dock)
    assert dock.timer.isActive()
    qtbot.waitUntil(lambda: dock.model.rowCount() >= 2, timeout=4000)


def test_the_time_axis_grows_from_a_minute_to_the_window(dock: StatsDock) -> None:
    assert dock.model.samples() == []
    dock.redraw()
    assert [chart.x_range for chart in dock.charts] == [(-60.0, 0.0)] * 3
    for t in range(122):  # two minutes of samples (the first reading is only the base)
        dock.model.add(Reading(float(t), 1, 0, 0, 0, 0))
    dock.redraw()
    assert [chart.x_range for chart in dock.charts] == [(-120.0, 0.0)] * 3
    for t in range(122, 2000, 2):  # readings two seconds apart: the window caps the axis
        dock.model.add(Reading(float(t), 1, 0, 0, 0, 0))
    dock.redraw()
    assert [chart.x_range for chart in dock.charts] == [(-float(WINDOW_SECONDS), 0.0)] * 3
    assert len(dock.curves["clients"].xs) == WINDOW_SECONDS


def test_charts_are_redrawn_only_while_visible(qtbot: QtBot, dock: StatsDock) -> None:
    assert not dock.isVisible()
    for _ in range(2):  # what the timer does each second
        run_async(dock.sample())
    assert dock.model.samples() != []
    assert dock.curves["clients"].ys == []  # nothing drawn while nobody looks
    dock.show()  # then the samples taken while hidden
    qtbot.waitUntil(lambda: dock.curves["clients"].xs == dock.model.series("clients")[0])


def test_titles_and_legends_speak_the_language(qtbot: QtBot, bridge: CoreBridge) -> None:
    translators = install_translators("zh_CN")
    try:
        dock = StatsDock(bridge)
        qtbot.addWidget(dock)
        dock.timer.stop()
        run_async(dock.settle())
        assert dock.clients_plot.title == "已连接的客户端"
        assert [s.label for s in dock.clients_plot.series.values()] == ["客户端", "扩展"]
        assert dock.curves["tokensOut"].label == "发往客户端"
        assert dock.events_plot.x_label == "秒"
    finally:
        remove_translators(translators)
    qtbot.waitUntil(lambda: dock.curves["tokensOut"].label == "to clients")
    assert dock.clients_plot.title == "Connected clients"
    # Equal in- and outgoing token rates would hide one line: the outgoing one is dashed.
    assert [column for column, s in dock.curves.items() if s.dashed] == ["tokensOut"]
