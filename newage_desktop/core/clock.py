"""Timestamps in the protocol's formats."""

from __future__ import annotations

from datetime import UTC, datetime


def iso_utc(ts: float) -> str:
    """ISO-8601 UTC with milliseconds and `Z` (PROTOCOL.md §1)."""
    return (
        datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%dT%H:%M:%S.")
        + f"{int(ts * 1000) % 1000:03d}Z"
    )


def local_datetime(ts: float) -> str:
    """`YYYY-MM-DD HH:mm:ss`, local time (`serverStatus.startTime`, log lines)."""
    return datetime.fromtimestamp(ts).strftime("%Y-%m-%d %H:%M:%S")
