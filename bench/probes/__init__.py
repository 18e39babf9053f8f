"""The probes of issue 8: each failure found by probing the relay from outside, as a script.

Run with ``.venv/bin/python -m bench.probes --source DIR`` (see ``__main__.py`` and
docs/RELIABILITY.md).
"""
