"""The client SDK: authentication, LLM requests with streamed replies, function calls.

The socket.io-stream receiver side (PROTOCOL.md §8.4) is implemented here: each announced
`SERVER_STREAM_DATA` stream is read with `$stream-read` credits, every `$stream-write` is
acknowledged and its text handed to the reply it belongs to, in order.
"""

from __future__ import annotations

import asyncio
import base64
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable
from typing import Any

import socketio

LLM = "/llm"
READ_SIZE = 16384
REQUEST_CANCELLED = "Request cancelled."
_DONE = object()


class NewAgeError(Exception):
    """The server refused something; `str()` is its message."""


class Reply:
    """The answer to one LLM request: iterate it for text chunks as they arrive.

    A request's output may arrive as several consecutive streams (the SillyTavern extension
    streams a few tokens at a time), and the protocol does not say which stream is the last.
    The reply ends when the server reports the request `completed` (or `failed`) and no stream
    has opened for `linger` seconds after all announced ones ended. `cancel()` ends it at once;
    iterating then raises `NewAgeError('Request cancelled.')` unless some target had answered.
    """

    def __init__(
        self,
        request_id: str,
        *,
        linger: float,
        canceller: Callable[[str], Awaitable[None]] | None = None,
    ) -> None:
        self.request_id = request_id
        self.ack: dict[str, Any] | None = None
        self.status: str | None = None  # 'completed' / 'failed' / None while running
        self.error: str | None = None
        self.outputs: dict[str, str] = {}  # outputId -> text so far
        self._chunks: asyncio.Queue[object] = asyncio.Queue()
        self._open_streams: set[str] = set()
        self._linger = linger
        self._finisher: asyncio.TimerHandle | None = None
        self._finished = False
        self._canceller = canceller

    def __aiter__(self) -> AsyncIterator[str]:
        return self._iterate()

    async def _iterate(self) -> AsyncIterator[str]:
        while True:
            item = await self._chunks.get()
            if item is _DONE:
                self._chunks.put_nowait(_DONE)  # later iterations end at once too
                if self.status != "completed" and self.error:
                    raise NewAgeError(self.error)
                return
            assert isinstance(item, str)
            yield item

    async def text(self) -> str:
        """Wait for the whole reply; returns the text of all outputs, in arrival order."""
        return "".join([chunk async for chunk in self])

    async def cancel(self) -> None:
        """CANCEL_REQUEST for this reply's request; raises NewAgeError if the server refuses
        (`Request not found.` once it has completed)."""
        if self._canceller is None:
            raise NewAgeError("This reply cannot be cancelled.")
        await self._canceller(self.request_id)

    # --- fed by the client ---------------------------------------------------------------------
    def _chunk(self, output_id: str, text: str) -> None:
        if self._finished or not text:
            return
        self.outputs[output_id] = self.outputs.get(output_id, "") + text
        self._chunks.put_nowait(text)

    def _stream_opened(self, ss_id: str) -> None:
        self._open_streams.add(ss_id)
        if self._finisher is not None:
            self._finisher.cancel()
            self._finisher = None

    def _stream_closed(self, ss_id: str, error: str | None = None) -> None:
        self._open_streams.discard(ss_id)
        if error:
            self.error = error
        self._maybe_finish()

    def _status(self, status: str) -> None:
        if status in ("completed", "failed"):
            self.status = status
            if status == "failed" and not self.error:
                self.error = "Request failed."
            self._maybe_finish()

    def _fail(self, message: str) -> None:
        self.error = message
        if self.status is None and not self._open_streams:
            self.status = "failed"
            self._finish()

    def _cancelled(self) -> None:
        """Our CANCEL_REQUEST was accepted: its effects came before the ack, nothing follows."""
        if self.status != "completed":
            self.status = "failed"
            self.error = REQUEST_CANCELLED
        self._open_streams.clear()
        if self._finisher is not None:
            self._finisher.cancel()
            self._finisher = None
        self._finish()

    def _maybe_finish(self) -> None:
        if self.status is None or self._open_streams or self._finished:
            return
        if self._finisher is not None:
            self._finisher.cancel()
        self._finisher = asyncio.get_running_loop().call_later(self._linger, self._finish)

    def _finish(self) -> None:
        if not self._finished:
            self._finished = True
            self._chunks.put_nowait(_DONE)


class NewAgeClient:
    """One authenticated connection (several namespaces over one Engine.IO connection)."""

    def __init__(
        self,
        url: str,
        *,
        client_id: str,
        key: str,
        client_type: str = "client",
        identity: str | None = None,
        desc: str = "",
        namespaces: Iterable[str] = (LLM, "/auth", "/clients", "/rooms", "/function_call"),
        linger: float = 0.5,
    ) -> None:
        self.url = url
        self.auth: dict[str, str] = {
            "clientId": client_id,
            "key": key,
            "clientType": client_type,
            "desc": desc,
        }
        if identity:
            self.auth["identity"] = identity
        self.namespaces = list(namespaces)
        self.linger = linger
        # A response update carries the whole text twice (message, data; §7.11): aiohttp's
        # default 4 MiB frame limit would drop the client on a long answer.
        self.sio = socketio.AsyncClient(
            reconnection=False, websocket_extra_options={"max_msg_size": 0}
        )
        self._replies: dict[str, Reply] = {}
        self._streams: dict[str, tuple[Reply, str]] = {}  # ssId -> (reply, outputId)
        self._refusals: dict[str, str] = {}
        self._install_handlers()

    async def __aenter__(self) -> NewAgeClient:
        await self.connect()
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.close()

    async def connect(self, timeout: float = 10) -> None:
        try:
            await self.sio.connect(
                self.url, namespaces=self.namespaces, auth=self.auth, transports=["websocket"],
                wait_timeout=timeout,
            )  # fmt: skip
        except socketio.exceptions.ConnectionError as exc:
            reason = next(iter(self._refusals.values()), None)
            raise NewAgeError(reason or str(exc)) from exc
        if self._refusals:
            await self.sio.disconnect()
            raise NewAgeError(next(iter(self._refusals.values())))

    async def close(self) -> None:
        await self.sio.disconnect()

    # --- requests ------------------------------------------------------------------------------
    async def call(
        self, namespace: str, event: str, payload: Any = None, timeout: float = 10
    ) -> Any:
        """Send an event and return its ack (for admin and room events)."""
        args = () if payload is None else (payload,)
        return await self.sio.call(event, *args, namespace=namespace, timeout=timeout)

    async def extensions(self) -> list[str]:
        answer = await self.call(LLM, "GET_SILLYTAVERN_EXTENSION")
        if answer.get("status") != "ok":
            raise NewAgeError(answer.get("message", "error"))
        return list(answer["extensions"])

    async def request(
        self,
        message: str,
        *,
        target: str | list[str] | None = None,
        target_room: str | None = None,
        request_id: str | None = None,
        **fields: Any,
    ) -> Reply:
        """Send an LLM_REQUEST; iterate the returned Reply for the streamed text."""
        request_id = request_id or str(uuid.uuid4())
        reply = Reply(request_id, linger=self.linger, canceller=self.cancel)
        self._replies[request_id] = reply
        payload: dict[str, Any] = {"requestId": request_id, "message": message, **fields}
        if target is not None:
            payload["target"] = target
        if target_room is not None:
            payload["targetRoom"] = target_room
        ack = await self.call(LLM, "LLM_REQUEST", payload)
        reply.ack = ack
        if ack.get("status") != "ok":
            self._replies.pop(request_id, None)
            raise NewAgeError(ack.get("message", "LLM request refused"))
        return reply

    async def cancel(self, request_id: str) -> None:
        """CANCEL_REQUEST (§7.14): the server stops the request and tells its extensions.

        Raises NewAgeError with the server's message: `Request not found.` (unknown or
        already completed), `Permission denied.` (another client's request).
        """
        ack = await self.call(LLM, "CANCEL_REQUEST", {"requestId": request_id})
        if not isinstance(ack, dict) or ack.get("status") != "ok":
            message = ack.get("message") if isinstance(ack, dict) else None
            raise NewAgeError(message or "Cancel refused.")
        reply = self._replies.get(request_id)
        if reply is not None:
            reply._cancelled()

    async def call_function(
        self, name: str, *args: Any, target: str = "server", timeout: float = 10
    ) -> Any:
        """FUNCTION_CALL; returns `result`, raises NewAgeError with the error message."""
        answer = await self.call(
            "/function_call",
            "FUNCTION_CALL",
            {
                "requestId": str(uuid.uuid4()),
                "functionName": name,
                "args": list(args),
                "target": target,
            },
            timeout=timeout,
        )
        if not answer or not answer.get("success"):
            message = (answer or {}).get("error", {}).get("message", "Function call failed.")
            raise NewAgeError(message)
        return answer.get("result")

    # --- receiving -----------------------------------------------------------------------------
    def _install_handlers(self) -> None:
        on = self.sio.on
        for namespace in self.namespaces:
            on("connect_error", self._refused(namespace), namespace=namespace)
        on("$stream", self._on_stream, namespace=LLM)
        on("$stream-write", self._on_write, namespace=LLM)
        on("$stream-end", self._on_end, namespace=LLM)
        on("$stream-error", self._on_error, namespace=LLM)
        on("message", self._on_message, namespace=LLM)
        on("REQUEST_STATUS_UPDATE", self._on_status, namespace=LLM)
        on("ERROR", self._on_server_error, namespace=LLM)

    def _refused(self, namespace: str) -> Any:
        def handler(data: Any = None) -> None:
            message = data.get("message") if isinstance(data, dict) else data
            self._refusals[namespace] = str(message)

        return handler

    async def _on_stream(self, name: Any, handle: Any = None, meta: Any = None) -> None:
        if name != "SERVER_STREAM_DATA" or not isinstance(handle, dict):
            return
        ss_id = handle.get("$stream")
        meta = meta if isinstance(meta, dict) else {}
        reply = self._replies.get(meta.get("requestId", ""))
        if not isinstance(ss_id, str) or reply is None:
            return  # not ours: never reading it makes the server drop it eventually
        self._streams[ss_id] = (reply, str(meta.get("outputId", "")))
        reply._stream_opened(ss_id)
        await self.sio.emit("$stream-read", (ss_id, READ_SIZE), namespace=LLM)

    async def _on_write(self, ss_id: Any, chunk: Any = None, encoding: Any = "utf8") -> None:
        entry = self._streams.get(ss_id) if isinstance(ss_id, str) else None
        if entry is None:
            return
        reply, output_id = entry
        if isinstance(chunk, bytes):
            text = chunk.decode("utf-8")
        elif encoding == "base64" and isinstance(chunk, str):
            text = base64.b64decode(chunk).decode("utf-8")
        else:
            text = str(chunk)
        reply._chunk(output_id, text)
        await self.sio.emit("$stream-read", (ss_id, READ_SIZE), namespace=LLM)

    async def _on_end(self, ss_id: Any = None) -> None:
        entry = self._streams.pop(ss_id, None) if isinstance(ss_id, str) else None
        if entry is not None:
            entry[0]._stream_closed(ss_id)

    async def _on_error(self, ss_id: Any = None, message: Any = None) -> None:
        entry = self._streams.pop(ss_id, None) if isinstance(ss_id, str) else None
        if entry is not None:
            entry[0]._stream_closed(ss_id, str(message))

    async def _on_message(self, data: Any = None) -> None:
        if not isinstance(data, dict) or data.get("source") != "server":
            return
        reply = self._replies.get(data.get("requestId", ""))
        if reply is not None and isinstance(data.get("data"), str):
            reply._chunk(str(data.get("outputId", "")), data["data"])

    async def _on_status(self, data: Any = None) -> None:
        if isinstance(data, dict):
            reply = self._replies.get(data.get("requestId", ""))
            if reply is not None:
                reply._status(str(data.get("status")))

    async def _on_server_error(self, data: Any = None) -> None:
        if isinstance(data, dict):
            reply = self._replies.get(data.get("requestId") or "")
            if reply is not None:
                reply._fail(str(data.get("message")))
