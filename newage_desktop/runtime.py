"""The server on its own asyncio loop in a worker thread, with a thread-safe API for a GUI.

The relay must not share a loop with Qt: on a qasync loop every `call_soon` becomes a Qt event
and the relay costs ~3x more CPU per token (measured; see docs/PERFORMANCE.md). So the server
keeps a plain asyncio loop (uvloop where installed) in a worker thread; the GUI awaits work on
it through `acall` and receives core events through a queue it drains on a timer, so a token
storm becomes a few repaints.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import logging
import threading
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from newage_desktop.core import events as ev
from newage_desktop.core.store.datadir import DataDir
from newage_desktop.core.store.logs import LOGGER_NAME, upstream_level
from newage_desktop.eventloop import new_event_loop
from newage_desktop.transport.server import RelayServer

log = logging.getLogger("newage")
T = TypeVar("T")


class ServerRuntime:
    """Owns the worker thread, its loop and one RelayServer; every method is thread-safe."""

    def __init__(
        self, datadir: DataDir, *, host: str | None = None, port: int | None = None
    ) -> None:
        self.datadir = datadir
        self.host = host
        self.port = port
        self.events = EventInbox()
        self.server: RelayServer | None = None
        self._loop = new_event_loop()
        self._thread = threading.Thread(target=self._run_loop, name="newage-server", daemon=True)
        self._thread.start()
        self._log_handler = _QueueLogHandler(self.events)
        logging.getLogger(LOGGER_NAME).addHandler(self._log_handler)

    def _run_loop(self) -> None:
        asyncio.set_event_loop(self._loop)
        self._loop.run_forever()

    @property
    def loop(self) -> asyncio.AbstractEventLoop:
        return self._loop

    @property
    def running(self) -> bool:
        return self.server is not None

    # --- running work on the server loop -------------------------------------------------------
    def submit(self, fn: Callable[[], Awaitable[T] | T]) -> concurrent.futures.Future[T]:
        """Run `fn` on the server loop (awaiting it if it returns an awaitable)."""

        async def run() -> T:
            result = fn()
            if asyncio.iscoroutine(result) or isinstance(result, asyncio.Future):
                return await result  # type: ignore[no-any-return]
            return result  # type: ignore[return-value]

        return asyncio.run_coroutine_threadsafe(run(), self._loop)

    async def acall(self, fn: Callable[[], Awaitable[T] | T]) -> T:
        """Await `fn` from another loop (the GUI's qasync loop)."""
        return await asyncio.wrap_future(self.submit(fn))

    def call(self, fn: Callable[[], Awaitable[T] | T], timeout: float | None = 30) -> T:
        """Blocking variant, for code outside any loop (tests, shutdown)."""
        return self.submit(fn).result(timeout)

    # --- lifecycle -----------------------------------------------------------------------------
    async def _start(self) -> str:
        server = RelayServer(self.datadir, host=self.host, port=self.port)
        server.core.bus.subscribe(self.events.put)
        await server.start()
        self.server = server
        server.announce()
        return server.url

    async def _stop(self) -> None:
        server, self.server = self.server, None
        if server is not None:
            await server.stop()

    def start(self) -> concurrent.futures.Future[str]:
        """Start listening; the future gives the URL or raises (StartupError, corrupt file)."""
        return self.submit(self._start)

    def stop(self) -> concurrent.futures.Future[None]:
        return self.submit(self._stop)

    def drain(self) -> list[ev.CoreEvent]:
        """Core events published since the last drain (called by the GUI's timer)."""
        return self.events.take()

    def close(self, timeout: float = 15) -> None:
        """Stop the server and the worker thread (Quit)."""
        logging.getLogger(LOGGER_NAME).removeHandler(self._log_handler)
        if not self._thread.is_alive():
            return
        try:
            self.stop().result(timeout)
            asyncio.run_coroutine_threadsafe(_cancel_leftovers(), self._loop).result(timeout)
        except Exception:
            log.exception("stopping the server failed")
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout)
        if not self._loop.is_running():
            self._loop.close()

    def core_call(self, fn: Callable[[Any], Awaitable[T] | T]) -> concurrent.futures.Future[T]:
        """`fn(core)` on the server loop; raises RuntimeError if the server is not running."""

        def run() -> Awaitable[T] | T:
            if self.server is None:
                raise RuntimeError("The server is not running.")
            return fn(self.server.core)

        return self.submit(run)


async def _cancel_leftovers() -> None:
    """Library tasks that outlive a server stop (Engine.IO pings) end with the loop."""
    current = asyncio.current_task()
    tasks = [t for t in asyncio.all_tasks() if t is not current]
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)


class EventInbox:
    """Core events waiting for the GUI, filled by the server thread.

    Consecutive chunks of the same output are merged as they arrive, so a stream of thousands
    of tokens per second reaches the GUI as a few events per drain, in the original order.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._events: list[ev.CoreEvent] = []

    def put(self, event: ev.CoreEvent) -> None:
        with self._lock:
            events = self._events
            if isinstance(event, ev.LlmChunk) and events:
                last = events[-1]
                if (
                    isinstance(last, ev.LlmChunk)
                    and last.request_id == event.request_id
                    and last.output_id == event.output_id
                ):
                    events[-1] = ev.LlmChunk(
                        last.request_id, last.output_id, last.extension, last.text + event.text
                    )
                    return
            events.append(event)

    def take(self) -> list[ev.CoreEvent]:
        with self._lock:
            events, self._events = self._events, []
        return events


class _QueueLogHandler(logging.Handler):
    """Log records as core events, for the log view; formatting happens in the GUI thread."""

    def __init__(self, sink: EventInbox) -> None:
        super().__init__(logging.DEBUG)
        self._sink = sink

    def emit(self, record: logging.LogRecord) -> None:
        try:
            message = record.getMessage()
        except Exception:
            message = str(record.msg)
        self._sink.put(ev.LogRecorded(record.created, upstream_level(record.levelno), message))
