"""Without a terminal (the windowed build) output and crashes land in the log folder.

Each case runs in a subprocess: the redirection and faulthandler are process-wide and would
otherwise take over pytest's own capture and faulthandler.
"""

from __future__ import annotations

import io
import os
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from newage_desktop.diagnostics import CONSOLE_LOG, CRASH_LOG, needs_redirect

ROOT = Path(__file__).resolve().parents[2]
CLI = (sys.executable, "-m", "newage_desktop")


def run_python(code: str, **kwargs: object) -> subprocess.CompletedProcess[str]:
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    env.pop("PYTHONFAULTHANDLER", None)
    return subprocess.run(  # type: ignore[call-overload, no-any-return]
        [sys.executable, "-c", "from pathlib import Path\n" + textwrap.dedent(code)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        **kwargs,
    )


def close_stdout_and_stderr() -> None:
    os.close(1)
    os.close(2)


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_which_streams_are_redirected() -> None:
    piped = io.StringIO()
    assert needs_redirect(None, gui=False, frozen=False)  # Windows windowed build: None
    assert needs_redirect(piped, gui=True, frozen=True)  # macOS .app: /dev/null
    assert not needs_redirect(FakeTerminal(), gui=True, frozen=True)  # launched from a shell
    assert not needs_redirect(piped, gui=False, frozen=True)  # headless under systemd
    assert not needs_redirect(piped, gui=True, frozen=False)  # a source checkout


def test_missing_streams_go_to_console_log_and_print_works(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    done = run_python(
        f"""
        import logging, sys, warnings
        sys.stdout = sys.stderr = None  # what a Windows windowed process starts with
        from newage_desktop import diagnostics
        result = diagnostics.install(Path({str(logs)!r}), gui=True, frozen=True)
        assert result.console is not None
        print("printed line")
        sys.stderr.write("stderr line\\n")
        warnings.warn("a warning")
        logging.getLogger("elsewhere").error("logged with no handler")
        """
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "" and done.stderr == ""
    text = (logs / CONSOLE_LOG).read_text(encoding="utf-8")
    assert text.startswith("--- ") and "newage-desktop" in text
    for line in ("printed line", "stderr line", "UserWarning: a warning", "logged with no"):
        assert line in text


@pytest.mark.skipif(sys.platform == "win32", reason="file descriptors 1 and 2")
def test_a_frozen_window_run_without_terminal_writes_to_the_file_even_from_c(
    tmp_path: Path,
) -> None:
    logs = tmp_path / "logs"
    done = run_python(
        f"""
        import os
        from newage_desktop import diagnostics
        diagnostics.install(Path({str(logs)!r}), gui=True, frozen=True)
        print("from python")
        os.write(2, b"from C code, as Qt writes its warnings\\n")
        """
    )
    assert done.returncode == 0
    assert done.stdout == "" and done.stderr == ""
    text = (logs / CONSOLE_LOG).read_text(encoding="utf-8")
    assert "from python" in text and "from C code" in text


def test_headless_keeps_its_output_where_it_was(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    done = run_python(
        f"""
        import sys
        from newage_desktop import diagnostics
        assert diagnostics.install(Path({str(logs)!r}), gui=False, frozen=True).console is None
        print("to the pipe")
        print("also to the pipe", file=sys.stderr)
        """
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout == "to the pipe\n" and done.stderr == "also to the pipe\n"
    assert not (logs / CONSOLE_LOG).exists()


@pytest.mark.skipif(sys.platform == "win32", reason="closing fds 1 and 2 before exec")
def test_the_command_line_redirects_when_started_without_stdout_and_stderr(
    tmp_path: Path,
) -> None:
    """Python sets sys.stdout/stderr to None when fds 1 and 2 are closed, as in a windowed
    build; a start that fails (the port is taken) must still say why, in console.log."""
    data = tmp_path / "data"
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = subprocess.run(
            [
                *CLI,
                "--headless",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--data-dir",
                str(data),
            ],
            cwd=ROOT,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            preexec_fn=close_stdout_and_stderr,
            timeout=60,
        )
    assert done.returncode == 1
    text = (data / "logs" / CONSOLE_LOG).read_text(encoding="utf-8")
    assert f"{port}" in text and "newage-desktop:" in text


@pytest.mark.skipif(sys.platform == "win32", reason="SIGSEGV")
def test_a_hard_crash_leaves_a_traceback_in_crash_log(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    crash = f"""
        import faulthandler
        from newage_desktop import diagnostics
        diagnostics.install(Path({str(logs)!r}), gui=True, frozen=False)

        def crash_in_a_slot():
            faulthandler._sigsegv()

        crash_in_a_slot()
        """
    first = run_python(crash)
    assert first.returncode != 0
    second = run_python(crash)  # the restart after a crash keeps the first report
    assert second.returncode != 0
    text = (logs / CRASH_LOG).read_text(encoding="utf-8")
    assert text.count("Fatal Python error: Segmentation fault") == 2
    assert text.count(" started (pid ") == 2
    assert "in crash_in_a_slot" in text
    assert "Segmentation fault" not in first.stderr  # the file, not the terminal


def test_reports_of_unhandled_exceptions_are_appended_to_crash_log(tmp_path: Path) -> None:
    logs = tmp_path / "logs"
    done = run_python(
        f"""
        from newage_desktop import diagnostics
        diagnostics.install(Path({str(logs)!r}), gui=True, frozen=False)
        diagnostics.record_crash("Unhandled exception", "Traceback ...\\nValueError: bad\\n")
        """
    )
    assert done.returncode == 0, done.stderr
    text = (logs / CRASH_LOG).read_text(encoding="utf-8")
    assert "Unhandled exception\nTraceback ...\nValueError: bad\n" in text
