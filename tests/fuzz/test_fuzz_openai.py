"""Hostile bodies for `POST /v1/chat/completions` and hostile headers for `/v1`: wrong types,
huge strings, deep nesting, invalid UTF-8, truncated JSON, odd Authorization headers. The
server answers each with a JSON error in OpenAI's format (or, for a body that is valid after
all, starts the answer) and never a 500 or a traceback in its log."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import aiohttp
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from newage_desktop.core.store.settings import Settings
from tests.fuzz import harness
from tests.fuzz.harness import FUZZ_SETTINGS, examples
from tests.fuzz.strategies import NUMBERS, ODD_TEXT, json_values

pytestmark = pytest.mark.asyncio(loop_scope="module")

LIMIT = Settings().max_payload_bytes
FIELDS = (
    "model",
    "messages",
    "stream",
    "stream_options",
    "temperature",
    "max_tokens",
    "n",
    "stop",
    "tools",
    "logprobs",
    "response_format",
    "user",
)
ODD_VALUES: list[Any] = [*ODD_TEXT, *NUMBERS, None, True, False, [], {}, [None], {"": None}]


def message_values() -> st.SearchStrategy[Any]:
    part = st.fixed_dictionaries(
        {}, optional={"type": st.sampled_from(["text", "image_url", "", 3]), "text": json_values()}
    )
    message = st.fixed_dictionaries(
        {},
        optional={
            "role": st.sampled_from(["user", "system", "assistant", "tool", "x", "", 1]),
            "content": st.one_of(json_values(), st.lists(part, max_size=3)),
            "name": json_values(),
        },
    )
    return st.one_of(st.lists(message, max_size=4), json_values())


@st.composite
def bodies(draw: st.DrawFn) -> dict[str, Any]:
    body: dict[str, Any] = {}
    for field in draw(st.lists(st.sampled_from(FIELDS), unique=True, max_size=len(FIELDS))):
        if field == "messages":
            body[field] = draw(message_values())
        else:
            body[field] = draw(st.one_of(st.sampled_from(ODD_VALUES), json_values()))
    if draw(st.booleans()):
        body["messages"] = [{"role": "user", "content": draw(st.sampled_from(ODD_TEXT))}]
    return body


def encode(value: Any) -> bytes:
    """JSON as a client might send it; lone surrogates escaped (`\\ud800`), as JSON allows."""
    return json.dumps(value, ensure_ascii=True).encode()


@st.composite
def raw_bodies(draw: st.DrawFn) -> bytes:
    kind = draw(st.sampled_from(["json", "truncated", "bytes", "deep", "huge", "latin1"]))
    if kind == "json":
        return encode(draw(bodies()))
    if kind == "truncated":
        whole = encode(draw(bodies()))
        return whole[: draw(st.integers(min_value=0, max_value=max(0, len(whole) - 1)))]
    if kind == "bytes":
        return draw(st.binary(max_size=64))
    if kind == "deep":
        depth = draw(st.sampled_from([31, 33, 128, 2000, 200_000]))
        return b'{"messages":' + b"[" * depth + b"]" * depth + b"}"
    if kind == "latin1":
        return '{"messages":[{"role":"user","content":"caf\u00e9"}]}'.encode("latin-1")
    size = draw(st.sampled_from([LIMIT - 200, LIMIT + 1, 3 * LIMIT]))
    return b'{"messages":[{"role":"user","content":"' + b"x" * size + b'"}]}'


async def post(env: harness.FuzzServer, body: bytes, headers: dict[str, str]) -> None:
    """One request; a valid one that reached the (silent) extension is left after 1 s."""
    timeout = aiohttp.ClientTimeout(total=1.0)
    async with aiohttp.ClientSession(timeout=timeout) as session:
        try:
            async with session.post(
                f"{env.url}/v1/chat/completions", data=body, headers=headers
            ) as response:
                if response.status == 200:
                    return  # accepted: the answer would follow
                assert response.status < 500 or response.status in (502, 503, 504), response.status
                error = (await response.json())["error"]
                assert isinstance(error["message"], str) and error["message"], error
                assert "Traceback" not in error["message"]
                assert isinstance(error["type"], str), error
        except (TimeoutError, aiohttp.ServerDisconnectedError, aiohttp.ClientOSError):
            pass  # waiting for the extension, or a body past the limit cut off mid-upload


def auth(env: harness.FuzzServer) -> dict[str, str]:
    return {"Authorization": f"Bearer fuzz-check-app:{env.spare_keys['fuzz-check-app']}"}


@settings(FUZZ_SETTINGS, max_examples=examples(60))
@given(body=raw_bodies())
async def test_bodies_never_give_a_500(fuzz: harness.FuzzServer, body: bytes) -> None:
    await post(fuzz, body, auth(fuzz))
    assert harness.log_failures(fuzz) == []


HEADER_VALUES = st.one_of(
    st.sampled_from(
        [
            "",
            "Bearer",
            "Bearer ",
            "Basic abc",
            "Bearer :",
            "Bearer a:b:c",
            "bearer x",
        ]
    ),
    st.text(alphabet=st.characters(min_codepoint=32, max_codepoint=126), max_size=200).map(
        lambda t: f"Bearer {t}"
    ),
)


@settings(FUZZ_SETTINGS, max_examples=examples(30))
@given(authorization=HEADER_VALUES, client_id=st.one_of(st.none(), st.sampled_from(ODD_TEXT[:4])))
async def test_credentials_never_give_a_500(
    fuzz: harness.FuzzServer, authorization: str, client_id: str | None
) -> None:
    headers = {"Authorization": authorization}
    if client_id is not None and client_id.isprintable() and client_id.strip():
        headers["X-Client-Id"] = client_id
    body = encode({"messages": [{"role": "user", "content": "hi"}]})
    await post(fuzz, body, headers)
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"{fuzz.url}/v1/models", headers=headers) as response,
    ):
        assert response.status in (200, 401, 429), response.status
    assert harness.log_failures(fuzz) == []


async def test_zz_server_is_healthy_afterwards(fuzz: harness.FuzzServer) -> None:
    await asyncio.sleep(0.3)  # the cancels of abandoned requests
    await harness.still_serves(fuzz)
    assert harness.log_failures(fuzz) == []
