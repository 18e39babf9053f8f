"""Fixtures for the end-to-end suite: the real SillyTavern (installed from npm by
scripts/install_sillytavern.sh) in a real browser (Debian's Chromium through Playwright for
Python, sync API: e2e tests are plain ``def`` tests), generating from an OpenAI-compatible mock.

Requirements: node on PATH, Chromium at /usr/bin/chromium (or $NEWAGE_E2E_CHROMIUM), the
``playwright`` package, and SillyTavern installed in <repo>/.cache/sillytavern/<version> (or
$NEWAGE_E2E_SILLYTAVERN_ROOT/<version>). A missing requirement skips the tests with the reason,
unless NEWAGE_E2E_REQUIRED=1 (CI), which makes it a failure.

Fixtures (all function-scoped unless said otherwise):

- ``st_version``: the SillyTavern version, parametrized over SILLYTAVERN_VERSIONS (override
  with ``@pytest.mark.parametrize("st_version", ["1.19.0"])``).
- ``mock_openai``: a started MockOpenAI (see mock_openai.py).
- ``sillytavern_factory(version=None, *, streaming=True, settings=None, config=None,
  mock_url=None, start=True, name="st")``: a new SillyTavernInstance on a fresh data root in
  tmp_path (version: ``st_version``; mock_url: ``mock_openai.url``; settings / config: overrides
  deep-merged into settings.json / config.yaml); started unless start=False; stopped at teardown.
- ``sillytavern``: ``sillytavern_factory()``: started, streaming, on ``mock_openai``.
- ``browser`` (module): a Playwright Browser (Chromium, headless). Module-scoped because a
  started sync Playwright breaks pytest-asyncio tests that run after it in the session.
- ``st_page_factory(instance, *, ready=True, timeout=60)``: a SillyTavernPage (its own browser
  context) opened on ``instance.url`` and waited ready (see browser_support.READY_JS).
- ``st_page``: ``st_page_factory(sillytavern)``.

On a failing test, the report gets the SillyTavern log tails, each open page's console (and a
screenshot path) and the mock's request summary.
"""

from __future__ import annotations

import os
import shutil
import sys
from collections.abc import Generator, Iterator, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

# The helpers live next to this file (tests/e2e is not a package).
sys.path.insert(0, str(Path(__file__).resolve().parent))

from browser_support import (
    LIVE_PAGES,
    READY_TIMEOUT_S,
    SillyTavernPage,
    StPageFactory,
    chromium_problem,
    launch_chromium,
    playwright_problem,
)
from mock_openai import MockOpenAI
from sillytavern_support import (
    E2E_DIR,
    LIVE_INSTANCES,
    SILLYTAVERN_VERSIONS,
    SillyTavernFactory,
    SillyTavernInstance,
    default_install_dir,
    install_problem,
)

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Playwright

REQUIRED = os.environ.get("NEWAGE_E2E_REQUIRED", "") == "1"

# Mocks currently running (for failure reports) and measurements shown in the terminal summary.
LIVE_MOCKS: list[MockOpenAI] = []
TIMINGS: list[tuple[str, float]] = []
BROWSER_INFO: dict[str, str] = {}


def unavailable(reason: str) -> None:
    """Skip (or, with NEWAGE_E2E_REQUIRED=1, fail) the current test."""
    if REQUIRED:
        pytest.fail(f"NEWAGE_E2E_REQUIRED=1 but {reason}", pytrace=False)
    pytest.skip(reason)


def base_problem() -> str | None:
    if shutil.which("node") is None:
        return "e2e tests need `node` (Node.js 20) on PATH"
    return chromium_problem() or playwright_problem()


def _in_e2e(item: pytest.Item) -> bool:
    return Path(str(item.fspath)).resolve().is_relative_to(E2E_DIR)


@pytest.fixture(autouse=True)
def _e2e_requirements() -> None:
    reason = base_problem()
    if reason is not None:
        unavailable(reason)


# ----- failure reports ----------------------------------------------------------------------------
@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    rep = yield
    if not (rep.failed and _in_e2e(item)):
        return rep
    for inst in list(LIVE_INSTANCES):
        rep.sections.append(
            (f"SillyTavern log: {inst.name} {inst.version} ({inst.log_path})", inst.log_tail(150))
        )
    for page in list(LIVE_PAGES):
        shot = ""
        if page.artifacts_dir is not None and rep.when in ("setup", "call"):
            try:
                path = page.screenshot(page.artifacts_dir / f"failure-{page.name}.png")
                shot = f"screenshot: {path}\n"
            except Exception as e:  # the page may be gone
                shot = f"(no screenshot: {e})\n"
        rep.sections.append(
            (
                f"browser console: {page.name}",
                f"{shot}page state: {page.state()}\n{page.console_text(200)}",
            )
        )
    for mock in list(LIVE_MOCKS):
        lines = [f"calls: {[(c.method, c.path) for c in mock.calls]}"]
        for r in mock.requests:
            lines.append(
                f"#{r.index} {r.action} stream={r.stream} model={r.model} "
                f"last_user={r.last_user_message!r} sent={r.sent_text!r} "
                f"completed={r.completed} disconnected={r.client_disconnected.is_set()}"
            )
        rep.sections.append((f"mock OpenAI ({mock.url})", "\n".join(lines)))
    return rep


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if not BROWSER_INFO and not TIMINGS:
        return
    terminalreporter.section("e2e")
    if BROWSER_INFO:
        terminalreporter.write_line(
            f"browser: Chromium {BROWSER_INFO.get('version')} ({BROWSER_INFO.get('path')}), "
            f"Playwright {BROWSER_INFO.get('playwright')}"
        )
    for label, seconds in TIMINGS:
        terminalreporter.write_line(f"{label}: {seconds:.2f} s")


# ----- fixtures -----------------------------------------------------------------------------------
@pytest.fixture(params=SILLYTAVERN_VERSIONS)
def st_version(request: pytest.FixtureRequest) -> str:
    version: str = request.param
    return version


@pytest.fixture
def mock_openai() -> Iterator[MockOpenAI]:
    mock = MockOpenAI().start()
    LIVE_MOCKS.append(mock)
    try:
        yield mock
    finally:
        LIVE_MOCKS.remove(mock)
        mock.stop()


@pytest.fixture
def sillytavern_factory(
    tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[SillyTavernFactory]:
    made: list[SillyTavernInstance] = []

    def make(
        version: str | None = None,
        *,
        streaming: bool = True,
        settings: Mapping[str, Any] | None = None,
        config: Mapping[str, Any] | None = None,
        mock_url: str | None = None,
        start: bool = True,
        name: str = "st",
    ) -> SillyTavernInstance:
        if version is None:
            version = request.getfixturevalue("st_version")
        assert version is not None
        install_dir = default_install_dir(version)
        problem = install_problem(version, install_dir)
        if problem is not None:
            unavailable(problem)
        if mock_url is None:
            mock_url = request.getfixturevalue("mock_openai").url
        assert mock_url is not None
        inst = SillyTavernInstance(
            version,
            install_dir,
            mock_url,
            tmp_path / f"{name}-{version}",
            streaming=streaming,
            settings_overrides=settings,
            config_overrides=config,
            name=f"{name}-{version}",
        )
        made.append(inst)
        if start:
            seconds = inst.start()
            TIMINGS.append((f"SillyTavern {version} start ({request.node.name})", seconds))
        return inst

    yield make
    for inst in made:
        inst.stop()


@pytest.fixture
def sillytavern(sillytavern_factory: SillyTavernFactory) -> SillyTavernInstance:
    return sillytavern_factory()


# Module scope, not session: while Playwright's sync API is started, the main thread counts as
# running an event loop, which breaks pytest-asyncio tests elsewhere in the same session. The
# browser is launched once per e2e test module (~1 s) and gone before other modules run.
@pytest.fixture(scope="module")
def playwright_session() -> Iterator[Playwright]:
    if base_problem() is not None:
        unavailable(base_problem() or "")
    from playwright.sync_api import sync_playwright

    pw = sync_playwright().start()
    try:
        yield pw
    finally:
        pw.stop()


@pytest.fixture(scope="module")
def browser(playwright_session: Playwright) -> Iterator[Browser]:
    from importlib.metadata import version as dist_version

    from browser_support import CHROMIUM

    b = launch_chromium(playwright_session)
    BROWSER_INFO.update(version=b.version, path=CHROMIUM, playwright=dist_version("playwright"))
    print(
        f"\ne2e browser: Chromium {b.version} ({CHROMIUM}), Playwright {BROWSER_INFO['playwright']}"
    )
    try:
        yield b
    finally:
        b.close()


@pytest.fixture
def st_page_factory(
    browser: Browser, tmp_path: Path, request: pytest.FixtureRequest
) -> Iterator[StPageFactory]:
    from browser_support import VIEWPORT

    pages: list[SillyTavernPage] = []

    def open_page(
        instance: SillyTavernInstance, *, ready: bool = True, timeout: float = READY_TIMEOUT_S
    ) -> SillyTavernPage:
        context = browser.new_context(viewport=VIEWPORT)
        page = SillyTavernPage(context, name=f"page{len(pages)}-{instance.name}")
        page.artifacts_dir = tmp_path
        pages.append(page)
        if ready:
            page.open(instance.url, timeout=timeout)
            assert page.ready_seconds is not None
            TIMINGS.append(
                (
                    f"SillyTavern {instance.version} page ready ({request.node.name})",
                    page.ready_seconds,
                )
            )
        else:
            page.page.goto(instance.url, wait_until="domcontentloaded")
        return page

    yield open_page
    for page in pages:
        page.close()


@pytest.fixture
def st_page(sillytavern: SillyTavernInstance, st_page_factory: StPageFactory) -> SillyTavernPage:
    return st_page_factory(sillytavern)
