"""NewAge Desktop: a SillyTavern-NewAge relay server, as a desktop app and headless."""

__version__ = "0.1.0"
