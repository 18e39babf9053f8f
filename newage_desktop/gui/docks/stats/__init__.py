"""The Statistics dock: live plots of clients, tokens/s and events/s."""

from newage_desktop.gui.docks.stats.widget import StatsDock

__all__ = ["StatsDock"]
