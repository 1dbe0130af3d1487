"""Contacts' Slack ids found by their e-mail (users.lookupByEmail), for the mention on a card.

Once per e-mail and directory load, and never holding an answer up: an answer waits a moment
for a lookup it needs (as identity.py waits for users.info), then goes out without the
mention while the lookup finishes in the background for the next answer. E-mail addresses
are never logged; the log has counts and Slack's error codes.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from dataclasses import replace

from aiohttp import ClientError
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncRateLimitErrorRetryHandler,
    async_default_handlers,
)
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.models import ContactCard, Reply

logger = logging.getLogger(__name__)

# An answer waits this long for the lookups it needs; after the locale's 0.5 s (identity.py)
# the contact command still answers well within its 2 s in the ack.
LOOKUP_TIMEOUT_SECONDS = 0.5
# users.lookupByEmail is rate tier 3 (50+ a minute): a 429 waits its Retry-After and tries
# again, this many times (in the background, so no answer waits for it).
RATE_LIMIT_RETRIES = 3
NOT_FOUND = "users_not_found"
MISSING_SCOPE = "missing_scope"
SCOPE = "users:read.email"


def patient_client(token: str, base_url: str) -> AsyncWebClient:
    """A Web API client that waits out Slack's rate limit (429 and Retry-After): for work
    no ack waits for (lookups, `check --slack`, the handoff courier)."""
    handlers = [
        *async_default_handlers(),
        AsyncRateLimitErrorRetryHandler(max_retry_count=RATE_LIMIT_RETRIES),
    ]
    return AsyncWebClient(token=token, base_url=base_url, retry_handlers=handlers)


async def user_id_of(client: AsyncWebClient, email: str) -> str | None:
    """The id of the Slack user with `email`, None when Slack has nobody with it
    (users_not_found); any other refusal raises SlackApiError."""
    try:
        response = await client.users_lookupByEmail(email=email)
    except SlackApiError as error:
        if error.response.get("error") == NOT_FOUND:
            return None
        raise
    return str((response.get("user") or {}).get("id") or "") or None


def _key(email: str) -> str:
    return email.strip().casefold()


def _unlinked(card: ContactCard) -> bool:
    """A person's card with an e-mail and no Slack id of its own (`slack:` in the file)."""
    return card.role == "contact" and bool(card.email) and not card.slack


class SlackPeople:
    """The Slack ids of contacts by e-mail, found and not found, for the current load."""

    def __init__(self, client: AsyncWebClient, *, timeout: float = LOOKUP_TIMEOUT_SECONDS) -> None:
        self._client = client
        self._timeout = timeout
        self._known: dict[str, str | None] = {}  # e-mail (case-folded) -> id, None: not in Slack
        self._asking: dict[str, asyncio.Task[None]] = {}
        self._load = 0  # a lookup that started before a reload keeps nothing
        self._refused = False  # missing_scope: nobody is looked up until the next load

    async def with_mentions(self, reply: Reply) -> Reply:
        """`reply` with a mention on every person's card whose e-mail Slack knows."""
        wanted = {_key(c.email): c.email for c in reply.cards if c.email and _unlinked(c)}
        asking = [self._lookup(k, e) for k, e in wanted.items() if k not in self._known]
        pending = [task for task in asking if task is not None]
        if pending:  # waited for, never cancelled: an unfinished one is for the next answer
            await asyncio.wait(pending, timeout=self._timeout)
        if not any(self._known.get(k) for k in wanted):
            return reply
        cards = tuple(
            replace(c, slack=self._known.get(_key(c.email))) if c.email and _unlinked(c) else c
            for c in reply.cards
        )
        return replace(reply, cards=cards)

    def _lookup(self, key: str, email: str) -> asyncio.Task[None] | None:
        """The lookup of `email` under way, started now if it is not; None when refused."""
        if self._refused:
            return None
        task = self._asking.get(key)
        if task is None:
            task = asyncio.create_task(self._ask(key, email, self._load))
            self._asking[key] = task
            task.add_done_callback(lambda _: self._asking.pop(key, None))
        return task

    async def _ask(self, key: str, email: str, load: int) -> None:
        try:
            found = await user_id_of(self._client, email)
        except SlackApiError as error:
            code = error.response.get("error")
            if code == MISSING_SCOPE:
                if self._refused:  # said once, not for every lookup that was under way
                    return
                self._refused = True
                logger.warning(
                    "users.lookupByEmail refused (missing_scope): the app needs the scope %s "
                    "(deploy/slack-manifest.yml), then reinstall it; no lookups until the "
                    "next load",
                    SCOPE,
                )
            else:  # not kept: asked again when an answer needs it
                logger.warning("users.lookupByEmail failed: %s", code)
            return
        except (SlackClientError, ClientError, OSError, TimeoutError) as error:
            logger.warning("users.lookupByEmail failed: %s", type(error).__name__)
            return
        if load == self._load:
            self._known[key] = found

    def reloaded(self, emails: Iterable[str]) -> None:
        """A new directory load with these people's e-mails: the ids found for e-mails it
        still has are kept; the rest, and those Slack did not know, are looked up again."""
        still = {_key(e) for e in emails}
        found = {k: v for k, v in self._known.items() if v is not None}
        self._known = {k: v for k, v in found.items() if k in still}
        self._load += 1
        self._refused = False
        logger.info(
            "Slack ids by e-mail: %d of %d kept for the new load", len(self._known), len(found)
        )

    async def close(self) -> None:
        """Stop the lookups still under way (at shutdown)."""
        tasks = list(self._asking.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
