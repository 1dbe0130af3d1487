"""Reading Slack: what the app must be given and granted, payload shapes and their ids,
and Slack markup as plain text."""

from __future__ import annotations

import logging
import re
import traceback
from collections.abc import Mapping
from pathlib import Path
from typing import Any

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
    "users:read.email",  # users.lookupByEmail: contacts without slack: found by their e-mail
    "usergroups:read",  # usergroups.users.list: admins by user group (ADMIN_USERGROUP)
)


# What a copied example leaves in place of a token: "xoxb-your-token", "xoxb-xxxx", "xoxb-..."
_PLACEHOLDER = re.compile(r"your|xxxx|change|replace|example|\.\.\.|[<>]", re.IGNORECASE)


def check_tokens(*, bot_token: str, signing_secret: str, app_token: str, socket_mode: bool) -> None:
    """Fail fast, naming the setting and where Slack shows it; never echo a token."""
    if not bot_token.startswith("xoxb-") or _PLACEHOLDER.search(bot_token):
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


_LEADING_MENTIONS = re.compile(r"^(\s*<@[A-Z0-9]+(\|[^>]*)?>)+\s*")
_ANGLE = re.compile(r"<([^<>]*)>")


def slack_to_plain(raw: str) -> str:
    """Slack's message markup as the plain text a person typed, for the core.

    Mentions of the bot at the start are dropped; `<url|label>`, `<#C1|name>` and `<@U1|name>`
    become their labels; `<!channel>` becomes `@channel`; `&amp; &lt; &gt;` are unescaped.
    The result is escaped again whenever it is shown (blocks.escape_mrkdwn).
    """

    def label(match: re.Match[str]) -> str:
        inner = match.group(1)
        target, _, shown = inner.partition("|")
        if target.startswith("!"):
            return "@" + (shown.lstrip("@") if shown else target[1:].split("^")[0])
        if target.startswith("#"):
            return "#" + (shown or target[1:])
        if target.startswith("@"):
            return "@" + (shown or target[1:])
        return shown or target

    without_bot = _LEADING_MENTIONS.sub("", raw)
    unlinked = _ANGLE.sub(label, without_bot)
    return unlinked.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&").strip()


def _str(mapping: object, key: str) -> str | None:
    value = mapping.get(key) if isinstance(mapping, dict) else None
    return value if isinstance(value, str) and value else None


def payload_problem(body: Mapping[str, Any]) -> str | None:
    """Why a (verified) Slack payload cannot be handled, or None. Reasons never include text."""
    if not isinstance(body.get("event", {}), dict):  # bolt's own middleware reads event.type
        return "event is not an object"
    if "ssl_check" in body or body.get("type") == "url_verification":
        return None
    if "command" in body:
        for key in ("command", "user_id", "team_id", "channel_id"):
            if not _str(body, key):
                return f"slash command without {key}"
        if not isinstance(body.get("text", ""), str):
            return "slash command whose text is not a string"
        return None
    kind = body.get("type")
    if kind == "event_callback":
        event = body.get("event")
        if not isinstance(event, dict) or not _str(event, "type"):
            return "event_callback without event type"
        if not _str(body, "event_id") or not _str(body, "team_id"):
            return "event_callback without event_id or team_id"
        required = {
            "app_mention": ("user", "channel", "ts"),
            "message": ("channel", "ts"),
            "app_home_opened": ("user",),
        }.get(str(event["type"]), ())
        missing = [key for key in required if not _str(event, key)]
        if not isinstance(event.get("text", ""), str):
            return f"{event['type']} event whose text is not a string"
        return f"{event['type']} event without {', '.join(missing)}" if missing else None
    if kind == "block_actions":
        user = body.get("user")
        if not _str(user, "id"):
            return "block_actions without user"
        if not (_str(body.get("team"), "id") or _str(user, "team_id")):
            return "block_actions without team"
        actions = body.get("actions")
        if not isinstance(actions, list) or not actions or not _str(actions[0], "action_id"):
            return "block_actions without actions"
        if not isinstance(actions[0].get("value", ""), str):
            return "block_actions whose value is not a string"
        picked = actions[0].get("selected_option") or {}
        if not isinstance(picked, dict) or not isinstance(picked.get("value", ""), str):
            return "block_actions whose selected option has no string value"
        if any(
            not isinstance(body.get(k) or {}, dict)
            for k in ("team", "channel", "container", "message")
        ):
            return "block_actions with a part that is not an object"
        return None
    if kind == "block_suggestion":  # a menu asking for its options as a person types
        user = body.get("user")
        if not _str(user, "id"):
            return "block_suggestion without user"
        if not (_str(body.get("team"), "id") or _str(user, "team_id")):
            return "block_suggestion without team"
        if not _str(body, "action_id"):
            return "block_suggestion without action_id"
        if not isinstance(body.get("value"), str):
            return "block_suggestion whose value is not a string"
        if any(not isinstance(body.get(k) or {}, dict) for k in ("team", "channel", "container")):
            return "block_suggestion with a part that is not an object"
        return None
    if not isinstance(kind, str):
        return "payload without type"
    return None  # other types: bolt answers 404 for what no listener handles


def is_dm(channel: str | None) -> bool:
    """A direct-message channel (the bot's own DM, or one between two people)."""
    return bool(channel) and str(channel).startswith("D")


def action_ids(body: Mapping[str, Any]) -> tuple[str, str, str | None]:
    """(team, user, channel) of a block_actions payload; no channel when clicked in App Home."""
    user = body["user"]
    team = (body.get("team") or {}).get("id") or user.get("team_id")
    channel = (body.get("channel") or {}).get("id") or (body.get("container") or {}).get(
        "channel_id"
    )
    return str(team), str(user["id"]), channel


def where(error: BaseException) -> str:
    """file:line where an exception was raised: enough to find a bug, and unlike the
    exception's message or a full traceback, it cannot carry what a person typed."""
    frames = traceback.extract_tb(error.__traceback__)
    return f"{Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else "?"
