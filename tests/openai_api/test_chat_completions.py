"""POST /v1/chat/completions with the official `openai` Python client, against the real
server and emulated extensions: text, concurrency, queueing, cancellation, every error."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import openai
import pytest

from newage_desktop.core import events as ev
from newage_desktop.core.store.datadir import DataDir
from newage_desktop.transport.server import RelayServer
from tests.openai_api.conftest import EchoExtension, until
from tests.server.conftest import provision

Api = Callable[..., openai.AsyncOpenAI]
Ext = Callable[..., Awaitable[EchoExtension]]
TOKENS = ["Hel", "lo", ", ", "wörld", " ", "世界", " 🌍", "!"]
HI = [{"role": "user", "content": "Say hello"}]


def said(error: openai.APIStatusError) -> str:
    """The server's message: the SDK shows it as `Error code: <status> - <message>`."""
    assert isinstance(error.body, dict)
    assert error.message == f"Error code: {error.status_code} - {error.body['message']}"
    return str(error.body["message"])


async def collect(stream: Any) -> tuple[list[Any], str]:
    chunks = [chunk async for chunk in stream]
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    return chunks, text


async def test_a_streamed_answer_is_the_extensions_text_exactly(api: Api, extension: Ext) -> None:
    ext = await extension(tokens=TOKENS, batch=3)
    client = api()
    stream = await client.chat.completions.create(model="st", messages=HI, stream=True)
    chunks, text = await collect(stream)
    assert text == "".join(TOKENS)
    assert chunks[0].choices[0].delta.role == "assistant"
    assert chunks[-1].choices[0].finish_reason == "stop"
    assert [c.choices[0].finish_reason for c in chunks[:-1]] == [None] * (len(chunks) - 1)
    assert {c.id for c in chunks} == {chunks[0].id} and chunks[0].id.startswith("chatcmpl-")
    assert {c.model for c in chunks} == {"st"}
    assert chunks[0].object == "chat.completion.chunk"
    assert ext.requests[0]["message"] == "Say hello"
    assert ext.requests[0]["targetRoom"] == "app"  # the client's personal room


async def test_a_non_streamed_answer_is_one_completion(api: Api, extension: Ext) -> None:
    await extension(tokens=TOKENS, batch=2)
    completion = await api().chat.completions.create(model="st", messages=HI)
    assert completion.object == "chat.completion"
    assert completion.choices[0].message.content == "".join(TOKENS)
    assert completion.choices[0].message.role == "assistant"
    assert completion.choices[0].finish_reason == "stop"
    assert completion.model == "st"
    assert completion.usage is None  # no honest token counts: left out, never invented


async def test_a_non_stream_message_and_the_default_model(api: Api, extension: Ext) -> None:
    await extension(tokens=TOKENS, mode="message")
    client = api()
    completion = await client.chat.completions.create(model="default", messages=HI)
    assert completion.choices[0].message.content == "".join(TOKENS)
    assert completion.model == "st"  # the room's assignment chose it
    stream = await client.chat.completions.create(model="default", messages=HI, stream=True)
    assert (await collect(stream))[1] == "".join(TOKENS)


async def test_the_prompt_is_the_last_user_message(api: Api, extension: Ext) -> None:
    ext = await extension()
    messages: Any = [
        {"role": "system", "content": "You are terse."},
        {"role": "user", "content": "first"},
        {"role": "assistant", "content": "ok"},
        {
            "role": "user",
            "content": [{"type": "text", "text": "second"}, {"type": "text", "text": "part"}],
        },
    ]
    await api().chat.completions.create(model="st", messages=messages)
    assert ext.requests[0]["message"] == "second\npart"


async def test_a_final_end_completes_at_once(server: RelayServer, api: Api, extension: Ext) -> None:
    ext = await extension(mode="silent")
    client = api()
    task = asyncio.ensure_future(client.chat.completions.create(model="st", messages=HI))
    await until(lambda: bool(ext.requests))
    rid = ext.requests[0]["requestId"]
    await ext.emit("CLIENT_STREAM_START", {"type": 1, "streamId": "s", "requestId": rid})
    await ext.emit(
        "CLIENT_STREAM_DATA_FIRST", {"type": 5, "streamId": "s", "chunkIndex": 0, "data": "done"}
    )
    await ext.emit("CLIENT_STREAM_END", {"type": 3, "streamId": "s", "final": True})
    completion = await asyncio.wait_for(task, 0.45)  # well before the 0.5 s quiet completion
    assert completion.choices[0].message.content == "done"


async def test_two_keys_at_once_each_get_only_their_own_answer(api: Api, extension: Ext) -> None:
    ext = await extension(batch=2, delay=0.01)
    ext.reply = lambda request: [f"{request['message']}-{i};" for i in range(12)]
    alice, bob = api("alice"), api("bob")

    async def ask(client: openai.AsyncOpenAI, text: str) -> str:
        stream = await client.chat.completions.create(
            model="st", messages=[{"role": "user", "content": text}], stream=True
        )
        return (await collect(stream))[1]

    a, b = await asyncio.gather(ask(alice, "alice"), ask(bob, "bob"))
    assert a == "".join(f"alice-{i};" for i in range(12))
    assert b == "".join(f"bob-{i};" for i in range(12))
    assert {r["targetRoom"] for r in ext.requests} == {"alice", "bob"}


@pytest.mark.settings(openaiQueueLimit=2)
async def test_the_queue_position_and_a_full_queue(
    server: RelayServer, datadir: DataDir, api: Api, extension: Ext
) -> None:
    ext = await extension(mode="silent")
    client = api()
    first = await client.chat.completions.with_raw_response.create(
        model="st", messages=HI, stream=True
    )
    assert first.headers["x-newage-queue-position"] == "0"
    second = await client.chat.completions.with_raw_response.create(
        model="st", messages=HI, stream=True
    )
    assert second.headers["x-newage-queue-position"] == "1"
    with pytest.raises(openai.RateLimitError) as caught:
        await client.chat.completions.create(model="st", messages=HI)
    assert caught.value.status_code == 429
    assert caught.value.code == "queue_full"
    assert "The queue of st is full" in said(caught.value)
    assert len(ext.requests) == 2
    await first.http_response.aclose()
    await second.http_response.aclose()


async def test_closing_a_stream_early_cancels_the_request(
    server: RelayServer, api: Api, extension: Ext, ended: dict[str, ev.LlmRequestEnded]
) -> None:
    ext = await extension(mode="silent")
    stream = await api().chat.completions.create(model="st", messages=HI, stream=True)
    await until(lambda: bool(ext.requests))
    rid = ext.requests[0]["requestId"]
    await ext.emit("CLIENT_STREAM_START", {"type": 1, "streamId": "s", "requestId": rid})
    await ext.emit(
        "CLIENT_STREAM_DATA_FIRST", {"type": 5, "streamId": "s", "chunkIndex": 0, "data": "par"}
    )
    async for chunk in stream:
        if chunk.choices[0].delta.content:
            break
    await stream.close()
    await until(lambda: bool(ext.received.get("CANCEL_REQUEST")))
    assert ext.received["CANCEL_REQUEST"] == [{"requestId": rid}]
    await until(lambda: rid in ended)
    assert (ended[rid].status, ended[rid].reason) == ("failed", "Request cancelled.")
    assert rid not in server.core.relay.requests


async def test_a_non_stream_client_that_leaves_cancels_too(
    server: RelayServer, api: Api, extension: Ext, ended: dict[str, ev.LlmRequestEnded]
) -> None:
    ext = await extension(mode="silent")
    task = asyncio.ensure_future(api().chat.completions.create(model="st", messages=HI))
    await until(lambda: bool(ext.requests))
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    await until(lambda: bool(ext.received.get("CANCEL_REQUEST")))
    rid = ext.requests[0]["requestId"]
    await until(lambda: rid in ended)
    assert ended[rid].reason == "Request cancelled."


async def test_a_request_appears_in_the_core_like_any_other(
    server: RelayServer, api: Api, extension: Ext
) -> None:
    await extension()
    started: list[ev.LlmRequestStarted] = []
    server.core.bus.subscribe(
        lambda e: started.append(e) if isinstance(e, ev.LlmRequestStarted) else None
    )
    await api().chat.completions.create(model="st", messages=HI)
    assert [(e.room, e.requester, e.targets, e.text) for e in started] == [
        ("app", "app", ["st"], "Say hello")
    ]
    history = server.core.relay.history.store.get("app")
    assert history is not None
    assert server.core.counters["apiRequests"] == 1
    assert server.core.counters["apiChunksOut"] == 0  # non-stream: no SSE events


async def test_a_named_room_is_used_and_checked(
    server: RelayServer, api: Api, extension: Ext
) -> None:
    ext = await extension()
    client = api()
    with pytest.raises(openai.PermissionDeniedError) as caught:
        await client.chat.completions.create(
            model="st", messages=HI, extra_headers={"X-NewAge-Room": "elsewhere"}
        )
    assert said(caught.value) == "Invalid or unauthorized target room."
    assert not ext.requests


# --- errors the SDK raises --------------------------------------------------------------------


async def test_a_wrong_key_an_untrusted_client_and_no_key(
    server: RelayServer, datadir: DataDir, api: Api, extension: Ext
) -> None:
    await extension()
    provision(datadir, "app")
    with pytest.raises(openai.AuthenticationError) as caught:
        await api(api_key="app:not-the-key").chat.completions.create(model="st", messages=HI)
    assert said(caught.value) == "Invalid key."
    assert caught.value.code == "invalid_api_key"
    with pytest.raises(openai.AuthenticationError) as caught:
        await api(api_key="stranger:whatever").models.list()
    assert said(caught.value) == "Client is not trusted."
    with pytest.raises(openai.AuthenticationError) as caught:
        await api(api_key="a-key-with-no-client").models.list()
    assert "names no client" in said(caught.value)


async def test_a_key_with_an_x_client_id_header(api: Api, datadir: DataDir, extension: Ext) -> None:
    await extension()
    key = provision(datadir, "bot")
    client = api(api_key=key, default_headers={"X-Client-Id": "bot"})
    completion = await client.chat.completions.create(model="st", messages=HI)
    assert completion.choices[0].message.content


@pytest.mark.settings(authMaxFailures=3)
async def test_wrong_keys_are_throttled(server: RelayServer, datadir: DataDir, api: Api) -> None:
    provision(datadir, "app")
    client = api(api_key="app:wrong")
    for _ in range(3):
        with pytest.raises(openai.AuthenticationError):
            await client.models.list()
    with pytest.raises(openai.RateLimitError) as caught:
        await client.models.list()
    assert said(caught.value) == "Too many failed attempts. Try again later."
    assert caught.value.response.headers["x-should-retry"] == "false"


@pytest.mark.settings(networkSafe=True)
async def test_network_safe_needs_no_key(
    server: RelayServer, datadir: DataDir, api: Api, extension: Ext
) -> None:
    await extension()
    completion = await api(api_key="anything").chat.completions.create(model="st", messages=HI)
    assert completion.choices[0].message.content
    assert server.core.relay.history.store.get("openai") is not None


async def test_an_unknown_model(api: Api, extension: Ext) -> None:
    await extension()
    with pytest.raises(openai.NotFoundError) as caught:
        await api().chat.completions.create(model="gpt-4o", messages=HI)
    assert caught.value.code == "model_not_found"
    assert said(caught.value).startswith("The model 'gpt-4o' does not exist or is not connected")


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({"messages": "hello"}, "messages must be a non-empty array of message objects."),
        ({"messages": []}, "messages must be a non-empty array of message objects."),
        (
            {"messages": [{"role": "user", "content": 5}]},
            "messages[0].content must be a string or an array of text parts.",
        ),
        (
            {"messages": [{"role": "robot", "content": "x"}]},
            "messages[0].role must be one of system, developer, user, assistant.",
        ),
        (
            {"messages": [{"role": "system", "content": "x"}]},
            "messages must contain a 'user' message: its text is the prompt.",
        ),
        ({"messages": HI, "stream": "yes"}, "stream must be a boolean."),
        ({"messages": HI, "temperature": "hot"}, "temperature must be a number."),
        ({"messages": HI, "max_tokens": 1.5}, "max_tokens must be an integer."),
        ({"messages": HI, "n": 2}, "n must be 1: one SillyTavern generation answers a request."),
        (
            {"messages": HI, "logprobs": True},
            "logprobs are not supported: SillyTavern does not pass them on.",
        ),
        (
            {"messages": HI, "response_format": {"type": "json_object"}},
            "response_format other than {'type': 'text'} is not supported "
            "(SillyTavern's preset decides the format).",
        ),
    ],
)
async def test_malformed_and_unsupported_bodies(
    api: Api, extension: Ext, options: dict[str, Any], expected: str
) -> None:
    ext = await extension()
    with pytest.raises(openai.BadRequestError) as caught:
        await api().chat.completions.create(model="st", **options)
    assert said(caught.value) == expected
    assert not ext.requests


async def test_tools_and_images_are_refused_clearly(api: Api, extension: Ext) -> None:
    await extension()
    client = api()
    tool: Any = {"type": "function", "function": {"name": "f", "parameters": {}}}
    with pytest.raises(openai.BadRequestError) as caught:
        await client.chat.completions.create(model="st", messages=HI, tools=[tool])
    assert said(caught.value).startswith("tools is not supported")
    assert caught.value.code == "unsupported_parameter"
    image: Any = [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "x"}}]}]
    with pytest.raises(openai.BadRequestError) as caught:
        await client.chat.completions.create(model="st", messages=image)
    assert "content type 'image_url' is not supported" in said(caught.value)


async def test_no_extension(api: Api) -> None:
    with pytest.raises(openai.InternalServerError) as caught:
        await api().chat.completions.create(model="default", messages=HI)
    assert caught.value.status_code == 503
    assert said(caught.value).startswith("No extension available for this room.")


@pytest.mark.settings(requestTimeoutMs=300)
async def test_a_time_out(server: RelayServer, datadir: DataDir, api: Api, extension: Ext) -> None:
    await extension(mode="silent")
    client = api()
    with pytest.raises(openai.InternalServerError) as caught:
        await client.chat.completions.create(model="st", messages=HI)
    assert caught.value.status_code == 504
    assert caught.value.code == "timeout"
    assert said(caught.value).startswith("Request timed out")
    stream = await client.chat.completions.create(model="st", messages=HI, stream=True)
    with pytest.raises(openai.APIError) as raised:
        await collect(stream)
    assert raised.value.message.startswith("Request timed out")


async def test_an_extension_that_disconnects_mid_stream(api: Api, extension: Ext) -> None:
    ext = await extension(mode="silent")
    stream = await api().chat.completions.create(model="st", messages=HI, stream=True)
    await until(lambda: bool(ext.requests))
    rid = ext.requests[0]["requestId"]
    await ext.emit("CLIENT_STREAM_START", {"type": 1, "streamId": "s", "requestId": rid})
    await ext.emit(
        "CLIENT_STREAM_DATA_FIRST", {"type": 5, "streamId": "s", "chunkIndex": 0, "data": "half"}
    )
    received: list[str] = []
    with pytest.raises(openai.APIError) as raised:
        async for chunk in stream:
            received.append(chunk.choices[0].delta.content or "")
            if "half" in received:
                await ext.close()
    assert raised.value.message == "Extension disconnected."
    assert "".join(received) == "half"


async def test_a_failed_stream_raises_the_extensions_reason(api: Api, extension: Ext) -> None:
    await extension(mode="fail", tokens=["a", "b"])
    client = api()
    stream = await client.chat.completions.create(model="st", messages=HI, stream=True)
    with pytest.raises(openai.APIError) as raised:
        await collect(stream)
    assert raised.value.message == "boom"
    with pytest.raises(openai.InternalServerError) as caught:
        await client.chat.completions.create(model="st", messages=HI)
    assert caught.value.status_code == 502
    assert said(caught.value) == "boom"
