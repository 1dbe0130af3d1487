"""Who is asking: a person's Slack language and the members of a user group, both cached."""

from __future__ import annotations

import asyncio
import logging
import time
from collections import OrderedDict

from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.models import Locale

logger = logging.getLogger(__name__)

# users.info is asked while the slash command waits for its ack: give up early and answer in
# Swedish rather than let a slow Slack API push the whole answer out of the ack.
LOCALE_TIMEOUT_SECONDS = 0.5
LOCALE_TTL_SECONDS = 3600.0
LOCALES_KEPT = 10_000  # people; the least recently asked go first
USERGROUP_TTL_SECONDS = 60.0
FALLBACK_LOCALE: Locale = "sv"


class Identity:
    """Language and user-group look-ups through the Web API, with their caches."""

    def __init__(
        self,
        client: AsyncWebClient,
        *,
        locale_timeout: float = LOCALE_TIMEOUT_SECONDS,
        kept: int = LOCALES_KEPT,
    ) -> None:
        self._client = client
        self._timeout = locale_timeout
        self._kept = kept
        self._locales: OrderedDict[str, tuple[Locale, float]] = OrderedDict()
        self._groups: dict[str, tuple[frozenset[str], float]] = {}

    async def locale_of(self, user: str) -> Locale:
        """English for people whose Slack language is English (users.info), else Swedish.

        Only answers are cached: after a failure or a timeout the next command asks again."""
        now = time.monotonic()
        cached = self._locales.get(user)
        if cached is not None and cached[1] > now:
            self._locales.move_to_end(user)
            return cached[0]
        try:
            async with asyncio.timeout(self._timeout):
                response = await self._client.users_info(user=user, include_locale=True)
        except TimeoutError:
            logger.warning("users.info took longer than %s s", self._timeout)
            return FALLBACK_LOCALE
        except (SlackApiError, SlackClientError) as error:
            logger.warning("users.info failed: %s", type(error).__name__)
            return FALLBACK_LOCALE
        raw = str((response.get("user") or {}).get("locale") or "")
        locale: Locale = "en" if raw.lower().startswith("en") else "sv"
        self._locales[user] = (locale, now + LOCALE_TTL_SECONDS)
        self._locales.move_to_end(user)
        while len(self._locales) > self._kept:
            self._locales.popitem(last=False)
        return locale

    def known_locale(self, user: str) -> Locale:
        """The person's language if it is cached, without asking Slack (for quick notices)."""
        cached = self._locales.get(user)
        return cached[0] if cached is not None else FALLBACK_LOCALE

    async def usergroup_members(self, usergroup: str) -> frozenset[str]:
        """The user ids in a Slack user group (for admins by group), cached for a minute."""
        now = time.monotonic()
        cached = self._groups.get(usergroup)
        if cached and cached[1] > now:
            return cached[0]
        try:
            response = await self._client.usergroups_users_list(usergroup=usergroup)
        except (SlackApiError, SlackClientError) as error:
            logger.warning("usergroups.users.list failed: %s", type(error).__name__)
            return frozenset()
        members = frozenset(str(u) for u in response.get("users") or [])
        self._groups[usergroup] = (members, now + USERGROUP_TTL_SECONDS)
        return members
