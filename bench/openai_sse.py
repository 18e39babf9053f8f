#!/usr/bin/env python3
"""OpenAI SSE against Socket.IO streams: the same emulated-extension load, one server (issue 10).

One `newage-desktop --headless` process serves the whole run. For every scenario, `driver.js`
runs twice against it with the same extensions, tokens, batches and rate: once with Socket.IO
clients (`LLM_REQUEST` on `/llm`, answers as forwarded socket.io-stream streams) and once with
SSE clients (`POST /v1/chat/completions` with `stream: true`, `model` = the extension,
answers as `chat.completion.chunk` events). The order alternates per scenario (sio, sse | sse,
sio | ...) so drift of the machine and the growing history hit both alike. Server CPU is
user+sys from /proc/<pid>/stat between the driver's measure-start and measure-end lines.

    .venv/bin/python bench/openai_sse.py [--quick] [--scenarios o1,o2,o3] [--rounds 1]

Both transports get extensions that end each response with `final: true` (what the real
extension does); without it the API would wait the 0.5 s quiet completion (§7.5) per answer.
Standard library only; Linux only (/proc).
"""

from __future__ import annotations

import argparse
import json
import re
import secrets
import shutil
import sys
from pathlib import Path
from typing import Any

from run import BENCH, Identities, Scenario, Server, correctness, drive, fmt, ratio, row, summarize

SCENARIOS = {
    "o1": Scenario("o1", 1, 1, 0),
    "o2": Scenario("o2", 2, 4, 0),
    "o3": Scenario("o3", 1, 10, 50),
}
TRANSPORTS = ("socketio", "sse")
LABEL = {"socketio": "Socket.IO", "sse": "SSE"}
NOTABLE = re.compile(r"\b(ERROR|WARNING|CRITICAL)\b|Traceback|cancelled")


def sse_identities(count: int) -> list[dict[str, str]]:
    """API clients of their own (`bench-sse-<i>`): their personal rooms have no sockets."""
    return [{"clientId": f"bench-sse-{i}", "key": secrets.token_hex(16)} for i in range(count)]


def measure(
    server: Server,
    transport: str,
    scenario: Scenario,
    args: argparse.Namespace,
    identities: Identities,
    api_clients: list[dict[str, str]],
) -> dict[str, Any]:
    clients = api_clients if transport == "sse" else identities.clients
    params = {
        "url": f"http://127.0.0.1:{server.port}",
        "clientTransport": transport,
        "final": True,
        "extensions": identities.extensions[: scenario.extensions],
        "clients": clients[: scenario.clients],
        "rate": scenario.rate,
        "tokens": args.tokens,
        "batch": args.batch,
        "duration": args.duration,
        "clientProcs": args.client_procs,
        "responseTimeout": args.response_timeout,
        "drainTimeout": args.response_timeout,
    }
    report = drive(server, params)
    report["transport"] = transport
    report["scenario"] = scenario.name
    return report


def print_tables(results: dict[str, dict[str, dict[str, Any]]]) -> None:
    head = ["Scenario", "Transport", "Delivered tok/s", "Server CPU", "CPU µs/token"]
    head += ["p50 ms", "p99 ms", "max ms", "Responses", "Driver CPU ext/clients"]
    print(row(head))
    print("|---|---|---:|---:|---:|---:|---:|---:|---|---:|")
    for name, by_transport in results.items():
        for transport in TRANSPORTS:
            s = by_transport[transport]
            us = None if s["cpuMsPerToken"] is None else 1000 * s["cpuMsPerToken"]
            driver = f"{fmt(s['driverExtPercent'], 0)}/{fmt(s['driverClientPercent'], 0)} %"
            cells = [SCENARIOS[name].describe(), LABEL[transport], fmt(s["tokensPerSec"], 0)]
            cells += [f"{fmt(s['cpuPercent'], 0)} %", fmt(us, 1)]
            cells += [fmt(s["p50"], 2), fmt(s["p99"], 2), fmt(s["max"], 1), correctness(s), driver]
            print(row(cells))
    print()
    head = ["Scenario", "tok/s SSE/SIO", "CPU µs/token SSE/SIO", "p50 SSE/SIO", "p99 SSE/SIO"]
    print(row(head))
    print("|---|---:|---:|---:|---:|")
    for name, by_transport in results.items():
        sio, sse = by_transport["socketio"], by_transport["sse"]
        keys = ["tokensPerSec", "cpuMsPerToken", "p50", "p99"]
        print(row([SCENARIOS[name].describe()] + [ratio(sse[k], sio[k]) for k in keys]))


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="3 s per measurement instead of 10")
    parser.add_argument(
        "--duration", type=float, help="seconds per measurement (default 10, --quick 3)"
    )
    parser.add_argument(
        "--scenarios", default="o1,o2,o3", help="comma list of o1, o2, o3 (default all)"
    )
    parser.add_argument(
        "--rounds", type=int, default=1, help="measurements per scenario and transport (median)"
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
        "--settings",
        type=json.loads,
        default={},
        help="server_settings.json for the server, e.g. '{\"autoPushContext\": false}'",
    )
    parser.add_argument("--json", type=Path, help="write all raw driver reports here")
    parser.add_argument("--keep-log", type=Path, help="copy the server's log here at the end")
    args = parser.parse_args()
    args.duration = args.duration or (3 if args.quick else 10)
    if not (BENCH / "node_modules").is_dir():
        sys.exit("run `npm ci` in bench/ first")

    chosen = [SCENARIOS[n] for n in args.scenarios.split(",")]
    most_clients = max(s.clients for s in chosen)
    identities = Identities(max(s.extensions for s in chosen), most_clients)
    api_clients = sse_identities(most_clients)
    identities.clients += api_clients  # provisioned (trust file + key) like the socket clients
    socket_clients = identities.clients[:most_clients]

    server = Server("py", identities, args.settings)
    identities.clients = socket_clients
    print(f"server pid {server.proc.pid} on port {server.port}", file=sys.stderr, flush=True)
    raw: list[dict[str, Any]] = []
    results: dict[str, dict[str, dict[str, Any]]] = {}
    flip = False
    try:
        for scenario in chosen:
            reports: dict[str, list[dict[str, Any]]] = {t: [] for t in TRANSPORTS}
            for _ in range(args.rounds):
                for transport in reversed(TRANSPORTS) if flip else TRANSPORTS:
                    label = f"{scenario.describe()} over {LABEL[transport]}"
                    print(f"{label} ...", file=sys.stderr, flush=True)
                    report = measure(server, transport, scenario, args, identities, api_clients)
                    reports[transport].append(report)
                    raw.append(report)
                flip = not flip
            results[scenario.name] = {t: summarize(r) for t, r in reports.items()}
    finally:
        log = server.log.read_text(errors="replace") if server.log.exists() else ""
        if args.keep_log:
            shutil.copyfile(server.log, args.keep_log)
        alive = server.proc.poll() is None
        server.stop()
    if not alive:
        print(f"the server exited early with {server.proc.returncode}", file=sys.stderr)
    notable = [line for line in log.splitlines() if NOTABLE.search(line)]
    if notable:
        print(f"server log: {len(notable)} notable line(s), the first:", file=sys.stderr)
        for line in notable[:10]:
            print(f"  {line}", file=sys.stderr)

    print_tables(results)
    if args.json:
        args.json.write_text(json.dumps(raw, indent=2))


if __name__ == "__main__":
    main()
