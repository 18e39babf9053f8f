"""Logs use upstream's line format and files, rotate once at start-up, never show keys (§3.4)."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from newage_desktop.core.store.logs import LOGGER_NAME, LogControl, SecretFilter, setup_logging

LINE = re.compile(
    r"(?P<stamp>\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}) \[(?P<level>[a-z]+)\] \[llm-server\]: "
    r"(?P<rest>.*)"
)


@pytest.fixture
def logs_dir(tmp_path: Path) -> Path:
    return tmp_path / "logs"


@pytest.fixture
def control(logs_dir: Path) -> Iterator[LogControl]:
    ctl = setup_logging(logs_dir, console=False, debug=False)
    yield ctl
    ctl.close()


def lines(logs_dir: Path, name: str) -> list[str]:
    return (logs_dir / name).read_text("utf-8").splitlines()


def levels(logs_dir: Path, name: str) -> list[str]:
    return [m["level"] for m in map(LINE.fullmatch, lines(logs_dir, name)) if m]


log = logging.getLogger(LOGGER_NAME)


def test_line_format(control: LogControl, logs_dir: Path) -> None:
    log.info("Server listening on %s:%d", "127.0.0.1", 4000)
    log.warning("Setting ignored", extra={"meta": {"field": "serverPort", "n": 1}})
    first, second = lines(logs_dir, "combined.log")
    m = LINE.fullmatch(first)
    assert m is not None
    assert (m["level"], m["rest"]) == ("info", "Server listening on 127.0.0.1:4000")
    assert second.endswith('[warn] [llm-server]: Setting ignored {"field":"serverPort","n":1}')


def test_each_file_gets_its_levels(control: LogControl, logs_dir: Path) -> None:
    logging.getLogger(f"{LOGGER_NAME}.child").debug("d")  # children are included
    log.info("i")
    log.warning("w")
    log.error("e")
    log.critical("c")
    assert levels(logs_dir, "combined.log") == ["info", "warn", "error", "error"]
    assert levels(logs_dir, "info.log") == ["info", "warn", "error", "error"]
    assert levels(logs_dir, "warn.log") == ["warn", "error", "error"]
    assert levels(logs_dir, "error.log") == ["error", "error"]


def test_debug_lines_only_in_combined_and_only_while_debug_is_on(
    control: LogControl, logs_dir: Path
) -> None:
    log.debug("before")
    control.set_debug(True)
    assert control.debug
    log.debug("during")
    control.set_debug(False)
    log.debug("after")
    combined = lines(logs_dir, "combined.log")
    assert [line.split(": ", 1)[1] for line in combined] == ["during"]
    assert levels(logs_dir, "combined.log") == ["debug"]
    for name in ("info.log", "warn.log", "error.log"):
        assert lines(logs_dir, name) == []


def test_debug_gate_holds_for_child_loggers_with_their_own_level(
    control: LogControl, logs_dir: Path
) -> None:
    chatty = logging.getLogger(f"{LOGGER_NAME}.chatty")
    chatty.setLevel(logging.DEBUG)  # a module may lower its own level; the files still decide
    try:
        chatty.debug("hidden")
        control.set_debug(True)
        chatty.debug("shown")
    finally:
        chatty.setLevel(logging.NOTSET)
    assert [line.split(": ", 1)[1] for line in lines(logs_dir, "combined.log")] == ["shown"]


def test_start_up_keeps_one_previous_generation(logs_dir: Path) -> None:
    for run in ("first", "second", "third"):
        ctl = setup_logging(logs_dir, console=False, debug=False)
        log.error(run)
        ctl.close()
    assert [line.rsplit(": ", 1)[1] for line in lines(logs_dir, "error.log")] == ["third"]
    assert (logs_dir / "error.log.1").read_text("utf-8").endswith(": second\n")
    assert not (logs_dir / "error.log.2").exists()
    assert sorted(p.name for p in logs_dir.iterdir()) == sorted(
        [f"{n}.log" for n in ("combined", "error", "warn", "info")]
        + [f"{n}.log.1" for n in ("combined", "error", "warn", "info")]
    )


def test_close_detaches_handlers_and_restores_the_level(logs_dir: Path) -> None:
    level = log.level
    ctl = setup_logging(logs_dir, console=False, debug=True)
    before = list(log.handlers)
    ctl.close()
    assert all(h not in log.handlers for h in before)
    assert log.level == level
    log.error("after close")
    assert lines(logs_dir, "error.log") == []


def test_multi_line_messages_and_tracebacks_stay_on_one_line(
    control: LogControl, logs_dir: Path
) -> None:
    log.info("line one\n2025-01-01 00:00:00 [error] [llm-server]: forged")
    try:
        raise RuntimeError("boom")
    except RuntimeError:
        log.exception("failed")
    first, second = lines(logs_dir, "combined.log")
    assert first.endswith("line one\\n2025-01-01 00:00:00 [error] [llm-server]: forged")
    _, meta = second.split("failed ", 1)
    assert "RuntimeError: boom" in json.loads(meta)["stack"]


def test_a_huge_message_is_cut_to_a_readable_line(control: LogControl, logs_dir: Path) -> None:
    # The fuzz suite found 1 MiB stream ids written whole into every log file ("matches no
    # request; ignored"): a client could fill the disk one log line at a time.
    message = f"Stream {'x' * 1_000_000} of bot matches no request; ignored"
    log.info(message)
    (line,) = lines(logs_dir, "combined.log")
    assert len(line) < 5000
    assert line.endswith(f"x… ({len(message) - 4096} more characters)")


def test_console_writes_to_stderr(logs_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ctl = setup_logging(logs_dir, console=True, debug=True)
    try:
        log.debug("to the console")
    finally:
        ctl.close()
    assert "[debug] [llm-server]: to the console" in capsys.readouterr().err


def test_registered_secrets_are_redacted_everywhere(control: LogControl, logs_dir: Path) -> None:
    key = "0b0c9a3e-6a4f-4c1e-9d1e-2f8f6e3c1a77"
    seen: list[str] = []

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            seen.append(record.getMessage() + repr(getattr(record, "meta", None)))

    collector = Collect()
    control.add_handler(collector)
    control.secrets.register(key)
    log.warning("key is %s", key, extra={"meta": {"key": key, "list": [key]}})
    control.secrets.forget(key)
    log.warning("forgotten %s", key)
    control.remove_handler(collector)

    first, second = lines(logs_dir, "warn.log")
    assert key not in first
    assert first.endswith('key is [redacted] {"key":"[redacted]","list":["[redacted]"]}')
    assert second.endswith(f"forgotten {key}")
    assert key not in seen[0] and "[redacted]" in seen[0]


def test_secret_filter_on_its_own() -> None:
    secrets = SecretFilter()
    secrets.register("abc")
    secrets.register("abcdef")  # the longer secret is replaced whole
    assert secrets.redact("x abcdef abc y") == "x [redacted] [redacted] y"
    with pytest.raises(ValueError):
        secrets.register("")
