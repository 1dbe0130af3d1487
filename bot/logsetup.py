"""Logging: plain text or JSON lines, with secrets and personnummer redacted on the way out."""

from __future__ import annotations

import json
import logging
import re
import sys
from datetime import UTC, datetime
from typing import IO, Any

from bot.core.privacy import find_personal_numbers

# Slack tokens (xoxb- bot, xoxp- user, xoxe- refresh, ...), Slack app-level tokens (xapp-)
# and Telegram bot tokens (digits, a colon, 35 characters).
_TOKEN = re.compile(
    r"\bxox[a-z]-[A-Za-z0-9-]+"
    r"|\bxapp-[A-Za-z0-9-]+"
    r"|(?<!\d)\d{8,10}:[A-Za-z0-9_-]{35}(?![A-Za-z0-9_-])"
)
# On top of the core's privacy guard, logs redact more eagerly: any date-shaped 6 or 8 digits
# followed by 4 more, Luhn or not (a phone number that looks like one is redacted too).
_DATE_SHAPED = re.compile(
    r"(?<!\d)(?:(?:18|19|20)\d{2}|\d{2})"  # year
    r"(?:0[1-9]|1[0-2])"  # month
    r"(?:0[1-9]|[12]\d|3[01]|6[1-9]|[78]\d|9[01])"  # day, or day + 60
    r"[-+ \u2010-\u2015\u2212]?\d{4}(?!\d)"
)
TOKEN_MARK = "[redacted-token]"
PERSONNUMMER_MARK = "[redacted-personnummer]"

# Libraries that log request and response bodies (message text) at DEBUG.
_CHATTY_LIBRARIES = ("slack_bolt", "slack_sdk", "telegram", "httpx", "httpcore")

# Attributes every LogRecord has; anything else came in through `extra=`.
_STANDARD_ATTRS = frozenset(vars(logging.LogRecord("", 0, "", 0, "", None, None))) | {
    "message",
    "asctime",
    "taskName",
}


def redact(text: str) -> str:
    """The text with anything that looks like a token or a personnummer replaced."""
    text = _TOKEN.sub(TOKEN_MARK, text)
    for start, end in reversed(find_personal_numbers(text)):
        text = text[:start] + PERSONNUMMER_MARK + text[end:]
    return _DATE_SHAPED.sub(PERSONNUMMER_MARK, text)


def _redact_value(value: Any) -> Any:
    return redact(value) if isinstance(value, str) else value


class RedactingFilter(logging.Filter):
    """Rewrites each record in place so no handler (or test capture) sees the raw values.

    Attached to the handler, not a logger, so records propagated from every library pass it.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        record.msg = redact(record.getMessage())
        record.args = None
        if record.exc_info and not record.exc_text:
            record.exc_text = logging.Formatter().formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = redact(record.exc_text)
        if record.stack_info:
            record.stack_info = redact(record.stack_info)
        for name in set(vars(record)) - _STANDARD_ATTRS:
            setattr(record, name, _redact_value(getattr(record, name)))
        return True


class JsonLinesFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, then any `extra=` fields."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        for name in sorted(set(vars(record)) - _STANDARD_ATTRS):
            entry.setdefault(name, getattr(record, name))
        if record.exc_info and not record.exc_text:
            record.exc_text = self.formatException(record.exc_info)
        if record.exc_text:
            entry["exc"] = record.exc_text
        return json.dumps(entry, ensure_ascii=False, default=str)


class _BotHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Marks the handler this module installed, so a second call replaces it."""


TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure_logging(level: str, json_lines: bool, *, stream: IO[str] | None = None) -> None:
    """Install one redacting handler on the root logger, writing to stderr (or `stream`).

    Libraries that put message bodies in their DEBUG logs stay at INFO or above whatever the
    level, because message text must never reach the logs.
    """
    numeric = logging.getLevelName(level.upper())
    if not isinstance(numeric, int):
        raise ValueError(f"unknown log level {level!r} (use DEBUG, INFO, WARNING or ERROR)")
    handler = _BotHandler(stream if stream is not None else sys.stderr)
    handler.addFilter(RedactingFilter())
    handler.setFormatter(JsonLinesFormatter() if json_lines else logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    for old in [h for h in root.handlers if isinstance(h, _BotHandler)]:
        root.removeHandler(old)
        old.close()
    root.addHandler(handler)
    root.setLevel(numeric)
    for name in _CHATTY_LIBRARIES:
        logging.getLogger(name).setLevel(max(numeric, logging.INFO))
