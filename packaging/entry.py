"""Entry point of the frozen build (PyInstaller runs a script, not a module)."""

import sys

if sys.platform == "win32" and sys.stdout is None:
    # The windowed .exe has no console of its own. Started from a terminal (`--headless`, the
    # admin commands), it writes to that terminal and reads from it (password prompts); started
    # from Explorer there is none, and diagnostics sends the output to logs/console.log.
    import ctypes

    if ctypes.windll.kernel32.AttachConsole(-1):  # ATTACH_PARENT_PROCESS
        sys.stdout = open("CONOUT$", "w", encoding="utf-8", buffering=1)  # noqa: SIM115
        sys.stderr = open("CONOUT$", "w", encoding="utf-8", buffering=1)  # noqa: SIM115
        sys.stdin = open("CONIN$", encoding="utf-8")  # noqa: SIM115

from newage_desktop.cli import main

raise SystemExit(main())
