"""Every string of the window has its Simplified Chinese translation.

scripts/update_translations.sh regenerates resources/i18n/newage_zh_CN.ts from the code and
compiles it; a new string it adds is marked unfinished until someone translates it.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from pathlib import Path

TS = Path(__file__).resolve().parents[2] / "resources" / "i18n" / "newage_zh_CN.ts"


def test_no_string_is_left_untranslated() -> None:
    missing = []
    for context in ET.parse(TS).getroot().iter("context"):
        for message in context.iter("message"):
            translation = message.find("translation")
            forms = [] if translation is None else list(translation.iter("numerusform"))
            texts = [f.text for f in forms] if forms else [getattr(translation, "text", None)]
            unfinished = translation is None or translation.get("type") == "unfinished"
            if unfinished or not all(texts):
                missing.append(f"{context.findtext('name')}: {message.findtext('source')!r}")
    assert missing == [], "run scripts/update_translations.sh and translate:\n" + "\n".join(missing)
