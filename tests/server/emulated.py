"""An emulated SillyTavern extension that answers LLM_REQUEST like the shipped one does."""

from __future__ import annotations

import asyncio
import uuid
from typing import Any

import socketio


class EmulatedExtension:
    """Streams `reply(request)` back in mini-streams of `batch` tokens: START, FIRST,
    MIDDLE…, LAST, END per batch, all of one output, with or without `requestId`."""

    def __init__(
        self,
        url: str,
        client_id: str,
        key: str,
        *,
        tokens: list[str] | None = None,
        batch: int = 5,
        send_request_id: bool = True,
        mode: str = "stream",  # "stream" | "message" | "silent" | "fail"
        delay: float = 0.0,
    ) -> None:
        self.url = url
        self.client_id = client_id
        self.key = key
        self.tokens = tokens or ["Bon", "jour", " ", "世", "界", "!"]
        self.batch = batch
        self.send_request_id = send_request_id
        self.mode = mode
        self.delay = delay
        self.requests: list[dict[str, Any]] = []
        self.received: dict[str, list[Any]] = {}
        self.sio = socketio.AsyncClient(
            reconnection=False, websocket_extra_options={"max_msg_size": 0}
        )
        self.sio.on("LLM_REQUEST", self._on_request, namespace="/llm")
        self.sio.on("*", self._on_any, namespace="/llm")
        self.tasks: list[asyncio.Task[None]] = []

    @property
    def text(self) -> str:
        return "".join(self.tokens)

    async def _on_any(self, event: str, *args: Any) -> None:
        self.received.setdefault(event, []).append(args[0] if args else None)

    async def connect(self) -> None:
        auth = {"clientId": self.client_id, "key": self.key, "clientType": "SillyTavern"}
        await self.sio.connect(self.url, namespaces=["/llm"], auth=auth, transports=["websocket"])

    async def close(self) -> None:
        await self.sio.disconnect()

    async def _on_request(self, request: dict[str, Any]) -> None:
        self.requests.append(request)
        if self.mode != "silent":
            self.tasks.append(asyncio.get_running_loop().create_task(self.answer(request)))

    async def emit(self, event: str, payload: dict[str, Any]) -> None:
        await self.sio.emit(event, payload, namespace="/llm")

    async def answer(self, request: dict[str, Any]) -> None:
        output_id = str(uuid.uuid4())
        rid = {"requestId": request["requestId"]} if self.send_request_id else {}
        if self.mode == "message":
            await self.emit("message", {"type": 0, "data": self.text, "outputId": output_id, **rid})
            return
        for start in range(0, len(self.tokens), self.batch):
            stream_id = str(uuid.uuid4())
            await self.emit(
                "CLIENT_STREAM_START",
                {"type": 1, "streamId": stream_id, "outputId": output_id, **rid},
            )
            part = self.tokens[start : start + self.batch]
            for i, token in enumerate(part):
                event = "CLIENT_STREAM_DATA_MIDDLE"
                if i == 0:
                    event = "CLIENT_STREAM_DATA_FIRST"
                elif i == len(part) - 1:
                    event = "CLIENT_STREAM_DATA_LAST"
                await self.emit(
                    event, {"type": 5, "streamId": stream_id, "chunkIndex": i, "data": token}
                )
                if self.delay:
                    await asyncio.sleep(self.delay)
            if self.mode == "fail":
                await self.emit(
                    "CLIENT_STREAM_DATA_FAILED", {"type": 8, "streamId": stream_id, "data": "boom"}
                )
                return
            await self.emit("CLIENT_STREAM_END", {"type": 3, "streamId": stream_id})
