"""Dock tests use the fixtures of tests/gui/conftest.py (runtime, bridge, loop), plus these."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator

import pytest
from PySide6.QtCore import QAbstractItemModel

from newage_desktop.core.store.logs import LOGGER_NAME


@pytest.fixture
def newage_logging() -> Iterator[None]:
    """Log records of the `newage` logger at INFO and above reach the event stream (as in the
    app, whose log set-up raises the level; a bare test process leaves it at WARNING)."""
    logger = logging.getLogger(LOGGER_NAME)
    before = logger.level
    logger.setLevel(logging.INFO)
    try:
        yield
    finally:
        logger.setLevel(before)


ModelCheck = Callable[..., None]


@pytest.fixture
def check_models(request: pytest.FixtureRequest) -> Iterator[ModelCheck]:
    """`check_models(a, b, …)`: Qt's model tester on each model from now until the test ends.

    Like `qtmodeltester.check`, but for several models at once (one tester each), so every
    later change of each model is checked too; a failure fails the test.
    """
    from pytestqt.modeltest import ModelTester  # needs pytest-qt's Qt API set up first

    testers: list[ModelTester] = []

    def check(*models: QAbstractItemModel) -> None:
        for model in models:
            tester = ModelTester(request.config)
            tester.check(model)
            testers.append(tester)

    yield check
    for tester in testers:
        tester._cleanup()
