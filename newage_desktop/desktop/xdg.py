"""The XDG Base Directory variables, as the specification reads them.

A value that is empty or not absolute is invalid and means the default, so a stray
`XDG_DATA_HOME=` or a relative path never puts files under the current directory.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path


def _base(environ: Mapping[str, str], name: str, default: str) -> Path:
    value = environ.get(name, "")
    if value and os.path.isabs(value):
        return Path(value)
    return Path.home() / default


def data_home(environ: Mapping[str, str] | None = None) -> Path:
    """`$XDG_DATA_HOME`, else ~/.local/share: where per-user launchers and icons go."""
    return _base(os.environ if environ is None else environ, "XDG_DATA_HOME", ".local/share")


def config_home(environ: Mapping[str, str] | None = None) -> Path:
    """`$XDG_CONFIG_HOME`, else ~/.config: where autostart/ is."""
    return _base(os.environ if environ is None else environ, "XDG_CONFIG_HOME", ".config")
