"""What the Slack app must be given and granted: tokens, command names, scopes and events."""

from __future__ import annotations

import logging
import re

from bot.errors import BotError

DEFAULT_API_URL = "https://slack.com/api/"
# What the listeners need from Slack; deploy/slack-manifest.yml must match (a test checks).
BOT_EVENTS = ("app_home_opened", "app_mention", "message.im")
BOT_SCOPES = (
    "app_mentions:read",  # app_mention events
    "chat:write",  # chat.postMessage, chat.postEphemeral, chat.update
    "commands",  # the contact and checklist slash commands
    "im:history",  # message.im events: direct messages to the bot
    "im:write",  # conversations.open: continue a checklist in a DM
    "users:read",  # users.info: the person's Slack language
    "usergroups:read",  # usergroups.users.list: admins by user group (ADMIN_USERGROUP)
)


def check_tokens(*, bot_token: str, signing_secret: str, app_token: str, socket_mode: bool) -> None:
    """Fail fast, naming the setting and where Slack shows it; never echo a token."""
    if not bot_token.startswith("xoxb-"):
        raise BotError(
            "SLACK_BOT_TOKEN must be the bot token starting with 'xoxb-' "
            "(Slack app settings → OAuth & Permissions → Bot User OAuth Token)"
        )
    if socket_mode and not app_token.startswith("xapp-"):
        raise BotError(
            "SLACK_APP_TOKEN must be an app-level token starting with 'xapp-' with the scope "
            "connections:write (Slack app settings → Basic Information → App-Level Tokens)"
        )
    if not socket_mode and not signing_secret:
        raise BotError(
            "SLACK_SIGNING_SECRET is needed in HTTP mode "
            "(Slack app settings → Basic Information → App Credentials → Signing Secret)"
        )


def check_commands(*commands: str) -> None:
    """Slash command names as Slack accepts them."""
    for command in commands:
        if not re.fullmatch(r"/[a-z0-9_\-åäö]{1,31}", command):
            raise BotError(f"Slack command names start with '/' and have no spaces: {command!r}")


def keep_library_logs_quiet() -> None:
    """slack_sdk and slack_bolt log whole payloads, message text included, at DEBUG, and
    bolt's request verification logs the body of every request it refuses at INFO: never
    let them, whatever level the rest of the bot logs at (bot.transports.slack.intake logs a
    refusal without the body). A filter, not a level, for the verification's logger: bolt
    sets that logger's level to its app logger's whenever an app is built."""
    for name in ("slack_sdk", "slack_bolt"):
        library = logging.getLogger(name)
        if library.level < logging.INFO:
            library.setLevel(logging.INFO)
    logging.getLogger("slack_bolt.RequestVerification").addFilter(_warnings_only)


def _warnings_only(record: logging.LogRecord) -> bool:
    return record.levelno >= logging.WARNING
