#!/usr/bin/env python3
"""Relay benchmark: the Node reference relay against NewAge Desktop, scenario by scenario.

Every measurement starts a fresh server, runs `driver.js` against it and samples the server
process's CPU time (user+sys from /proc/<pid>/stat) at the driver's measure-start and
measure-end lines. Servers alternate within a scenario (ref, py, py, ref, ...) so slow drift of
the machine hits both alike. Prints a Markdown table; `--json FILE` keeps the raw reports.

    python3 bench/run.py [--quick] [--servers ref,py] [--scenarios a,b,c,d,e] [--rounds 2]

Standard library only; Linux only (/proc).
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
VENV_PYTHON = REPO / ".venv" / "bin" / "python"
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


@dataclass(frozen=True)
class Scenario:
    name: str
    extensions: int
    clients: int
    rate: float  # tokens/s per response, 0 = as fast as possible

    def describe(self) -> str:
        rate = "max" if self.rate == 0 else f"{self.rate:g} tok/s"
        return f"({self.name}) {self.extensions}×{self.clients} {rate}"


SCENARIOS = {
    "a": Scenario("a", 1, 1, 0),
    "b": Scenario("b", 4, 20, 50),
    "c": Scenario("c", 4, 4, 0),
    "d": Scenario("d", 2, 4, 30),
    "e": Scenario("e", 1, 10, 50),
}


def cpu_seconds(pid: int) -> float:
    """user + system CPU time of the whole process (all threads), from /proc/<pid>/stat."""
    stat = Path(f"/proc/{pid}/stat").read_text()
    fields = stat[stat.rindex(")") + 2 :].split()  # after "pid (comm) "; field 3 is fields[0]
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS  # utime, stime (fields 14, 15)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_until_listening(port: int, proc: subprocess.Popen[bytes], log: Path) -> None:
    url = f"http://127.0.0.1:{port}/socket.io/?EIO=4&transport=polling"
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            sys.exit(f"server exited with {proc.returncode}; its output:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(url, timeout=1) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.1)
    sys.exit(f"server did not listen on port {port} within 30 s; its output:\n{log.read_text()}")


class Identities:
    """clientIds and plaintext keys for the benchmark, plus bcrypt hashes for the Python server."""

    def __init__(self, extensions: int, clients: int) -> None:
        self.extensions = [
            {"clientId": f"bench-ext-{i}", "key": secrets.token_hex(16)} for i in range(extensions)
        ]
        self.clients = [
            {"clientId": f"bench-client-{i}", "key": secrets.token_hex(16)} for i in range(clients)
        ]
        self._hashes: dict[str, str] | None = None

    def hashes(self) -> dict[str, str]:
        # bcrypt lives in the project's venv; rounds=4 keeps admission cheap.
        if self._hashes is None:
            hasher = (
                "import bcrypt, json, sys\n"
                "keys = json.load(sys.stdin)\n"
                "print(json.dumps({c: bcrypt.hashpw(k.encode(), bcrypt.gensalt(rounds=4)).decode()"
                " for c, k in keys.items()}))\n"
            )
            keys = {e["clientId"]: e["key"] for e in self.extensions + self.clients}
            out = subprocess.run(
                [str(VENV_PYTHON), "-c", hasher],
                input=json.dumps(keys),
                capture_output=True,
                text=True,
                check=True,
            )
            self._hashes = json.loads(out.stdout)
        return self._hashes

    def provision(self, data_dir: Path, settings: dict[str, Any]) -> None:
        (data_dir / "settings").mkdir(parents=True)
        (data_dir / "keys").mkdir()
        for client_id in self.hashes():
            trust = {"clientId": client_id, "isTrust": True}
            (data_dir / "settings" / f"{client_id}-settings.json").write_text(json.dumps(trust))
        clients = {cid: {"key": h, "rooms": []} for cid, h in self.hashes().items()}
        (data_dir / "keys" / "clients.json").write_text(json.dumps(clients, indent=2))
        if settings:
            (data_dir / "settings" / "server_settings.json").write_text(
                json.dumps(settings, indent=2)
            )


class Server:
    """One fresh server process under test."""

    def __init__(self, kind: str, identities: Identities, py_settings: dict[str, Any]) -> None:
        self.kind = kind
        self.port = free_port()
        self.tmp = Path(tempfile.mkdtemp(prefix=f"newage-bench-{kind}-"))
        self.log = self.tmp / "server.log"
        self.lag_file: Path | None = None
        if kind == "ref":
            cmd = ["node", str(BENCH / "reference" / "server.js"), str(self.port)]
        elif kind == "desktop":
            data_dir = self.tmp / "data"
            identities.provision(data_dir, py_settings)
            self.lag_file = self.tmp / "lag.json"
            cmd = [
                str(VENV_PYTHON),
                str(BENCH / "desktop_host.py"),
                "--data-dir",
                str(data_dir),
                "--port",
                str(self.port),
                "--watch-room",
                identities.clients[0]["clientId"],
                "--lag-file",
                str(self.lag_file),
            ]
        else:
            data_dir = self.tmp / "data"
            identities.provision(data_dir, py_settings)
            cmd = [
                str(VENV_PYTHON),
                "-m",
                "newage_desktop",
                "--headless",
                "--data-dir",
                str(data_dir),
                "--port",
                str(self.port),
                "--host",
                "127.0.0.1",
            ]
        with self.log.open("wb") as log:
            self.proc = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, cwd=REPO)
        wait_until_listening(self.port, self.proc, self.log)

    def stop(self) -> dict[str, Any] | None:
        """Stop the server; for `desktop`, returns the GUI thread's event-loop lag (ms)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        lag = None
        if self.lag_file is not None and self.lag_file.exists():
            lag = json.loads(self.lag_file.read_text())
        shutil.rmtree(self.tmp, ignore_errors=True)
        return lag


def drive(server: Server, params: dict[str, Any]) -> dict[str, Any]:
    """Run `driver.js` with `params` against `server`; its report plus the server's CPU time
    (user+sys) between the driver's measure-start and measure-end lines."""
    kind = server.kind
    driver = subprocess.Popen(
        ["node", str(BENCH / "driver.js"), json.dumps(params)],
        stdout=subprocess.PIPE,
        text=True,
        cwd=BENCH,
    )
    assert driver.stdout is not None
    cpu_start = cpu_end = None
    report: dict[str, Any] = {}
    try:
        for line in driver.stdout:
            message = json.loads(line)
            if message.get("phase") == "measure-start":
                cpu_start = cpu_seconds(server.proc.pid)
            elif message.get("phase") == "measure-end":
                cpu_end = cpu_seconds(server.proc.pid)
            else:
                report = message
        driver.wait()
    finally:
        if driver.poll() is None:
            driver.kill()
    if "error" in report or cpu_start is None or cpu_end is None:
        print(f"  {kind}: driver failed: {report.get('error', report)}", file=sys.stderr)
        return {"server": kind, "error": report.get("error", "driver failed")}
    report["server"] = kind
    report["serverCpuSec"] = cpu_end - cpu_start
    tokens = report["deliveredTokens"]
    report["cpuMsPerToken"] = 1000 * report["serverCpuSec"] / tokens if tokens else None
    report["serverCpuPercent"] = 100 * report["serverCpuSec"] / report["elapsedSec"]
    return report


def measure(
    kind: str, scenario: Scenario, args: argparse.Namespace, identities: Identities
) -> dict[str, Any]:
    server = Server(kind, identities, args.py_settings)
    report: dict[str, Any] = {}
    try:
        params = {
            "url": f"http://127.0.0.1:{server.port}",
            "extensions": identities.extensions[: scenario.extensions],
            "clients": identities.clients[: scenario.clients],
            "rate": scenario.rate,
            "tokens": args.tokens,
            "batch": args.batch,
            "duration": args.duration,
            "clientProcs": args.client_procs,
            "responseTimeout": args.response_timeout,
            "drainTimeout": args.response_timeout,
        }
        report = drive(server, params)
        return report
    finally:
        lag = server.stop()
        if lag is not None:
            report["guiLagMs"] = lag


# ---- output -----------------------------------------------------------------------------------


def median(reports: list[dict[str, Any]], get: Any) -> float | None:
    values = [v for v in (get(r) for r in reports if "error" not in r) if v is not None]
    return statistics.median(values) if values else None


def summarize(reports: list[dict[str, Any]]) -> dict[str, Any]:
    ok = [r for r in reports if "error" not in r]
    responses = {
        k: sum(r["responses"][k] for r in ok)
        for k in ("ok", "interleaved", "corrupt", "incomplete", "rejected", "total")
    }
    return {
        "tokensPerSec": median(reports, lambda r: r["deliveredTokensPerSec"]),
        "cpuMsPerToken": median(reports, lambda r: r["cpuMsPerToken"]),
        "cpuPercent": median(reports, lambda r: r["serverCpuPercent"]),
        "driverExtPercent": median(
            reports, lambda r: r["driverCpuMs"]["extensions"] / 10 / r["elapsedSec"]
        ),
        "driverClientPercent": median(
            reports, lambda r: r["driverCpuMs"]["clients"] / 10 / r["elapsedSec"]
        ),
        "p50": median(reports, lambda r: r["latencyMs"]["p50"]),
        "p99": median(reports, lambda r: r["latencyMs"]["p99"]),
        "max": median(reports, lambda r: r["latencyMs"]["max"]),
        "responses": responses,
        "errors": len(reports) - len(ok),
        "rejection": next((r["rejection"] for r in ok if r.get("rejection")), None),
        "lagP50": median(reports, lambda r: r.get("guiLagMs", {}).get("p50")),
        "lagP99": median(reports, lambda r: r.get("guiLagMs", {}).get("p99")),
        "lagMax": median(reports, lambda r: r.get("guiLagMs", {}).get("max")),
    }


def fmt(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def correctness(s: dict[str, Any]) -> str:
    r = s["responses"]
    text = f"{r['ok']}/{r['total']} ok"
    wrong = [f"{r[k]} {k}" for k in ("interleaved", "corrupt", "incomplete") if r[k]]
    if wrong:
        text += " (" + ", ".join(wrong) + ")"
    if r["rejected"]:
        text += f", {r['rejected']} rejected ({s['rejection']})"
    if s["errors"]:
        text += f", {s['errors']} run(s) failed"
    return text


def ratio(a: float | None, b: float | None) -> str:
    return "–" if a is None or b is None or b == 0 else f"{a / b:.2f}"


def row(cells: list[str]) -> str:
    return "| " + " | ".join(cells) + " |"


def print_tables(results: dict[str, dict[str, dict[str, Any]]], servers: list[str]) -> None:
    head = ["Scenario", "Server", "Delivered tok/s", "Server CPU", "CPU ms/token"]
    head += ["p50 ms", "p99 ms", "max ms", "Responses", "Driver CPU ext/clients"]
    print(row(head))
    print("|---|---|---:|---:|---:|---:|---:|---:|---|---:|")
    for name, by_server in results.items():
        for kind in servers:
            s = by_server[kind]
            driver = f"{fmt(s['driverExtPercent'], 0)}/{fmt(s['driverClientPercent'], 0)} %"
            cells = [SCENARIOS[name].describe(), kind, fmt(s["tokensPerSec"], 0)]
            cells += [f"{fmt(s['cpuPercent'], 0)} %", fmt(s["cpuMsPerToken"], 4)]
            cells += [fmt(s["p50"], 2), fmt(s["p99"], 2), fmt(s["max"], 1), correctness(s), driver]
            print(row(cells))
    if {"ref", "py"} <= set(servers):
        print()
        print(row(["Scenario", "tok/s py/ref", "CPU ms/token py/ref", "p50 py/ref", "p99 py/ref"]))
        print("|---|---:|---:|---:|---:|")
        for name, by_server in results.items():
            ref, py = by_server["ref"], by_server["py"]
            keys = ["tokensPerSec", "cpuMsPerToken", "p50", "p99"]
            print(row([SCENARIOS[name].describe()] + [ratio(py[k], ref[k]) for k in keys]))
    if {"py", "desktop"} <= set(servers):
        print()
        head = ["Scenario", "tok/s desktop/headless", "CPU ms/token desktop/headless"]
        head += ["GUI lag p50 ms", "GUI lag p99 ms", "GUI lag max ms"]
        print(row(head))
        print("|---|---:|---:|---:|---:|---:|")
        for name, by_server in results.items():
            py, desk = by_server["py"], by_server["desktop"]
            cells = [SCENARIOS[name].describe(), ratio(desk["tokensPerSec"], py["tokensPerSec"])]
            cells += [ratio(desk["cpuMsPerToken"], py["cpuMsPerToken"])]
            cells += [fmt(desk[k], 1) for k in ("lagP50", "lagP99", "lagMax")]
            print(row(cells))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="3 s per measurement instead of 10")
    parser.add_argument(
        "--duration", type=float, help="seconds per measurement (default 10, --quick 3)"
    )
    parser.add_argument(
        "--servers",
        default="ref,py",
        help="comma list of ref, py, desktop (the app with its window; default ref,py)",
    )
    parser.add_argument("--scenarios", default="a,b,c,d,e", help="comma list of a..e (default all)")
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="measurements per scenario and server (median reported)",
    )
    parser.add_argument("--tokens", type=int, default=100, help="tokens per response (default 100)")
    parser.add_argument("--batch", type=int, default=5, help="tokens per mini-stream (default 5)")
    parser.add_argument(
        "--client-procs", type=int, default=1, help="driver processes for the clients (default 1)"
    )
    parser.add_argument(
        "--response-timeout",
        type=float,
        default=30,
        help="seconds before a response counts as incomplete",
    )
    parser.add_argument(
        "--py-settings",
        type=json.loads,
        default={},
        help="server_settings.json for the Python server, e.g. '{\"autoPushContext\": false}'",
    )
    parser.add_argument("--json", type=Path, help="write all raw driver reports here")
    args = parser.parse_args()
    args.duration = args.duration or (3 if args.quick else 10)
    servers = args.servers.split(",")
    names = args.scenarios.split(",")
    if not (BENCH / "node_modules").is_dir():
        sys.exit("run `npm ci` in bench/ first")

    chosen = [SCENARIOS[n] for n in names]
    identities = Identities(max(s.extensions for s in chosen), max(s.clients for s in chosen))
    raw: list[dict[str, Any]] = []
    results: dict[str, dict[str, dict[str, Any]]] = {}
    flip = False
    for scenario in chosen:
        reports: dict[str, list[dict[str, Any]]] = {kind: [] for kind in servers}
        for _ in range(args.rounds):
            # ref, py | py, ref | ref, py ...: consecutive measurements alternate servers (ABBA).
            for kind in reversed(servers) if flip else servers:
                print(f"{scenario.describe()} on {kind} ...", file=sys.stderr, flush=True)
                report = measure(kind, scenario, args, identities)
                report["scenario"] = scenario.name
                reports[kind].append(report)
                raw.append(report)
            flip = not flip
        results[scenario.name] = {kind: summarize(r) for kind, r in reports.items()}

    print_tables(results, servers)
    if args.json:
        args.json.write_text(json.dumps(raw, indent=2))


if __name__ == "__main__":
    main()
