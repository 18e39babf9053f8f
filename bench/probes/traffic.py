"""Issue 8 items 7, 8 and 9: MESSAGE_UPDATED traffic, per-request cost, client-list broadcasts."""

from __future__ import annotations

import asyncio
import statistics
import time
import uuid
from typing import Any

from bench.probes.harness import Ctx, Result, new_data, provision, running
from bench.probes.sio import Extension, Sock, StreamReader

MB = 1_000_000
LIST_EVENTS = ("UPDATE_CONNECTED_CLIENTS", "CONNECTED_CLIENTS_UPDATE")


async def _quiet(counters: list[Any], idle: float = 3.0, limit: float = 180.0) -> None:
    """Wait until none of the clients received anything for `idle` seconds."""
    deadline = time.monotonic() + limit
    last = -1
    while time.monotonic() < deadline:
        now = sum(c.bytes_total for c in counters)
        if now == last:
            return
        last = now
        await asyncio.sleep(idle)


async def message_updated(ctx: Ctx) -> Result:
    """One output of 20 streams of 200 KB to a default python-socketio client."""
    streams, size = (5, 51_200) if ctx.quick else (20, 204_800)
    data = new_data(ctx)
    ckey = provision(data, "probe-client")
    ekey = provision(data, "probe-ext")
    assert ckey and ekey
    async with running(ctx, data) as srv:
        ext = Extension(
            srv.url, "probe-ext", ekey, streams=streams, chunks=4, chunk="a" * (size // 4)
        )
        client = Sock(srv.url, {"clientId": "probe-client", "key": ckey}, ["/llm"])
        reader = StreamReader(client)
        await ext.connect()
        await client.connect()
        rss0 = srv.rss_mb()
        ack = await client.call(
            "/llm", "LLM_REQUEST", {"requestId": str(uuid.uuid4()), "message": "go"}
        )
        for _ in range(1200):
            if ext.done or ext.errors:
                break
            await asyncio.sleep(0.1)
        await _quiet([client.sio, ext.sock.sio])
        await asyncio.sleep(5)
        rss1 = srv.rss_mb()
        c, e = client.sio, ext.sock.sio
        seen = {
            "events": c.count_by_event["MESSAGE_UPDATED"],
            "client": c.bytes_by_event["MESSAGE_UPDATED"],
            "largest": c.max_by_event["MESSAGE_UPDATED"],
            "ext": e.bytes_by_event["MESSAGE_UPDATED"],
            "client_total": c.bytes_total,
            "ext_total": e.bytes_total,
            "stream_chars": reader.total_chars(),
        }
        ext.streams, ext.chunks, ext.chunk = 1, 1, "ok"  # the next request gets a tiny answer
        dropped = c.drop_reason or ("closed by server" if client.closed_by_server else None)
        # the next tiny request, from a fresh client if the first one is gone
        nxt = client
        if dropped:
            nxt = Sock(
                srv.url,
                {"clientId": "probe-client", "key": ckey, "identity": "probe-client-2"},
                ["/llm"],
            )
            await nxt.connect()
        before = e.bytes_by_event["LLM_REQUEST"]
        await nxt.call(
            "/llm",
            "LLM_REQUEST",
            {"requestId": str(uuid.uuid4()), "message": "tiny", "targetRoom": "probe-client"},
        )
        await asyncio.sleep(2)
        next_forward = e.bytes_by_event["LLM_REQUEST"] - before
        alive = srv.alive()
        await client.close()
        await nxt.close()
        await ext.close()
    total = streams * size
    figures = {
        "request_ack": ack.get("status") if isinstance(ack, dict) else str(ack),
        "output_chars": total,
        "client_MESSAGE_UPDATED_events": seen["events"],
        "client_MESSAGE_UPDATED_MB": round(seen["client"] / MB, 1),
        "largest_event_MB": round(seen["largest"] / MB, 2),
        "extension_MESSAGE_UPDATED_MB": round(seen["ext"] / MB, 1),
        "client_total_MB": round(seen["client_total"] / MB, 1),
        "extension_total_MB": round(seen["ext_total"] / MB, 1),
        "server_rss_before_MB": rss0,
        "server_rss_after_MB": rss1,
        "client_dropped": dropped or "no",
        "extension_dropped": e.drop_reason or "no",
        "client_stream_chars": seen["stream_chars"],
        "next_tiny_request_forward_MB": round(next_forward / MB, 2),
        "server_alive": alive,
    }
    summary = (
        f"{streams}x{size // 1000} KB: {figures['client_MESSAGE_UPDATED_events']} MESSAGE_UPDATED, "
        f"{figures['client_MESSAGE_UPDATED_MB']} MB to the client, "
        f"{figures['extension_MESSAGE_UPDATED_MB']} MB to the extension, largest "
        f"{figures['largest_event_MB']} MB; RSS {rss0} -> {rss1} MB; client dropped: "
        f"{figures['client_dropped']}; stream text received {seen['stream_chars']}/{total}; "
        f"next tiny request forwarded {figures['next_tiny_request_forward_MB']} MB"
    )
    return Result("message_updated", summary, figures)


async def request_cost(ctx: Ctx) -> Result:
    """Requests by 4 clients into one room through one emulated extension, in windows."""
    total, window = (400, 100) if ctx.quick else (2000, 250)
    budget = 90.0 if ctx.quick else 270.0  # stop sending after this; report what was measured
    data = new_data(ctx)
    akey = provision(data, "probe-admin", monitor=True)
    ekey = provision(data, "probe-ext")
    keys = [provision(data, f"probe-c{i}") for i in range(4)]
    assert akey and ekey
    room = "bench-room"
    async with running(ctx, data) as srv:
        admin = Sock(
            srv.url, {"clientId": "probe-admin", "key": akey, "clientType": "monitor"}, ["/rooms"]
        )
        await admin.connect()
        await admin.call("/rooms", "CREATE_ROOM", {"roomName": room})
        for i in range(4):
            await admin.call(
                "/rooms", "ADD_CLIENT_TO_ROOM", {"identity": f"probe-c{i}", "roomName": room}
            )
        ext = Extension(
            srv.url,
            "probe-ext",
            ekey,
            chunks=5,
            chunk="lorem ipsum dolor sit amet, consectetur adipiscing elit.",
        )
        await ext.connect()
        clients = []
        pending: dict[str, asyncio.Future[str]] = {}

        def on_status(update: Any) -> None:
            if isinstance(update, dict) and update.get("status") in ("completed", "failed"):
                fut = pending.get(str(update.get("requestId")))
                if fut and not fut.done():
                    fut.set_result(update["status"])

        for i, key in enumerate(keys):
            c = Sock(srv.url, {"clientId": f"probe-c{i}", "key": key}, ["/llm"])
            StreamReader(c)
            c.sio.on("REQUEST_STATUS_UPDATE", on_status, namespace="/llm")
            await c.connect()
            clients.append(c)
        windows: list[dict[str, Any]] = []
        done = 0
        timed_out = 0
        latencies: list[float] = []
        mark = (
            time.monotonic(),
            srv.cpu_s(),
            sum(c.sio.bytes_by_event["UPDATE_CONTEXT_PAGE"] for c in clients),
        )
        rss0 = srv.rss_mb()
        fds0 = srv.fds()
        lock = asyncio.Lock()

        async def close_window() -> None:
            nonlocal mark
            t, cpu, pages = (
                time.monotonic(),
                srv.cpu_s(),
                sum(c.sio.bytes_by_event["UPDATE_CONTEXT_PAGE"] for c in clients),
            )
            windows.append(
                {
                    "requests": done,
                    "req_per_s": round(window / (t - mark[0]), 1),
                    "median_latency_ms": round(statistics.median(latencies) * 1000),
                    "server_cpu_s": round(cpu - mark[1], 1),
                    "context_pages_MB": round((pages - mark[2]) / MB, 1),
                }
            )
            latencies.clear()
            mark = (t, cpu, pages)

        async def run_client(c: Sock, n: int) -> None:
            nonlocal done, timed_out
            for _ in range(n):
                rid = str(uuid.uuid4())
                fut: asyncio.Future[str] = asyncio.get_running_loop().create_future()
                pending[rid] = fut
                t0 = time.monotonic()
                await c.emit(
                    "/llm", "LLM_REQUEST", {"requestId": rid, "message": "ping", "targetRoom": room}
                )
                try:
                    await asyncio.wait_for(fut, 30)
                except TimeoutError:
                    timed_out += 1
                pending.pop(rid, None)
                async with lock:
                    latencies.append(time.monotonic() - t0)
                    done += 1
                    if done % window == 0:
                        await close_window()
                if not srv.alive() or time.monotonic() - started > budget:
                    return

        started = time.monotonic()
        await asyncio.gather(*(run_client(c, total // 4) for c in clients))
        rss1, fds1 = srv.rss_mb(), srv.fds()
        for c in clients:
            await c.close()
        await ext.close()
        await admin.close()
    if not windows:
        return Result(
            "request_cost",
            f"no window of {window} completed ({done} requests)",
            {"requests": done, "timed_out": timed_out},
        )
    first, last = windows[0], windows[-1]
    figures = {
        "requests": done,
        "timed_out": timed_out,
        "windows": windows,
        "rate_ratio_last_over_first": round(last["req_per_s"] / first["req_per_s"], 2),
        "latency_ratio_last_over_first": round(
            last["median_latency_ms"] / max(first["median_latency_ms"], 1), 1
        ),
        "cpu_ratio_last_over_first": round(
            last["server_cpu_s"] / max(first["server_cpu_s"], 0.01), 1
        ),
        "rss_MB": [rss0, rss1],
        "fds": [fds0, fds1],
    }
    summary = (
        f"{done} requests ({timed_out} timed out): first {window} {first['req_per_s']} req/s, "
        f"median {first['median_latency_ms']} ms, CPU {first['server_cpu_s']} s; last {window} "
        f"{last['req_per_s']} req/s, median {last['median_latency_ms']} ms, CPU "
        f"{last['server_cpu_s']} s (rate x{figures['rate_ratio_last_over_first']}, CPU "
        f"x{figures['cpu_ratio_last_over_first']}); pages last window "
        f"{last['context_pages_MB']} MB; "
        f"RSS {rss0} -> {rss1} MB, fds {fds0} -> {fds1}"
    )
    notes = [
        f"{total:,} requests in windows of {window} (issue: 5,000 in windows of 500), sending "
        f"stops after {budget:.0f} s: {done:,} done"
    ]
    return Result("request_cost", summary, figures, notes)


async def client_list(ctx: Ctx) -> Result:
    """N /clients sockets of one clientId (distinct identities) connect one by one, then leave."""
    sizes = (10, 20, 30) if ctx.quick else (50, 100, 150)
    data = new_data(ctx)
    key = provision(data, "probe-client")
    figures: dict[str, Any] = {}
    async with running(ctx, data) as srv:
        for n in sizes:
            socks = [
                Sock(
                    srv.url,
                    {"clientId": "probe-client", "key": key, "identity": f"probe-client-{n}-{i}"},
                    ["/clients"],
                )
                for i in range(n)
            ]
            t0 = time.monotonic()
            refused = 0
            for s in socks:
                if await s.connect() != "connected":
                    refused += 1
            await asyncio.sleep(1.5)
            for s in socks:
                await s.close()
            await _quiet([s.sio for s in socks], idle=2.0)
            pushed = sum(s.sio.bytes_by_event[e] for s in socks for e in LIST_EVENTS)
            events = sum(s.sio.count_by_event[e] for s in socks for e in LIST_EVENTS)
            figures[f"sockets_{n}"] = {
                "MB": round(pushed / MB, 1),
                "events": events,
                "refused": refused,
                "seconds": round(time.monotonic() - t0, 1),
            }
    summary = ", ".join(
        f"{n} sockets {figures[f'sockets_{n}']['MB']} MB "
        f"({figures[f'sockets_{n}']['events']} events)"
        for n in sizes
    )
    return Result("client_list", "client-list broadcasts: " + summary, figures)
