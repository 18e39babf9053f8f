"""API keys of the OpenAI-compatible API: the client keys and trust of PROTOCOL.md §4.

The API key is `<clientId>:<key>` (a clientId cannot contain `:`, §4.1), so the server knows
which hash to check; `Bearer <key>` with an `X-Client-Id` header is the same. Checks run in
the order of §4.2 for a socket: lock-out, trust, key (bcrypt, off the loop), with the same
failure counting (§4.9) and rate-limited log lines. Under `networkSafe` (§4.6) every request
is accepted, as a socket would be, under the clientId it names or `openai`.

bcrypt costs about 50 ms of CPU; an API client sends one request per generation, so a key
that verified is remembered as a SHA-256 digest next to the hash it matched: the next request
with the same key checks the digest only, until the key is replaced or revoked (the stored
hash changes and the entry no longer matches).
"""

from __future__ import annotations

import asyncio
import hashlib
import hmac
from dataclasses import dataclass
from typing import TYPE_CHECKING, Final

from newage_desktop.core import events as ev
from newage_desktop.core.auth.admission import Handshake, log_refusal
from newage_desktop.core.auth.keys import check_key
from newage_desktop.core.openai.errors import ApiError, invalid_api_key, no_extension, rate_limited
from newage_desktop.protocol import errors as err
from newage_desktop.protocol.validation import is_valid_client_id, key_too_long

if TYPE_CHECKING:
    from newage_desktop.core.app import Core

NAMESPACE: Final = "/v1"  # in log lines and AuthFailed events, where a socket has its namespace
NETWORK_SAFE_CLIENT: Final = "openai"  # the clientId of unnamed requests under networkSafe
API_SID: Final = "*openai*"  # never a Socket.IO sid: emits to it go nowhere

MISSING_KEY: Final = (
    "Missing API key: send 'Authorization: Bearer <clientId>:<key>' "
    "(the Keys dock of NewAge Desktop shows it, or 'newage-desktop keys generate <clientId>')."
)
NO_CLIENT_ID: Final = (
    "The API key names no client: use '<clientId>:<key>' as the API key, "
    "or send the clientId in an 'X-Client-Id' header."
)


@dataclass(frozen=True)
class ApiClient:
    client_id: str
    address: str


def api_key(client_id: str, key: str) -> str:
    """The ready-to-paste API key for a client key."""
    return f"{client_id}:{key}"


def split_credentials(
    authorization: str | None, client_id_header: str | None
) -> tuple[str | None, str | None]:
    """(clientId, key) from the `Authorization` and `X-Client-Id` headers, either may be None."""
    key: str | None = None
    client_id = client_id_header or None
    if authorization:
        scheme, _, token = authorization.strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise invalid_api_key("The Authorization header must be 'Bearer <clientId>:<key>'.")
        token = token.strip()
        named, sep, rest = token.partition(":")
        if sep:
            if client_id is not None and client_id != named:
                raise invalid_api_key("X-Client-Id does not match the clientId of the API key.")
            client_id, key = named, rest
        else:
            key = token
    return client_id, key


class ApiAuth:
    def __init__(self, core: Core) -> None:
        self.core = core
        self._verified: dict[str, tuple[str, bytes]] = {}  # clientId -> (hash, sha256(key))

    async def authenticate(
        self, authorization: str | None, client_id_header: str | None, address: str
    ) -> ApiClient:
        core = self.core
        if core.shutting_down:
            raise no_extension(err.SHUTTING_DOWN)
        client_id, key = split_credentials(authorization, client_id_header)
        if client_id is not None and not is_valid_client_id(client_id):
            raise invalid_api_key(f"{err.INVALID_CLIENT_ID} (the part before ':' of the API key)")
        if core.settings.network_safe:
            return ApiClient(client_id or NETWORK_SAFE_CLIENT, address)
        if client_id is None:
            raise invalid_api_key(MISSING_KEY if key is None else NO_CLIENT_ID)
        if core.throttle.is_locked(address, client_id):
            raise self._refused(client_id, address, err.TOO_MANY_FAILURES)
        if not core.trust.is_trusted(client_id):
            core.refresh_files()  # a trust file written moments ago (§3.3)
            if not core.trust.is_trusted(client_id):
                raise self._fail(client_id, address, err.NOT_TRUSTED)
        hashed = core.keys.hash_of(client_id)
        if key is None or key_too_long(key) or hashed is None:
            raise self._fail(client_id, address, err.INVALID_KEY)
        digest = hashlib.sha256(key.encode("utf-8")).digest()
        known = self._verified.get(client_id)
        if known is not None and known[0] == hashed and hmac.compare_digest(known[1], digest):
            core.key_last_used[client_id] = core.now()
            return ApiClient(client_id, address)
        slot = core.throttle.reserve(address, client_id)
        if slot is None:
            raise self._refused(client_id, address, err.TOO_MANY_FAILURES)
        try:
            ok = await asyncio.get_running_loop().run_in_executor(None, check_key, key, hashed)
        except BaseException:
            core.throttle.release(address, client_id, slot)
            raise
        if not ok or core.keys.hash_of(client_id) != hashed:  # re-keyed while we were checking
            raise self._failed(client_id, address, err.INVALID_KEY)
        core.throttle.release(address, client_id, slot)
        core.key_last_used[client_id] = core.now()
        self._verified[client_id] = (hashed, digest)
        return ApiClient(client_id, address)

    def forget(self, client_id: str) -> None:
        """Drop a remembered key (also dropped by itself once the stored hash changes)."""
        self._verified.pop(client_id, None)

    def _refused(self, client_id: str, address: str, reason: str) -> ApiError:
        log_refusal(self.core, _handshake(client_id, address), reason)
        return rate_limited(reason, "too_many_failures")

    def _fail(self, client_id: str, address: str, reason: str) -> ApiError:
        self.core.throttle.record_failure(address, client_id)
        return self._failed(client_id, address, reason)

    def _failed(self, client_id: str, address: str, reason: str) -> ApiError:
        core = self.core
        core.bus.publish(ev.AuthFailed(client_id, address, reason))
        log_refusal(core, _handshake(client_id, address), reason)
        return invalid_api_key(reason)


def _handshake(client_id: str, address: str) -> Handshake:
    """What the refusal log needs to know of a request: who, from where, on what."""
    return Handshake(API_SID, NAMESPACE, {"clientId": client_id}, address, None)
