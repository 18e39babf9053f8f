"""Run the issue-8 probes against a source checkout and print one line per probe.

    .venv/bin/python -m bench.probes --source . [--only NAME[,NAME]] [--quick] [--json out.json]

Each probe starts its own server (`python -m newage_desktop --headless`) from `--source`, on a
fresh data folder and a free port of 127.0.0.1, and probes it from outside.
"""

from __future__ import annotations

import argparse
import asyncio
import importlib
import json
import shutil
import sys
import tempfile
import time
import traceback
from dataclasses import asdict
from pathlib import Path

from bench.probes.harness import Ctx, Result

# name -> (module, function); in the order of issue 8
PROBES: dict[str, tuple[str, str]] = {
    "keys_race": ("keys", "keys_race"),
    "keys_kill9": ("keys", "keys_kill9"),
    "poison": ("security", "poison"),
    "lockout": ("security", "lockout"),
    "origin": ("security", "origin"),
    "operator_settings": ("security", "operator_settings"),
    "log_growth": ("logs", "log_growth"),
    "message_updated": ("traffic", "message_updated"),
    "request_cost": ("traffic", "request_cost"),
    "client_list": ("traffic", "client_list"),
    "network_safe_admin": ("security", "network_safe_admin"),
    "surrogates": ("holes", "surrogates"),
    "symlink_root": ("holes", "symlink_root"),
    "public_writes": ("holes", "public_writes"),
    "parallel_bcrypt": ("holes", "parallel_bcrypt"),
    "refusal_logs": ("holes", "refusal_logs"),
    "personal_rooms": ("holes", "personal_rooms"),
}
PROBE_TIMEOUT = 600.0


async def run_one(name: str, ctx: Ctx) -> Result:
    module, func = PROBES[name]
    probe = getattr(importlib.import_module(f"bench.probes.{module}"), func)
    started = time.monotonic()
    try:
        result: Result = await asyncio.wait_for(probe(ctx), PROBE_TIMEOUT)
    except Exception as exc:  # a probe reports, it never takes the run down
        detail = "".join(traceback.format_exception_only(type(exc), exc)).strip()
        result = Result(name, f"PROBE FAILED: {detail}", {"error": detail})
        traceback.print_exc(file=sys.stderr)
    result.figures["probe_seconds"] = round(time.monotonic() - started, 1)
    return result


async def main_async(args: argparse.Namespace) -> list[Result]:
    names = list(PROBES) if not args.only else args.only.split(",")
    unknown = [n for n in names if n not in PROBES]
    if unknown:
        raise SystemExit(f"unknown probe(s): {', '.join(unknown)}; known: {', '.join(PROBES)}")
    scratch = Path(tempfile.mkdtemp(prefix="probes-"))
    results = []
    try:
        for name in names:
            ctx = Ctx(
                source=Path(args.source).resolve(),
                quick=args.quick,
                scratch=Path(tempfile.mkdtemp(prefix=f"{name}-", dir=scratch)),
            )
            result = await run_one(name, ctx)
            results.append(result)
            print(f"{name}: {result.summary}", flush=True)
            for note in result.notes:
                print(f"    note: {note}", flush=True)
    finally:
        if not args.keep:
            shutil.rmtree(scratch, ignore_errors=True)
        else:
            print(f"(scratch kept in {scratch})", file=sys.stderr)
    return results


def main() -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.probes",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--source", default=".", help="source checkout to run (default: .)")
    parser.add_argument("--only", metavar="NAME[,NAME]", help=f"probes: {', '.join(PROBES)}")
    parser.add_argument("--quick", action="store_true", help="smaller counts (a smoke run)")
    parser.add_argument("--json", metavar="FILE", help="also write the results as JSON")
    parser.add_argument("--keep", action="store_true", help="keep the data folders")
    args = parser.parse_args()
    results = asyncio.run(main_async(args))
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {
                    "source": str(Path(args.source).resolve()),
                    "quick": args.quick,
                    "results": [asdict(r) for r in results],
                },
                indent=2,
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
