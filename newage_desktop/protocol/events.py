"""Wire names of namespaces and events, spelled exactly as in PROTOCOL.md.

Grep PROTOCOL.md and this module for the same word.
"""

from typing import Final

# --- namespaces (PROTOCOL.md §2.1) -------------------------------------------------------------
NS_DEFAULT: Final = "/"
NS_AUTH: Final = "/auth"
NS_CLIENTS: Final = "/clients"
NS_ROOMS: Final = "/rooms"
NS_LLM: Final = "/llm"
NS_SILLYTAVERN: Final = "/sillytavern"
NS_FUNCTION_CALL: Final = "/function_call"
NS_DEBUG: Final = "/debug"
NAMESPACES: Final = (
    NS_DEFAULT,
    NS_AUTH,
    NS_CLIENTS,
    NS_ROOMS,
    NS_LLM,
    NS_SILLYTAVERN,
    NS_FUNCTION_CALL,
    NS_DEBUG,
)

# --- common (§6.1) -------------------------------------------------------------------------------
CLIENT_DISCONNECTED: Final = "CLIENT_DISCONNECTED"
ERROR: Final = "ERROR"
WARNING: Final = "WARNING"

# --- /auth (§6.3) --------------------------------------------------------------------------------
GET_CLIENT_KEY: Final = "GET_CLIENT_KEY"
GET_SILLYTAVERN_EXTENSION: Final = "GET_SILLYTAVERN_EXTENSION"
TEMP_ROOM_ASSIGNED: Final = "TEMP_ROOM_ASSIGNED"

# --- /clients (§6.4) -----------------------------------------------------------------------------
GET_CLIENT_LIST: Final = "GET_CLIENT_LIST"
UPDATE_CONNECTED_CLIENTS: Final = "UPDATE_CONNECTED_CLIENTS"
CONNECTED_CLIENTS_UPDATE: Final = "CONNECTED_CLIENTS_UPDATE"
GET_ALL_CLIENT_KEYS: Final = "GET_ALL_CLIENT_KEYS"
GENERATE_CLIENT_KEY: Final = "GENERATE_CLIENT_KEY"
REMOVE_CLIENT_KEY: Final = "REMOVE_CLIENT_KEY"
GET_KEY_REQUESTS: Final = "GET_KEY_REQUESTS"
APPROVE_KEY_REQUEST: Final = "APPROVE_KEY_REQUEST"
DENY_KEY_REQUEST: Final = "DENY_KEY_REQUEST"
KEY_REQUESTS_UPDATE: Final = "KEY_REQUESTS_UPDATE"

# --- /rooms (§6.5) -------------------------------------------------------------------------------
GET_ROOMS: Final = "GET_ROOMS"
GET_ROOM_INFO: Final = "GET_ROOM_INFO"
GET_CLIENTS_IN_ROOM: Final = "GET_CLIENTS_IN_ROOM"
CREATE_ROOM: Final = "CREATE_ROOM"
DELETE_ROOM: Final = "DELETE_ROOM"
ADD_CLIENT_TO_ROOM: Final = "ADD_CLIENT_TO_ROOM"
REMOVE_CLIENT_FROM_ROOM: Final = "REMOVE_CLIENT_FROM_ROOM"
SET_MEMBER_ROLE: Final = "SET_MEMBER_ROLE"
KICK_MEMBER: Final = "KICK_MEMBER"
MEMBER_JOINED: Final = "MEMBER_JOINED"
MEMBER_LEFT: Final = "MEMBER_LEFT"
MEMBER_ROLE_CHANGED: Final = "MEMBER_ROLE_CHANGED"
SET_ROOM_MESSAGE_REQUEST_MODE: Final = "SET_ROOM_MESSAGE_REQUEST_MODE"
ROOM_MODE_CHANGED: Final = "ROOM_MODE_CHANGED"
SET_CONNECTION_POLICY: Final = "SET_CONNECTION_POLICY"
GET_CONNECTION_POLICY: Final = "GET_CONNECTION_POLICY"
ASSIGN_EXTENSION_TO_CLIENT: Final = "ASSIGN_EXTENSION_TO_CLIENT"
GET_ASSIGNMENTS: Final = "GET_ASSIGNMENTS"
GET_ASSIGNMENTS_FOR_ROOM: Final = "GET_ASSIGNMENTS_FOR_ROOM"
AVAILABLE_EXTENSIONS: Final = "AVAILABLE_EXTENSIONS"
MUTE_MEMBER: Final = "MUTE_MEMBER"
UNMUTE_MEMBER: Final = "UNMUTE_MEMBER"

# --- /sillytavern (§6.7) -------------------------------------------------------------------------
IDENTIFY_SILLYTAVERN: Final = "IDENTIFY_SILLYTAVERN"

# --- /llm (§6.6, §7) -----------------------------------------------------------------------------
LLM_REQUEST: Final = "LLM_REQUEST"
CANCEL_REQUEST: Final = "CANCEL_REQUEST"  # client → server and server → extension (§7.14)
NEW_MESSAGE: Final = "NEW_MESSAGE"
MESSAGE_UPDATED: Final = "MESSAGE_UPDATED"
MESSAGES_DELETED: Final = "MESSAGES_DELETED"
MESSAGES_CLEARED: Final = "MESSAGES_CLEARED"
EDIT_MESSAGE: Final = "EDIT_MESSAGE"
DELETE_MESSAGE: Final = "DELETE_MESSAGE"
CLEAR_MESSAGES: Final = "CLEAR_MESSAGES"
START_TYPING: Final = "START_TYPING"
STOP_TYPING: Final = "STOP_TYPING"
START_PROCESSING: Final = "START_PROCESSING"
STOP_PROCESSING: Final = "STOP_PROCESSING"
MEMBER_STATUS_UPDATE: Final = "MEMBER_STATUS_UPDATE"
MEMBER_MUTED: Final = "MEMBER_MUTED"
MEMBER_UNMUTED: Final = "MEMBER_UNMUTED"

# --- socket.io-stream (§8) -----------------------------------------------------------------------
SERVER_STREAM_DATA: Final = "SERVER_STREAM_DATA"

# --- client types (§1) ---------------------------------------------------------------------------
CLIENT_TYPE_MONITOR: Final = "monitor"
EXTENSION_CLIENT_TYPES: Final = frozenset({"SillyTavern", "extension"})
GET_KEY: Final = "getKey"

# --- /function_call (§9) -------------------------------------------------------------------------
FUNCTION_CALL: Final = "FUNCTION_CALL"

# --- /debug (§6.9) -------------------------------------------------------------------------------
TOGGLE_DEBUG_MODE: Final = "TOGGLE_DEBUG_MODE"
DEBUG_MODE_CHANGED: Final = "DEBUG_MODE_CHANGED"
SERVER_STATUS: Final = "SERVER_STATUS"
READ_LOG: Final = "READ_LOG"
