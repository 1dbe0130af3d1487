"""Real Slack requests, signed the way Slack signs them (v0, HMAC-SHA256 over v0:ts:body)."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

from tests.helpers.slack_standin import BOT_USER, TEAM

SIGNING_SECRET = "test-signing-secret-0123456789abcdef"
BOT_TOKEN = "xoxb-0000-test-bot-token"
APP_TOKEN = "xapp-1-TEST-0000-test-app-token"
USER = "U0TEACHER1"
CHANNEL = "C0STAFF001"
DM = "D" + USER[1:]  # what the stand-in's conversations.open answers for USER


@dataclass(frozen=True)
class SignedRequest:
    body: bytes
    headers: dict[str, str]


def sign(
    body: str,
    content_type: str,
    *,
    secret: str = SIGNING_SECRET,
    timestamp: int | None = None,
    retry: int | None = None,
) -> SignedRequest:
    return sign_bytes(body.encode(), content_type, secret=secret, timestamp=timestamp, retry=retry)


def sign_bytes(
    body: bytes,
    content_type: str,
    *,
    secret: str = SIGNING_SECRET,
    timestamp: int | None = None,
    retry: int | None = None,
) -> SignedRequest:
    """Any bytes signed as Slack signs a body, even bytes that are not UTF-8."""
    ts = str(int(time.time()) if timestamp is None else timestamp)
    base = f"v0:{ts}:".encode() + body
    digest = hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    headers = {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": ts,
        "X-Slack-Signature": f"v0={digest}",
    }
    if retry is not None:
        headers["X-Slack-Retry-Num"] = str(retry)
        headers["X-Slack-Retry-Reason"] = "http_timeout"
    return SignedRequest(body, headers)


def slash_command(
    command: str,
    text: str,
    *,
    channel: str = CHANNEL,
    user: str = USER,
    response_url: str = "",
    **sign_args: Any,
) -> SignedRequest:
    """A slash command, form-encoded as Slack sends it."""
    form = {
        "token": "legacy-verification-token",
        "team_id": TEAM,
        "team_domain": "example",
        "channel_id": channel,
        "channel_name": "directmessage" if channel.startswith("D") else "personal",
        "user_id": user,
        "user_name": "kim.larare",
        "command": command,
        "text": text,
        "api_app_id": "A0TEST0001",
        "is_enterprise_install": "false",
        "response_url": response_url or "https://hooks.slack.com/commands/T0/1/x",
        "trigger_id": "1.2.3",
    }
    return sign(urlencode(form), "application/x-www-form-urlencoded", **sign_args)


def event_callback(
    event: dict[str, Any], *, event_id: str = "Ev0001", **sign_args: Any
) -> SignedRequest:
    body = {
        "token": "legacy-verification-token",
        "team_id": TEAM,
        "api_app_id": "A0TEST0001",
        "event": event,
        "type": "event_callback",
        "event_id": event_id,
        "event_time": int(time.time()),
        "authorizations": [
            {"team_id": TEAM, "user_id": BOT_USER, "is_bot": True, "is_enterprise_install": False}
        ],
    }
    return sign(json.dumps(body), "application/json", **sign_args)


def app_mention(
    text: str,
    *,
    ts: str = "1700000100.000100",
    channel: str = CHANNEL,
    user: str = USER,
    **kwargs: Any,
) -> SignedRequest:
    event = {
        "type": "app_mention",
        "user": user,
        "text": f"<@{BOT_USER}> {text}",
        "ts": ts,
        "channel": channel,
        "event_ts": ts,
    }
    return event_callback(event, **kwargs)


def direct_message(
    text: str, *, ts: str = "1700000200.000100", user: str = USER, **kwargs: Any
) -> SignedRequest:
    event = {
        "type": "message",
        "channel_type": "im",
        "user": user,
        "text": text,
        "ts": ts,
        "channel": "D" + user[1:],
        "event_ts": ts,
    }
    return event_callback(event, **kwargs)


def home_opened(*, user: str = USER, **kwargs: Any) -> SignedRequest:
    event = {
        "type": "app_home_opened",
        "user": user,
        "channel": "D" + user[1:],
        "tab": "home",
        "event_ts": "1700000300.000100",
    }
    return event_callback(event, **kwargs)


def block_actions(
    action_id: str,
    value: str,
    *,
    channel: str = DM,
    message_ts: str = "1700000000.000001",
    ephemeral: bool = False,
    user: str = USER,
    response_url: str = "",
    **sign_args: Any,
) -> SignedRequest:
    """A button click in a message, as the interactive `payload=` form field."""
    action = {
        "action_id": action_id,
        "block_id": "b1",
        "text": {"type": "plain_text", "text": "x"},
        "value": value,
        "type": "button",
        "action_ts": "1700000400.000100",
    }
    return _interactive(
        "block_actions",
        {"actions": [action]},
        channel=channel,
        message_ts=message_ts,
        ephemeral=ephemeral,
        user=user,
        response_url=response_url,
        **sign_args,
    )


def menu_pick(
    action_id: str, option: dict[str, Any], *, message_ts: str = "1700000000.000001"
) -> SignedRequest:
    """An option picked in an external select of a message in the DM (block_actions)."""
    action = {
        "type": "external_select",
        "action_id": action_id,
        "block_id": "b1",
        "selected_option": option,
        "placeholder": {"type": "plain_text", "text": "…"},
        "action_ts": "1700000400.000200",
    }
    return _interactive("block_actions", {"actions": [action]}, message_ts=message_ts)


def block_suggestion(
    action_id: str,
    typed: Any,
    *,
    message_ts: str = "1700000000.000001",
    changes: dict[str, Any] | None = None,
) -> SignedRequest:
    """An external select in a message in the DM asking for its options for what is typed
    so far, as Slack sends it (`changes` replace parts of the payload, None takes one out)."""
    fields = {"action_id": action_id, "block_id": "b1", "value": typed, **(changes or {})}
    return _interactive("block_suggestion", fields, message_ts=message_ts)


def _interactive(
    kind: str,
    fields: dict[str, Any],
    *,
    channel: str = DM,
    message_ts: str,
    ephemeral: bool = False,
    user: str = USER,
    response_url: str = "",
    **sign_args: Any,
) -> SignedRequest:
    """An interactive payload (`payload=` form field) from a message in `channel`."""
    container = {
        "type": "message",
        "message_ts": message_ts,
        "channel_id": channel,
        "is_ephemeral": ephemeral,
    }
    payload: dict[str, Any] = {
        "type": kind,
        "user": {"id": user, "username": "kim.larare", "team_id": TEAM},
        "api_app_id": "A0TEST0001",
        "token": "legacy-verification-token",
        "container": container,
        "trigger_id": "1.2.3",
        "team": {"id": TEAM, "domain": "example"},
        "channel": {"id": channel, "name": "directmessage"},
    }
    payload.update(fields)
    if kind == "block_actions":
        payload["response_url"] = response_url or "https://hooks.slack.com/actions/T0/1/x"
    if not ephemeral:
        payload["message"] = {
            "type": "message",
            "user": BOT_USER,
            "ts": message_ts,
            "bot_id": "BBOT0001",
            "text": "…",
            "blocks": [],
        }
    payload = {k: v for k, v in payload.items() if v is not None}
    return sign(
        urlencode({"payload": json.dumps(payload)}),
        "application/x-www-form-urlencoded",
        **sign_args,
    )
