"""Error and refusal strings, exactly as PROTOCOL.md gives them."""

from typing import Final

# --- connect refusals (§4.3) ---------------------------------------------------------------------
INVALID_NAMESPACE: Final = "Invalid namespace"
INVALID_AUTH_DATA: Final = "Invalid auth data."
MISSING_CLIENT_ID: Final = "Missing clientId."
INVALID_CLIENT_ID: Final = "Invalid clientId."
INVALID_IDENTITY: Final = "Invalid identity."
IDENTITY_IN_USE: Final = "Identity already in use."
TOO_MANY_FAILURES: Final = "Too many failed attempts. Try again later."
NOT_TRUSTED: Final = "Client is not trusted."
INVALID_KEY: Final = "Invalid key."
NOT_ALLOWED_AS_MONITOR: Final = "Client is not allowed to connect as monitor."
UNAUTHORIZED: Final = "Unauthorized"
KEY_REQUESTS_NOT_ALLOWED: Final = "Key requests are not allowed."
TOO_MANY_PENDING: Final = "Too many pending key requests."
SHUTTING_DOWN: Final = "Server is shutting down."

# --- general (§2.2) ------------------------------------------------------------------------------
INVALID_PAYLOAD: Final = "Invalid payload."
UNKNOWN_EVENT: Final = "Unknown event."
INTERNAL_ERROR: Final = "Internal server error."
PERMISSION_DENIED: Final = "Permission denied."

# --- pairing (§4.7) ------------------------------------------------------------------------------
KEY_REQUEST_PENDING: Final = "Key request pending approval."
KEY_REQUEST_SUPERSEDED: Final = "Key request superseded."
KEY_REQUEST_DENIED: Final = "Key request denied."
KEY_REQUEST_EXPIRED: Final = "Key request expired."
KEY_REQUEST_NOT_FOUND: Final = "Key request not found."

# --- keys (§4.10, §6.3, §6.4) --------------------------------------------------------------------
KEY_REVOKED: Final = "Key revoked."
CLIENT_KEY_NOT_FOUND: Final = "Client key not found."
NO_RIGHT_TO_OTHERS_KEY: Final = "You are have no right to get others key."
MISSING_TARGET_CLIENT_ID: Final = "Missing targetClientId."

# --- /sillytavern (§6.7) -------------------------------------------------------------------------
CLIENT_ID_MISMATCH: Final = "clientId does not match this connection."
EXTENSION_ALREADY_CONNECTED: Final = "SillyTavern extension already connected."

# --- /rooms (§6.5) -------------------------------------------------------------------------------
INVALID_ROOM_NAME: Final = "Invalid room name"
ROOM_NOT_FOUND: Final = "Room not found"
ROOM_ALREADY_EXISTS: Final = "Room already exists"
INVALID_OPERATION: Final = "Invalid operation"
INVALID_ROLE: Final = "Invalid role"
FAILED_TO_ADD: Final = "Failed to add client to room"
FAILED_TO_REMOVE: Final = "Failed to remove client from room"
FAILED_TO_SET_ROLE: Final = "Failed to set member role"
FAILED_TO_KICK: Final = "Failed to kick member"

# --- function calls (§9) -------------------------------------------------------------------------
INVALID_FUNCTION_CALL: Final = "Invalid function call."
FUNCTION_CALL_TIMED_OUT: Final = "Function call timed out."
UNKNOWN_FUNCTION_ERROR: Final = "An unknown error occurred."
PATH_OUTSIDE: Final = "Access denied: Path is outside the server directory."
FILE_RESTRICTED: Final = "Access denied: File is restricted."
ONLY_JSON: Final = "Access denied: Only .json files are allowed."
ONLY_ADMINS_WRITE_SETTINGS: Final = "Access denied: Only administrators may write settings."
DATA_NOT_OBJECT: Final = "Data must be a JSON object."


def function_not_found(name: str) -> str:
    return f'Function "{name}" not found.'


def target_not_connected(target: str) -> str:
    return f"Target client {target} is not connected."


def existing_not_object(path: str) -> str:
    return f"Existing file is not a valid JSON object: {path}"


# --- /debug (§6.9) -------------------------------------------------------------------------------
INVALID_FILENAME: Final = "Invalid filename"
INVALID_LEVEL: Final = "Invalid level Options"
INVALID_PAGE: Final = "Invalid page number"
INVALID_PAGE_SIZE: Final = "Invalid page size (must be between 1 and 100)"
LOG_FILE_NOT_FOUND: Final = "Log file not found."
