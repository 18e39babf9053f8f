"""The Chat dock: prompts to an extension, answers streamed token by token, room history."""

from newage_desktop.gui.docks.chat.widget import ChatDock

__all__ = ["ChatDock"]
