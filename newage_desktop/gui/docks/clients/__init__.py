"""The Clients dock: connected identities, their namespaces and addresses."""

from newage_desktop.gui.docks.clients.widget import ClientsDock

__all__ = ["ClientsDock"]
