"""Every event a client may send, per namespace, with the payload fields PROTOCOL.md names.

The implemented tables (`NAMESPACE_TABLES`) are merged with the events PROTOCOL.md §6–§9 lists,
so an event the server does not handle yet is fuzzed too (its ack must then be
`Unknown event.`, still a `{status}` dict). `CLIENT_DISCONNECTED` (§6.1) is left out of the
random runs: it disconnects the sender by design; `test_fuzz_events` sends it on its own.
"""

from __future__ import annotations

from typing import Final

from newage_desktop.protocol import events as names
from newage_desktop.transport.server import NAMESPACE_TABLES

# Client → server events of PROTOCOL.md, with the fields their payloads have (§6–§9).
DOCUMENTED: Final[dict[str, dict[str, tuple[str, ...]]]] = {
    # `/` has no events (§6.2): an unknown name stands for it (§2.2 rule 5, `Unknown event.`).
    "/": {"NO_SUCH_EVENT": ("roomName",)},
    "/auth": {
        "GET_CLIENT_KEY": ("clientId",),
        "GET_SILLYTAVERN_EXTENSION": (),
    },
    "/clients": {
        "GET_CLIENT_LIST": (),
        "UPDATE_CONNECTED_CLIENTS": (),
        "GET_CLIENT_KEY": ("clientId",),
        "GET_ALL_CLIENT_KEYS": (),
        "GENERATE_CLIENT_KEY": ("targetClientId", "clientId"),
        "REMOVE_CLIENT_KEY": ("targetClientId", "clientId"),
        "GET_KEY_REQUESTS": (),
        "APPROVE_KEY_REQUEST": ("roomId",),
        "DENY_KEY_REQUEST": ("roomId",),
    },
    "/rooms": {
        "GET_ROOMS": (),
        "GET_ROOM_INFO": ("roomName",),
        "GET_CLIENTS_IN_ROOM": ("roomName",),
        "CREATE_ROOM": ("roomName",),
        "DELETE_ROOM": ("roomName",),
        "ADD_CLIENT_TO_ROOM": ("identity", "clientId", "roomName", "role"),
        "REMOVE_CLIENT_FROM_ROOM": ("identity", "clientId", "roomName"),
        "SET_MEMBER_ROLE": ("targetIdentity", "targetClientId", "roomName", "role"),
        "KICK_MEMBER": ("targetIdentity", "targetClientId", "roomName"),
        "SET_CONNECTION_POLICY": ("policy",),
        "GET_CONNECTION_POLICY": (),
        "ASSIGN_EXTENSION_TO_CLIENT": ("clientRoom", "extensions"),
        "GET_ASSIGNMENTS": (),
        "GET_ASSIGNMENTS_FOR_ROOM": ("roomName",),
        "SET_ROOM_MESSAGE_REQUEST_MODE": ("roomName", "mode"),
        "MUTE_MEMBER": ("targetIdentity", "roomName", "duration"),
        "UNMUTE_MEMBER": ("targetIdentity", "roomName"),
    },
    "/llm": {
        "LLM_REQUEST": (
            "requestId",
            "message",
            "data",
            "requestType",
            "target",
            "targetRoom",
            "role",
        ),
        "CANCEL_REQUEST": ("requestId",),
        "GET_FULL_CONTEXT": ("roomName",),
        "GET_OFFLINE_MESSAGES": ("roomName",),
        "EDIT_MESSAGE": ("roomName", "messageId", "message", "data"),
        "DELETE_MESSAGE": ("roomName", "messageId", "messageIds"),
        "CLEAR_MESSAGES": ("roomName", "clearRequests", "clearResponses"),
        "START_TYPING": ("targetRoom",),
        "STOP_TYPING": ("targetRoom",),
        "START_PROCESSING": ("targetRoom", "requestId"),
        "STOP_PROCESSING": ("targetRoom", "requestId"),
        "WATCH_ROOM": ("roomName",),
        "UNWATCH_ROOM": ("roomName",),
        "GET_SILLYTAVERN_EXTENSION": (),
        "CLIENT_STREAM_START": ("type", "streamId", "outputId", "requestId", "numStreams"),
        "CLIENT_STREAM_DATA_FIRST": ("type", "streamId", "chunkIndex", "data"),
        "CLIENT_STREAM_DATA_MIDDLE": ("type", "streamId", "chunkIndex", "data"),
        "CLIENT_STREAM_DATA_LAST": ("type", "streamId", "chunkIndex", "data"),
        "CLIENT_STREAM_DATA_RETRY": ("type", "streamId", "chunkIndex", "data"),
        "CLIENT_STREAM_DATA_FAILED": ("type", "streamId", "data"),
        "CLIENT_STREAM_END": ("type", "streamId", "final"),
        "message": ("type", "data", "requestId", "outputId"),
        # socket.io-stream control (§8): positional arguments, not objects.
        "$stream-read": (),
        "$stream-end": (),
        "$stream-error": (),
        "$stream-write": (),
        "$stream": (),
    },
    "/sillytavern": {
        "IDENTIFY_SILLYTAVERN": ("clientId",),
    },
    "/function_call": {
        "FUNCTION_CALL": ("requestId", "functionName", "args", "target"),
    },
    "/debug": {
        "TOGGLE_DEBUG_MODE": (),
        "SERVER_STATUS": (),
        "READ_LOG": ("filename", "level", "page", "pageSize"),
    },
}

NEVER_FUZZED: Final = frozenset({names.CLIENT_DISCONNECTED})


def catalogue() -> dict[str, dict[str, tuple[str, ...]]]:
    """Namespace → event → payload fields: PROTOCOL.md's events and the server's tables."""
    merged: dict[str, dict[str, tuple[str, ...]]] = {}
    for namespace in names.NAMESPACES:
        events = dict(DOCUMENTED.get(namespace, {}))
        for event in NAMESPACE_TABLES.get(namespace, {}):
            events.setdefault(event, ())
        merged[namespace] = {e: f for e, f in events.items() if e not in NEVER_FUZZED}
    return merged


CATALOGUE: Final = catalogue()
ALL_EVENTS: Final = [(ns, event) for ns, events in CATALOGUE.items() for event in events]
# Stream control events answer in socket.io-stream's shape (§8.3/§8.4): `$stream-write` with a
# string; the others carry no ack in the library, and the server answers `{status}` if asked.
STREAM_CONTROL: Final = frozenset({"$stream-read", "$stream-end", "$stream-error", "$stream-write"})
