"""`newage-desktop sillytavern install|status`: what it prints and its exit status."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from newage_desktop.cli import main
from newage_desktop.sillytavern import installer

VERSION = installer.read_version(installer.bundled_extension_dir())


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    try:
        code = main(list(argv))
    except SystemExit as exc:  # argparse
        code = int(exc.code or 0)
    out, err = capsys.readouterr()
    return code, out, err


def test_install_prints_what_it_did_and_what_to_do_next(
    sillytavern: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run_cli(
        capsys,
        "sillytavern", "install", str(sillytavern),
        "--server-url", "http://127.0.0.1:4100", "--client-id", "st-desktop",
    )  # fmt: skip
    target = sillytavern / "data" / "default-user" / "extensions" / "newage-desktop"
    assert (code, err) == (0, "")
    assert out.splitlines() == [
        f"Installed the NewAge Desktop extension {VERSION} for SillyTavern user default-user:",
        f"  {target}",
        "  (SillyTavern had no folder for user default-user yet: it has not been started with",
        "  this data folder, or the user is named differently; --user picks another)",
        "Defaults (defaults.json): serverUrl http://127.0.0.1:4100, clientId st-desktop",
        "Next: start SillyTavern (or reload its page), open Extensions → NewAge Desktop; "
        "approve the pairing in NewAge Desktop.",
    ]
    assert json.loads((target / "defaults.json").read_text()) == {
        "serverUrl": "http://127.0.0.1:4100",
        "clientId": "st-desktop",
    }

    code, out, _ = run_cli(capsys, "sillytavern", "install", str(sillytavern))
    assert code == 0
    assert out.splitlines()[0] == (
        f"Reinstalled the NewAge Desktop extension {VERSION} (same version) "
        "for SillyTavern user default-user:"
    )
    assert "Defaults (defaults.json): none (the extension connects to http://127.0.0.1:4000" in out


def test_install_over_an_older_copy_names_both_versions(
    sillytavern: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    run_cli(capsys, "sillytavern", "install", str(sillytavern))
    manifest = sillytavern / "data/default-user/extensions/newage-desktop/manifest.json"
    manifest.write_text(json.dumps({"version": "0.0.1"}))
    code, out, _ = run_cli(
        capsys, "sillytavern", "install", str(sillytavern), "--user", "default-user"
    )
    assert code == 0
    assert out.startswith(f"Replaced the NewAge Desktop extension 0.0.1 by {VERSION} for ")
    assert "had no folder" not in out


def test_status_before_and_after_install(
    sillytavern: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = sillytavern / "data" / "default-user" / "extensions" / "newage-desktop"
    code, out, _ = run_cli(capsys, "sillytavern", "status", str(sillytavern))
    assert code == 1
    assert out.splitlines() == [
        f"Extension folder: {target}",
        "Installed:        no (SillyTavern has no user default-user in this data folder yet)",
        f"Bundled version:  {VERSION}",
        f"Update available: install it: newage-desktop sillytavern install {sillytavern}",
    ]
    run_cli(capsys, "sillytavern", "install", str(sillytavern), "--client-id", "st")
    code, out, _ = run_cli(capsys, "sillytavern", "status", str(sillytavern))
    assert code == 0
    assert out.splitlines()[1:] == [
        f"Installed:        yes, version {VERSION}",
        f"Bundled version:  {VERSION}",
        "Update available: no",
        "Defaults:         clientId st",
    ]
    (target / "manifest.json").write_text(json.dumps({"version": "0.0.1"}))
    code, out, _ = run_cli(capsys, "sillytavern", "status", str(sillytavern))
    assert code == 0 and "Update available: yes: newage-desktop sillytavern install" in out


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--server-url", "localhost:4000"], "Invalid server URL 'localhost:4000': it must start"),
        (["--client-id", "a:b"], "Invalid clientId 'a:b': it contains ':'"),
        (["--user", "../other"], "Invalid SillyTavern user '../other'"),
    ],
)
def test_bad_input_is_exit_status_2(
    sillytavern: Path, capsys: pytest.CaptureFixture[str], extra: list[str], message: str
) -> None:
    code, out, err = run_cli(capsys, "sillytavern", "install", str(sillytavern), *extra)
    assert (code, out) == (2, "")
    assert err.startswith(f"newage-desktop: {message}")
    assert not (sillytavern / "data").exists()


def test_a_folder_that_is_not_sillytavern_is_exit_status_2(
    tmp_path: Path, sillytavern: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    for command in ("install", "status"):
        code, _, err = run_cli(capsys, "sillytavern", command, str(tmp_path))
        assert code == 2
        assert err == (
            f"newage-desktop: {tmp_path} is not a SillyTavern folder (no package.json of "
            f"sillytavern). Did you mean {sillytavern}?\n"
        )
    code, _, err = run_cli(capsys, "sillytavern", "install")
    assert code == 2 and "SILLYTAVERN_DIR" in err  # argparse


def test_a_write_failure_is_exit_status_1(
    sillytavern: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (sillytavern / "data").write_text("a file where the data folder should be")
    code, _, err = run_cli(capsys, "sillytavern", "install", str(sillytavern))
    assert code == 1 and err.startswith("newage-desktop: Cannot install into ")


def test_the_installed_command(sillytavern: Path) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "newage_desktop", "sillytavern", "install", str(sillytavern)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    assert "Installed the NewAge Desktop extension" in proc.stdout


def test_data_root_option_for_a_sillytavern_started_with_dataroot(
    sillytavern: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    elsewhere = tmp_path / "st-data"
    code, out, _ = run_cli(
        capsys, "sillytavern", "install", str(sillytavern), "--data-root", str(elsewhere)
    )
    target = elsewhere / "default-user" / "extensions" / "newage-desktop"
    assert code == 0 and f"  {target}" in out.splitlines()
    assert (target / "manifest.json").is_file()
    assert not (sillytavern / "data" / "default-user" / "extensions").exists()
    code, out, _ = run_cli(
        capsys, "sillytavern", "status", str(sillytavern), "--data-root", str(elsewhere)
    )
    assert code == 0 and f"yes, version {VERSION}" in out
    # Without the option the default data root is looked at, where nothing is installed.
    code, _, _ = run_cli(capsys, "sillytavern", "status", str(sillytavern))
    assert code == 1
