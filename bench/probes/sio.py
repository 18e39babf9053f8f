"""python-socketio clients with byte counters, timeouts everywhere, and an emulated extension."""

from __future__ import annotations

import asyncio
import contextlib
import re
import uuid
from collections import Counter
from collections.abc import Callable
from typing import Any

import socketio

TIMEOUT = "timeout"
_EVENT = re.compile(r'^[25](?:\d+-)?(?:/[^,]*,)?\d*\["((?:[^"\\]|\\.)*)"')


class CountingClient(socketio.AsyncClient):  # type: ignore[misc]
    """Counts the characters of every Socket.IO text packet it receives, per event name."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(reconnection=False, **kwargs)
        self.bytes_total = 0
        self.bytes_by_event: Counter[str] = Counter()
        self.count_by_event: Counter[str] = Counter()
        self.max_by_event: Counter[str] = Counter()
        self.drop_reason: str | None = None

    async def _handle_eio_message(self, data: Any) -> None:
        n = len(data)
        self.bytes_total += n
        if isinstance(data, str):
            m = _EVENT.match(data[:300])
            name = m.group(1) if m else "(other)"
            self.bytes_by_event[name] += n
            self.count_by_event[name] += 1
            self.max_by_event[name] = max(self.max_by_event[name], n)
        await super()._handle_eio_message(data)

    async def _handle_eio_disconnect(self, reason: Any = None) -> None:
        if self.drop_reason is None:
            self.drop_reason = str(reason)
        await super()._handle_eio_disconnect(reason)


class Sock:
    """One program's Engine.IO connection with some namespaces; refusals kept per namespace."""

    def __init__(self, url: str, auth: Any, namespaces: list[str], **kw: Any) -> None:
        self.url = url
        self.auth = auth
        self.namespaces = namespaces
        self.sio = CountingClient(**kw)
        self.refusals: dict[str, Any] = {}
        self.queues: dict[tuple[str, str], asyncio.Queue[Any]] = {}
        self.closed_by_server = False
        for ns in namespaces:
            self.sio.on("connect_error", self._refused(ns), namespace=ns)
            self.sio.on("disconnect", self._gone, namespace=ns)

    def _refused(self, ns: str) -> Callable[..., None]:
        def handler(data: Any = None) -> None:
            self.refusals[ns] = data

        return handler

    def _gone(self, *args: Any) -> None:
        self.closed_by_server = True

    def queue(self, ns: str, event: str) -> asyncio.Queue[Any]:
        if (ns, event) not in self.queues:
            q: asyncio.Queue[Any] = asyncio.Queue()
            self.queues[(ns, event)] = q
            self.sio.on(event, lambda *a: q.put_nowait(a[0] if a else None), namespace=ns)
        return self.queues[(ns, event)]

    async def connect(self, timeout: float = 10, headers: dict[str, str] | None = None) -> str:
        """'connected', or the refusal message / error text (never raises)."""
        try:
            await asyncio.wait_for(
                self.sio.connect(
                    self.url,
                    namespaces=self.namespaces,
                    auth=self.auth,
                    transports=["websocket"],
                    wait_timeout=timeout,
                    headers=headers or {},
                ),
                timeout + 2,
            )
        except (TimeoutError, socketio.exceptions.ConnectionError, OSError) as exc:
            await asyncio.sleep(0.05)
            for data in self.refusals.values():
                if isinstance(data, dict) and "message" in data:
                    return str(data["message"])
                return str(data)
            return f"error: {exc or type(exc).__name__}"
        await asyncio.sleep(0.05)
        for data in self.refusals.values():
            return str(data.get("message") if isinstance(data, dict) else data)
        return "connected"

    async def call(self, ns: str, event: str, payload: Any = None, timeout: float = 10) -> Any:
        try:
            return await self.sio.call(event, payload, namespace=ns, timeout=timeout)
        except socketio.exceptions.TimeoutError:
            return TIMEOUT
        except socketio.exceptions.BadNamespaceError:
            return "not connected"

    async def emit(self, ns: str, event: str, payload: Any) -> None:
        with contextlib.suppress(socketio.exceptions.BadNamespaceError):
            await self.sio.emit(event, payload, namespace=ns)

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await asyncio.wait_for(self.sio.disconnect(), 5)


async def attempt(url: str, ns: str, auth: Any, timeout: float = 10) -> str:
    """One handshake; 'connected' or the refusal message. The socket is closed again."""
    s = Sock(url, auth, [ns])
    try:
        return await s.connect(timeout)
    finally:
        await s.close()


def ack_text(ack: Any) -> str:
    if isinstance(ack, dict):
        if ack.get("status") == "ok":
            return "ok"
        if "message" in ack:
            return str(ack["message"])
        if "success" in ack:
            inner = ack.get("result")
            if ack.get("success") and isinstance(inner, dict) and "success" in inner:
                return "success" if inner["success"] else f"refused: {inner.get('error')}"
            if not ack.get("success"):
                return f"failed: {(ack.get('error') or {}).get('message')}"
            return "success"
    return str(ack)[:80]


class StreamReader:
    """Receives forwarded streams the way §8.4 says, on one Sock's /llm."""

    def __init__(self, sock: Sock) -> None:
        self.sock = sock
        self.text: dict[str, list[str]] = {}
        self.meta: dict[str, Any] = {}
        self.ended: set[str] = set()
        self.failed: dict[str, str] = {}
        sio = sock.sio
        sio.on("$stream", self._open, namespace="/llm")
        sio.on("$stream-write", self._write, namespace="/llm")
        sio.on("$stream-end", self._end, namespace="/llm")
        sio.on("$stream-error", self._error, namespace="/llm")

    async def _open(self, name: Any, handle: Any = None, meta: Any = None) -> None:
        if name != "SERVER_STREAM_DATA" or not isinstance(handle, dict):
            return
        ss_id = str(handle.get("$stream"))
        self.text[ss_id] = []
        self.meta[ss_id] = meta
        await self.sock.emit("/llm", "$stream-read", (ss_id, 16384))

    async def _write(self, ss_id: Any, chunk: Any = None, encoding: Any = "utf8") -> None:
        if isinstance(chunk, bytes):
            chunk = chunk.decode()
        self.text.setdefault(ss_id, []).append(str(chunk))
        asyncio.get_running_loop().create_task(
            self.sock.emit("/llm", "$stream-read", (ss_id, 16384))
        )

    async def _end(self, ss_id: Any = None) -> None:
        self.ended.add(ss_id)

    async def _error(self, ss_id: Any = None, message: Any = None) -> None:
        self.failed[ss_id] = str(message)

    def total_chars(self) -> int:
        return sum(len(c) for parts in self.text.values() for c in parts)


class Extension:
    """An emulated SillyTavern extension: answers each LLM_REQUEST with `streams` streams of
    `chunks` chunks of `chunk` text, all of one output."""

    def __init__(
        self,
        url: str,
        client_id: str,
        key: str,
        *,
        streams: int = 1,
        chunks: int = 5,
        chunk: str = "token ",
        final: bool = False,
    ) -> None:
        self.sock = Sock(
            url, {"clientId": client_id, "key": key, "clientType": "SillyTavern"}, ["/llm"]
        )
        self.streams = streams
        self.chunks = chunks
        self.chunk = chunk
        self.final = final
        self.requests: list[dict[str, Any]] = []
        self.done = 0
        self.errors = 0
        self.sock.sio.on("LLM_REQUEST", self._on_request, namespace="/llm")
        self.tasks: set[asyncio.Task[None]] = set()

    async def connect(self) -> str:
        return await self.sock.connect()

    async def _on_request(self, request: Any) -> None:
        if not isinstance(request, dict):
            return
        self.requests.append(request)
        task = asyncio.get_running_loop().create_task(self._answer(request))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def _answer(self, request: dict[str, Any]) -> None:
        try:
            output_id = str(uuid.uuid4())
            emit = self.sock.emit
            for s in range(self.streams):
                sid = str(uuid.uuid4())
                await emit(
                    "/llm",
                    "CLIENT_STREAM_START",
                    {
                        "type": 1,
                        "streamId": sid,
                        "outputId": output_id,
                        "requestId": request.get("requestId"),
                    },
                )
                for i in range(self.chunks):
                    event = "CLIENT_STREAM_DATA_MIDDLE"
                    if i == 0:
                        event = "CLIENT_STREAM_DATA_FIRST"
                    elif i == self.chunks - 1:
                        event = "CLIENT_STREAM_DATA_LAST"
                    await emit(
                        "/llm",
                        event,
                        {
                            "type": 5,
                            "streamId": sid,
                            "chunkIndex": i,
                            "data": self.chunk,
                        },
                    )
                end: dict[str, Any] = {"type": 3, "streamId": sid}
                if self.final and s == self.streams - 1:
                    end["final"] = True
                await emit("/llm", "CLIENT_STREAM_END", end)
            self.done += 1
        except Exception:
            self.errors += 1

    async def close(self) -> None:
        await self.sock.close()


def random_id(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:8]}"
