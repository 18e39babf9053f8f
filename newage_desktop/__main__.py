"""`python -m newage_desktop` is the same as the `newage-desktop` command."""

from newage_desktop.cli import main

raise SystemExit(main())
