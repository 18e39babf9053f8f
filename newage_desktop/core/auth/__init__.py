"""Admission, keys, trust, pairing, brute-force throttling and accepted origins (PROTOCOL.md §4)."""
