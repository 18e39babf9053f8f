"""Core tests run without sockets: a recording gateway stands in for the transport."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable
from pathlib import Path
from typing import Any

import pytest

from newage_desktop.core.app import Core
from newage_desktop.core.store.datadir import DataDir


class RecordingGateway:
    def __init__(self) -> None:
        self.sent: list[tuple[str, str, str, Any]] = []  # (sid, namespace, event, data)
        self.dropped: list[tuple[str, str]] = []
        self.acks: list[Callable[..., None]] = []  # write acks the "receiver" has not sent yet

    async def emit(self, sids: Iterable[str], namespace: str, event: str, data: Any) -> None:
        for sid in sids:
            self.sent.append((sid, namespace, event, data))

    async def disconnect(self, sid: str, namespace: str) -> None:
        self.dropped.append((sid, namespace))

    async def send(
        self,
        sid: str,
        namespace: str,
        event: str,
        args: list[Any],
        on_ack: Callable[..., None] | None = None,
    ) -> None:
        self.sent.append((sid, namespace, event, args))
        if on_ack is not None:
            self.acks.append(on_ack)

    def events_to(self, sid: str) -> list[tuple[str, Any]]:
        return [(event, data) for s, _, event, data in self.sent if s == sid]


@pytest.fixture
def gateway() -> RecordingGateway:
    return RecordingGateway()


@pytest.fixture
async def core(tmp_path: Path, gateway: RecordingGateway) -> AsyncIterator[Core]:
    c = Core(DataDir(tmp_path / "data"))
    c.open()
    c.attach(gateway)
    yield c
    c.close()
