"""Errors in OpenAI's format: `{"error": {"message", "type", "param", "code"}}` and a status.

The official clients raise by status (400 BadRequestError, 401 AuthenticationError,
403 PermissionDeniedError, 404 NotFoundError, 409 ConflictError, 413 APIStatusError,
429 RateLimitError, 5xx InternalServerError) and show `message`; in a stream they raise
APIError for an event whose data carries `error`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

INVALID_REQUEST: Final = "invalid_request_error"
AUTHENTICATION: Final = "authentication_error"
PERMISSION: Final = "permission_error"
NOT_FOUND: Final = "not_found_error"
RATE_LIMIT: Final = "rate_limit_error"
SERVER: Final = "server_error"


@dataclass(frozen=True)
class ApiError(Exception):
    status: int
    message: str
    type: str
    code: str | None = None
    param: str | None = None
    # Whether the official clients should retry (they read `x-should-retry`): only where a
    # retry can succeed without starting a second generation of the same prompt.
    retry: bool = False

    def body(self) -> dict[str, Any]:
        return {
            "error": {
                "message": self.message,
                "type": self.type,
                "param": self.param,
                "code": self.code,
            }
        }


def bad_request(message: str, param: str | None = None, code: str | None = None) -> ApiError:
    return ApiError(400, message, INVALID_REQUEST, code or "invalid_request", param)


def unsupported(message: str, param: str) -> ApiError:
    return ApiError(400, message, INVALID_REQUEST, "unsupported_parameter", param)


def invalid_api_key(message: str) -> ApiError:
    return ApiError(401, message, AUTHENTICATION, "invalid_api_key")


def forbidden(message: str, code: str = "permission_denied") -> ApiError:
    return ApiError(403, message, PERMISSION, code)


def model_not_found(model: str) -> ApiError:
    return ApiError(
        404,
        f"The model '{model}' does not exist or is not connected: "
        "GET /v1/models lists the connected SillyTavern extensions.",
        NOT_FOUND,
        "model_not_found",
        "model",
    )


def too_large(limit: int) -> ApiError:
    return ApiError(
        413,
        f"Request body too large: at most {limit} bytes (setting maxPayloadBytes).",
        INVALID_REQUEST,
        "request_too_large",
    )


def rate_limited(message: str, code: str, *, retry: bool = False) -> ApiError:
    return ApiError(429, message, RATE_LIMIT, code, retry=retry)


def no_extension(message: str) -> ApiError:
    return ApiError(503, message, SERVER, "no_extension_available", retry=True)


def upstream(message: str, code: str = "extension_error", status: int = 502) -> ApiError:
    return ApiError(status, message, SERVER, code)


def timed_out(message: str) -> ApiError:
    return ApiError(504, message, SERVER, "timeout")
