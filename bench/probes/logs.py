"""Issue 8 item 6: a corrupt trust file, then a corrupt keys file, and how fast the logs grow."""

from __future__ import annotations

import asyncio

from bench.probes.harness import Ctx, Result, log_bytes, log_lines, new_data, running


async def log_growth(ctx: Ctx) -> Result:
    seconds = 10 if ctx.quick else 60
    data = new_data(ctx)
    (data / "settings").mkdir(parents=True)
    trust = data / "settings" / "broken-settings.json"
    trust.write_text('{"clientId": "broken", "isTrust": tru')
    figures: dict[str, object] = {"seconds_per_phase": seconds}
    async with running(ctx, data) as srv:
        await asyncio.sleep(2)
        for phase, marker in (("trust_file", "broken-settings"), ("keys_file", "clients.json")):
            if phase == "keys_file":
                trust.unlink()
                await asyncio.sleep(2)
                (data / "keys" / "clients.json").write_text('{"someone": {"key": ')
            lines0 = sum(marker in line for line in log_lines(data, "warn.log"))
            bytes0 = log_bytes(data)
            await asyncio.sleep(seconds)
            lines = sum(marker in line for line in log_lines(data, "warn.log")) - lines0
            grown = log_bytes(data) - bytes0
            figures[f"{phase}_warnings_per_min"] = round(lines * 60 / seconds)
            figures[f"{phase}_log_bytes_per_min"] = round(grown * 60 / seconds)
        figures["server_alive"] = srv.alive()
    summary = (
        f"corrupt trust file: {figures['trust_file_warnings_per_min']} warnings/min, "
        f"{figures['trust_file_log_bytes_per_min']} log bytes/min; corrupt keys/clients.json: "
        f"{figures['keys_file_warnings_per_min']} warnings/min, "
        f"{figures['keys_file_log_bytes_per_min']} log bytes/min (all log files)"
    )
    notes = [f"measured over {seconds} s per phase, scaled to a minute"] if ctx.quick else []
    return Result("log_growth", summary, figures, notes)
