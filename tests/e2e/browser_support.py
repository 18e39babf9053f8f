"""Browser side of the end-to-end suite: Debian's Chromium driven by Playwright for Python
(sync API; e2e tests are plain ``def`` tests), and ``SillyTavernPage``, a SillyTavern tab with
its console messages and page errors collected.

Nothing is downloaded: Playwright's own browsers are never installed (no ``playwright
install``); the system Chromium (/usr/bin/chromium, or $NEWAGE_E2E_CHROMIUM) is launched
headless with the flags in CHROMIUM_ARGS.
"""

from __future__ import annotations

import contextlib
import logging
import os
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from playwright.sync_api import (
        Browser,
        BrowserContext,
        ConsoleMessage,
        Page,
        Playwright,
        Request,
        ViewportSize,
    )
    from sillytavern_support import SillyTavernInstance

log = logging.getLogger("e2e.browser")

CHROMIUM = os.environ.get("NEWAGE_E2E_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS: tuple[str, ...] = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
VIEWPORT: ViewportSize = {"width": 1280, "height": 860}
READY_TIMEOUT_S = 60.0
READY_STABLE_S = 0.5

# Pages currently open; conftest attaches their console output to failing test reports.
LIVE_PAGES: list[SillyTavernPage] = []


def playwright_problem() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return (
            "e2e tests need Playwright for Python (`pip install playwright`; no browser download)"
        )
    return None


def chromium_problem() -> str | None:
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        return f"e2e tests need Chromium at {CHROMIUM} (Debian: `apt-get install chromium`)"
    return None


def launch_chromium(pw: Playwright, *, headless: bool = True) -> Browser:
    browser = pw.chromium.launch(
        executable_path=CHROMIUM, headless=headless, args=list(CHROMIUM_ARGS)
    )
    log.info("Chromium %s (%s), Playwright", browser.version, CHROMIUM)
    return browser


# ----- what the page must look like before a test drives it --------------------------------------
#: JS predicate: SillyTavern is initialised, the active character's chat is open with its first
#: message rendered, the API status check passed ("Valid"), the send button and text area are
#: usable. SillyTavernPage.wait_ready() also wants it to hold for READY_STABLE_S.
READY_JS = """() => {
    const st = window.SillyTavern;
    if (!st || typeof st.getContext !== 'function') return false;
    let ctx;
    try { ctx = st.getContext(); } catch (e) { return false; }
    const chid = ctx.characterId;
    if (chid === undefined || chid === null || chid === '') return false;
    if (!Array.isArray(ctx.chat) || ctx.chat.length === 0) return false;
    // the character's chat, not the welcome screen SillyTavern shows before it
    if (ctx.chat[0].is_user || ctx.chat[0].name !== ctx.name2) return false;
    if (!ctx.getCurrentChatId || !ctx.getCurrentChatId()) return false;
    const first = document.querySelector('#chat .mes[mesid="0"] .mes_text');
    if (!first || !first.textContent.trim()) return false;
    // "Status check bypassed" is shown while the status request of a custom source runs
    const status = ctx.onlineStatus;
    if (!status || status === 'no_connection' || status === 'Status check bypassed') return false;
    const ta = document.querySelector('#send_textarea');
    const send = document.querySelector('#send_but');
    if (!ta || ta.disabled || !ta.offsetParent) return false;
    if (!send || !send.offsetParent) return false;
    return true;
}"""

#: JS: a snapshot of why the page is (not) ready, for timeout messages.
STATE_JS = """() => {
    const st = window.SillyTavern;
    let ctx = null;
    try { ctx = st && st.getContext ? st.getContext() : null; } catch (e) { ctx = null; }
    const first = document.querySelector('#chat .mes[mesid="0"] .mes_text');
    const popups = [...document.querySelectorAll('dialog[open], .popup:not([style*="none"])')]
        .map(p => (p.innerText || '').slice(0, 200));
    return {
        url: location.href,
        hasSillyTavern: !!st,
        characterId: ctx ? ctx.characterId ?? null : null,
        chatLength: ctx && Array.isArray(ctx.chat) ? ctx.chat.length : null,
        onlineStatus: ctx ? ctx.onlineStatus ?? null : null,
        firstMessage: first ? first.textContent.slice(0, 80) : null,
        popups: popups,
        toasts: [...document.querySelectorAll('#toast-container .toast')]
            .map(t => t.innerText.slice(0, 200)),
    };
}"""

#: JS: is a generation running? (the stop button is shown while SillyTavern generates)
GENERATING_JS = """() => {
    const stop = document.querySelector('#mes_stop');
    return !!(stop && stop.offsetParent && getComputedStyle(stop).display !== 'none');
}"""


@dataclass(frozen=True)
class ConsoleEntry:
    """A console message, page error or failed request seen in the page."""

    kind: str  # console type ("log", "warning", "error"…), "pageerror" or "requestfailed"
    text: str
    location: str
    time: float  # time.time()

    def __str__(self) -> str:
        where = f" ({self.location})" if self.location else ""
        return f"[{self.kind}] {self.text}{where}"


class SillyTavernPage:
    """A browser tab on a SillyTavern instance. ``console`` collects every console message,
    page error and failed request from the moment the page is created."""

    def __init__(self, context: BrowserContext, name: str = "sillytavern") -> None:
        self.name = name
        self.context = context
        self.page: Page = context.new_page()
        self.console: list[ConsoleEntry] = []
        self.ready_seconds: float | None = None
        #: where conftest saves a screenshot when the test fails (set by st_page_factory)
        self.artifacts_dir: Path | None = None
        self.page.on("console", self._on_console)
        self.page.on("pageerror", self._on_pageerror)
        self.page.on("requestfailed", self._on_requestfailed)
        LIVE_PAGES.append(self)

    # ----- collection -----------------------------------------------------------------------------
    def _on_console(self, msg: ConsoleMessage) -> None:
        loc = msg.location or {}
        where = f"{loc.get('url', '')}:{loc.get('lineNumber', '')}" if loc.get("url") else ""
        self.console.append(ConsoleEntry(msg.type, msg.text, where, time.time()))

    def _on_pageerror(self, error: Exception) -> None:
        stack = getattr(error, "stack", None) or ""
        self.console.append(ConsoleEntry("pageerror", f"{error}\n{stack}".strip(), "", time.time()))

    def _on_requestfailed(self, request: Request) -> None:
        self.console.append(
            ConsoleEntry(
                "requestfailed",
                f"{request.method} {request.url}: {request.failure}",
                "",
                time.time(),
            )
        )

    @property
    def errors(self) -> list[ConsoleEntry]:
        """Page errors and console errors."""
        return [e for e in self.console if e.kind in ("pageerror", "error")]

    @property
    def page_errors(self) -> list[ConsoleEntry]:
        return [e for e in self.console if e.kind == "pageerror"]

    def console_text(self, last: int | None = None, *, skip_debug: bool = True) -> str:
        """The console as text, one entry a line: the ``last`` entries (all by default),
        without SillyTavern's many console.debug lines unless ``skip_debug=False``."""
        entries = [e for e in self.console if not (skip_debug and e.kind == "debug")]
        if last is not None:
            entries = entries[-last:]
        return "\n".join(str(e) for e in entries)

    # ----- navigation / readiness -------------------------------------------------------------
    def open(self, url: str, timeout: float = READY_TIMEOUT_S) -> SillyTavernPage:
        """Load ``url`` and wait until ready (see READY_JS). Returns self."""
        t0 = time.monotonic()
        self.page.goto(url, wait_until="domcontentloaded", timeout=timeout * 1000)
        self.wait_ready(timeout=max(1.0, timeout - (time.monotonic() - t0)))
        self.ready_seconds = time.monotonic() - t0
        return self

    def wait_ready(self, timeout: float = READY_TIMEOUT_S) -> None:
        """Wait until READY_JS holds, and still holds READY_STABLE_S later (start-up flips the
        status and chat a few times)."""
        deadline = time.monotonic() + timeout
        while True:
            left = max(0.5, deadline - time.monotonic())
            self.wait_for_js(READY_JS, left, "SillyTavern to be ready with the character chat open")
            time.sleep(READY_STABLE_S)
            if self.page.evaluate(READY_JS):
                return
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"SillyTavern did not stay ready within {timeout}s; state: {self.state()}"
                )

    def reload(self, timeout: float = READY_TIMEOUT_S) -> None:
        self.page.reload(wait_until="domcontentloaded", timeout=timeout * 1000)
        self.wait_ready(timeout)

    def state(self) -> dict[str, Any]:
        try:
            result: dict[str, Any] = self.page.evaluate(STATE_JS)
        except Exception as e:
            return {"error": str(e)}
        return result

    def wait_for_js(self, predicate_js: str, timeout: float, what: str, arg: Any = None) -> Any:
        """Wait until the JS function ``predicate_js`` (called with ``arg``) returns something
        truthy; returns it. On timeout raises AssertionError with the page state and console."""
        from playwright.sync_api import Error as PlaywrightError

        try:
            handle = self.page.wait_for_function(
                predicate_js, arg=arg, timeout=timeout * 1000, polling=100
            )
            return handle.json_value()
        except PlaywrightError as e:
            raise AssertionError(
                f"timed out after {timeout}s waiting for {what}: {e.message.splitlines()[0]}\n"
                f"page state: {self.state()}\n--- console (last 40) ---\n"
                f"{self.console_text(40)}"
            ) from None

    # ----- SillyTavern ------------------------------------------------------------------------
    def evaluate(self, js: str, arg: Any = None) -> Any:
        return self.page.evaluate(js, arg)

    def context_keys(self, names: list[str] | tuple[str, ...]) -> dict[str, str]:
        """``typeof SillyTavern.getContext()[name]`` for each name ('undefined' if absent)."""
        result: dict[str, str] = self.page.evaluate(
            "(names) => { const c = SillyTavern.getContext();"
            " return Object.fromEntries(names.map(n => [n, typeof c[n]])); }",
            list(names),
        )
        return result

    def module_exports(self, module_url: str, names: list[str] | tuple[str, ...]) -> dict[str, str]:
        """``typeof`` of the named exports of ``await import(module_url)`` in the page."""
        result: dict[str, str] = self.page.evaluate(
            "async ([url, names]) => { const m = await import(url);"
            " return Object.fromEntries(names.map(n => [n, typeof m[n]])); }",
            [module_url, list(names)],
        )
        return result

    def chat(self) -> list[dict[str, Any]]:
        """``SillyTavern.getContext().chat`` (name, is_user, mes, … per message)."""
        result: list[dict[str, Any]] = self.page.evaluate(
            "() => JSON.parse(JSON.stringify(SillyTavern.getContext().chat))"
        )
        return result

    def message_texts(self) -> list[str]:
        """The rendered text of every ``#chat .mes_text``."""
        return [t.strip() for t in self.page.locator("#chat .mes_text").all_inner_texts()]

    def last_message_text(self) -> str:
        return self.page.locator("#chat .mes_text").last.inner_text().strip()

    def send_message(self, text: str, *, press_enter: bool = False) -> None:
        """Type ``text`` into #send_textarea and click #send_but (or press Enter)."""
        box = self.page.locator("#send_textarea")
        box.fill(text)
        if press_enter:
            box.press("Enter")
        else:
            self.page.locator("#send_but").click()

    def is_generating(self) -> bool:
        return bool(self.page.evaluate(GENERATING_JS))

    def stop_generation(self) -> None:
        """Click the stop button (#mes_stop)."""
        self.page.locator("#mes_stop").click()

    def wait_generating(self, timeout: float = 30.0) -> None:
        self.wait_for_js(GENERATING_JS, timeout, "a generation to start")

    def wait_idle(self, timeout: float = 30.0) -> None:
        """Wait until no generation runs (the stop button is hidden, send button shown)."""
        self.wait_for_js(
            f"() => !({GENERATING_JS})() && !!document.querySelector('#send_but')?.offsetParent",
            timeout,
            "the generation to end",
        )

    def wait_for_message_count(self, count: int, timeout: float = 30.0) -> None:
        self.wait_for_js(
            "(n) => SillyTavern.getContext().chat.length >= n",
            timeout,
            f"the chat to have {count} messages",
            arg=count,
        )

    def wait_for_last_message(self, contains: str, timeout: float = 30.0) -> str:
        """Wait until the last rendered ``.mes_text`` contains ``contains``; returns its text."""
        text: str = self.wait_for_js(
            "(s) => { const all = document.querySelectorAll('#chat .mes_text');"
            " const last = all[all.length - 1];"
            " const t = last ? last.innerText : '';"
            " return t.includes(s) ? t : false; }",
            timeout,
            f"the last message to contain {contains!r}",
            arg=contains,
        )
        return text.strip()

    def screenshot(self, path: Path, *, full_page: bool = False) -> Path:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(path), full_page=full_page)
        return path

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.context.close()
        with contextlib.suppress(ValueError):
            LIVE_PAGES.remove(self)


class StPageFactory(Protocol):
    """The ``st_page_factory`` fixture's type."""

    def __call__(
        self,
        instance: SillyTavernInstance,
        *,
        ready: bool = True,
        timeout: float = READY_TIMEOUT_S,
    ) -> SillyTavernPage: ...
