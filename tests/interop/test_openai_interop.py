"""The OpenAI-compatible API (`/v1`) driven by the official `openai` JavaScript client against
emulated extensions: see scenarios/openai_sdk.js for what it checks. The module has its own
server: extension availability decides `model: "default"` and the 503, and a short
`requestTimeoutMs` makes the 504 quick."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from interop_support import NODE_MODULES, NewAgeServer, missing_requirements, run_scenario

TIMEOUT_MS = 1500


@pytest.fixture(scope="module")
def openai_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NewAgeServer]:
    if missing_requirements() is not None:
        pytest.skip(missing_requirements() or "")
    if not (NODE_MODULES / "openai" / "package.json").is_file():
        pytest.skip("the openai npm package is missing: run `npm ci` in tests/interop")
    server = NewAgeServer(
        tmp_path_factory.mktemp("openai-server"),
        "openai",
        settings={"requestTimeoutMs": TIMEOUT_MS, "authMaxFailures": 1000},
    )
    for client_id in ("js-app", "js-bob", "js-ext", "js-ext-dc"):
        server.provision(client_id)
    server.provision("js-stranger", trusted=False)
    server.start()
    try:
        yield server
    finally:
        server.stop()


def test_the_official_javascript_client(openai_server: NewAgeServer) -> None:
    creds = openai_server.creds
    run_scenario(
        "openai_sdk",
        {
            "url": openai_server.url,
            "app": creds["js-app"].js(),
            "bob": creds["js-bob"].js(),
            "ext": creds["js-ext"].js(),
            "extDc": creds["js-ext-dc"].js(),
            "stranger": creds["js-stranger"].js(),
            "timeoutMs": TIMEOUT_MS,
        },
        timeout=90,
    )
