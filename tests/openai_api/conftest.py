"""Fixtures for the OpenAI-compatible API: the real server, emulated extensions, and the
official `openai` Python client pointed at `<server>/v1` (no retries, so each call is one
request and its error is the one raised)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import openai
import pytest

from newage_desktop.core import events as ev
from newage_desktop.core.store.datadir import DataDir
from newage_desktop.transport.server import RelayServer
from tests.server.conftest import datadir, provision, write_settings
from tests.server.emulated import EmulatedExtension

__all__ = ["datadir"]


@pytest.fixture
async def server(datadir: DataDir, request: pytest.FixtureRequest) -> AsyncIterator[RelayServer]:
    """The real server; `@pytest.mark.settings(name=value, ...)` writes its settings first."""
    marker = request.node.get_closest_marker("settings")
    if marker is not None:
        write_settings(datadir, **marker.kwargs)
    srv = RelayServer(datadir, host="127.0.0.1", port=0)
    await srv.start()
    yield srv
    await srv.stop()


class EchoExtension(EmulatedExtension):
    """Answers each request with its own text, so concurrent answers can be told apart."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.reply: Callable[[dict[str, Any]], list[str]] | None = None

    async def answer(self, request: dict[str, Any]) -> None:
        if self.reply is None or self.mode != "stream":
            await super().answer(request)
            return
        tokens = self.reply(request)  # this request's own, while others stream theirs
        output_id = str(uuid.uuid4())
        for start in range(0, len(tokens), self.batch):
            stream_id = str(uuid.uuid4())
            ids = {"streamId": stream_id, "outputId": output_id}
            await self.emit(
                "CLIENT_STREAM_START", {"type": 1, **ids, "requestId": request["requestId"]}
            )
            for i, token in enumerate(tokens[start : start + self.batch]):
                await self.emit(
                    "CLIENT_STREAM_DATA_MIDDLE",
                    {"type": 5, "streamId": stream_id, "chunkIndex": i, "data": token},
                )
                await asyncio.sleep(self.delay)
            await self.emit("CLIENT_STREAM_END", {"type": 3, "streamId": stream_id})


async def until(predicate: Callable[[], bool], timeout: float = 5) -> None:
    async def poll() -> None:
        while not predicate():
            await asyncio.sleep(0.01)

    await asyncio.wait_for(poll(), timeout)


@pytest.fixture
def api(server: RelayServer, datadir: DataDir) -> Callable[..., openai.AsyncOpenAI]:
    """`api(client_id)`: an AsyncOpenAI client with a fresh trusted key of `client_id`."""
    made: list[openai.AsyncOpenAI] = []

    def make(client_id: str = "app", *, api_key: str | None = None, **options: Any) -> Any:
        if api_key is None:
            api_key = f"{client_id}:{provision(datadir, client_id)}"
        client = openai.AsyncOpenAI(
            base_url=f"{server.url}/v1", api_key=api_key, max_retries=0, **options
        )
        made.append(client)
        return client

    return make


@pytest.fixture
async def extension(
    server: RelayServer, datadir: DataDir
) -> AsyncIterator[Callable[..., Awaitable[EchoExtension]]]:
    made: list[EchoExtension] = []

    async def make(client_id: str = "st", **options: Any) -> EchoExtension:
        ext = EchoExtension(server.url, client_id, provision(datadir, client_id) or "", **options)
        await ext.connect()
        made.append(ext)
        return ext

    yield make
    for ext in made:
        if ext.sio.connected:
            await ext.close()


@pytest.fixture
def ended(server: RelayServer) -> dict[str, ev.LlmRequestEnded]:
    """Request id -> how the core ended it (`LlmRequestEnded`)."""
    seen: dict[str, ev.LlmRequestEnded] = {}

    def on(event: Any) -> None:
        if isinstance(event, ev.LlmRequestEnded):
            seen[event.request_id] = event

    server.core.bus.subscribe(on)
    return seen
