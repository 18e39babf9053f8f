"""How the desktop app fits into the operating system, without Qt: the freedesktop launcher
entry and icons (`entry`), starting at login (`autostart`), and the command that starts this
installation (`command`). Plain files and registry values, testable without a display."""
