"""The end-to-end client: a Node process (newage_client.js) using the real socket.io-client and
@sap_oss/node-socketio-stream, driven with JSON lines; its events are collected here."""

from __future__ import annotations

import json
import shutil
import subprocess
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

E2E_DIR = Path(__file__).resolve().parent
CLIENT_JS = E2E_DIR / "newage_client.js"

Event = dict[str, Any]


class NodeClient:
    """One client process; ``events`` grows as the process prints them."""

    def __init__(self, url: str, client_id: str, key: str, *, admin: bool = False) -> None:
        node = shutil.which("node")
        assert node is not None, "node is required"
        self.name = client_id
        params = {"url": url, "clientId": client_id, "key": key, "admin": admin}
        self.proc = subprocess.Popen(
            [node, str(CLIENT_JS), json.dumps(params)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            encoding="utf-8",
            bufsize=1,
        )
        self.events: list[Event] = []
        self.stderr: list[str] = []
        self._cond = threading.Condition()
        threading.Thread(target=self._read, daemon=True).start()
        threading.Thread(target=self._read_err, daemon=True).start()
        namespaces = 3 if admin else 2
        self.wait_for(lambda e: e["event"] == "connected", count=namespaces, what="connected")

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            try:
                event = json.loads(line)
            except json.JSONDecodeError:
                event = {"event": "stdout", "line": line.rstrip()}
            with self._cond:
                self.events.append(event)
                self._cond.notify_all()

    def _read_err(self) -> None:
        assert self.proc.stderr is not None
        for line in self.proc.stderr:
            self.stderr.append(line.rstrip())

    def send(self, cmd: str, **fields: Any) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(json.dumps({"cmd": cmd, **fields}) + "\n")
        self.proc.stdin.flush()

    def wait_for(
        self,
        pred: Callable[[Event], bool],
        *,
        timeout: float = 30.0,
        count: int = 1,
        what: str = "",
    ) -> list[Event]:
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                found = [e for e in self.events if pred(e)]
                if len(found) >= count:
                    return found
                left = deadline - time.monotonic()
                if left <= 0 or self.proc.poll() is not None:
                    tail = "\n".join(json.dumps(e, ensure_ascii=False) for e in self.events[-15:])
                    raise AssertionError(
                        f"{self.name}: no {what or 'matching event'} within {timeout} s "
                        f"(have {len(found)}/{count}); last events:\n{tail}\n"
                        f"stderr: {self.stderr[-10:]}"
                    )
                self._cond.wait(min(left, 0.2))

    # ---- requests --------------------------------------------------------------------------

    def request(self, request_id: str, message: str = "", **fields: Any) -> Event:
        self.send("request", requestId=request_id, message=message, **fields)
        (ack,) = self.wait_for(
            lambda e: e["event"] == "ack" and e["requestId"] == request_id, what="LLM_REQUEST ack"
        )
        result: Event = ack["ack"]
        return result

    def cancel(self, request_id: str) -> Event:
        return self._command_ack(
            "cancel",
            lambda e: e["event"] == "cancel-ack" and e["requestId"] == request_id,
            "CANCEL_REQUEST ack",
            requestId=request_id,
        )["ack"]

    def of(self, request_id: str, event: str | None = None) -> list[Event]:
        with self._cond:
            return [
                e
                for e in self.events
                if e.get("requestId") == request_id and (event is None or e["event"] == event)
            ]

    def text(self, request_id: str) -> str:
        return "".join(e["text"] for e in self.of(request_id, "chunk"))

    def wait_stream_closed(self, request_id: str, *, timeout: float = 60.0) -> Event:
        (last,) = self.wait_for(
            lambda e: (
                e.get("requestId") == request_id and e["event"] in ("stream-end", "stream-error")
            ),
            timeout=timeout,
            what=f"end of the stream of {request_id}",
        )
        return last

    def wait_message(self, request_id: str, *, timeout: float = 60.0) -> Event:
        (msg,) = self.wait_for(
            lambda e: e["event"] == "message" and e["payload"].get("requestId") == request_id,
            timeout=timeout,
            what=f"non-stream message of {request_id}",
        )
        return msg

    # ---- admin -----------------------------------------------------------------------------

    def pending(self) -> list[Event]:
        found = self._command_ack(
            "pending", lambda e: e["event"] == "pending", "GET_KEY_REQUESTS ack"
        )
        requests: list[Event] = found["requests"]
        return requests

    def approve(self, room_id: str) -> Event:
        return self._command_ack(
            "approve", lambda e: e["event"] == "approve-ack", "approval", roomId=room_id
        )["ack"]

    def call(self, payload: dict[str, Any]) -> Event:
        return self._command_ack(
            "call", lambda e: e["event"] == "call-ack", "FUNCTION_CALL ack", payload=payload
        )["ack"]

    def _command_ack(
        self, cmd: str, answer: Callable[[Event], bool], what: str, **fields: Any
    ) -> Event:
        """Send a command and wait for its own answer: the next event matching `answer` after
        those already received (the same command may have been answered before)."""
        before = sum(1 for e in self.events if answer(e))
        self.send(cmd, **fields)
        return self.wait_for(answer, count=before + 1, what=what)[-1]

    def close(self) -> None:
        if self.proc.poll() is None:
            try:
                self.send("quit")
                self.proc.wait(timeout=3)
            except (OSError, subprocess.TimeoutExpired):
                self.proc.kill()
                self.proc.wait()
