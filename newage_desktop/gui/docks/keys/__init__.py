"""The Keys dock: trusted clients, their keys, and pending pairing requests."""

from newage_desktop.gui.docks.keys.widget import KeysDock

__all__ = ["KeysDock"]
