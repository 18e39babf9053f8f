"""Two fixes to Engine.IO's aiohttp driver, installed per server instance.

- aiohttp accepts the client's permessage-deflate offer by default, so every outgoing frame of
  the token relay was zlib-compressed: CPU per token for frames of a few dozen bytes. Our
  WebSocket is made without compression.
- A long-polling POST is read with one `read(length)`, which on aiohttp may return only part of
  the body (large payloads arrive in several TCP reads); the truncated JSON then failed to
  parse and the message was lost. Our request translation reads the body exactly.
"""

from __future__ import annotations

from typing import Any

from aiohttp import StreamReader
from aiohttp.web import WebSocketResponse
from engineio.async_drivers import aiohttp as eio_aiohttp


class UncompressedWebSocket(eio_aiohttp.WebSocket):  # type: ignore[misc]
    async def __call__(self, environ: dict[str, Any]) -> WebSocketResponse:
        request = environ["aiohttp.request"]
        self._sock = WebSocketResponse(
            max_msg_size=self.server.max_http_buffer_size, compress=False
        )
        await self._sock.prepare(request)
        self.environ = environ
        await self.handler(self)
        return self._sock


class _ExactBody:
    """`wsgi.input` whose `read(n)` returns n bytes (or all there is)."""

    def __init__(self, stream: StreamReader) -> None:
        self._stream = stream

    async def read(self, length: int = -1) -> bytes:
        if length < 0:
            return await self._stream.read()
        chunks: list[bytes] = []
        remaining = length
        while remaining > 0:
            chunk = await self._stream.read(remaining)
            if not chunk:
                break
            chunks.append(chunk)
            remaining -= len(chunk)
        return b"".join(chunks)


def _translate_request(request: Any) -> dict[str, Any]:
    environ: dict[str, Any] = eio_aiohttp.translate_request(request)
    environ["wsgi.input"] = _ExactBody(request.content)
    return environ


def install(eio_server: Any) -> None:
    """Apply both fixes to one Engine.IO server."""
    eio_server._async = {
        **eio_server._async,
        "websocket": UncompressedWebSocket,
        "translate_request": _translate_request,
    }
