"""Putting a Reply in front of people: in a channel, privately, in the DM, or in place."""

from __future__ import annotations

import logging

from aiohttp import ClientError
from slack_bolt.async_app import AsyncRespond
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.models import AdminNotice, Reply
from bot.core.texts import text
from bot.transports.slack.blocks import (
    escape_mrkdwn,
    fallback_text,
    home_view,
    notice_blocks,
    reply_blocks,
)

logger = logging.getLogger(__name__)


class Delivery:
    """The Web API calls (and response_url answers) that show a Reply."""

    def __init__(self, client: AsyncWebClient) -> None:
        self._client = client

    async def post(self, reply: Reply, channel: str, *, thread_ts: str | None = None) -> None:
        """A message everyone in `channel` sees."""
        await self._client.chat_postMessage(
            channel=channel,
            text=fallback_text(reply),
            blocks=reply_blocks(reply),
            thread_ts=thread_ts,
        )

    async def private(
        self,
        reply: Reply,
        channel: str,
        user: str,
        *,
        respond: AsyncRespond | None = None,
        thread_ts: str | None = None,
    ) -> None:
        """Only `user` sees it: chat.postEphemeral, or the response_url when the bot is not in
        the channel (private channels, DMs between other people)."""
        try:
            await self._client.chat_postEphemeral(
                channel=channel,
                user=user,
                text=fallback_text(reply),
                blocks=reply_blocks(reply),
                thread_ts=thread_ts,
            )
        except SlackApiError as error:
            if respond is None:
                raise
            logger.info(
                "postEphemeral failed (%s); using response_url", error.response.get("error")
            )
            await self.respond(reply, respond, replace=False)

    async def in_dm_channel(
        self, reply: Reply, channel: str, user: str, respond: AsyncRespond | None
    ) -> None:
        """A message in a DM; privately when it is a DM between two people the bot is not in."""
        try:
            await self.post(reply, channel)
        except SlackApiError:
            await self.private(reply, channel, user, respond=respond)

    async def respond(self, reply: Reply, respond: AsyncRespond, *, replace: bool) -> None:
        """Through the response_url: replacing the message with the button, or beside it."""
        await respond(
            text=fallback_text(reply),
            blocks=reply_blocks(reply),
            # a replacement keeps the original's type; a new message must be ephemeral
            response_type=None if replace else "ephemeral",
            replace_original=replace,
        )

    async def update(self, reply: Reply, channel: str, ts: str) -> None:
        """The message at `ts` becomes the reply (a checklist step answered in place)."""
        await self._client.chat_update(
            channel=channel, ts=ts, text=fallback_text(reply), blocks=reply_blocks(reply)
        )

    async def notify(self, reply: Reply, notice: AdminNotice, reporter: str) -> Reply:
        """Post `notice` in its admin channel, from `reporter` (a Slack user id); the reply
        to show the reporter: `reply`, or the notice's `undelivered` when Slack refused the
        post (the bot is not in the channel, or it is gone: the error code is logged) or
        could not reach it."""
        try:
            await self._client.chat_postMessage(
                channel=notice.channel,
                text=escape_mrkdwn(notice.title),
                blocks=notice_blocks(notice, reporter),
            )
        except SlackApiError as error:
            logger.warning("admin notice not posted: %s", error.response.get("error"))
            return notice.undelivered
        except (SlackClientError, ClientError, TimeoutError) as error:
            logger.warning("admin notice not posted: %s", type(error).__name__)
            return notice.undelivered
        return reply

    async def home(self, user: str, reply: Reply) -> None:
        """The reply as the user's App Home tab."""
        await self._client.views_publish(user_id=user, view=home_view(reply))

    async def open_dm(self, user: str) -> str:
        response = await self._client.conversations_open(users=user)
        channel = response.get("channel") or {}
        return str(channel["id"])

    async def to_dm(
        self, reply: Reply, user: str, origin: str | None, respond: AsyncRespond | None
    ) -> None:
        """Post in the bot's DM with the user; leave a private pointer where they started."""
        dm = await self.open_dm(user)
        await self.post(reply, dm)
        if origin and origin != dm:
            locale = reply.locale
            note = Reply(
                kind="notice", parts=(text("slack.checklist_in_dm", locale),), locale=locale
            )
            await self.private(note, origin, user, respond=respond)
