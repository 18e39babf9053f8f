"""Entry point of the frozen build (PyInstaller runs a script, not a module)."""

from newage_desktop.cli import main

raise SystemExit(main())
