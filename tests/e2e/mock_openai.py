"""An OpenAI-compatible mock backend for the end-to-end tests (SillyTavern's "Custom
(OpenAI-compatible)" chat completion source points at it).

The aiohttp server runs on 127.0.0.1 and a free port in a background thread with its own event
loop; the test thread controls and inspects it through a thread-safe API:

    mock = MockOpenAI()            # or the ``mock_openai`` fixture (started and stopped for you)
    mock.start()
    mock.script(["Hello", ", ", "café 日本語 🙂"], rate=20)   # the NEXT completion's reply
    mock.fail_next(500, "boom")    # the one after that fails
    mock.hang_next()               # ... and the one after that hangs until the client goes away
    req = mock.wait_for_request()  # a RecordedRequest (messages, model, stream, token times…)
    mock.stop()

Endpoints: ``GET /v1/models`` (SillyTavern's status check for a custom endpoint asks it; the
answer lists ``mock-model``), ``POST /v1/chat/completions`` (``stream: true`` → SSE
``chat.completion.chunk`` events, one token per chunk, then a finish chunk and ``data: [DONE]``;
``stream: false`` → one ``chat.completion``). Anything else answers 404 and is recorded in
``calls`` only. JSON is written with ``ensure_ascii=False``, so non-ASCII tokens travel as raw
UTF-8 bytes.

Every completion request consumes one queued action (script / failure / hang); with the queue
empty it answers DEFAULT_TOKENS at the default rate. SillyTavern's "dry run" prompt builds and
token counts never reach the backend, so ``requests`` holds exactly the real generations
(including quiet/background ones an extension might start).
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

MOCK_MODEL = "mock-model"
DEFAULT_TOKENS: tuple[str, ...] = ("Hello", " from", " the", " mock", " backend", ".")
DEFAULT_RATE = 50.0  # tokens per second
_POLL_S = 0.02


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _dumps(obj: Any) -> str:
    return json.dumps(obj, ensure_ascii=False, separators=(",", ":"))


@dataclass(frozen=True)
class TokenWrite:
    """One token written to the client: its text and when the write completed."""

    index: int
    text: str
    monotonic_ns: int
    time_ns: int


@dataclass
class RecordedRequest:
    """One ``POST /v1/chat/completions``, as received, and what happened to it."""

    index: int
    body: dict[str, Any]
    received_monotonic_ns: int
    received_time_ns: int
    action: str  # "script" | "default" | "fail" | "hang"
    tokens: list[str] = field(default_factory=list)  # what the mock meant to send
    status: int = 200
    token_writes: list[TokenWrite] = field(default_factory=list)
    # set when the response ended, whichever way
    finished: threading.Event = field(default_factory=threading.Event)
    # set when the mock saw the client close the connection before the response was complete
    client_disconnected: threading.Event = field(default_factory=threading.Event)
    completed: bool = False  # the whole response (finish chunk + [DONE] / JSON body) was written
    finished_monotonic_ns: int | None = None

    @property
    def messages(self) -> list[dict[str, Any]]:
        msgs = self.body.get("messages")
        return list(msgs) if isinstance(msgs, list) else []

    @property
    def model(self) -> str | None:
        model = self.body.get("model")
        return model if isinstance(model, str) else None

    @property
    def stream(self) -> bool:
        return bool(self.body.get("stream", False))

    @staticmethod
    def content_text(message: dict[str, Any]) -> str:
        """A message's text; multi-part content (a list of parts) is joined."""
        content = message.get("content")
        if isinstance(content, str):
            return content
        if isinstance(content, list):
            return "".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
        return ""

    @property
    def last_user_message(self) -> str | None:
        for msg in reversed(self.messages):
            if msg.get("role") == "user":
                return self.content_text(msg)
        return None

    @property
    def sent_text(self) -> str:
        """The text actually written to the client so far."""
        return "".join(w.text for w in self.token_writes)

    def wait_finished(self, timeout: float = 30.0) -> bool:
        return self.finished.wait(timeout)


@dataclass(frozen=True)
class _Action:
    kind: str  # "script" | "fail" | "hang"
    tokens: tuple[str, ...] = ()
    rate: float | None = None
    status: int = 500
    message: str = ""
    first_token: str | None = None


@dataclass(frozen=True)
class Call:
    """Any HTTP request the mock received (models checks, completions, unknown paths)."""

    method: str
    path: str
    monotonic_ns: int


class MockOpenAI:
    """See the module docstring. Thread-safe; start()/stop() or use as a context manager."""

    def __init__(
        self,
        *,
        default_tokens: tuple[str, ...] | list[str] = DEFAULT_TOKENS,
        default_rate: float | None = DEFAULT_RATE,
        model: str = MOCK_MODEL,
    ) -> None:
        self.default_tokens: tuple[str, ...] = tuple(default_tokens)
        self.default_rate = default_rate
        self.model = model
        self.port: int | None = None
        self._lock = threading.Lock()
        self._cond = threading.Condition(self._lock)
        self._queue: deque[_Action] = deque()
        self._requests: list[RecordedRequest] = []
        self._calls: list[Call] = []
        self._ids = itertools.count(1)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._thread: threading.Thread | None = None
        self._runner: web.AppRunner | None = None
        self._stopping: asyncio.Event | None = None
        self._started = threading.Event()
        self._start_error: BaseException | None = None

    # ----- life cycle ---------------------------------------------------------------------------
    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:PORT`` (no /v1)."""
        assert self.port is not None, "mock not started"
        return f"http://127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        """The OpenAI base URL to configure as SillyTavern's custom endpoint (ends with /v1)."""
        return f"{self.base_url}/v1"

    def start(self, timeout: float = 10.0) -> MockOpenAI:
        assert self._thread is None, "mock already started"
        self.port = _free_port()
        self._thread = threading.Thread(target=self._thread_main, name="mock-openai", daemon=True)
        self._thread.start()
        if not self._started.wait(timeout):
            raise RuntimeError("the mock OpenAI server did not start")
        if self._start_error is not None:
            raise RuntimeError("the mock OpenAI server failed to start") from self._start_error
        return self

    def stop(self, timeout: float = 10.0) -> None:
        if self._thread is None:
            return
        loop, stopping = self._loop, self._stopping
        if loop is not None and stopping is not None and not loop.is_closed():
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(stopping.set)
        self._thread.join(timeout)
        self._thread = None

    def __enter__(self) -> MockOpenAI:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _thread_main(self) -> None:
        loop = asyncio.new_event_loop()
        self._loop = loop
        asyncio.set_event_loop(loop)
        try:
            loop.run_until_complete(self._serve())
        except BaseException as e:  # pragma: no cover - reported through start()
            self._start_error = e
            self._started.set()
        finally:
            loop.close()

    async def _serve(self) -> None:
        self._stopping = asyncio.Event()
        app = web.Application()
        app.router.add_get("/v1/models", self._handle_models)
        app.router.add_get("/models", self._handle_models)
        app.router.add_post("/v1/chat/completions", self._handle_chat)
        app.router.add_post("/chat/completions", self._handle_chat)
        app.router.add_route("*", "/{tail:.*}", self._handle_other)
        # Client disconnects are detected by polling the transport (handlers are not cancelled).
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=1.0)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", self.port)
        await site.start()
        self._started.set()
        try:
            await self._stopping.wait()
        finally:
            await self._runner.cleanup()

    # ----- control (test thread) ----------------------------------------------------------------
    def script(self, tokens: list[str] | tuple[str, ...], rate: float | None = None) -> None:
        """Queue the reply of the next completion: ``tokens`` one per chunk at ``rate`` tokens
        per second (None: the mock's default rate; 0 or less: as fast as possible)."""
        with self._lock:
            self._queue.append(_Action("script", tuple(tokens), rate))

    def fail_next(self, status: int = 500, message: str = "mock backend failure") -> None:
        """Queue a failure: the next completion answers ``status`` with an OpenAI-style error
        body ``{"error": {"message": …, "type": "mock_error", "code": status}}``."""
        with self._lock:
            self._queue.append(_Action("fail", status=status, message=message))

    def hang_next(self, first_token: str | None = "…") -> None:
        """Queue a hang: the next completion sends its headers (and, streaming, ``first_token``
        if not None), then nothing until the client disconnects."""
        with self._lock:
            self._queue.append(_Action("hang", first_token=first_token))

    def clear_queue(self) -> None:
        with self._lock:
            self._queue.clear()

    def pending(self) -> int:
        """How many queued actions are still waiting for a request."""
        with self._lock:
            return len(self._queue)

    # ----- inspection (test thread) -------------------------------------------------------------
    @property
    def requests(self) -> list[RecordedRequest]:
        """Every chat completion received so far, oldest first (a copy of the list)."""
        with self._lock:
            return list(self._requests)

    @property
    def calls(self) -> list[Call]:
        """Every HTTP request received (any path), oldest first."""
        with self._lock:
            return list(self._calls)

    def models_checks(self) -> int:
        with self._lock:
            return sum(1 for c in self._calls if c.path.endswith("/models"))

    def wait_for_requests(self, count: int, timeout: float = 30.0) -> list[RecordedRequest]:
        """Block until at least ``count`` completions were received; returns them all."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while len(self._requests) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(
                        f"mock OpenAI: expected {count} completion request(s) within {timeout}s, "
                        f"got {len(self._requests)}; calls: "
                        f"{[(c.method, c.path) for c in self._calls]}"
                    )
                self._cond.wait(left)
            return list(self._requests)

    def wait_for_request(self, index: int | None = None, timeout: float = 30.0) -> RecordedRequest:
        """Block until completion number ``index`` (0-based) exists and return it. Default
        index: the next one, i.e. the first completion received after this call."""
        if index is None:
            with self._lock:
                index = len(self._requests)
        return self.wait_for_requests(index + 1, timeout)[index]

    # ----- handlers (event loop thread) ---------------------------------------------------------
    def _record_call(self, request: web.Request) -> None:
        with self._lock:
            self._calls.append(Call(request.method, request.path, time.monotonic_ns()))

    async def _handle_models(self, request: web.Request) -> web.Response:
        self._record_call(request)
        created = int(time.time())
        body = {
            "object": "list",
            "data": [{"id": self.model, "object": "model", "created": created, "owned_by": "mock"}],
        }
        return web.json_response(body, dumps=_dumps)

    async def _handle_other(self, request: web.Request) -> web.Response:
        self._record_call(request)
        err = {
            "error": {
                "message": f"mock: no route {request.method} {request.path}",
                "type": "invalid_request_error",
                "code": 404,
            }
        }
        return web.json_response(err, status=404, dumps=_dumps)

    def _next_action(self) -> _Action | None:
        with self._lock:
            return self._queue.popleft() if self._queue else None

    async def _handle_chat(self, request: web.Request) -> web.StreamResponse:
        self._record_call(request)
        try:
            body = await request.json()
        except (ValueError, UnicodeDecodeError):
            body = {"_unparsable": (await request.read()).decode("utf-8", "replace")}
        if not isinstance(body, dict):
            body = {"_non_object": body}
        action = self._next_action()
        if action is None:
            kind, tokens, rate = "default", self.default_tokens, self.default_rate
        else:
            kind, tokens = action.kind, action.tokens
            rate = action.rate if action.rate is not None else self.default_rate
        rec = RecordedRequest(
            index=0,
            body=body,
            received_monotonic_ns=time.monotonic_ns(),
            received_time_ns=time.time_ns(),
            action=kind,
            tokens=list(tokens),
        )
        with self._cond:
            rec.index = len(self._requests)
            self._requests.append(rec)
            self._cond.notify_all()
        try:
            if action is not None and action.kind == "fail":
                rec.status = action.status
                err = {
                    "error": {
                        "message": action.message,
                        "type": "mock_error",
                        "code": action.status,
                    }
                }
                resp = web.json_response(err, status=action.status, dumps=_dumps)
                rec.completed = True
                return resp
            if rec.stream:
                return await self._stream(request, rec, tokens, rate, action)
            return await self._plain(request, rec, tokens, rate, action)
        except asyncio.CancelledError:
            rec.client_disconnected.set()
            raise
        finally:
            rec.finished_monotonic_ns = time.monotonic_ns()
            rec.finished.set()

    @staticmethod
    def _closing(request: web.Request) -> bool:
        transport = request.transport
        return transport is None or transport.is_closing()

    async def _sleep_or_disconnect(self, request: web.Request, seconds: float) -> bool:
        """Sleep; True if the client disconnected meanwhile."""
        deadline = time.monotonic() + seconds
        while True:
            if self._closing(request):
                return True
            left = deadline - time.monotonic()
            if left <= 0:
                return False
            await asyncio.sleep(min(left, _POLL_S))

    async def _hang(self, request: web.Request, rec: RecordedRequest) -> None:
        while not self._closing(request):
            await asyncio.sleep(_POLL_S)
        rec.client_disconnected.set()

    def _chunk(
        self, cid: str, created: int, delta: dict[str, Any], finish: str | None = None
    ) -> bytes:
        obj = {
            "id": cid,
            "object": "chat.completion.chunk",
            "created": created,
            "model": self.model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
        }
        return f"data: {_dumps(obj)}\n\n".encode()

    async def _stream(
        self,
        request: web.Request,
        rec: RecordedRequest,
        tokens: tuple[str, ...],
        rate: float | None,
        action: _Action | None,
    ) -> web.StreamResponse:
        cid = f"chatcmpl-mock-{next(self._ids)}"
        created = int(time.time())
        resp = web.StreamResponse(
            status=200,
            headers={
                "Content-Type": "text/event-stream; charset=utf-8",
                "Cache-Control": "no-cache",
                "Connection": "keep-alive",
            },
        )
        try:
            await resp.prepare(request)
            await resp.write(self._chunk(cid, created, {"role": "assistant", "content": ""}))
            if action is not None and action.kind == "hang":
                if action.first_token is not None:
                    await self._write_token(resp, rec, cid, created, action.first_token)
                await self._hang(request, rec)
                return resp
            # Token i is due at the first write + i / rate: a fixed schedule, so the time each
            # write takes does not add up (sleeping 1/rate after each write gave ~74 tok/s for
            # 100 and ~200-285 for 500).
            interval = 1.0 / rate if rate is not None and rate > 0 else 0.0
            start = time.monotonic()
            for i, token in enumerate(tokens):
                wait = start + i * interval - time.monotonic()
                if i > 0 and interval > 0 and await self._sleep_or_disconnect(request, wait):
                    rec.client_disconnected.set()
                    return resp
                if self._closing(request):
                    rec.client_disconnected.set()
                    return resp
                await self._write_token(resp, rec, cid, created, token)
            await resp.write(self._chunk(cid, created, {}, "stop"))
            await resp.write(b"data: [DONE]\n\n")
            await resp.write_eof()
        except ConnectionResetError:  # a write after the client went away
            rec.client_disconnected.set()
            return resp
        rec.completed = True
        return resp

    async def _write_token(
        self, resp: web.StreamResponse, rec: RecordedRequest, cid: str, created: int, token: str
    ) -> None:
        await resp.write(self._chunk(cid, created, {"content": token}))
        rec.token_writes.append(
            TokenWrite(len(rec.token_writes), token, time.monotonic_ns(), time.time_ns())
        )

    async def _plain(
        self,
        request: web.Request,
        rec: RecordedRequest,
        tokens: tuple[str, ...],
        rate: float | None,
        action: _Action | None,
    ) -> web.StreamResponse:
        if action is not None and action.kind == "hang":
            await self._hang(request, rec)
            return web.Response(status=204)
        delay = (len(tokens) - 1) / rate if rate is not None and rate > 0 and tokens else 0.0
        if delay > 0 and await self._sleep_or_disconnect(request, delay):
            rec.client_disconnected.set()
            return web.Response(status=204)
        text = "".join(tokens)
        n_prompt = sum(len(RecordedRequest.content_text(m).split()) for m in rec.messages)
        obj = {
            "id": f"chatcmpl-mock-{next(self._ids)}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": self.model,
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": text},
                    "finish_reason": "stop",
                }
            ],
            "usage": {
                "prompt_tokens": n_prompt,
                "completion_tokens": len(tokens),
                "total_tokens": n_prompt + len(tokens),
            },
        }
        resp = web.Response(
            body=_dumps(obj).encode(), content_type="application/json", charset="utf-8"
        )
        try:
            await resp.prepare(request)
            await resp.write_eof()
        except ConnectionResetError:
            rec.client_disconnected.set()
            return resp
        now_m, now_t = time.monotonic_ns(), time.time_ns()
        rec.token_writes.append(TokenWrite(0, text, now_m, now_t))
        rec.completed = True
        return resp
