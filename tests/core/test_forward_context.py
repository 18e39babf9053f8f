"""The `context` an extension receives (§7.4) is bounded in bytes as well as in messages.

Issue 8: after one 4.1 MB answer, the next tiny request sent an 8.19 MB `LLM_REQUEST` to the
extension (the answer is in `context`, its text twice), and did so for the next 100 requests.
The context now holds the newest messages that fit `maxPayloadBytes` together (the bound the
server applies to what it accepts); the request itself is always there.
"""

from __future__ import annotations

import json
from typing import Any

from newage_desktop.core.app import Core
from tests.core.conftest import RecordingGateway
from tests.core.test_relay import Receiver, join, request, stream


def forwarded(gateway: RecordingGateway) -> list[dict[str, Any]]:
    return [d for s, _, e, d in gateway.sent if s == "ext-sid" and e == "LLM_REQUEST"]


def size(value: Any) -> int:
    return len(json.dumps(value, ensure_ascii=False).encode("utf-8"))


async def test_a_huge_answer_does_not_ride_along_with_every_later_request(
    core: Core, gateway: RecordingGateway
) -> None:
    ext = await join(core, "ext-sid", "st", "SillyTavern")
    app = await join(core, "app-sid", "app")
    receiver = Receiver(core, gateway, "app-sid")
    await request(core, app, "r1")
    big = "y" * 600_000  # the whole answer is 2.4 MB of text, 4.8 MB as a message
    chunks = [(i, big) for i in range(4)]
    await stream(core, ext, "s1", chunks, requestId="r1", outputId="o", final=True)
    await receiver.pump()
    await request(core, app, "r2", message="tiny")
    last = forwarded(gateway)[-1]
    assert last["requestId"] == "r2"
    limit = core.settings.max_payload_bytes
    assert size(last["context"]) <= limit < size(last["context"]) + 5_000_000
    assert last["context"][-1]["requestId"] == "r2"  # the request itself is always there
    kinds = [m["kind"] for m in last["context"]]
    assert "response" not in kinds  # the big answer did not fit, nor anything older
    assert last["context"][-1]["message"] == "tiny"


async def test_small_messages_all_fit_up_to_the_message_limit(
    core: Core, gateway: RecordingGateway
) -> None:
    ext = await join(core, "ext-sid", "st", "SillyTavern")
    app = await join(core, "app-sid", "app")
    del ext
    for n in range(5):
        await request(core, app, f"r{n}", message=f"m{n}")
    context = forwarded(gateway)[-1]["context"]
    assert [m["message"] for m in context] == ["m0", "m1", "m2", "m3", "m4"]
    core.settings_store.update({"forwardContextLimit": 2})
    await request(core, app, "r5", message="m5")
    assert [m["message"] for m in forwarded(gateway)[-1]["context"]] == ["m4", "m5"]
