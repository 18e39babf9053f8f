"""The data directory and what lives in it: JSON files, settings, logs (PROTOCOL.md §3, §11)."""
