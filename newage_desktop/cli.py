"""Command line: run the server (window or headless), administer keys and trust, and install
the SillyTavern extension into a SillyTavern folder.

The admin commands work on the data directory's files, and may run while the server runs: each
change takes the same inter-process lock as the server's own writes, re-reads the file under it
and changes only its one record, and is on disk (fsynced) before the command reports success
(exit status 0). A running server picks the changes up by itself: it checks
`keys/clients.json` and `settings/` every second, and drops the live sockets of a clientId whose
key was revoked or replaced.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import sys
from collections.abc import Mapping, Sequence
from getpass import getpass
from pathlib import Path

from newage_desktop import __version__, diagnostics
from newage_desktop.core.app import Core
from newage_desktop.core.auth.keys import MAX_KEY_BYTES, hash_key
from newage_desktop.core.openai.auth import api_key
from newage_desktop.core.openai.urls import api_base_url
from newage_desktop.core.rooms.store import CorruptDatabaseError
from newage_desktop.core.store.datadir import DataDir, resolve_data_dir
from newage_desktop.core.store.filelock import LockTimeout
from newage_desktop.core.store.jsonfiles import CorruptFileError
from newage_desktop.core.store.settings import ADMIN_UI_MODES, SettingsStore
from newage_desktop.desktop import cli as desktop_cli
from newage_desktop.protocol.validation import is_valid_client_id
from newage_desktop.sillytavern import installer

PICKED_UP = "A running server picks this up within a second; no restart needed."


def _parser() -> argparse.ArgumentParser:
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--data-dir",
        metavar="DIR",
        default=argparse.SUPPRESS,
        help="data directory (default: $NEWAGE_DATA_DIR, else the per-user app data folder); "
        "an upstream SillyTavern-NewAge server/ folder works as it is",
    )
    parser = argparse.ArgumentParser(
        prog="newage-desktop",
        description="NewAge Desktop: a SillyTavern-NewAge relay server.",
        parents=[common],
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--headless", action="store_true", help="run the server without a window")
    parser.add_argument(
        "--minimized",
        action="store_true",
        help="start with the window hidden in the tray (shown where there is no tray; "
        "no effect with --headless)",
    )
    parser.add_argument(
        "--screenshot",
        metavar="PATH",
        type=Path,
        help="save the window as PNG to PATH once the server runs (for bug reports; "
        "no effect with --headless)",
    )
    parser.add_argument("--host", help="listen address for this run (setting bindAddress)")
    parser.add_argument("--port", type=int, help="port for this run (setting serverPort)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    keys = sub.add_parser("keys", parents=[common], help="list, generate or revoke client keys")
    keys_sub = keys.add_subparsers(dest="keys_command", metavar="ACTION", required=True)
    keys_sub.add_parser("list", parents=[common], help="trusted clients and key state (no keys)")
    gen = keys_sub.add_parser(
        "generate", parents=[common], help="new key for CLIENT_ID; prints it once"
    )
    gen.add_argument("client_id", metavar="CLIENT_ID")
    rev = keys_sub.add_parser("revoke", parents=[common], help="delete the key of CLIENT_ID")
    rev.add_argument("client_id", metavar="CLIENT_ID")

    trust = sub.add_parser("trust", parents=[common], help="trust CLIENT_ID (a trust file)")
    trust.add_argument("client_id", metavar="CLIENT_ID")
    trust.add_argument("--monitor", action="store_true", help="may connect as admin (monitor)")
    trust.add_argument("--desc", help="description stored in the trust file")
    untrust = sub.add_parser("untrust", parents=[common], help="untrust CLIENT_ID, revoke its key")
    untrust.add_argument("client_id", metavar="CLIENT_ID")
    _sillytavern_parser(sub)
    desktop_cli.add_parser(sub)
    _admin_ui_parser(sub, common)
    return parser


def _admin_ui_parser(
    sub: argparse._SubParsersAction[argparse.ArgumentParser], common: argparse.ArgumentParser
) -> None:
    ui = sub.add_parser(
        "admin-ui", parents=[common], help="the Socket.IO Admin UI (off by default)"
    )
    ui_sub = ui.add_subparsers(dest="ui_command", metavar="ACTION", required=True)
    enable = ui_sub.add_parser(
        "enable",
        parents=[common],
        help="switch it on with a login (asks for the password twice)",
        description="Store the username and a bcrypt hash of the password (never the password) "
        "in settings/server_settings.json and switch the Admin UI on. Takes effect when the "
        "server restarts. Exit status: 0 done, 2 bad input.",
    )
    enable.add_argument("--username", required=True)
    enable.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    enable.add_argument(
        "--read-write",
        dest="read_only",
        action="store_false",
        default=None,
        help="let the UI disconnect sockets and emit events (default: read-only)",
    )
    enable.add_argument("--read-only", dest="read_only", action="store_true", default=None)
    enable.add_argument(
        "--mode",
        choices=ADMIN_UI_MODES,
        help="production: statistics only; development: also every socket (default: unchanged)",
    )
    ui_sub.add_parser("disable", parents=[common], help="switch it off (the login is kept)")
    ui_sub.add_parser(
        "status",
        parents=[common],
        help="whether it is on, and where",
        description="Exit status: 0 on, 1 off.",
    )


def _sillytavern_parser(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    st = sub.add_parser("sillytavern", help="install the SillyTavern extension, or check it")
    st_sub = st.add_subparsers(dest="st_command", metavar="ACTION", required=True)
    install = st_sub.add_parser(
        "install",
        help="copy the bundled extension into a SillyTavern folder",
        description="Copy the NewAge Desktop extension to "
        "<dataRoot>/<user>/extensions/newage-desktop/ of SILLYTAVERN_DIR (an older copy is "
        "replaced) and write its defaults.json. Exit status: 0 done, 1 could not write, "
        "2 bad input.",
    )
    status = st_sub.add_parser(
        "status",
        help="whether the extension is installed, its version, its defaults",
        description="Exit status: 0 installed, 1 not installed, 2 bad input.",
    )
    for command in (install, status):
        command.add_argument(
            "sillytavern_dir",
            metavar="SILLYTAVERN_DIR",
            help="the SillyTavern folder (the one with SillyTavern's package.json)",
        )
        command.add_argument(
            "--user",
            default=installer.DEFAULT_USER,
            help="SillyTavern user (its folder under the data root; default: %(default)s)",
        )
        command.add_argument(
            "--data-root",
            metavar="DIR",
            help="SillyTavern's data root, if it runs with --dataRoot (default: config.yaml's "
            "dataRoot, else ./data)",
        )
    install.add_argument(
        "--server-url",
        metavar="URL",
        help="server address the extension connects to by default (http or https; the "
        f"extension's own default is {installer.EXTENSION_DEFAULT_SERVER_URL})",
    )
    install.add_argument("--client-id", metavar="ID", help="clientId the extension uses by default")


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "sillytavern":
        return _sillytavern(args)
    if args.command == desktop_cli.COMMAND:
        return desktop_cli.run(args)
    datadir = DataDir(resolve_data_dir(getattr(args, "data_dir", None), os.environ))
    try:
        if args.command is None:
            return _run(args, datadir)
        if args.command == "admin-ui":
            return _admin_ui(args, datadir)
        return asyncio.run(_admin(args, datadir))
    except LockTimeout as exc:
        print(f"newage-desktop: {exc}. Try again.", file=sys.stderr)
        return 1
    except (CorruptFileError, CorruptDatabaseError) as exc:
        print(f"newage-desktop: cannot start: {exc}", file=sys.stderr)
        print(
            "The file was left untouched. Fix it, or move it aside to start fresh.", file=sys.stderr
        )
        return 2


def _run(args: argparse.Namespace, datadir: DataDir) -> int:
    if not args.headless:
        from newage_desktop.gui.availability import gui_unavailable_reason

        reason = gui_unavailable_reason()
        if reason is None:
            from newage_desktop.gui.app import run_gui

            diagnostics.install(datadir.logs_dir, gui=True)
            return run_gui(
                datadir,
                host=args.host,
                port=args.port,
                minimized=args.minimized,
                screenshot=args.screenshot,
            )
        print(
            f"newage-desktop: cannot open the window ({reason}); running headless.",
            file=sys.stderr,
        )
    from newage_desktop.headless import run_headless

    diagnostics.install(datadir.logs_dir, gui=False)
    return run_headless(datadir, host=args.host, port=args.port)


async def _admin(args: argparse.Namespace, datadir: DataDir) -> int:
    client_id: str | None = getattr(args, "client_id", None)
    if client_id is not None and not is_valid_client_id(client_id):
        print(f"newage-desktop: invalid clientId: {client_id!r}", file=sys.stderr)
        return 2
    core = Core(datadir)
    for warning in core.open():
        print(f"warning: {warning}", file=sys.stderr)
    try:
        return await _admin_command(core, args, client_id)
    finally:
        core.close()


async def _admin_command(core: Core, args: argparse.Namespace, client_id: str | None) -> int:
    if args.command == "keys" and args.keys_command == "list":
        states = core.key_states()
        if not states:
            print("No trusted clients and no keys.", file=sys.stderr)
        print(f"{'CLIENT ID':<32} {'TRUSTED':<8} {'KEY':<5} {'ADMIN':<6} DESCRIPTION")
        for s in states:
            print(
                f"{s.client_id:<32} {'yes' if s.trusted else 'no':<8} "
                f"{'yes' if s.has_key else 'no':<5} {'yes' if s.admin_capable else 'no':<6} "
                f"{s.desc or ''}"
            )
        return 0
    assert client_id is not None
    if args.command == "keys" and args.keys_command == "generate":
        key = await core.generate_key(client_id)
        print(key)
        print(
            f"This is the only time the key of {client_id} is shown; store it now. "
            "Any previous key no longer works. " + PICKED_UP,
            file=sys.stderr,
        )
        settings = core.settings
        base_url = api_base_url(settings.bind_address, settings.server_port)
        print(
            f"OpenAI-compatible API: base URL {base_url}, API key {api_key(client_id, key)}",
            file=sys.stderr,
        )
        if not core.trust.is_trusted(client_id):
            print(
                f"Note: {client_id} is not trusted, so the key is refused until you run "
                f"'newage-desktop trust {client_id}'.",
                file=sys.stderr,
            )
        return 0
    if args.command == "keys" and args.keys_command == "revoke":
        if await core.revoke_key(client_id):
            print(f"Key of {client_id} revoked. {PICKED_UP}", file=sys.stderr)
            return 0
        print(f"{client_id} has no key.", file=sys.stderr)
        return 1
    if args.command == "trust":
        await core.trust_client(
            client_id, client_type="monitor" if args.monitor else None, desc=args.desc
        )
        has_key = core.keys.has_key(client_id)
        hint = "" if has_key else f" It has no key yet: 'newage-desktop keys generate {client_id}'."
        print(f"{client_id} is trusted.{hint} {PICKED_UP}", file=sys.stderr)
        return 0
    if args.command == "untrust":
        await core.untrust_client(client_id)
        print(
            f"{client_id} is no longer trusted and its key is revoked. {PICKED_UP}", file=sys.stderr
        )
        return 0
    raise AssertionError(f"unhandled command {args.command}")


def _admin_ui(args: argparse.Namespace, datadir: DataDir) -> int:
    """Through the settings store's locked read-merge-write, so a running server or the window
    writing the file meanwhile loses nothing."""
    store = SettingsStore(datadir)
    restart = "Restart the server for this to take effect."
    if args.ui_command == "enable":
        if not args.username.strip():
            print("newage-desktop: the username must not be empty", file=sys.stderr)
            return 2
        password = _new_password(args.password_stdin)
        if password is None:
            return 2
        changes: dict[str, object] = {
            "adminUiEnabled": True,
            "adminUiUsername": args.username,
            "adminUiPasswordHash": hash_key(password),
        }
        if args.read_only is not None:
            changes["adminUiReadonly"] = args.read_only
        if args.mode is not None:
            changes["adminUiMode"] = args.mode
        datadir.ensure()
        store.update(changes)
        print(f"Socket.IO Admin UI enabled. {restart}", file=sys.stderr)
        print(f"Then open {_admin_ui_url(store)} and log in as {args.username}.", file=sys.stderr)
        return 0
    if args.ui_command == "disable":
        datadir.ensure()
        store.update({"adminUiEnabled": False})
        print(f"Socket.IO Admin UI disabled. {restart}", file=sys.stderr)
        return 0
    datadir.ensure()
    store.load()
    s = store.settings
    on = s.admin_ui_enabled and bool(s.admin_ui_username and s.admin_ui_password_hash)
    missing = " (adminUiEnabled is true, but no login)" if s.admin_ui_enabled and not on else ""
    access = "read-only" if s.admin_ui_readonly else "read-write"
    print(f"Enabled:    {'yes' if on else 'no'}{missing}")
    print(f"Username:   {s.admin_ui_username or '(none)'}")
    print(f"Password:   {'set' if s.admin_ui_password_hash else 'not set'}")
    print(f"Access:     {access}, {s.admin_ui_mode} mode")
    print(f"Address:    {_admin_ui_url(store)} (namespace /admin)")
    return 0 if on else 1


def _new_password(from_stdin: bool) -> str | None:
    """The password from stdin, or typed twice; None (after saying why) if unusable."""
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        password = getpass("Admin UI password: ")
        if getpass("Again: ") != password:
            print("newage-desktop: the passwords do not match", file=sys.stderr)
            return None
    if not password:
        print("newage-desktop: the password must not be empty", file=sys.stderr)
        return None
    if len(password.encode("utf-8", "surrogatepass")) > MAX_KEY_BYTES:
        print(
            f"newage-desktop: the password must be at most {MAX_KEY_BYTES} UTF-8 bytes "
            "(bcrypt ignores the rest)",
            file=sys.stderr,
        )
        return None
    return password


def _admin_ui_url(store: SettingsStore) -> str:
    host = store.settings.bind_address
    if host in ("0.0.0.0", "::", ""):
        host = "localhost"
    host = f"[{host}]" if ":" in host else host
    return f"http://{host}:{store.settings.server_port}/admin-ui/"


def _sillytavern(args: argparse.Namespace) -> int:
    try:
        if args.st_command == "install":
            result = installer.install(
                args.sillytavern_dir,
                user=args.user,
                server_url=args.server_url,
                client_id=args.client_id,
                root=args.data_root,
            )
            print(_install_report(result, args.user))
            return 0
        status = installer.status(args.sillytavern_dir, user=args.user, root=args.data_root)
    except installer.InstallError as exc:
        print(f"newage-desktop: {exc}", file=sys.stderr)
        return 1 if exc.kind == "io" else 2
    print(_status_report(status, args.sillytavern_dir, args.user))
    return 0 if status.installed else 1


def _version(version: str | None) -> str:
    return version or "(unknown version)"


def _install_report(result: installer.InstallResult, user: str) -> str:
    new = _version(result.version)
    if result.action == "installed":
        done = f"Installed the NewAge Desktop extension {new}"
    elif result.action == "reinstalled":
        done = f"Reinstalled the NewAge Desktop extension {new} (same version)"
    else:
        done = f"Replaced the NewAge Desktop extension {_version(result.previous_version)} by {new}"
    lines = [f"{done} for SillyTavern user {user}:", f"  {result.path}"]
    if result.created_user_dir:
        lines.append(
            f"  (SillyTavern had no folder for user {user} yet: it has not been started with\n"
            "  this data folder, or the user is named differently; --user picks another)"
        )
    lines.append(f"Defaults ({installer.DEFAULTS_FILE}): {_defaults_text(result.defaults)}")
    lines.append(
        "Next: start SillyTavern (or reload its page), open Extensions → NewAge Desktop; "
        "approve the pairing in NewAge Desktop."
    )
    return "\n".join(lines)


def _defaults_text(defaults: Mapping[str, object] | None) -> str:
    if not defaults:
        return (
            f"none (the extension connects to {installer.EXTENSION_DEFAULT_SERVER_URL} "
            "unless changed in SillyTavern)"
        )
    return ", ".join(f"{key} {value}" for key, value in defaults.items())


def _status_report(status: installer.ExtensionStatus, folder: str, user: str) -> str:
    if status.installed:
        installed = f"yes, version {_version(status.installed_version)}"
    else:
        installed = "no"
        if not status.user_dir_exists:
            installed += f" (SillyTavern has no user {user} in this data folder yet)"
    if not status.installed:
        update = f"install it: newage-desktop sillytavern install {folder}"
    elif status.update_available:
        update = f"yes: newage-desktop sillytavern install {folder}"
    else:
        update = "no"
    lines = [
        f"Extension folder: {status.path}",
        f"Installed:        {installed}",
        f"Bundled version:  {_version(status.bundled_version)}",
        f"Update available: {update}",
    ]
    if status.installed:
        lines.append(f"Defaults:         {_defaults_text(status.defaults)}")
    return "\n".join(lines)


def install_stop_signals(loop: asyncio.AbstractEventLoop, stop: asyncio.Event) -> None:
    for sig in (signal.SIGINT, signal.SIGTERM):
        # Windows has no loop signal handlers: SIGINT arrives as KeyboardInterrupt there.
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
