"""`referral-bot check --slack`: the directory's people that Slack cannot find by e-mail."""

from __future__ import annotations

from collections.abc import Sequence

from aiohttp import ClientError, ClientSession
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from bot.core.models import Person
from bot.errors import BotError, Problem
from bot.transports.slack.payloads import DEFAULT_API_URL
from bot.transports.slack.people import MISSING_SCOPE, SCOPE, patient_client, user_id_of


def not_found(person: Person) -> Problem:
    """The warning for a person whose e-mail Slack has no user with, at the person's entry
    (a loaded directory's people all have their origin)."""
    assert person.origin is not None
    return Problem(
        person.origin.path,
        person.origin.line,
        person.origin.col,
        "warning",
        f"people.{person.id} — no Slack user with the e-mail {person.email} "
        "(add slack: U… or correct the e-mail)",
    )


async def unfound(people: Sequence[Person], *, token: str, api_url: str = "") -> list[Problem]:
    """A warning for each of `people` whose e-mail Slack does not know (users_not_found),
    each e-mail looked up once, one at a time (a 429 waits its Retry-After).

    Any other refusal ends the check with one BotError: a missing scope names the scope."""
    client = patient_client(token, (api_url or DEFAULT_API_URL).rstrip("/") + "/")
    ids: dict[str, str | None] = {}
    async with ClientSession() as session:
        client.session = session
        for person in people:
            email = person.email or ""
            if email.casefold() not in ids:
                ids[email.casefold()] = await _user_id(client, email)
    return [not_found(p) for p in people if ids[(p.email or "").casefold()] is None]


async def _user_id(client: AsyncWebClient, email: str) -> str | None:
    try:
        return await user_id_of(client, email)
    except SlackApiError as error:
        code = error.response.get("error")
        if code == MISSING_SCOPE:
            raise BotError(
                f"Slack refused users.lookupByEmail (missing_scope): the app needs the scope "
                f"{SCOPE}; add it (deploy/slack-manifest.yml) and reinstall the app"
            ) from None
        raise BotError(f"Slack refused users.lookupByEmail ({code})") from None
    except (SlackClientError, ClientError, OSError, TimeoutError) as error:
        raise BotError(f"the Slack Web API could not be reached ({type(error).__name__})") from None
