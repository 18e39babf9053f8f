"""Issue 8 items 2, 3, 4, 5 and 10: a poisoned room, lock-out, web origins, operator settings,
networkSafe admin."""

from __future__ import annotations

import asyncio
import json
import sys
import uuid
from typing import Any

import aiohttp

from bench.probes.harness import Ctx, Result, new_data, provision, running, write_settings
from bench.probes.sio import Extension, Sock, ack_text, attempt

EVIL = "http://evil.example"


async def poison(ctx: Ctx) -> Result:
    """An LLM_REQUEST with a field nested 490 deep, then an ordinary request in the same room."""
    data = new_data(ctx)
    ckey = provision(data, "probe-client")
    ekey = provision(data, "probe-ext")
    assert ckey and ekey
    async with running(ctx, data) as srv:
        ext = Extension(srv.url, "probe-ext", ekey, chunks=2)
        client = Sock(srv.url, {"clientId": "probe-client", "key": ckey}, ["/llm"])
        try:
            await ext.connect()
            await client.connect()
            deep: Any = "bottom"
            for _ in range(490):
                deep = {"a": deep}
            # python-socketio's own binary check recurses twice per level on our side too
            sys.setrecursionlimit(max(sys.getrecursionlimit(), 5000))
            first = await client.call(
                "/llm",
                "LLM_REQUEST",
                {
                    "requestId": str(uuid.uuid4()),
                    "message": "hello",
                    "extra": deep,
                },
            )
            await asyncio.sleep(1)
            before = len(ext.requests)
            rid = str(uuid.uuid4())
            second = await client.call("/llm", "LLM_REQUEST", {"requestId": rid, "message": "hi"})
            for _ in range(50):
                if any(r.get("requestId") == rid for r in ext.requests[before:]):
                    break
                await asyncio.sleep(0.1)
            got = any(r.get("requestId") == rid for r in ext.requests[before:])
        finally:
            await client.close()
            await ext.close()
    figures = {
        "deep_request_ack": ack_text(first),
        "next_request_ack": ack_text(second),
        "extension_received_next": got,
    }
    summary = (
        f"deep (490) request: {figures['deep_request_ack']}; next request: "
        f"{figures['next_request_ack']}; extension received it: {'yes' if got else 'no'}"
    )
    return Result("poison", summary, figures)


async def lockout(ctx: Ctx) -> Result:
    """Ten failed handshakes of one clientId from 127.0.0.1, then the extension's own."""
    data = new_data(ctx)
    ekey = provision(data, "probe-ext")
    async with running(ctx, data) as srv:
        fails = [
            await attempt(srv.url, "/llm", {"clientId": "web-page", "key": "wrong"})
            for _ in range(10)
        ]
        eleventh = await attempt(srv.url, "/llm", {"clientId": "web-page", "key": "wrong"})
        victim = await attempt(
            srv.url, "/llm", {"clientId": "probe-ext", "key": ekey, "clientType": "SillyTavern"}
        )
    figures = {
        "ten_failures": sorted(set(fails)),
        "attacker_11th": eleventh,
        "other_clientId_with_right_key": victim,
    }
    summary = f"after 10 failures of 'web-page': extension with its right key -> {victim}"
    return Result("lockout", summary, figures)


async def _status(session: aiohttp.ClientSession, url: str, origin: str) -> str:
    try:
        async with session.get(
            url, headers={"Origin": origin}, timeout=aiohttp.ClientTimeout(total=10)
        ) as resp:
            body = await resp.text()
            if resp.status == 200 and "sid" in body:
                return "opened (HTTP 200)"
            return f"HTTP {resp.status}" if resp.status != 200 else "HTTP 200"
    except (TimeoutError, aiohttp.ClientError) as exc:
        return f"error {type(exc).__name__}"


async def _websocket(session: aiohttp.ClientSession, url: str, origin: str) -> str:
    try:
        async with asyncio.timeout(15), session.ws_connect(url, origin=origin) as ws:
            msg = await ws.receive()
            return "opened" if msg.type == aiohttp.WSMsgType.TEXT else f"closed ({msg.type.name})"
    except aiohttp.WSServerHandshakeError as exc:
        return f"refused (HTTP {exc.status})"
    except (TimeoutError, aiohttp.ClientError) as exc:
        return f"error {type(exc).__name__}"


async def origin(ctx: Ctx) -> Result:
    """A page on http://evil.example (browser sends Origin) against the default settings."""
    data = new_data(ctx)
    write_settings(data, networkSafe=True)
    async with running(ctx, data) as srv:
        eio = srv.url + "/socket.io/?EIO=4&transport="
        async with aiohttp.ClientSession() as session:
            polling = await _status(session, eio + "polling", EVIL)
            ws = await _websocket(session, eio.replace("http", "ws") + "websocket", EVIL)
            health = await _status(session, srv.url + "/healthz", EVIL)
            local = await _status(session, eio + "polling", "http://127.0.0.1:8000")
        sock = Sock(srv.url, {"clientId": "evil-page", "clientType": "SillyTavern"}, ["/llm"])
        full = await sock.connect(headers={"Origin": EVIL})
        await sock.close()
    figures = {
        "polling": polling,
        "websocket": ws,
        "socket_llm_networkSafe": full,
        "healthz": health,
        "control_local_origin_polling": local,
    }
    summary = (
        f"Origin {EVIL}: polling {polling}, websocket {ws}, /llm socket (networkSafe on) "
        f"{full}, /healthz {health}; control http://127.0.0.1:8000 polling {local}"
    )
    return Result("origin", summary, figures)


async def operator_settings(ctx: Ctx) -> Result:
    """An admin socket's saveJsonToFile of server_settings.json opening the server up."""
    data = new_data(ctx)
    akey = provision(data, "probe-admin", monitor=True)
    async with running(ctx, data) as srv:
        admin = Sock(
            srv.url,
            {"clientId": "probe-admin", "key": akey, "clientType": "monitor"},
            ["/function_call"],
        )
        conn = await admin.connect()
        ack = await admin.call(
            "/function_call",
            "FUNCTION_CALL",
            {
                "requestId": "r1",
                "functionName": "saveJsonToFile",
                "target": "server",
                "args": [
                    "./settings/server_settings.json",
                    {"bindAddress": "0.0.0.0", "networkSafe": True, "corsAllowedOrigins": "*"},
                ],
            },
        )
        await admin.close()
    stored = json.loads((data / "settings" / "server_settings.json").read_text())
    figures = {
        "admin": conn,
        "ack": ack_text(ack),
        "file_bindAddress": stored.get("bindAddress"),
        "file_networkSafe": stored.get("networkSafe"),
    }
    summary = (
        f"saveJsonToFile(server_settings.json, bindAddress 0.0.0.0, networkSafe, cors *): "
        f"{figures['ack']}; file now bindAddress={stored.get('bindAddress')!r} "
        f"networkSafe={stored.get('networkSafe')!r}"
    )
    return Result("operator_settings", summary, figures)


async def network_safe_admin(ctx: Ctx) -> Result:
    """networkSafe on; a socket that only says clientType 'monitor' asks for someone's key."""
    data = new_data(ctx)
    write_settings(data, networkSafe=True)
    provision(data, "sillytavern")
    async with running(ctx, data) as srv:
        page = Sock(srv.url, {"clientId": "local-page", "clientType": "monitor"}, ["/clients"])
        conn = await page.connect()
        ack = await page.call("/clients", "GENERATE_CLIENT_KEY", {"targetClientId": "sillytavern"})
        await page.close()
    got_key = isinstance(ack, dict) and isinstance(ack.get("key"), str) and len(ack["key"]) == 36
    result = "returns a plaintext key" if got_key else ack_text(ack)
    figures = {"connect": conn, "generate_client_key": result}
    return Result(
        "network_safe_admin", f"monitor without key: {conn}; GENERATE_CLIENT_KEY: {result}", figures
    )
