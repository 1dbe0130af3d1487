"""The Slack courier: consultation requests and reminders put in front of people unasked.

A message to a person goes to the bot's DM with them (conversations.open, asked once per
person), a message to a channel into it; the reference kept for updating it later is the
channel and the message's ts. Slack's answers that no retry will change (no such user or
channel, the bot is not in it) are Undeliverable, so the request moves on; anything else
is raised, and the worker tries the step again.

Each post carries the step's marker as message metadata (ids only), so that a step retried
after a crash can find the message its first try posted (conversations.history, with the
im:history scope the bot has for DMs) instead of posting it twice. In a channel the bot
has no history scope (it would let it read every channel it is in), so there a retried step
cannot tell and posts again.
"""

from __future__ import annotations

from slack_sdk.errors import SlackApiError

from bot.core.handoff.courier import Undeliverable
from bot.core.models import Reply
from bot.transports.slack.blocks import fallback_text, reply_blocks
from bot.transports.slack.payloads import DEFAULT_API_URL
from bot.transports.slack.people import patient_client

# https://api.slack.com/methods/chat.postMessage#errors, chat.update, conversations.open
PERMANENT = frozenset(
    {
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "user_not_found",
        "users_not_found",
        "user_disabled",
        "cannot_dm_bot",
        "message_not_found",
        "cant_update_message",
        "edit_window_closed",
        "restricted_action",
    }
)
CHANNEL_PREFIXES = ("C", "G", "D")
MAX_DMS = 10_000  # DM channels remembered; the directory's people and the askers
EVENT_TYPE = "referral_bot_step"  # the metadata's event_type
HISTORY_LIMIT = 50  # the newest messages looked through for a retried step's marker


class SlackCourier:
    """Courier (bot.core.handoff.courier) over the Slack Web API, with a client of its own
    that waits out rate limits: no ack waits for a courier."""

    def __init__(self, token: str, api_url: str = "") -> None:
        self._client = patient_client(token, (api_url or DEFAULT_API_URL).rstrip("/") + "/")
        self._dms: dict[str, str] = {}

    async def send(self, to: str, message: Reply, marker: str) -> str:
        try:
            channel = await self._channel(to)
            response = await self._client.chat_postMessage(
                channel=channel,
                text=fallback_text(message),
                blocks=reply_blocks(message),
                metadata={"event_type": EVENT_TYPE, "event_payload": {"step": marker}},
            )
        except SlackApiError as error:
            raise _refused(error) from error
        return f"{response['channel']}:{response['ts']}"

    async def find(self, to: str, marker: str) -> str | None:
        try:
            channel = await self._channel(to)
            if not channel.startswith("D"):
                return None  # no history scope for channels (see the module docstring)
            response = await self._client.conversations_history(
                channel=channel, limit=HISTORY_LIMIT, include_all_metadata=True
            )
        except SlackApiError as error:
            raise _refused(error) from error
        for message in response.get("messages") or []:
            payload = (message.get("metadata") or {}).get("event_payload") or {}
            if payload.get("step") == marker:
                return f"{channel}:{message['ts']}"
        return None

    async def update(self, ref: str, message: Reply) -> None:
        channel, _, ts = ref.partition(":")
        try:
            await self._client.chat_update(
                channel=channel, ts=ts, text=fallback_text(message), blocks=reply_blocks(message)
            )
        except SlackApiError as error:
            raise _refused(error) from error

    async def _channel(self, to: str) -> str:
        return to if to.startswith(CHANNEL_PREFIXES) else await self._dm(to)

    async def _dm(self, user: str) -> str:
        known = self._dms.get(user)
        if known is None:
            response = await self._client.conversations_open(users=user)
            known = str((response.get("channel") or {})["id"])
            if len(self._dms) >= MAX_DMS:
                self._dms.clear()
            self._dms[user] = known
        return known


def _refused(error: SlackApiError) -> Exception:
    """Undeliverable for Slack's answers that no retry changes; the error itself otherwise."""
    code = str(error.response.get("error"))
    return Undeliverable(code) if code in PERMANENT else error
