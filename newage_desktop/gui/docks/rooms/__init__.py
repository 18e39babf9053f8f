"""The Rooms dock: chat rooms, their members and roles."""

from newage_desktop.gui.docks.rooms.widget import RoomsDock

__all__ = ["RoomsDock"]
