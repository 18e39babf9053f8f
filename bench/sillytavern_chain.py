#!/usr/bin/env python3
"""The whole chain with the real SillyTavern in a real browser (issue 7).

    mock OpenAI backend (SSE, paced)  →  SillyTavern's node server (proxies the stream)
      →  SillyTavern's page in Chromium (headless, Playwright)  →  our extension
      →  our relay (``python -m newage_desktop --headless``)  →  a Node client
         (real socket.io-client + @sap_oss/node-socketio-stream, tests/e2e/newage_client.js)

Wired like the ``stack`` fixture of tests/e2e/test_extension_e2e.py (pairing approved through
an admin client). Per backend rate it sends one ``LLM_REQUEST`` whose reply the mock streams as
N tokens, one per SSE chunk (after a short warm-up request), and reports:

- backend tok/s: what the mock really did, (N - 1) / (last write - first write). The mock is
  the e2e one, which paces tokens on a schedule (token i due at first write + i / rate);
- delivered tok/s: (N - 1) / (receipt of the last token - receipt of the first) at the client;
- p50 / p99 / max latency from the mock's write of a token to the client's receipt of it. The
  relay coalesces queued text, so client chunks are not tokens: token i ends at character offset
  E_i of the reply and counts as received with the first client chunk after which the client's
  text is at least E_i long. The same mapping on a page-side listener of SillyTavern's
  STREAM_TOKEN_RECEIVED (the event the extension streams from) splits it into backend → page
  and page → client;
- lag drift: median latency of the last 10 % of tokens minus that of the first 10 % (a growing
  backlog shows here before it shows in the rate); "keeps up" = delivered ≥ 98 % of the
  backend's rate, p50 < 50 ms and drift < 25 ms (no backlog);
- CPU ms per token of the browser (every Chromium process under Playwright's driver, also split
  by process type), of SillyTavern's node server, of our relay, of the Node client, of this
  process (the mock runs in it) and of Playwright's driver: user + system time from
  /proc/<pid>/stat over the run (request sent → stream end at the client) ÷ N, and over the
  streaming window only (first backend write → last receipt; interpolated from 50 ms samples),
  with the CPU that other processes on the machine used meanwhile (from /proc/stat).

The client's full text must equal the joined tokens, or the run fails.

Run it with the project venv (Playwright, bcrypt; it re-executes itself there if needed);
SillyTavern must be installed (scripts/install_sillytavern.sh VERSION):

    .venv/bin/python bench/sillytavern_chain.py [--rates 20,100,500] [--tokens N]
        [--repeat N] [--version 1.19.0] [--quiet-console] [--json PATH]

Linux only (/proc). Standard library plus the harness's own dependencies (no psutil).
"""

from __future__ import annotations

import argparse
import datetime as dt
import itertools
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
VENV_PYTHON = REPO / ".venv" / "bin" / "python"
sys.path[:0] = [str(REPO / "tests" / "e2e"), str(REPO / "tests" / "interop")]

if TYPE_CHECKING:
    from browser_support import SillyTavernPage
    from client_support import NodeClient
    from mock_openai import MockOpenAI, RecordedRequest

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
ST_ID = "SillyTavern-bench"
DEFAULT_RATES = (20.0, 100.0, 500.0)
SAMPLE_S = 0.05
# Words of the reply, cycled: ASCII, accents, CJK and emoji (no markdown, quotes or newlines,
# which SillyTavern's display clean-up would touch).
VOCABULARY = (
    " The", " quick", " café", " crème", " 日本", "語", " naïve", " fox", " 🙂", " jumps",
    " over", " the", " lazy", " dog", ",", " and", " 世界", " runs", " on", ".",
)  # fmt: skip
# CPU groups: Chromium (under Playwright's driver), SillyTavern's node server, our relay, the
# Node client, this process (mock backend thread included) and Playwright's driver process.
GROUPS = ("browser", "sillytavern", "relay", "client", "bench", "driver")
SINGLE = ("bench", "driver")  # one process each, not a tree
# Keeps up: delivered within 2 % of what the backend did, and no backlog: half the tokens
# arrive within 50 ms and the latency does not grow during the stream.
KEEP_UP_RATIO = 0.98
KEEP_UP_P50_MS = 50.0
KEEP_UP_DRIFT_MS = 25.0
P99_TARGET_MS = 50.0
OTHER_WARN_PERCENT = 20.0
IDLE_S = 3.0


def log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


# ----- /proc -------------------------------------------------------------------------------------
def read_stat(pid: int) -> tuple[int, int, int] | None:
    """(ppid, utime + stime in ticks, starttime) of a process, or None if it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    fields = stat[stat.rindex(")") + 2 :].split()  # field 3 (state) is fields[0]
    return int(fields[1]), int(fields[11]) + int(fields[12]), int(fields[19])


def all_parents() -> dict[int, int]:
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            st = read_stat(int(entry))
            if st is not None:
                parents[int(entry)] = st[0]
    return parents


def tree(root: int, parents: dict[int, int]) -> list[int]:
    """``root`` and all its descendants."""
    children: dict[int, list[int]] = {}
    for pid, ppid in parents.items():
        children.setdefault(ppid, []).append(pid)
    out, todo = [], [root]
    while todo:
        pid = todo.pop()
        out.append(pid)
        todo.extend(children.get(pid, []))
    return out


def machine_busy_ticks() -> int:
    """Busy time of all CPUs (user, nice, system, irq, softirq, steal) from /proc/stat."""
    with open("/proc/stat") as f:
        v = [int(x) for x in f.readline().split()[1:9]]
    return v[0] + v[1] + v[2] + v[5] + v[6] + v[7]


def cmdline(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except OSError:
        return ""


def chromium_type(pid: int) -> str:
    """``renderer``, ``gpu-process``, ``utility:network``…; ``browser`` for the main process."""
    args = cmdline(pid).split()
    kind = next((a.split("=", 1)[1] for a in args if a.startswith("--type=")), "")
    if not kind:
        return "browser" if args and "crashpad" not in args[0] else "crashpad"
    sub = next((a.split("=", 1)[1] for a in args if a.startswith("--utility-sub-type=")), "")
    if sub:
        kind += ":" + sub.split(".")[0]
    return kind


def playwright_driver_pid() -> int:
    """Playwright's driver (node … run-driver) is our child; Chromium runs under it."""
    me = os.getpid()
    for pid, ppid in all_parents().items():
        if ppid == me and "run-driver" in cmdline(pid):
            return pid
    raise RuntimeError("Playwright's driver process not found among our children")


@dataclass
class Sample:
    time_ns: int
    ticks: dict[str, int]


class CpuSampler:
    """Samples the CPU ticks of each process group every SAMPLE_S in a thread. Groups are pid
    sets fixed by ``watch``; a process gone meanwhile keeps its last value."""

    def __init__(self, roots: dict[str, int]) -> None:
        self.roots = roots  # group -> root pid ("bench": our own process only, not its tree)
        self.pids: dict[str, list[tuple[int, int]]] = {}  # group -> [(pid, starttime)]
        self.last: dict[tuple[int, int], int] = {}
        self.samples: list[Sample] = []
        self.gone: set[tuple[int, int]] = set()
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def watch(self) -> dict[str, int]:
        """Resolve the process trees now; returns the number of processes per group."""
        parents = all_parents()
        pids: dict[str, list[tuple[int, int]]] = {}
        for group, root in self.roots.items():
            members = [root] if group in SINGLE else tree(root, parents)
            if group == "browser":
                members = [p for p in members if p != root]  # the driver is not the browser
            pids[group] = []
            for pid in members:
                st = read_stat(pid)
                if st is not None:
                    pids[group].append((pid, st[2]))
                    if group == "browser":  # also per Chromium process type
                        pids.setdefault(f"browser/{chromium_type(pid)}", []).append((pid, st[2]))
        with self._lock:
            self.pids = pids
            self.samples = []
            self.gone = set()
        return {g: len(p) for g, p in pids.items()}

    def sample(self) -> Sample:
        now = time.time_ns()
        ticks: dict[str, int] = {}
        with self._lock:
            for group, members in self.pids.items():
                total = 0
                for key in members:
                    st = read_stat(key[0])
                    if st is not None and st[2] == key[1]:
                        self.last[key] = st[1]
                    else:
                        self.gone.add(key)
                    total += self.last.get(key, 0)
                ticks[group] = total
            ticks["machine"] = machine_busy_ticks()
            s = Sample(now, ticks)
            self.samples.append(s)
        return s

    def _run(self) -> None:
        while not self._stop.wait(SAMPLE_S):
            self.sample()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="cpu-sampler", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(2)

    def groups(self) -> list[str]:
        with self._lock:
            return [*self.pids, "machine"]

    def at(self, group: str, time_ns: float) -> float:
        """The group's ticks at ``time_ns``, interpolated linearly between samples."""
        with self._lock:
            samples = list(self.samples)
        if not samples:
            return 0.0
        if time_ns <= samples[0].time_ns:
            return float(samples[0].ticks[group])
        for a, b in itertools.pairwise(samples):
            if a.time_ns <= time_ns <= b.time_ns:
                span = b.time_ns - a.time_ns
                frac = (time_ns - a.time_ns) / span if span else 1.0
                return a.ticks[group] + frac * (b.ticks[group] - a.ticks[group])
        return float(samples[-1].ticks[group])

    def new_processes(self) -> dict[str, int]:
        """Processes that appeared in the groups' trees since ``watch`` (their CPU is missed)."""
        parents = all_parents()
        out: dict[str, int] = {}
        for group, root in self.roots.items():
            if group in SINGLE:
                continue
            known = {p for p, _ in self.pids.get(group, [])}
            now = [p for p in tree(root, parents) if p != root or group != "browser"]
            out[group] = len([p for p in now if p not in known])
        return out


# ----- results -----------------------------------------------------------------------------------
def percentile(values: list[float], q: float) -> float:
    """Linear interpolation between closest ranks (numpy's default)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    pos = (len(ordered) - 1) * q
    lo = int(pos)
    hi = min(lo + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)


def pct(ticks: float, seconds: float) -> float:
    """CPU ticks over ``seconds`` as % of one core."""
    return 100 * ticks / CLOCK_TICKS / seconds if seconds > 0 else 0.0


def summary(values: list[float]) -> dict[str, float]:
    return {
        "p50": percentile(values, 0.5),
        "p99": percentile(values, 0.99),
        "max": max(values),
        "min": min(values),
    }


@dataclass
class RunResult:
    rate: float
    run: int
    tokens: int
    backend_tok_s: float
    delivered_tok_s: float
    delivered_ratio: float
    p50_ms: float
    p99_ms: float
    max_ms: float
    min_ms: float
    drift_ms: float
    client_chunks: int
    run_s: float
    stream_s: float
    first_token_ms: float  # request sent → first backend write
    cpu_ms_per_token: dict[str, float] = field(default_factory=dict)
    cpu_ms_per_token_stream: dict[str, float] = field(default_factory=dict)
    cpu_percent_stream: dict[str, float] = field(default_factory=dict)
    # stream window: all CPUs' busy time (% of one core) and the part none of GROUPS used
    machine_percent_stream: float = 0.0
    other_percent_stream: float = 0.0
    # the browser's stream-window CPU per Chromium process type (% of one core)
    browser_percent_stream: dict[str, float] = field(default_factory=dict)
    processes: dict[str, int] = field(default_factory=dict)
    processes_gone: int = 0
    processes_new: dict[str, int] = field(default_factory=dict)
    page_events: int = 0
    backend_to_page_ms: dict[str, float] = field(default_factory=dict)
    page_to_client_ms: dict[str, float] = field(default_factory=dict)
    keeps_up: bool = False
    p99_ok: bool = False
    # per token: write time (ms since the first write), latency, backend → page latency
    series: dict[str, list[float]] = field(default_factory=dict)


def reply_tokens(n: int) -> list[str]:
    return [VOCABULARY[i % len(VOCABULARY)] for i in range(n)]


def default_tokens(rate: float) -> int:
    """About 10 s of stream, at least 200 and at most 2500 tokens."""
    return int(min(2500, max(200, round(10 * rate))))


def end_offsets(token_texts: list[str], *, utf16: bool = False) -> list[int]:
    """Where each token ends in the reply: in code points (Python, the client's decoded
    chunks) or in UTF-16 code units (JavaScript string lengths in the page)."""
    ends: list[int] = []
    total = 0
    for text in token_texts:
        total += len(text.encode("utf-16-le")) // 2 if utf16 else len(text)
        ends.append(total)
    return ends


def receipt_times(ends: list[int], points: list[tuple[float, int]], where: str) -> list[float]:
    """Per token, the time (ms) of the first point (time, cumulative length) whose length
    reaches the token's end offset."""
    received: list[float] = []
    j = 0
    for t, have in points:
        while j < len(ends) and ends[j] <= have:
            received.append(t)
            j += 1
    if j < len(ends):
        raise AssertionError(f"only {j} of {len(ends)} tokens reached {where}")
    return received


def cumulative(chunks: list[tuple[float, str]]) -> list[tuple[float, int]]:
    points: list[tuple[float, int]] = []
    have = 0
    for t, text in chunks:
        have += len(text)
        points.append((t, have))
    return points


def analyse(
    rate: float,
    run: int,
    rec: RecordedRequest,
    tokens: list[str],
    events: list[dict[str, Any]],
    sampler: CpuSampler,
    t_request_ns: int,
    t_end_ns: int,
    processes: dict[str, int],
    page_points: list[tuple[float, int]],
) -> RunResult:
    writes = rec.token_writes
    if [w.text for w in writes] != tokens:
        raise AssertionError(
            f"the mock wrote {len(writes)} tokens, not the {len(tokens)} scripted ones"
        )
    chunks = [(float(e["t"]), str(e["text"])) for e in events if e["event"] == "chunk"]
    text = "".join(c for _, c in chunks)
    expected = "".join(tokens)
    if text != expected:
        at = next(
            (i for i, (a, b) in enumerate(zip(text, expected, strict=False)) if a != b),
            min(len(text), len(expected)),
        )
        raise AssertionError(
            f"the client's text differs from the backend's at offset {at} (client {len(text)} "
            f"chars, backend {len(expected)}): {text[at : at + 40]!r} vs {expected[at : at + 40]!r}"
        )
    received = receipt_times(end_offsets(tokens), cumulative(chunks), "the client")
    written = [w.time_ns / 1e6 for w in writes]
    lat = [r - w for r, w in zip(received, written, strict=True)]
    # The page probe: when SillyTavern's STREAM_TOKEN_RECEIVED (which the extension listens to)
    # carried the token, i.e. backend → page and page → client.
    at_page = receipt_times(end_offsets(tokens, utf16=True), page_points, "the page")
    to_page = [p - w for p, w in zip(at_page, written, strict=True)]
    from_page = [r - p for r, p in zip(received, at_page, strict=True)]
    n = len(tokens)
    backend = (n - 1) / ((written[-1] - written[0]) / 1000)
    delivered = (n - 1) / ((received[-1] - received[0]) / 1000)
    tenth = max(1, n // 10)
    drift = statistics.median(lat[-tenth:]) - statistics.median(lat[:tenth])
    run_ticks = {g: sampler.at(g, t_end_ns) - sampler.at(g, t_request_ns) for g in GROUPS}
    s0, s1 = writes[0].time_ns, received[-1] * 1e6
    stream_ticks = {g: sampler.at(g, s1) - sampler.at(g, s0) for g in sampler.groups()}
    stream_s = (s1 - s0) / 1e9
    tick_ms = 1000 / CLOCK_TICKS
    ratio = delivered / backend
    p50, p99 = percentile(lat, 0.5), percentile(lat, 0.99)
    return RunResult(
        rate=rate,
        run=run,
        tokens=n,
        backend_tok_s=backend,
        delivered_tok_s=delivered,
        delivered_ratio=ratio,
        p50_ms=p50,
        p99_ms=p99,
        max_ms=max(lat),
        min_ms=min(lat),
        drift_ms=drift,
        client_chunks=len(chunks),
        run_s=(t_end_ns - t_request_ns) / 1e9,
        stream_s=stream_s,
        first_token_ms=(writes[0].time_ns - t_request_ns) / 1e6,
        cpu_ms_per_token={g: run_ticks[g] * tick_ms / n for g in GROUPS},
        cpu_ms_per_token_stream={g: stream_ticks[g] * tick_ms / n for g in GROUPS},
        cpu_percent_stream={g: pct(stream_ticks[g], stream_s) for g in GROUPS},
        machine_percent_stream=pct(stream_ticks["machine"], stream_s),
        other_percent_stream=pct(
            stream_ticks["machine"] - sum(stream_ticks[g] for g in GROUPS), stream_s
        ),
        browser_percent_stream={
            g.split("/", 1)[1]: round(100 * stream_ticks[g] / CLOCK_TICKS / stream_s, 1)
            for g in sorted(stream_ticks)
            if g.startswith("browser/") and stream_s > 0
        },
        processes=processes,
        processes_gone=len(sampler.gone),
        processes_new=sampler.new_processes(),
        page_events=len(page_points),
        backend_to_page_ms=summary(to_page),
        page_to_client_ms=summary(from_page),
        keeps_up=ratio >= KEEP_UP_RATIO and p50 < KEEP_UP_P50_MS and drift < KEEP_UP_DRIFT_MS,
        p99_ok=p99 < P99_TARGET_MS,
        series={
            "write_ms": [round(w - written[0], 3) for w in written],
            "latency_ms": [round(x, 3) for x in lat],
            "backend_to_page_ms": [round(x, 3) for x in to_page],
        },
    )


# ----- the stack ---------------------------------------------------------------------------------
@contextmanager
def stack(version: str, base: Path, quiet_console: bool) -> Iterator[dict[str, Any]]:
    """The chain of tests/e2e/test_extension_e2e.py's ``stack`` fixture, paired and connected."""
    from browser_support import VIEWPORT, SillyTavernPage, launch_chromium
    from client_support import NodeClient
    from interop_support import NewAgeServer
    from mock_openai import MockOpenAI
    from playwright.sync_api import sync_playwright
    from sillytavern_support import SillyTavernInstance, default_install_dir, install_problem

    install_dir = default_install_dir(version)
    problem = install_problem(version, install_dir)
    if problem is not None:
        raise SystemExit(f"SillyTavern {version}: {problem}")
    with ExitStack() as stop:
        mock = MockOpenAI().start()
        stop.callback(mock.stop)
        server = NewAgeServer(base / "relay", "relay")
        admin_creds = server.provision("bench-admin", monitor=True)
        creds = server.provision("bench-client")
        server.start()
        stop.callback(server.stop, check=False)
        st = SillyTavernInstance(version, install_dir, mock.url, base / "st", name=f"st-{version}")
        proc = subprocess.run(
            [sys.executable, "-m", "newage_desktop", "sillytavern", "install", str(st.app_dir),
             "--data-root", str(st.data_root), "--server-url", server.url, "--client-id", ST_ID],
            capture_output=True, text=True, timeout=60, check=False, cwd=REPO,
        )  # fmt: skip
        if proc.returncode != 0:
            raise RuntimeError(f"extension install failed:\n{proc.stdout}\n{proc.stderr}")
        log(f"SillyTavern {version} started in {st.start():.1f} s")
        stop.callback(st.stop)
        pw = sync_playwright().start()
        stop.callback(pw.stop)
        browser = launch_chromium(pw)
        stop.callback(browser.close)
        page = SillyTavernPage(browser.new_context(viewport=VIEWPORT), name=f"bench-{version}")
        stop.callback(page.close)
        page.artifacts_dir = base
        page.open(st.url)
        log(f"page ready in {page.ready_seconds:.1f} s (Chromium {browser.version})")
        admin = NodeClient(server.url, admin_creds.clientId, admin_creds.key, admin=True)
        stop.callback(admin.close)
        client = NodeClient(server.url, creds.clientId, creds.key)
        stop.callback(client.close)
        wait_extension(page, "pairing")
        pending = [r for r in admin.pending() if r["clientId"] == ST_ID]
        if len(pending) != 1:
            raise RuntimeError(f"expected one key request from {ST_ID}, got {pending}")
        admin.approve(pending[0]["roomId"])
        wait_extension(page, "connected")
        log("extension paired and connected")
        page.evaluate(PROBE_INSTALL_JS)
        # SillyTavern logs a console.debug line per emitted event (so per token); collecting
        # them in this process would compete with the mock thread for the GIL.
        page.page.remove_listener("console", page._on_console)
        if quiet_console:
            # With Playwright attached, each console call also travels to the driver over CDP.
            page.evaluate("() => { console.debug = () => {}; }")
        assert st.proc is not None and server.proc is not None
        yield {
            "mock": mock, "server": server, "st": st, "page": page, "client": client,
            "browser_version": browser.version,
            "roots": {
                "browser": playwright_driver_pid(), "sillytavern": st.proc.pid,
                "relay": server.proc.pid, "client": client.proc.pid, "bench": os.getpid(),
                "driver": playwright_driver_pid(),
            },
        }  # fmt: skip


# A listener on SillyTavern's STREAM_TOKEN_RECEIVED (the event the extension streams from; it
# carries the whole text so far), registered before the extension's own per-generation one.
PROBE_INSTALL_JS = """() => {
    if (window.__newAgeBenchProbe) return;
    const probe = window.__newAgeBenchProbe = { on: false, points: [] };
    const ctx = SillyTavern.getContext();
    ctx.eventSource.on(ctx.eventTypes.STREAM_TOKEN_RECEIVED, (text) => {
        if (probe.on && typeof text === 'string') {
            probe.points.push([performance.timeOrigin + performance.now(), text.length]);
        }
    });
}"""
PROBE_ARM_JS = "() => { const p = window.__newAgeBenchProbe; p.points = []; p.on = true; }"
PROBE_TAKE_JS = (
    "() => { const p = window.__newAgeBenchProbe; p.on = false; const out = p.points;"
    " p.points = []; return out; }"
)


def wait_extension(page: SillyTavernPage, state: str, timeout: float = 30.0) -> None:
    page.wait_for_js(
        "(s) => { const st = window.newAgeDesktop && window.newAgeDesktop.status;"
        " return st && st.state === s ? st : false; }",
        timeout, f"the extension to be {state}", arg=state,
    )  # fmt: skip


def wait_quiet(page: SillyTavernPage, timeout: float = 60.0) -> None:
    page.wait_for_js(
        "() => window.newAgeDesktop && window.newAgeDesktop.status.queued === 0",
        timeout, "the extension's queue to empty",
    )  # fmt: skip
    page.wait_idle(timeout)


def wait_stream_end(client: NodeClient, request_id: str, timeout: float) -> dict[str, Any]:
    """Poll the client's event list from where we left off (NodeClient.wait_for rescans every
    event on every event, which at thousands of chunks would load the CPU we measure)."""
    deadline = time.monotonic() + timeout
    seen = 0
    while time.monotonic() < deadline:
        events = client.events
        for e in events[seen:]:
            if e.get("requestId") == request_id and e["event"] in ("stream-end", "stream-error"):
                return e
        seen = len(events)
        if client.proc.poll() is not None:
            raise RuntimeError(f"the client exited: {client.stderr[-10:]}")
        time.sleep(0.01)
    raise TimeoutError(f"no end of stream {request_id} within {timeout} s")


def idle_percent(sampler: CpuSampler, seconds: float) -> dict[str, float]:
    """Each group's CPU (% of one core) while nothing streams: the baseline in the figures."""
    sampler.watch()
    time.sleep(1.0)
    a = sampler.sample()
    time.sleep(seconds)
    b = sampler.sample()
    span = (b.time_ns - a.time_ns) / 1e9
    groups = [*GROUPS, "machine"]
    return {g: round(pct(b.ticks[g] - a.ticks[g], span), 1) for g in groups}


def one_request(
    env: dict[str, Any],
    tokens: list[str],
    rate: float,
    sampler: CpuSampler | None,
    message: str,
) -> tuple[RecordedRequest, list[dict[str, Any]], int, int, list[tuple[float, int]]]:
    mock: MockOpenAI = env["mock"]
    client: NodeClient = env["client"]
    page: SillyTavernPage = env["page"]
    before = len(mock.requests)
    page.evaluate(PROBE_ARM_JS)
    mock.script(tokens, rate=rate)
    request_id = str(uuid.uuid4())
    if sampler is not None:
        sampler.sample()
    t_request = time.time_ns()
    ack = client.request(request_id, message)
    if ack.get("status") != "ok" or ack.get("targets") != [ST_ID]:
        raise RuntimeError(f"LLM_REQUEST refused: {ack}")
    end = wait_stream_end(client, request_id, timeout=60 + 3 * len(tokens) / rate)
    t_end = time.time_ns()
    if sampler is not None:
        sampler.sample()
    if end["event"] != "stream-end":
        raise RuntimeError(f"the stream failed: {end}")
    recs = mock.requests[before:]
    if len(recs) != 1:
        raise RuntimeError(f"expected one backend request, got {len(recs)}")
    rec = recs[0]
    if not rec.wait_finished(10) or not rec.completed:
        raise RuntimeError("the backend response did not complete")
    wait_quiet(page)
    points = [(float(t), int(n)) for t, n in page.evaluate(PROBE_TAKE_JS)]
    return rec, client.of(request_id), t_request, t_end, points


# ----- output ------------------------------------------------------------------------------------
def table(results: list[RunResult]) -> str:
    head = (
        "| Rate tok/s | Tokens | Backend tok/s | Delivered tok/s | Client chunks | p50 ms | "
        "p99 ms | max ms | Drift ms | Browser CPU ms/tok | ST node ms/tok | Relay ms/tok | "
        "Client ms/tok | Keeps up | p99 < 50 ms |\n"
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|---|"
    )
    rows = [head]
    for r in results:
        c = r.cpu_ms_per_token
        rows.append(
            f"| {r.rate:g} | {r.tokens} | {r.backend_tok_s:.1f} | {r.delivered_tok_s:.1f} | "
            f"{r.client_chunks} | {r.p50_ms:.1f} | {r.p99_ms:.1f} | {r.max_ms:.1f} | "
            f"{r.drift_ms:+.1f} | {c['browser']:.3f} | {c['sillytavern']:.3f} | "
            f"{c['relay']:.3f} | {c['client']:.3f} | {'yes' if r.keeps_up else 'no'} | "
            f"{'yes' if r.p99_ok else 'no'} |"
        )
    return "\n".join(rows)


def stream_table(results: list[RunResult]) -> str:
    cores = os.cpu_count() or 1
    rows = [
        "| Rate tok/s | Stream s | Browser ms/tok (% CPU) | ST node ms/tok (% CPU) | "
        "Relay ms/tok (% CPU) | Client ms/tok (% CPU) | Bench+mock ms/tok (% CPU) | "
        f"Playwright driver ms/tok (% CPU) | Other processes % CPU | Machine busy (of {cores}00 %) "
        "| Browser by process (% CPU) |",
        "|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in results:
        cells = " | ".join(
            f"{r.cpu_ms_per_token_stream[g]:.3f} ({r.cpu_percent_stream[g]:.0f} %)" for g in GROUPS
        )
        top = sorted(r.browser_percent_stream.items(), key=lambda kv: -kv[1])
        by_type = ", ".join(f"{k} {v:.0f}" for k, v in top if v >= 0.5)
        rows.append(
            f"| {r.rate:g} | {r.stream_s:.2f} | {cells} | {r.other_percent_stream:.0f} % | "
            f"{r.machine_percent_stream:.0f} % | {by_type} |"
        )
    return "\n".join(rows)


def machine() -> dict[str, Any]:
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    node = shutil.which("node")
    node_version = (
        subprocess.run([node, "--version"], capture_output=True, text=True).stdout.strip()
        if node
        else ""
    )
    return {
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "kernel": platform.release(),
        "python": platform.python_version(),
        "node": node_version,
    }


# ----- main --------------------------------------------------------------------------------------
def ensure_venv() -> None:
    """Re-run under the project venv when started with another Python (Playwright, bcrypt and
    newage_desktop live there)."""
    try:
        import bcrypt  # noqa: F401
        import playwright.sync_api  # noqa: F401
    except ImportError:
        if VENV_PYTHON.exists() and Path(sys.prefix).resolve() != VENV_PYTHON.parents[1].resolve():
            os.execv(str(VENV_PYTHON), [str(VENV_PYTHON), *sys.argv])
        raise


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    p.add_argument(
        "--rates",
        default=",".join(f"{r:g}" for r in DEFAULT_RATES),
        help="backend rates in tokens/s, comma-separated (default 20,100,500)",
    )
    p.add_argument(
        "--tokens",
        type=int,
        default=None,
        help="tokens per reply for every rate (default: 10 s worth, 200..2500)",
    )
    p.add_argument("--repeat", type=int, default=1, help="runs per rate (default 1)")
    p.add_argument("--version", default="1.19.0", help="SillyTavern version (default 1.19.0)")
    p.add_argument(
        "--warmup-tokens",
        type=int,
        default=100,
        help="tokens of the warm-up request at 100 tok/s (0: none; default 100)",
    )
    p.add_argument(
        "--quiet-console",
        action="store_true",
        help="make console.debug a no-op in the page (SillyTavern logs one line per "
        "event, i.e. per token; under Playwright each goes over CDP to the driver)",
    )
    p.add_argument("--json", type=Path, default=None, help="write the results as JSON here")
    p.add_argument("--keep", action="store_true", help="keep the temporary directory")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    ensure_venv()
    args = parse_args(argv)
    rates = [float(r) for r in args.rates.split(",") if r.strip()]
    if not rates or any(r <= 0 for r in rates):
        raise SystemExit("--rates: positive numbers, comma-separated")
    started = dt.datetime.now(dt.UTC)
    base = Path(tempfile.mkdtemp(prefix="newage-st-chain-"))
    results: list[RunResult] = []
    info: dict[str, Any] = {"loadavg_start": os.getloadavg()}
    try:
        with stack(args.version, base, args.quiet_console) as env:
            info["chromium"] = env["browser_version"]
            sampler = CpuSampler(env["roots"])
            sampler.start()
            try:
                if args.warmup_tokens > 0:
                    log(f"warm-up: {args.warmup_tokens} tokens at 100 tok/s")
                    one_request(env, reply_tokens(args.warmup_tokens), 100.0, None, "warm-up")
                info["idle_percent"] = idle_percent(sampler, IDLE_S)
                log(
                    "idle CPU (% of one core): "
                    + ", ".join(f"{g} {v:.1f}" for g, v in info["idle_percent"].items())
                )
                for rate in rates:
                    n = args.tokens or default_tokens(rate)
                    tokens = reply_tokens(n)
                    for run in range(1, args.repeat + 1):
                        log(f"rate {rate:g} tok/s, {n} tokens, run {run}/{args.repeat}")
                        processes = sampler.watch()
                        rec, events, t0, t1, points = one_request(
                            env, tokens, rate, sampler, f"bench {rate:g} tok/s run {run}"
                        )
                        result = analyse(
                            rate, run, rec, tokens, events, sampler, t0, t1, processes, points
                        )
                        results.append(result)
                        log(
                            f"  backend {result.backend_tok_s:.1f} tok/s, delivered "
                            f"{result.delivered_tok_s:.1f} tok/s, p50 {result.p50_ms:.1f} ms, "
                            f"p99 {result.p99_ms:.1f} ms, drift {result.drift_ms:+.1f} ms; "
                            f"backend→page p50/p99 {result.backend_to_page_ms['p50']:.1f}/"
                            f"{result.backend_to_page_ms['p99']:.1f} ms, page→client "
                            f"{result.page_to_client_ms['p50']:.1f}/"
                            f"{result.page_to_client_ms['p99']:.1f} ms"
                        )
            finally:
                sampler.stop()
    finally:
        if args.keep:
            log(f"kept {base}")
        else:
            shutil.rmtree(base, ignore_errors=True)
    print(
        f"SillyTavern {args.version}, Chromium {info.get('chromium')}, "
        f"{os.cpu_count()} CPUs, {started:%Y-%m-%d}\n"
    )
    print(table(results))
    if "idle_percent" in info:
        idle = ", ".join(f"{g} {v:.1f} %" for g, v in info["idle_percent"].items())
        print(f"\nIdle CPU before the runs ({IDLE_S:g} s, % of one core): {idle}")
    print("\nStreaming window only (first backend write → last receipt):\n")
    print(stream_table(results))
    info["loadavg_end"] = os.getloadavg()
    busy = [r for r in results if r.other_percent_stream > OTHER_WARN_PERCENT]
    if busy:
        print(
            f"\nWARNING: other processes used more than {OTHER_WARN_PERCENT:.0f} % of a core "
            f"during {len(busy)} of {len(results)} runs (see 'Other processes'): the machine "
            "was not quiet, latency and rate figures are not representative."
        )
    if args.json is not None:
        doc = {
            "date": started.isoformat(timespec="seconds"),
            "command": " ".join(["bench/sillytavern_chain.py", *(argv or sys.argv[1:])]),
            "sillytavern": args.version,
            **info,
            "machine": machine(),
            "options": {
                "quiet_console": args.quiet_console,
                "warmup_tokens": args.warmup_tokens,
            },
            "criteria": {
                "keeps_up_ratio": KEEP_UP_RATIO,
                "keeps_up_p50_ms": KEEP_UP_P50_MS,
                "keeps_up_drift_ms": KEEP_UP_DRIFT_MS,
                "p99_target_ms": P99_TARGET_MS,
            },
            "runs": [asdict(r) for r in results],
        }
        args.json.write_text(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")
        log(f"wrote {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
