"""Smoke test of the e2e harness: the real SillyTavern, in Chromium, opens into the bundled
character's chat, sends what the test types to the mock OpenAI backend and renders the streamed
reply (non-ASCII included). Runs on every SillyTavern version in SILLYTAVERN_VERSIONS.

Set NEWAGE_E2E_SCREENSHOT_DIR (e.g. docs/screenshots) to keep a screenshot of each version's
page after the reply as e2e-sillytavern-<version>.png there (default: the test's tmp_path).
"""

from __future__ import annotations

import os
from pathlib import Path

from browser_support import SillyTavernPage, StPageFactory
from mock_openai import MOCK_MODEL, MockOpenAI
from sillytavern_support import DEFAULT_CHARACTER_NAME, SillyTavernFactory, SillyTavernInstance

CONTEXT_KEYS = (
    "generate",
    "stopGeneration",
    "eventSource",
    "eventTypes",
    "event_types",
    "chat",
    "characterId",
    "onlineStatus",
)
SCRIPT_EXPORTS = ("sendMessageAsUser", "isGenerating", "Generate", "stopGeneration")
REPLY_TOKENS = ["Bonjour", ",", " café", " ", "日本語", " ", "🙂", " — fin."]
USER_TEXT = "Hello from the e2e smoke test: naïve ✓"


def test_sillytavern_generates_from_mock(
    st_version: str,
    mock_openai: MockOpenAI,
    sillytavern: SillyTavernInstance,
    st_page: SillyTavernPage,
    tmp_path: Path,
) -> None:
    page = st_page
    # The page opened straight into the bundled character's chat, connected to the mock.
    chat = page.chat()
    assert chat and chat[0]["name"] == DEFAULT_CHARACTER_NAME and not chat[0]["is_user"]
    # onlineStatus is "Valid" once the status check of a custom source passed (both versions)
    assert page.evaluate("() => SillyTavern.getContext().onlineStatus") == "Valid"
    assert mock_openai.models_checks() >= 1

    # What the page offers extensions, per version (recorded in the test output).
    keys = page.context_keys(CONTEXT_KEYS)
    exports = page.module_exports("/script.js", SCRIPT_EXPORTS)
    print(f"\nSillyTavern {st_version} getContext(): {keys}")
    print(f"SillyTavern {st_version} /script.js exports: {exports}")
    assert keys["generate"] == "function"
    assert keys["stopGeneration"] == "function"
    assert keys["eventSource"] == "object"
    assert "object" in (keys["eventTypes"], keys["event_types"])
    assert keys["chat"] == "object"

    mock_openai.script(REPLY_TOKENS, rate=40)
    n_before = len(mock_openai.requests)
    page.send_message(USER_TEXT)

    req = mock_openai.wait_for_request(n_before, timeout=30)
    assert req.last_user_message is not None and USER_TEXT in req.last_user_message
    assert req.model == MOCK_MODEL
    assert req.stream is True
    assert req.wait_finished(30) and req.completed

    expected = "".join(REPLY_TOKENS)
    text = page.wait_for_last_message("🙂", timeout=30)
    page.wait_idle(timeout=30)
    assert page.last_message_text() == expected, text
    last = page.chat()[-1]
    assert not last["is_user"] and last["mes"] == expected
    assert page.chat()[-2]["is_user"] and page.chat()[-2]["mes"] == USER_TEXT
    # exactly one generation reached the backend (dry runs and token counts do not)
    assert len(mock_openai.requests) == n_before + 1
    assert not page.page_errors, page.console_text()

    shot_dir = Path(os.environ.get("NEWAGE_E2E_SCREENSHOT_DIR") or tmp_path)
    shot = page.screenshot(shot_dir / f"e2e-sillytavern-{st_version}.png")
    print(f"screenshot: {shot}")


def test_sillytavern_non_streaming(
    st_version: str,
    mock_openai: MockOpenAI,
    sillytavern_factory: SillyTavernFactory,
    st_page_factory: StPageFactory,
) -> None:
    """With streaming off, SillyTavern asks for one ``chat.completion`` and renders it."""
    instance = sillytavern_factory(streaming=False)
    page = st_page_factory(instance)
    mock_openai.script(["Plain", " reply:", " café 日本語 🙂"], rate=0)
    page.send_message("No streaming, please.")
    req = mock_openai.wait_for_request(0, timeout=30)
    assert req.stream is False
    assert req.last_user_message == "No streaming, please."
    assert page.wait_for_last_message("🙂", timeout=30) == "Plain reply: café 日本語 🙂"
    page.wait_idle(timeout=30)
    assert page.chat()[-1]["mes"] == "Plain reply: café 日本語 🙂"
