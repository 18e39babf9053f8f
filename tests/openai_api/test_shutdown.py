"""A server that stops ends open /v1 answers at once, with a reason."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

import openai
import pytest

from newage_desktop.transport.server import RelayServer
from tests.openai_api.conftest import EchoExtension, until

HI = [{"role": "user", "content": "hi"}]


async def test_a_stop_ends_open_streams_with_the_reason(
    server: RelayServer,
    api: Callable[..., openai.AsyncOpenAI],
    extension: Callable[..., Awaitable[EchoExtension]],
) -> None:
    ext = await extension(mode="silent")
    stream = await api().chat.completions.create(model="st", messages=HI, stream=True)
    await until(lambda: bool(ext.requests))

    async def read() -> None:
        async for _chunk in stream:
            pass

    reader = asyncio.ensure_future(read())
    await asyncio.sleep(0.1)
    await server.stop()
    assert not server.core.relay.taps
    with pytest.raises(openai.APIError) as raised:
        await asyncio.wait_for(reader, 5)
    assert raised.value.message == "Server is shutting down."
