"""Issue 8 item 11, the smaller holes: lone surrogates, symlinked static roots, non-admin
JSON writes under public/, parallel wrong keys, refusal log lines, personal rooms of random
identities."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from typing import Any

import aiohttp

from bench.probes.harness import (
    Ctx,
    Result,
    Server,
    log_lines,
    new_data,
    provision,
    running,
    write_settings,
)
from bench.probes.sio import Extension, Sock, ack_text, attempt, random_id

LONE = "\ud800"


async def surrogates(ctx: Ctx) -> Result:
    data = new_data(ctx)
    ckey = provision(data, "probe-client")
    akey = provision(data, "probe-admin", monitor=True)
    ekey = provision(data, "probe-ext")
    assert ekey
    nss = ["/llm", "/rooms", "/clients", "/function_call"]
    async with running(ctx, data) as srv:
        client = Sock(srv.url, {"clientId": "probe-client", "key": ckey}, nss)
        admin = Sock(
            srv.url, {"clientId": "probe-admin", "key": akey, "clientType": "monitor"}, nss
        )
        ext = Extension(srv.url, "probe-ext", ekey, chunks=1)  # so LLM_REQUEST gets recorded
        await ext.connect()
        await client.connect()
        await admin.connect()
        calls: list[tuple[str, Sock, str, str, dict[str, Any]]] = [
            (
                "LLM_REQUEST.message",
                client,
                "/llm",
                "LLM_REQUEST",
                {"requestId": random_id("r"), "message": LONE},
            ),
            (
                "LLM_REQUEST.requestId",
                client,
                "/llm",
                "LLM_REQUEST",
                {"requestId": LONE, "message": "x"},
            ),
            ("GET_FULL_CONTEXT.roomName", client, "/llm", "GET_FULL_CONTEXT", {"roomName": LONE}),
            ("GET_ROOM_INFO.roomName", client, "/rooms", "GET_ROOM_INFO", {"roomName": LONE}),
            (
                "CREATE_ROOM.roomName (admin)",
                admin,
                "/rooms",
                "CREATE_ROOM",
                {"roomName": "r" + LONE},
            ),
            (
                "GENERATE_CLIENT_KEY (admin)",
                admin,
                "/clients",
                "GENERATE_CLIENT_KEY",
                {"targetClientId": "c" + LONE},
            ),
            (
                "FUNCTION_CALL.args",
                client,
                "/function_call",
                "FUNCTION_CALL",
                {"requestId": "f1", "functionName": "readJsonFromFile", "args": [LONE + ".json"]},
            ),
        ]
        answers: dict[str, str] = {}
        for label, sock, ns, event, payload in calls:
            answers[label] = ack_text(await sock.call(ns, event, payload))
        ident = Sock(
            srv.url,
            {"clientId": "probe-client", "key": ckey, "identity": "probe-client" + LONE},
            ["/rooms"],
        )
        conn = await ident.connect()
        room = "n/a"
        if conn == "connected":
            ack = await admin.call("/rooms", "GET_ROOMS", {})
            rooms = ack.get("rooms", []) if isinstance(ack, dict) else []
            room = "yes" if "probe-client" + LONE in rooms else "no"
        for s in (client, admin, ident, ext.sock):
            await s.close()
    broken = ("Internal server error.", "Failed to record request message.")
    internal = sum(a in broken for a in answers.values())
    figures = {
        "answers": answers,
        "failed_inside_server": internal,
        "events": len(calls),
        "identity_handshake": conn,
        "identity_personal_room": room,
    }
    summary = (
        f"{internal}/{len(calls)} events with a lone surrogate failed inside the server "
        f"('Internal server error.' or 'Failed to record request message.'); identity with a "
        f"surrogate: {conn}, personal room: {room}"
    )
    return Result("surrogates", summary, figures)


async def symlink_root(ctx: Ctx) -> Result:
    data = new_data(ctx)
    outside = ctx.scratch / "outside"
    outside.mkdir()
    (outside / "secret.json").write_text('{"secret": "outside the data folder"}')
    data.mkdir(exist_ok=True)
    (data / "exampleClient").symlink_to(outside, target_is_directory=True)
    (data / "public").symlink_to(outside, target_is_directory=True)
    async with running(ctx, data) as srv, aiohttp.ClientSession() as session:
        got = {}
        for mount in ("exampleClient", "public"):
            async with session.get(
                f"{srv.url}/{mount}/secret.json", timeout=aiohttp.ClientTimeout(total=10)
            ) as resp:
                body = await resp.text()
                got[mount] = f"HTTP {resp.status}" + (" (file served)" if "secret" in body else "")
    return Result(
        "symlink_root",
        f"symlinked root to a folder outside: /exampleClient {got['exampleClient']}, "
        f"/public {got['public']}",
        got,
    )


async def public_writes(ctx: Ctx) -> Result:
    count = 5 if ctx.quick else 20
    data = new_data(ctx)
    (data / "public").mkdir(parents=True)
    ckey = provision(data, "probe-client")
    blob = "x" * 900_000
    async with running(ctx, data) as srv:
        client = Sock(srv.url, {"clientId": "probe-client", "key": ckey}, ["/function_call"])
        await client.connect()
        answers: Counter[str] = Counter()
        for i in range(count):
            ack = await client.call(
                "/function_call",
                "FUNCTION_CALL",
                {
                    "requestId": f"w{i}",
                    "functionName": "saveJsonToFile",
                    "target": "server",
                    "args": [f"public/probe-{i}.json", {"blob": blob}],
                },
                timeout=30,
            )
            answers[ack_text(ack)] += 1
        elsewhere = ack_text(
            await client.call(
                "/function_call",
                "FUNCTION_CALL",
                {
                    "requestId": "w-else",
                    "functionName": "saveJsonToFile",
                    "target": "server",
                    "args": ["junk/probe.json", {"blob": blob}],
                },
                timeout=30,
            )
        )
        await client.close()
        async with (
            aiohttp.ClientSession() as session,
            session.get(
                f"{srv.url}/public/probe-0.json", timeout=aiohttp.ClientTimeout(total=10)
            ) as resp,
        ):
            served = f"HTTP {resp.status}, {len(await resp.read())} bytes"
    written = sum(p.stat().st_size for p in (data / "public").glob("probe-*.json"))
    figures = {
        "writes": count,
        "answers": dict(answers),
        "bytes_written_under_public": written,
        "served_public_probe_0": served,
        "write_outside_public": elsewhere,
    }
    summary = (
        f"non-admin saveJsonToFile of {count} x 900 KB under public/: {dict(answers)}; "
        f"{written / 1e6:.1f} MB on disk; GET /public/probe-0.json: {served}; "
        f"one more under junk/: {elsewhere}"
    )
    return Result("public_writes", summary, figures)


async def parallel_bcrypt(ctx: Ctx) -> Result:
    n = 20 if ctx.quick else 60
    data = new_data(ctx)
    provision(data, "probe-victim", cost=10)
    async with running(ctx, data) as srv:
        cpu0 = srv.cpu_s()
        t0 = time.monotonic()
        answers = await asyncio.gather(
            *(
                attempt(
                    srv.url, "/llm", {"clientId": "probe-victim", "key": f"wrong-{i}"}, timeout=30
                )
                for i in range(n)
            )
        )
        seconds = time.monotonic() - t0
        cpu = srv.cpu_s() - cpu0
    reasons = Counter(answers)
    checked = reasons.get("Invalid key.", 0)
    figures = {
        "parallel_wrong_keys": n,
        "answers": dict(reasons),
        "bcrypt_checked": checked,
        "seconds": round(seconds, 1),
        "server_cpu_s": round(cpu, 1),
    }
    return Result(
        "parallel_bcrypt",
        f"{n} parallel wrong keys (cost 10): {checked} answered "
        f"'Invalid key.' (bcrypt-checked), answers {dict(reasons)}; server CPU {cpu:.1f} s",
        figures,
    )


async def refusal_logs(ctx: Ctx) -> Result:
    n = 200 if ctx.quick else 1000
    data = new_data(ctx)
    write_settings(data, pairingRequests=False)
    async with running(ctx, data) as srv:
        await asyncio.sleep(1)
        lines0 = len(log_lines(data))
        sem = asyncio.Semaphore(10)

        async def one(i: int) -> str:
            async with sem:
                auth = {"clientId": "probe-nobody", "key": "getKey" if i % 2 else "wrong"}
                return await attempt(srv.url, "/auth", auth)

        answers = Counter(await asyncio.gather(*(one(i) for i in range(n))))
        await asyncio.sleep(2)
        added = len(log_lines(data)) - lines0
    figures = {"refused_handshakes": n, "answers": dict(answers), "combined_log_lines_added": added}
    return Result(
        "refusal_logs",
        f"{n} refused handshakes (half wrong key, half getKey): "
        f"{added} lines added to combined.log; answers {dict(answers)}",
        figures,
    )


async def personal_rooms(ctx: Ctx) -> Result:
    n = 50 if ctx.quick else 501
    data = new_data(ctx)
    ckey = provision(data, "probe-client")
    akey = provision(data, "probe-admin", monitor=True)
    async with running(ctx, data) as srv:
        sem = asyncio.Semaphore(5)

        async def one() -> str:
            async with sem:
                return await attempt(
                    srv.url,
                    "/llm",
                    {
                        "clientId": "probe-client",
                        "key": ckey,
                        "identity": random_id("probe-client"),
                    },
                )

        answers = Counter(await asyncio.gather(*(one() for _ in range(n))))
    srv2 = Server(ctx.source, data)
    await srv2.start()
    try:
        admin = Sock(
            srv2.url, {"clientId": "probe-admin", "key": akey, "clientType": "monitor"}, ["/rooms"]
        )
        await admin.connect()
        ack = await admin.call("/rooms", "GET_ROOMS", {})
        await admin.close()
    finally:
        srv2.stop()
    rooms = ack.get("rooms", []) if isinstance(ack, dict) else []
    kept = sum(str(r).startswith("probe-client-") for r in rooms)
    figures = {
        "identities": n,
        "connected": answers.get("connected", 0),
        "rooms_after_restart": kept,
    }
    return Result(
        "personal_rooms",
        f"{n} random identities of one clientId, each connected once: "
        f"{kept} personal rooms persisted after a restart",
        figures,
    )
