"""Extensions: GET_SILLYTAVERN_EXTENSION (§6.3) and IDENTIFY_SILLYTAVERN (§6.7)."""

from __future__ import annotations

from interop_support import run_scenario


def test_extension_list_and_identify_sillytavern(shared_server):
    (res,) = run_scenario(
        "sillytavern",
        {
            "url": shared_server.url,
            "client": shared_server.js("client"),
            "ext": shared_server.js("ext"),
            "st": shared_server.js("st"),
        },
    )
    assert res["stKey"] not in shared_server.server.keys_file.read_text(encoding="utf-8")
