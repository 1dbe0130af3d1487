"""Logs: JSON lines that parse, and no token or personnummer ever reaches the output."""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import pytest

from bot.logsetup import configure_logging

BOT_TOKEN = "xoxb-1234567890-0987654321-AbCdEfGhIjKlMnOpQrStUvWx"
APP_TOKEN = "xapp-1-A0123456789-1234567890123-abcdef0123456789"
TELEGRAM_TOKEN = "123456789:AAHfake-telegram-token_0123456789ab"
PERSONNUMMER = "19850709-1234"


@pytest.fixture
def output() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    root = logging.getLogger()
    before = (root.level, root.handlers[:])
    yield stream
    root.setLevel(before[0])
    root.handlers[:] = before[1]


def lines(stream: io.StringIO) -> list[str]:
    return stream.getvalue().splitlines()


def test_json_lines_parse_with_fields_and_extras(output: io.StringIO) -> None:
    configure_logging("INFO", json_lines=True, stream=output)
    logging.getLogger("bot.test").info("loaded %d schools", 3, extra={"path": "directory/a.yml"})
    logging.getLogger("bot.test").debug("not shown at INFO")

    [line] = lines(output)
    entry = json.loads(line)
    assert entry["level"] == "INFO"
    assert entry["logger"] == "bot.test"
    assert entry["message"] == "loaded 3 schools"
    assert entry["path"] == "directory/a.yml"
    assert entry["time"].endswith("+00:00")


def test_exceptions_are_one_json_line(output: io.StringIO) -> None:
    configure_logging("INFO", json_lines=True, stream=output)
    try:
        raise RuntimeError(f"slack said no to {BOT_TOKEN}")
    except RuntimeError:
        logging.getLogger("bot.test").exception("call failed")

    [line] = lines(output)
    entry = json.loads(line)
    assert "RuntimeError" in entry["exc"]
    assert BOT_TOKEN not in line


@pytest.mark.parametrize("json_lines", [True, False])
def test_tokens_and_personnummer_never_reach_the_output(
    output: io.StringIO, json_lines: bool
) -> None:
    configure_logging("DEBUG", json_lines=json_lines, stream=output)
    log = logging.getLogger("bot.test")
    log.info("token %s", BOT_TOKEN)
    log.warning(f"app token {APP_TOKEN} in an f-string")
    log.info("telegram %s", TELEGRAM_TOKEN)
    log.error("user wrote %s", PERSONNUMMER)
    log.info("compact form 8507091234 and 850709+1234")
    log.info("in an extra", extra={"detail": f"pnr {PERSONNUMMER}"})

    text = output.getvalue()
    assert len(lines(output)) == 6
    secrets = (BOT_TOKEN, APP_TOKEN, TELEGRAM_TOKEN, PERSONNUMMER, "8507091234", "850709+1234")
    for secret in secrets:
        assert secret not in text
    assert text.count("[redacted-token]") == 3
    # Plain text does not print extra fields; JSON lines do, redacted.
    assert text.count("[redacted-personnummer]") == (4 if json_lines else 3)


def test_ordinary_numbers_survive(output: io.StringIO) -> None:
    configure_logging("INFO", json_lines=False, stream=output)
    logging.getLogger("bot.test").info("event ts 1700000000.123456 on 2026-11-25, 1714 schools")

    assert "1700000000.123456 on 2026-11-25, 1714 schools" in output.getvalue()


def test_chatty_libraries_stay_at_info_even_in_debug(output: io.StringIO) -> None:
    configure_logging("DEBUG", json_lines=False, stream=output)
    logging.getLogger("slack_sdk.web.async_client").debug("Sending a request - body: hej")
    logging.getLogger("slack_bolt.App").info("listening")

    assert "hej" not in output.getvalue()
    assert "listening" in output.getvalue()


def test_calling_twice_replaces_the_handler(output: io.StringIO) -> None:
    configure_logging("INFO", json_lines=False, stream=io.StringIO())
    configure_logging("INFO", json_lines=True, stream=output)
    logging.getLogger("bot.test").info("once")

    assert len(lines(output)) == 1


def test_unknown_level_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown log level"):
        configure_logging("LOUD", json_lines=False, stream=io.StringIO())
