"""/v1 as `curl` sees it: raw status codes, headers, bodies and the exact SSE framing."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import openai
import pytest

from newage_desktop.core.store.datadir import DataDir
from newage_desktop.transport.server import RelayServer
from tests.openai_api.conftest import EchoExtension
from tests.server.conftest import provision

Ext = Callable[..., Awaitable[EchoExtension]]
HI = {"messages": [{"role": "user", "content": "hi"}]}


@pytest.fixture
def headers(datadir: DataDir) -> dict[str, str]:
    return {"Authorization": f"Bearer app:{provision(datadir, 'app')}"}


async def request(
    server: RelayServer, method: str, path: str, headers: dict[str, str], body: Any = None
) -> tuple[int, dict[str, str], bytes]:
    data = body if isinstance(body, bytes) or body is None else json.dumps(body).encode()
    async with (
        aiohttp.ClientSession() as session,
        session.request(method, f"{server.url}{path}", data=data, headers=headers) as response,
    ):
        return response.status, dict(response.headers), await response.read()


async def test_the_sse_framing(
    server: RelayServer, headers: dict[str, str], extension: Ext
) -> None:
    await extension(tokens=["a", "é"], batch=5)
    body = {**HI, "model": "st", "stream": True, "stream_options": {"include_usage": True}}
    status, head, raw = await request(server, "POST", "/v1/chat/completions", headers, body)
    assert status == 200
    assert head["Content-Type"] == "text/event-stream; charset=utf-8"
    assert head["X-NewAge-Queue-Position"] == "0"
    events = raw.decode().split("\n\n")
    assert events[0] == ": queue-position 0"
    assert events[-2:] == ["data: [DONE]", ""]
    chunks = [json.loads(e.removeprefix("data: ")) for e in events[1:-2]]
    rid = head["X-NewAge-Request-Id"]
    assert {c["id"] for c in chunks} == {f"chatcmpl-{rid}"}
    assert [c["choices"][0]["delta"] for c in chunks] == [
        {"role": "assistant", "content": ""},
        {"content": "a"},
        {"content": "é"},
        {},
    ]
    assert [c["choices"][0]["finish_reason"] for c in chunks] == [None, None, None, "stop"]
    assert all("usage" not in c for c in chunks)  # no honest counts: none invented


async def test_errors_are_json_in_openais_format(
    server: RelayServer, headers: dict[str, str], extension: Ext
) -> None:
    await extension()
    status, head, raw = await request(server, "POST", "/v1/chat/completions", headers, b"\xff{")
    assert status == 400
    assert head["Content-Type"].startswith("application/json")
    assert head["x-should-retry"] == "false"
    assert json.loads(raw) == {
        "error": {
            "message": "The request body is not valid UTF-8 (byte 0).",
            "type": "invalid_request_error",
            "param": None,
            "code": "invalid_request",
        }
    }
    status, _, raw = await request(
        server, "POST", "/v1/chat/completions", headers, b'{"messages": ['
    )
    assert status == 400
    assert json.loads(raw)["error"]["message"].startswith("The request body is not valid JSON")
    status, _, raw = await request(server, "POST", "/v1/chat/completions", headers, b"[]")
    assert json.loads(raw)["error"]["message"] == "The request body must be a JSON object."
    deep = b'{"messages":' + b"[" * 40 + b"]" * 40 + b"}"
    status, _, raw = await request(server, "POST", "/v1/chat/completions", headers, deep)
    assert status == 400 and "nested deeper than 32 levels" in json.loads(raw)["error"]["message"]


async def test_a_body_over_the_payload_limit(server: RelayServer, headers: dict[str, str]) -> None:
    big = b'{"messages":[{"role":"user","content":"' + b"x" * 1_100_000 + b'"}]}'
    status, _, raw = await request(server, "POST", "/v1/chat/completions", headers, big)
    assert status == 413
    assert json.loads(raw)["error"]["code"] == "request_too_large"


async def test_a_prompt_over_the_text_limit(
    server: RelayServer, headers: dict[str, str], extension: Ext
) -> None:
    await extension()
    body = {"messages": [{"role": "user", "content": "x" * 262_145}], "model": "st"}
    status, _, raw = await request(server, "POST", "/v1/chat/completions", headers, body)
    assert status == 400
    assert json.loads(raw)["error"]["message"] == (
        "The last user message is longer than 262144 characters."
    )


async def test_wrong_methods_and_unknown_paths(
    server: RelayServer, headers: dict[str, str]
) -> None:
    status, head, raw = await request(server, "GET", "/v1/chat/completions", headers)
    assert (status, head["Allow"]) == (405, "POST")
    assert json.loads(raw)["error"]["code"] == "method_not_supported"
    status, _, raw = await request(server, "POST", "/v1/embeddings", headers, HI)
    assert status == 404
    assert json.loads(raw)["error"]["code"] == "unknown_url"
    status, _, raw = await request(server, "GET", "/nope", headers)
    assert (status, raw) == (404, b"Not Found")  # outside /v1: §10 as before


async def test_models_with_the_sdk(server: RelayServer, datadir: DataDir, extension: Ext) -> None:
    await extension("st-a")
    await extension("st-b")
    client = openai.AsyncOpenAI(
        base_url=f"{server.url}/v1", api_key=f"app:{provision(datadir, 'app')}", max_retries=0
    )
    models = await client.models.list()
    assert sorted(m.id for m in models.data) == ["st-a", "st-b"]
    assert {(m.object, m.owned_by) for m in models.data} == {("model", "sillytavern")}
    assert all(m.created > 1_700_000_000 for m in models.data)
    assert (await client.models.retrieve("st-a")).id == "st-a"
    with pytest.raises(openai.NotFoundError):
        await client.models.retrieve("st-c")


async def test_the_api_key_is_checked_once_with_bcrypt(
    server: RelayServer, datadir: DataDir, extension: Ext, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A verified key is remembered (as a digest) until the stored hash changes."""
    from newage_desktop.core.openai import auth

    calls: list[str] = []
    real = auth.check_key

    def counting(key: str, hashed: str) -> bool:
        calls.append(key)
        return real(key, hashed)

    monkeypatch.setattr(auth, "check_key", counting)
    key = provision(datadir, "app")
    headers = {"Authorization": f"Bearer app:{key}"}
    for _ in range(3):
        assert (await request(server, "GET", "/v1/models", headers))[0] == 200
    assert len(calls) == 1
    assert (await request(server, "GET", "/v1/models", {"Authorization": "Bearer app:x"}))[0] == 401
    new = await server.core.generate_key("app")  # re-keyed: the old key no longer works
    assert (await request(server, "GET", "/v1/models", headers))[0] == 401
    new_headers = {"Authorization": f"Bearer app:{new}"}
    assert (await request(server, "GET", "/v1/models", new_headers))[0] == 200


async def test_cors_for_allowed_origins(server: RelayServer, headers: dict[str, str]) -> None:
    """A page on this computer (corsAllowedOrigins "local") may call /v1; others get 400."""
    page = {"Origin": "http://localhost:3000"}
    preflight = {
        **page,
        "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "authorization, content-type, x-stainless-os",
    }
    status, head, _ = await request(server, "OPTIONS", "/v1/chat/completions", preflight)
    assert status == 204
    assert head["Access-Control-Allow-Origin"] == "http://localhost:3000"
    assert "POST" in head["Access-Control-Allow-Methods"]
    assert head["Access-Control-Allow-Headers"] == "authorization, content-type, x-stainless-os"
    status, head, _ = await request(server, "GET", "/v1/models", {**headers, **page})
    assert status == 200
    assert head["Access-Control-Allow-Origin"] == "http://localhost:3000"
    assert "X-NewAge-Queue-Position" in head["Access-Control-Expose-Headers"]
    status, head, _ = await request(server, "GET", "/v1/models", headers)
    assert status == 200 and "Access-Control-Allow-Origin" not in head  # no Origin, no CORS
    evil = {**headers, "Origin": "http://evil.example"}
    status, _, raw = await request(server, "GET", "/v1/models", evil)
    assert (status, raw) == (400, b"http://evil.example is not an accepted origin.")
