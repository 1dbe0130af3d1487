"""The Slack transport: slack-bolt (asyncio) in Socket Mode or over HTTP, rendering Block Kit."""

from __future__ import annotations

from bot.transports.slack.app import SlackTransport
from bot.transports.slack.config import BOT_EVENTS, BOT_SCOPES, check_tokens
from bot.transports.slack.payloads import payload_problem, slack_to_plain
from bot.transports.slack.seen import SeenEvents, StoreSeenEvents

__all__ = [
    "BOT_EVENTS",
    "BOT_SCOPES",
    "SeenEvents",
    "SlackTransport",
    "StoreSeenEvents",
    "check_tokens",
    "payload_problem",
    "slack_to_plain",
]
