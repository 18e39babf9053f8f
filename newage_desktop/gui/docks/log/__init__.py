"""The Log dock: the server's log lines, live."""

from newage_desktop.gui.docks.log.widget import LogDock

__all__ = ["LogDock"]
