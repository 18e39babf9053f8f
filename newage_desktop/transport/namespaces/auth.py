"""`/auth` (PROTOCOL.md §6.3): key look-up and the extension list."""

from newage_desktop.protocol import events as names
from newage_desktop.transport.dispatch import Namespace
from newage_desktop.transport.namespaces import common

EVENTS: Namespace = {
    names.GET_CLIENT_KEY: common.GET_CLIENT_KEY,
    names.GET_SILLYTAVERN_EXTENSION: common.GET_SILLYTAVERN_EXTENSION,
}
