"""The OpenAI-compatible HTTP API: `POST /v1/chat/completions`, `GET /v1/models[/{id}]`.

The core does the work (`core/openai/`); this module reads bodies, writes JSON and
Server-Sent Events in the shapes the official clients parse, and notices a client that has
gone away (aiohttp does not cancel handlers on disconnect), which cancels its request.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any, Final

import orjson
from aiohttp import web

from newage_desktop.core.app import Core
from newage_desktop.core.openai.body import ChatRequest, decode, parse_chat
from newage_desktop.core.openai.errors import INVALID_REQUEST, NOT_FOUND, ApiError, too_large
from newage_desktop.core.openai.service import OpenAiService
from newage_desktop.core.openai.session import CompletionSession

log = logging.getLogger("newage")

ROOM_HEADER: Final = "X-NewAge-Room"
CLIENT_ID_HEADER: Final = "X-Client-Id"
REQUEST_ID_HEADER: Final = "X-NewAge-Request-Id"
QUEUE_HEADER: Final = "X-NewAge-Queue-Position"
WATCH_SECONDS: Final = 0.25  # how often a waiting handler checks that its client is still there
KEEPALIVE_SECONDS: Final = 15.0  # an SSE comment while nothing else is sent (queued, thinking)
_READ_CHUNK: Final = 65536

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


def add_routes(app: web.Application, core: Core) -> OpenAiService:
    service = OpenAiService(core)
    routes = _Routes(core, service)
    app.router.add_post("/v1/chat/completions", routes.chat)
    app.router.add_get("/v1/models", routes.models)
    app.router.add_get("/v1/models/{model}", routes.model)
    app.router.add_route("*", "/v1/chat/completions", routes.wrong_method)
    app.router.add_route("*", "/v1/models", routes.wrong_method)
    app.router.add_route("*", "/v1/{tail:.*}", routes.unknown)
    app.on_response_prepare.append(_cors_headers)
    return service


_EXPOSED: Final = ", ".join((REQUEST_ID_HEADER, QUEUE_HEADER, "x-should-retry", "Retry-After"))


async def _cors_headers(request: web.Request, response: web.StreamResponse) -> None:
    """CORS for /v1, so web apps can call it: an `Origin` that reached a handler is one the
    operator allows (setting corsAllowedOrigins, checked by `http.origin_middleware`)."""
    origin = request.headers.get("Origin")
    if origin is None or not request.path.startswith("/v1/"):
        return
    response.headers["Access-Control-Allow-Origin"] = origin
    response.headers["Vary"] = "Origin"
    response.headers["Access-Control-Expose-Headers"] = _EXPOSED


def error_response(error: ApiError, headers: dict[str, str] | None = None) -> web.Response:
    extra = dict(headers or {})
    extra["x-should-retry"] = "true" if error.retry else "false"
    if error.status == 429 and error.retry:
        extra["Retry-After"] = "1"
    return web.Response(
        status=error.status,
        body=orjson.dumps(error.body()),
        content_type="application/json",
        headers=extra,
    )


class _Routes:
    def __init__(self, core: Core, service: OpenAiService) -> None:
        self.core = core
        self.service = service

    async def _client(self, request: web.Request) -> Any:
        return await self.service.auth.authenticate(
            request.headers.get("Authorization"),
            request.headers.get(CLIENT_ID_HEADER),
            request.remote or "unknown",
        )

    async def models(self, request: web.Request) -> web.Response:
        try:
            await self._client(request)
        except ApiError as error:
            return error_response(error)
        return web.json_response(self.service.models(), dumps=_dumps)

    async def model(self, request: web.Request) -> web.Response:
        try:
            await self._client(request)
            return web.json_response(self.service.model(request.match_info["model"]), dumps=_dumps)
        except ApiError as error:
            return error_response(error)

    async def wrong_method(self, request: web.Request) -> web.Response:
        allowed = "POST" if request.path.endswith("/completions") else "GET"
        if request.method == "OPTIONS":  # a browser's CORS preflight
            return _preflight(request, allowed)
        error = ApiError(
            405,
            f"{request.method} is not supported on {request.path}: use {allowed}.",
            INVALID_REQUEST,
            "method_not_supported",
        )
        return error_response(error, {"Allow": allowed})

    async def unknown(self, request: web.Request) -> web.Response:
        if request.method == "OPTIONS" and request.path.startswith("/v1/models/"):
            return _preflight(request, "GET")
        error = ApiError(
            404,
            f"Unknown endpoint {request.method} {request.path}: NewAge Desktop serves "
            "POST /v1/chat/completions and GET /v1/models.",
            NOT_FOUND,
            "unknown_url",
        )
        return error_response(error)

    async def chat(self, request: web.Request) -> web.StreamResponse:
        settings = self.core.settings
        try:
            client = await self._client(request)
            raw = await _read_body(request, settings.max_payload_bytes)
            chat = parse_chat(decode(raw, settings.max_payload_depth))
            session = await self.service.start(client, chat, request.headers.get(ROOM_HEADER))
        except ApiError as error:
            return error_response(error)
        headers = {
            REQUEST_ID_HEADER: session.request_id,
            QUEUE_HEADER: str(session.queue_position),
        }
        watcher = asyncio.get_running_loop().create_task(_watch(request, session))
        try:
            if chat.stream:
                return await self._stream(request, session, headers)
            return await _complete(session, chat, headers)
        finally:
            watcher.cancel()
            try:
                await self.service.finish(session)
            except Exception:
                log.exception(f"ending API request {session.request_id} failed")

    async def _stream(
        self, request: web.Request, session: CompletionSession, headers: dict[str, str]
    ) -> web.StreamResponse:
        response = web.StreamResponse(
            status=200,
            headers={
                "Content-Type": "text/event-stream; charset=utf-8",
                "Cache-Control": "no-cache",
                "X-Accel-Buffering": "no",
                **headers,
            },
        )
        frame = _ChunkFrame(session)
        try:
            await response.prepare(request)
            await response.write(
                f": queue-position {session.queue_position}\n\n".encode() + frame.role()
            )
            while True:
                await session.wait()
                pieces = session.take()
                if pieces:
                    await response.write(b"".join(frame.content(p) for p in pieces))
                    self.service.count_chunks(len(pieces))
                elif session.keepalive_due:
                    session.keepalive_due = False
                    await response.write(b": keep-alive\n\n")
                if session.done:
                    break
            if session.abandoned:
                return response
            if session.error is not None:
                await response.write(b"data: " + orjson.dumps(session.error.body()) + b"\n\n")
            else:
                await response.write(frame.finish() + b"data: [DONE]\n\n")
            await response.write_eof()
        except (ConnectionError, RuntimeError) as exc:  # "Cannot write to closing transport"
            log.debug(f"API stream {session.request_id} closed by its client: {exc}")
            session.abandon()
        return response


async def _complete(
    session: CompletionSession, chat: ChatRequest, headers: dict[str, str]
) -> web.Response:
    pieces: list[str] = []
    while not session.done:
        await session.wait()
        pieces.extend(session.take())
    pieces.extend(session.take())
    if session.error is not None:
        return error_response(session.error, headers)
    body = {
        "id": f"chatcmpl-{session.request_id}",
        "object": "chat.completion",
        "created": session.created,
        "model": session.extension,
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": "".join(pieces), "refusal": None},
                "logprobs": None,
                "finish_reason": "stop",
            }
        ],
    }
    return web.Response(body=orjson.dumps(body), content_type="application/json", headers=headers)


def _preflight(request: web.Request, allowed: str) -> web.Response:
    """204 for a CORS preflight; the headers the page asks to send are allowed (the official
    JavaScript client sends several of its own besides Authorization and Content-Type)."""
    asked = request.headers.get("Access-Control-Request-Headers", "")
    return web.Response(
        status=204,
        headers={
            "Allow": f"{allowed}, OPTIONS",
            "Access-Control-Allow-Methods": f"{allowed}, OPTIONS",
            "Access-Control-Allow-Headers": asked or "Authorization, Content-Type",
            "Access-Control-Max-Age": "600",
        },
    )


class _ChunkFrame:
    """`chat.completion.chunk` events, their fixed part encoded once per request."""

    def __init__(self, session: CompletionSession) -> None:
        head = {
            "id": f"chatcmpl-{session.request_id}",
            "object": "chat.completion.chunk",
            "created": session.created,
            "model": session.extension,
        }
        # `{"id":…,"model":…,` then the choices: one object per event.
        self._head = b"data: " + orjson.dumps(head)[:-1] + b',"choices":[{"index":0,"delta":'

    def _event(self, delta: bytes, finish: bytes = b"null") -> bytes:
        return self._head + delta + b',"logprobs":null,"finish_reason":' + finish + b"}]}\n\n"

    def role(self) -> bytes:
        return self._event(b'{"role":"assistant","content":""}')

    def content(self, text: str) -> bytes:
        return self._event(b'{"content":' + orjson.dumps(text) + b"}")

    def finish(self) -> bytes:
        return self._event(b"{}", b'"stop"')


async def _read_body(request: web.Request, limit: int) -> bytes:
    """The whole body, at most `limit` bytes (setting maxPayloadBytes), else 413."""
    length = request.content_length
    if length is not None and length > limit:
        raise too_large(limit)
    parts: list[bytes] = []
    size = 0
    try:
        while True:
            part = await request.content.read(_READ_CHUNK)
            if not part:
                break
            size += len(part)
            if size > limit:
                raise too_large(limit)
            parts.append(part)
    except ApiError:
        raise
    except Exception as exc:  # a truncated or malformed transfer
        raise ApiError(
            400, f"The request body could not be read: {exc}", INVALID_REQUEST, "bad_body"
        ) from None
    return b"".join(parts)


async def _watch(request: web.Request, session: CompletionSession) -> None:
    """Abandon the session when the client's connection closes; ask for keep-alives."""
    idle = 0.0
    with contextlib.suppress(asyncio.CancelledError):
        while not session.done:
            await asyncio.sleep(WATCH_SECONDS)
            transport = request.transport
            if transport is None or transport.is_closing():
                session.abandon()
                return
            idle += WATCH_SECONDS
            if idle >= KEEPALIVE_SECONDS:
                idle = 0.0
                session.keepalive_due = True
                session.wake()


def _dumps(value: Any) -> str:
    return orjson.dumps(value).decode()
