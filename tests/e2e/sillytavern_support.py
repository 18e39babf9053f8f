"""Helpers for the end-to-end suite: a real SillyTavern server (installed from npm by
scripts/install_sillytavern.sh) as a subprocess on a fresh data root per test.

``SillyTavernInstance(version, install_dir, mock_url, base_dir)`` writes, under ``base_dir``:

- ``config.yaml`` (JSON, which is YAML): localhost only, no browser launch, no extension
  auto-update, no model or tokenizer downloads, whitelist mode off, a free port;
- ``data/default-user/settings.json``: SillyTavern's default settings with ``firstRun: false``
  (no onboarding popup), the Chat Completion API on the "Custom (OpenAI-compatible)" source
  pointed at the mock, streaming on or off, auto-connect and auto-load-chat on and the bundled
  character (Seraphina) active, so the page opens straight into her chat.

Version differences handled here:

- 1.19.x takes ``--configPath`` and ``--dataRoot`` and runs from the install directory. Its
  frontend bundle is compiled by Webpack at start into ``<dataRoot>/_webpack`` (or
  ``<install>/dist/_webpack`` in a container); the installer pre-compiles it into
  ``dist/_webpack`` and every fresh data root gets a copy of that cache (start ~3 s, not ~30 s).
  The page's first listing of the bundled backgrounds computes their image metadata (~4 s);
  the installer pre-computes it and each data root gets the backgrounds and that metadata.
- 1.12.x has ``--dataRoot`` but always reads ``./config.yaml`` from its server directory
  (``process.chdir(__dirname)``) and writes there (cookie secret). So it runs from a per-test
  "shadow" directory ``base_dir/app``: copies of ``server.js``/``package.json`` (the directory of
  the main script is the server directory) next to symlinks to everything else of the install
  (``src``, ``public``, ``node_modules``…), plus its own ``config.yaml``. Nothing is written into
  the install directory. Its start-up pre-generation of background thumbnails (~5 s) is
  skipped with a placeholder file (they are made on demand).
"""

from __future__ import annotations

import contextlib
import copy
import hashlib
import json
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Protocol

E2E_DIR = Path(__file__).resolve().parent
REPO_ROOT = E2E_DIR.parents[1]
LOCKFILES_DIR = E2E_DIR / "sillytavern"
INSTALL_SCRIPT = REPO_ROOT / "scripts" / "install_sillytavern.sh"

#: The SillyTavern versions the suite runs against (each has a committed lockfile).
SILLYTAVERN_VERSIONS: tuple[str, ...] = ("1.19.0", "1.12.6")
#: The bundled character every fresh data root gets (its avatar file name is its key).
DEFAULT_CHARACTER = "default_Seraphina.png"
DEFAULT_CHARACTER_NAME = "Seraphina"
DEFAULT_USER = "default-user"
INSTALL_MARKER = ".newage-e2e-install"

START_TIMEOUT_S = 90.0
STOP_TIMEOUT_S = 10.0

# Instances currently running; conftest attaches their log tails to failing test reports.
LIVE_INSTANCES: list[SillyTavernInstance] = []


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def install_root() -> Path:
    """Where installs live: $NEWAGE_E2E_SILLYTAVERN_ROOT or <repo>/.cache/sillytavern."""
    env = os.environ.get("NEWAGE_E2E_SILLYTAVERN_ROOT")
    return Path(env).resolve() if env else REPO_ROOT / ".cache" / "sillytavern"


def default_install_dir(version: str) -> Path:
    return install_root() / version


def lockfile(version: str) -> Path:
    return LOCKFILES_DIR / version / "package-lock.json"


def install_revision() -> str:
    """INSTALL_REVISION of scripts/install_sillytavern.sh (part of the install marker)."""
    match = re.search(
        r"^INSTALL_REVISION=(\d+)$", INSTALL_SCRIPT.read_text(encoding="utf-8"), re.MULTILINE
    )
    return match.group(1) if match else "?"


def expected_marker(version: str) -> str:
    """The marker scripts/install_sillytavern.sh writes for ``version`` (keep in sync)."""
    digest = hashlib.sha256(lockfile(version).read_bytes()).hexdigest()
    return f"sillytavern {version} lockfile-sha256 {digest} rev {install_revision()}"


def install_problem(version: str, install_dir: Path | None = None) -> str | None:
    """Why SillyTavern ``version`` is not usable from ``install_dir``, or None."""
    install_dir = install_dir or default_install_dir(version)
    hint = f"run `scripts/install_sillytavern.sh {version}`"
    if not lockfile(version).is_file():
        return f"no committed lockfile for SillyTavern {version} ({lockfile(version)})"
    marker = install_dir / INSTALL_MARKER
    if not marker.is_file():
        return f"SillyTavern {version} is not installed in {install_dir} ({hint})"
    if marker.read_text(encoding="utf-8").strip() != expected_marker(version):
        return f"SillyTavern {version} in {install_dir} is stale or from another lockfile ({hint})"
    if not (install_dir / "server.js").is_file() or not (install_dir / "node_modules").is_dir():
        return f"SillyTavern {version} in {install_dir} is incomplete ({hint})"
    return None


def is_modern(install_dir: Path) -> bool:
    """1.19-style server (ESM, ``--configPath``) rather than 1.12-style (CommonJS)."""
    return (install_dir / "src" / "command-line.js").is_file()


def deep_merge(base: dict[str, Any], overrides: Mapping[str, Any]) -> dict[str, Any]:
    """``base`` updated recursively with ``overrides`` (dicts merge, everything else replaces);
    returns a new dict."""
    out = copy.deepcopy(base)
    for key, value in overrides.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def write_json(path: Path, obj: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(obj, indent=4, ensure_ascii=False) + "\n", encoding="utf-8")


class SillyTavernInstance:
    """One SillyTavern server on a fresh data root under ``base_dir``.

    Construction writes config.yaml and settings.json (so a test can still change them or add
    extensions before ``start()``); ``start()`` launches ``node server.js`` (output appended to
    ``log_path``) and waits until it answers HTTP; ``stop()`` sends SIGTERM, then SIGKILL.
    """

    def __init__(
        self,
        version: str,
        install_dir: Path,
        mock_url: str,
        base_dir: Path,
        *,
        streaming: bool = True,
        settings_overrides: Mapping[str, Any] | None = None,
        config_overrides: Mapping[str, Any] | None = None,
        name: str | None = None,
    ) -> None:
        self.version = version
        self.install_dir = install_dir.resolve()
        self.mock_url = mock_url.rstrip("/")
        self.base_dir = base_dir.resolve()
        self.name = name or f"sillytavern-{version}"
        self.streaming = streaming
        self.modern = is_modern(self.install_dir)
        self.port = free_port()
        self.data_root = self.base_dir / "data"
        self.log_path = self.base_dir / "sillytavern.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.exit_codes: list[int] = []
        #: seconds from spawning node to the first HTTP answer, per start()
        self.start_seconds: list[float] = []
        self.base_dir.mkdir(parents=True, exist_ok=True)
        if self.modern:
            self.app_dir = self.install_dir
            self.config_path = self.base_dir / "config.yaml"
        else:
            self.app_dir = self.base_dir / "app"
            self.config_path = self.app_dir / "config.yaml"
            self._make_shadow_app_dir()
        self.write_config(config_overrides or {})
        self.write_settings(settings_overrides or {})
        self._seed_webpack_cache()
        self._skip_thumbnail_pregeneration()

    # ----- paths ----------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        """The page URL, ``http://127.0.0.1:PORT/``."""
        return f"http://127.0.0.1:{self.port}/"

    @property
    def user_dir(self) -> Path:
        return self.data_root / DEFAULT_USER

    @property
    def settings_path(self) -> Path:
        return self.user_dir / "settings.json"

    @property
    def extensions_dir(self) -> Path:
        """Where user extensions are discovered: ``<dataRoot>/default-user/extensions``
        (served as ``/scripts/extensions/third-party/<name>/``)."""
        return self.user_dir / "extensions"

    @property
    def chats_dir(self) -> Path:
        return self.user_dir / "chats"

    # ----- set-up -----------------------------------------------------------------------------
    def _make_shadow_app_dir(self) -> None:
        """1.12.x: a server directory of our own (see the module docstring)."""
        self.app_dir.mkdir(parents=True, exist_ok=True)
        copied = {"server.js", "package.json"}
        skipped = {"config.yaml", INSTALL_MARKER, "access.log", "data"}
        for entry in self.install_dir.iterdir():
            target = self.app_dir / entry.name
            if entry.name in skipped or target.exists() or target.is_symlink():
                continue
            if entry.name in copied:
                shutil.copy2(entry, target)
            else:
                target.symlink_to(entry, target_is_directory=entry.is_dir())

    def _seed_webpack_cache(self) -> None:
        """1.19.x: copy the installer's pre-compiled Webpack cache into the fresh data root, and
        the bundled backgrounds (mtimes kept) with their pre-computed image metadata into the
        user's folder (SillyTavern then skips copying them: they exist)."""
        if not self.modern:
            return
        cache = self.install_dir / "dist" / "_webpack"
        target = self.data_root / "_webpack"
        if cache.is_dir() and not target.exists():
            shutil.copytree(cache, target)
        metadata = self.install_dir / ".newage-e2e" / "image-metadata.json"
        backgrounds = self.install_dir / "default" / "content" / "backgrounds"
        if metadata.is_file() and backgrounds.is_dir():
            shutil.copytree(backgrounds, self.user_dir / "backgrounds", dirs_exist_ok=True)
            shutil.copy2(metadata, self.user_dir / "image-metadata.json")

    def _skip_thumbnail_pregeneration(self) -> None:
        """1.12.x renders thumbnails of all 23 bundled backgrounds before listening (~5 s) when
        ``thumbnails/bg`` is empty; a placeholder file there skips that (thumbnails are still
        made on demand when the page asks for one)."""
        if not self.modern:
            bg = self.user_dir / "thumbnails" / "bg"
            bg.mkdir(parents=True, exist_ok=True)
            (bg / ".newage-e2e-skip-pregeneration").touch()

    def default_config(self) -> dict[str, Any]:
        common: dict[str, Any] = {
            "dataRoot": str(self.data_root),
            "listen": False,
            "port": self.port,
            "whitelistMode": False,
            "basicAuthMode": False,
            "enableUserAccounts": False,
            "securityOverride": False,
            "skipContentCheck": False,
            "enableDownloadableTokenizers": False,
            "enableServerPlugins": False,
            "protocol": {"ipv4": True, "ipv6": False},
            "dnsPreferIPv6": False,
        }
        if self.modern:
            return deep_merge(
                common,
                {
                    "browserLaunch": {"enabled": False},
                    "extensions": {
                        "enabled": True,
                        "autoUpdate": False,
                        "models": {"autoDownload": False},
                    },
                    "enableServerPluginsAutoUpdate": False,
                    "logging": {"enableAccessLog": True, "minLogLevel": 0},
                },
            )
        return deep_merge(
            common,
            {
                "autorun": False,
                "enableExtensions": True,
                "enableExtensionsAutoUpdate": False,
                "extras": {"disableAutoDownload": True},
                "cookieSecret": secrets.token_hex(32),
            },
        )

    def write_config(self, overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """(Re)write config.yaml: default_config() merged with ``overrides``; returns it."""
        config = deep_merge(self.default_config(), overrides or {})
        write_json(self.config_path, config)
        return config

    def default_settings(self) -> dict[str, Any]:
        """SillyTavern's own default settings.json with the test set-up applied."""
        base_file = self.install_dir / "default" / "content" / "settings.json"
        base: dict[str, Any] = json.loads(base_file.read_text(encoding="utf-8"))
        return deep_merge(
            base,
            {
                "firstRun": False,
                "main_api": "openai",
                "active_character": DEFAULT_CHARACTER,
                "active_group": None,
                "power_user": {"auto_connect": True, "auto_load_chat": True},
                "oai_settings": {
                    "chat_completion_source": "custom",
                    "custom_url": self.mock_url,
                    "custom_model": "mock-model",
                    "stream_openai": self.streaming,
                },
            },
        )

    def write_settings(self, overrides: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """(Re)write default-user/settings.json: default_settings() merged with ``overrides``.
        Only meaningful before the first start (SillyTavern rewrites it as the page saves)."""
        settings = deep_merge(self.default_settings(), overrides or {})
        write_json(self.settings_path, settings)
        return settings

    def read_settings(self) -> dict[str, Any]:
        result: dict[str, Any] = json.loads(self.settings_path.read_text(encoding="utf-8"))
        return result

    def install_extension(
        self, source: Path, name: str | None = None, *, symlink: bool = False
    ) -> Path:
        """Put an extension folder (with its manifest.json) into
        ``<dataRoot>/default-user/extensions/<name>/`` (default name: the folder's name); a
        copy, or a symlink with ``symlink=True``. Do it before ``start()``/page load. Returns the
        installed path. (1.12.x skips a manifest without ``"requires": []`` silently.)"""
        source = source.resolve()
        if not (source / "manifest.json").is_file():
            raise FileNotFoundError(f"{source} has no manifest.json")
        target = self.extensions_dir / (name or source.name)
        if target.is_symlink() or target.is_file():
            target.unlink()
        elif target.exists():
            shutil.rmtree(target)
        target.parent.mkdir(parents=True, exist_ok=True)
        if symlink:
            target.symlink_to(source, target_is_directory=True)
        else:
            shutil.copytree(source, target)
        return target

    # ----- process ----------------------------------------------------------------------------
    def command(self) -> list[str]:
        node = shutil.which("node") or "node"
        cmd = [
            node,
            "server.js",
            f"--port={self.port}",
            "--listen=false",
            "--whitelist=false",
            f"--dataRoot={self.data_root}",
        ]
        if self.modern:
            cmd += [f"--configPath={self.config_path}", "--browserLaunchEnabled=false"]
        else:
            cmd += ["--autorun=false"]
        return cmd

    def env(self) -> dict[str, str]:
        env = dict(os.environ)
        # SillyTavern asks git for its revision; do not let it find a repository above us.
        ceilings = {str(self.install_dir.parent), str(self.base_dir.parent)}
        env["GIT_CEILING_DIRECTORIES"] = os.pathsep.join(sorted(ceilings))
        env.setdefault("NODE_ENV", "production")
        env["FORCE_COLOR"] = "0"
        env["NO_COLOR"] = "1"
        return env

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def start(self, timeout: float = START_TIMEOUT_S) -> float:
        """Start node and wait for the first HTTP answer; returns the start-up time (s)."""
        assert self.proc is None, f"{self.name} already running"
        cmd = self.command()
        t0 = time.monotonic()
        with open(self.log_path, "ab") as log:
            log.write(f"\n===== start (cwd {self.app_dir}): {' '.join(cmd)}\n".encode())
            log.flush()
            self.proc = subprocess.Popen(
                cmd,
                cwd=self.app_dir,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                env=self.env(),
                start_new_session=True,
            )
        LIVE_INSTANCES.append(self)
        deadline = t0 + timeout
        last_error = "no answer yet"
        while time.monotonic() < deadline:
            code = self.proc.poll()
            if code is not None:
                self._forget(code)
                raise RuntimeError(
                    f"{self.name} exited with status {code} before answering HTTP.\n"
                    f"--- log ({self.log_path}) ---\n{self.log_tail()}"
                )
            try:
                with urllib.request.urlopen(self.url, timeout=2) as resp:
                    if resp.status == 200:
                        elapsed = time.monotonic() - t0
                        self.start_seconds.append(elapsed)
                        return elapsed
                    last_error = f"HTTP {resp.status}"
            except urllib.error.HTTPError as e:
                last_error = f"HTTP {e.code}"
            except (OSError, urllib.error.URLError) as e:
                last_error = str(e)
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(
            f"{self.name} did not answer {self.url} within {timeout}s ({last_error}).\n"
            f"--- log ({self.log_path}) ---\n{self.log_tail()}"
        )

    def stop(self, timeout: float = STOP_TIMEOUT_S) -> int | None:
        """SIGTERM (the whole process group), wait, then SIGKILL; returns the exit status."""
        proc = self.proc
        if proc is None:
            return None
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout)
        code = proc.returncode
        self._forget(code)
        return code

    def restart(self, timeout: float = START_TIMEOUT_S) -> float:
        self.stop()
        return self.start(timeout)

    def _forget(self, code: int) -> None:
        self.exit_codes.append(code)
        self.proc = None
        with contextlib.suppress(ValueError):
            LIVE_INSTANCES.remove(self)

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(encoding="utf-8", errors="replace")
        except FileNotFoundError:
            return ""

    def log_tail(self, lines: int = 120, *, skip_content_copies: bool = True) -> str:
        """The last ``lines`` lines of the log (by default without the ~150 "Content file …
        copied" lines of a first start)."""
        out = self.log_text().splitlines()
        if skip_content_copies:
            out = [ln for ln in out if not ln.startswith("Content file ")]
        return "\n".join(out[-lines:])

    def __repr__(self) -> str:
        return f"SillyTavernInstance({self.version!r}, port={self.port}, base={self.base_dir})"


class SillyTavernFactory(Protocol):
    """The ``sillytavern_factory`` fixture's type."""

    def __call__(
        self,
        version: str | None = None,
        *,
        streaming: bool = True,
        settings: Mapping[str, Any] | None = None,
        config: Mapping[str, Any] | None = None,
        mock_url: str | None = None,
        start: bool = True,
        name: str = "st",
    ) -> SillyTavernInstance: ...
