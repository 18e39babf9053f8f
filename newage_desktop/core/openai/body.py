"""A `POST /v1/chat/completions` body: decoded, bounded and type-checked into `ChatRequest`.

Every field OpenAI documents is checked for its type, whether we use it or not, so a client's
mistake is a 400 naming the field rather than a silent default. What we cannot do is refused
(tools, images, audio, logprobs, `n > 1`, JSON response formats); sampling parameters are
accepted and not used: the SillyTavern preset decides them. Unknown fields are ignored, as
OpenAI-compatible servers do.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from newage_desktop.core.openai.errors import ApiError, bad_request, unsupported
from newage_desktop.protocol.llm import MAX_TEXT
from newage_desktop.protocol.validation import MAX_DEPTH_CAP, is_bounded

DEFAULT_MODEL: Final = "default"
ROLES: Final = ("system", "developer", "user", "assistant")
_TOOL_ROLES: Final = ("tool", "function")
_MAX_MODEL: Final = 256


@dataclass(frozen=True)
class ChatRequest:
    model: str | None  # None: the room's assignment decides ("default" or omitted)
    prompt: str  # the text of the last user message
    stream: bool
    include_usage: bool
    message_count: int


def decode(raw: bytes, max_depth: int) -> Any:
    """JSON from the raw body, or ApiError 400 (invalid UTF-8, invalid JSON, too deep)."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise bad_request(f"The request body is not valid UTF-8 (byte {exc.start}).") from None
    if not text.strip():
        raise bad_request("The request body is empty: send a JSON object.")
    try:
        value = json.loads(text, parse_constant=_no_constant)
    except json.JSONDecodeError as exc:
        raise bad_request(
            f"The request body is not valid JSON at line {exc.lineno} column {exc.colno}: "
            f"{exc.msg}."
        ) from None
    except (ValueError, RecursionError) as exc:
        detail = "nesting too deep" if isinstance(exc, RecursionError) else str(exc)
        raise bad_request(f"The request body is not valid JSON: {detail}.") from None
    if not is_bounded(value, min(max_depth, MAX_DEPTH_CAP)):
        raise bad_request(
            f"The request body is nested deeper than {max_depth} levels (setting "
            "maxPayloadDepth) or holds text that cannot be encoded."
        )
    return value


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def parse_chat(body: Any) -> ChatRequest:
    """The checked request, or ApiError 400 naming the first wrong field."""
    if not isinstance(body, dict):
        raise bad_request("The request body must be a JSON object.")
    model = _optional(body, "model", str, "a string")
    if model is not None and not 1 <= len(model) <= _MAX_MODEL:
        raise bad_request(f"model must be 1-{_MAX_MODEL} characters.", "model")
    if "messages" not in body or body["messages"] is None:
        raise bad_request("Missing required parameter: 'messages'.", "messages", "missing")
    messages = body["messages"]
    if not isinstance(messages, list) or not messages:
        raise bad_request("messages must be a non-empty array of message objects.", "messages")
    prompt: str | None = None
    for index, message in enumerate(messages):
        text = _message_text(message, index)
        if message["role"] == "user":
            prompt = text
    if prompt is None:
        raise bad_request(
            "messages must contain a 'user' message: its text is the prompt.", "messages"
        )
    if len(prompt) > MAX_TEXT:
        raise bad_request(
            f"The last user message is longer than {MAX_TEXT} characters.", "messages"
        )
    stream = _optional(body, "stream", bool, "a boolean") or False
    include_usage = False
    options = _optional(body, "stream_options", dict, "an object")
    if options is not None:
        usage = _optional(options, "include_usage", bool, "a boolean", "stream_options.")
        include_usage = bool(usage)
    _check_refused(body)
    _check_ignored(body)
    return ChatRequest(
        model=None if model in (None, DEFAULT_MODEL) else model,
        prompt=prompt,
        stream=stream,
        include_usage=include_usage,
        message_count=len(messages),
    )


def _message_text(message: Any, index: int) -> str:
    where = f"messages[{index}]"
    if not isinstance(message, dict):
        raise bad_request(f"{where} must be an object with 'role' and 'content'.", where)
    role = message.get("role")
    if role in _TOOL_ROLES:
        raise unsupported(
            f"{where}: role '{role}' is not supported (tools and function calling are not).",
            f"{where}.role",
        )
    if not isinstance(role, str) or role not in ROLES:
        raise bad_request(f"{where}.role must be one of {', '.join(ROLES)}.", f"{where}.role")
    for field in ("tool_calls", "function_call", "audio"):
        if message.get(field) is not None:
            raise unsupported(f"{where}.{field} is not supported.", f"{where}.{field}")
    name = message.get("name")
    if name is not None and not isinstance(name, str):
        raise bad_request(f"{where}.name must be a string.", f"{where}.name")
    content = message.get("content")
    if content is None:
        if role == "assistant":
            return ""
        raise bad_request(f"{where}.content is required.", f"{where}.content")
    if isinstance(content, str):
        return content
    if not isinstance(content, list):
        raise bad_request(
            f"{where}.content must be a string or an array of text parts.", f"{where}.content"
        )
    texts: list[str] = []
    for part_index, part in enumerate(content):
        at = f"{where}.content[{part_index}]"
        if not isinstance(part, dict) or not isinstance(part.get("type"), str):
            raise bad_request(f"{at} must be an object with a 'type'.", at)
        kind = part["type"]
        if kind != "text":
            raise unsupported(
                f"{at}: content type '{kind}' is not supported: only text reaches SillyTavern "
                "(no images, audio or files).",
                f"{at}.type",
            )
        if not isinstance(part.get("text"), str):
            raise bad_request(f"{at}.text must be a string.", f"{at}.text")
        texts.append(part["text"])
    return "\n".join(texts)


def _optional(body: dict[str, Any], name: str, kind: type, described: str, prefix: str = "") -> Any:
    """`body[name]` when present and not null; ApiError when it has the wrong type."""
    value = body.get(name)
    if value is None:
        return None
    if kind is bool and not isinstance(value, bool):
        raise bad_request(f"{prefix}{name} must be {described}.", prefix + name)
    if kind is not bool and (isinstance(value, bool) or not isinstance(value, kind)):
        raise bad_request(f"{prefix}{name} must be {described}.", prefix + name)
    return value


def _check_refused(body: dict[str, Any]) -> None:
    """What we cannot do is refused, never ignored (tools, logprobs, n > 1, formats, audio)."""
    for name in ("tools", "functions", "tool_choice", "function_call", "audio", "prediction"):
        if body.get(name) is not None:
            raise unsupported(
                f"{name} is not supported: NewAge Desktop relays text from SillyTavern only "
                "(no tools, function calling, audio or predicted outputs).",
                name,
            )
    n = _optional(body, "n", int, "an integer")
    if n is not None and n != 1:
        raise unsupported("n must be 1: one SillyTavern generation answers a request.", "n")
    if _optional(body, "logprobs", bool, "a boolean"):
        raise unsupported(
            "logprobs are not supported: SillyTavern does not pass them on.", "logprobs"
        )
    if _optional(body, "top_logprobs", int, "an integer") is not None:
        raise unsupported("top_logprobs is not supported.", "top_logprobs")
    modalities = _optional(body, "modalities", list, "an array")
    if modalities is not None and modalities != ["text"]:
        raise unsupported("modalities other than ['text'] are not supported.", "modalities")
    response_format = _optional(body, "response_format", dict, "an object")
    if response_format is not None and response_format.get("type") != "text":
        raise unsupported(
            "response_format other than {'type': 'text'} is not supported "
            "(SillyTavern's preset decides the format).",
            "response_format",
        )


_Check = Callable[[Any], bool]


def _number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _integer(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _stop(value: Any) -> bool:
    return isinstance(value, str) or (
        isinstance(value, list) and all(isinstance(v, str) for v in value)
    )


# Accepted, type-checked and not used: SillyTavern's preset and character decide.
_IGNORED: Final[dict[str, tuple[_Check, str]]] = {
    "temperature": (_number, "a number"),
    "top_p": (_number, "a number"),
    "presence_penalty": (_number, "a number"),
    "frequency_penalty": (_number, "a number"),
    "max_tokens": (_integer, "an integer"),
    "max_completion_tokens": (_integer, "an integer"),
    "seed": (_integer, "an integer"),
    "stop": (_stop, "a string or an array of strings"),
    "user": (lambda v: isinstance(v, str), "a string"),
    "logit_bias": (lambda v: isinstance(v, dict), "an object"),
    "metadata": (lambda v: isinstance(v, dict), "an object"),
    "store": (lambda v: isinstance(v, bool), "a boolean"),
    "parallel_tool_calls": (lambda v: isinstance(v, bool), "a boolean"),
    "service_tier": (lambda v: isinstance(v, str), "a string"),
    "reasoning_effort": (lambda v: isinstance(v, str), "a string"),
    "verbosity": (lambda v: isinstance(v, str), "a string"),
    "safety_identifier": (lambda v: isinstance(v, str), "a string"),
    "prompt_cache_key": (lambda v: isinstance(v, str), "a string"),
}


def _check_ignored(body: dict[str, Any]) -> None:
    for name, (check, described) in _IGNORED.items():
        value = body.get(name)
        if value is not None and not check(value):
            raise bad_request(f"{name} must be {described}.", name)


__all__ = ["DEFAULT_MODEL", "ApiError", "ChatRequest", "decode", "parse_chat"]
