"""Sign in with Slack (OpenID Connect): the authorize address, and the code exchanged for a user.

The id token comes straight from Slack's token endpoint over TLS, so its claims are checked
(issuer, audience, expiry, the nonce of this sign-in) and its signature is not: OpenID
Connect Core 3.1.3.7 lets TLS to the token endpoint stand in for it.
"""

from __future__ import annotations

import base64
import binascii
import json
import logging
import time
from dataclasses import dataclass
from urllib.parse import urlencode

from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.web.async_client import AsyncWebClient

from bot.admin_web.cookies import SignIn

logger = logging.getLogger(__name__)

SLACK_ISSUER = "https://slack.com"
USER_CLAIM = "https://slack.com/user_id"
CALLBACK_PATH = "/admin/callback"


@dataclass(frozen=True)
class SlackSignIn:
    """The Slack app's OIDC side. `api_url` is the Web API's (https://slack.com/api/, or the
    stand-in's in tests): the authorize page is beside it, at /openid/connect/authorize."""

    client_id: str
    client_secret: str
    base_url: str  # the bot's public address, where Slack sends people back
    client: AsyncWebClient  # without a token: the token call is authenticated by the app

    def __repr__(self) -> str:  # never show the secret
        return f"SlackSignIn(client_id={self.client_id!r}, base_url={self.base_url!r})"

    @property
    def redirect_uri(self) -> str:
        return self.base_url + CALLBACK_PATH

    def authorize_url(self, signin: SignIn) -> str:
        site = self.client.base_url.rstrip("/").removesuffix("/api")
        query = urlencode(
            {
                "response_type": "code",
                "scope": "openid",
                "client_id": self.client_id,
                "state": signin.state,
                "nonce": signin.nonce,
                "redirect_uri": self.redirect_uri,
            }
        )
        return f"{site}/openid/connect/authorize?{query}"

    async def user_of(self, code: str, signin: SignIn) -> str | None:
        """The Slack user id the code was issued for, or None when Slack refuses the code or
        the id token is not for this app and this sign-in."""
        try:
            # the method's arguments as a form, as Slack documents them:
            # slack_sdk's openid_connect_token sends them with aiohttp's BasicAuth, which
            # aiohttp 3.14 deprecates (a warning per sign-in)
            answer = await self.client.api_call(
                "openid.connect.token",
                data={
                    "client_id": self.client_id,
                    "client_secret": self.client_secret,
                    "code": code,
                    "redirect_uri": self.redirect_uri,
                },
            )
        except SlackApiError as exc:
            logger.warning("sign-in refused by Slack: %s", exc.response.get("error"))
            return None
        except (SlackClientError, OSError) as exc:
            logger.warning("sign-in: Slack unreachable (%s)", type(exc).__name__)
            return None
        claims = _claims(str(answer.get("id_token") or ""))
        if claims is None:
            logger.warning("sign-in: Slack's id token could not be read")
            return None
        problem = self._problem(claims, signin)
        if problem:
            logger.warning("sign-in refused: the id token %s", problem)
            return None
        user = claims.get(USER_CLAIM)
        return user if isinstance(user, str) and user else None

    def _problem(self, claims: dict[str, object], signin: SignIn) -> str | None:
        if claims.get("iss") != SLACK_ISSUER:
            return "is from another issuer"
        if claims.get("aud") != self.client_id:
            return "is for another app"
        expires = claims.get("exp")
        if not isinstance(expires, int | float) or expires < time.time():
            return "has expired"
        if claims.get("nonce") != signin.nonce:
            return "is for another sign-in (nonce)"
        return None


def _claims(token: str) -> dict[str, object] | None:
    """The payload of a JWT (header.payload.signature), or None for anything else."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    try:
        payload = base64.urlsafe_b64decode(parts[1] + "=" * (-len(parts[1]) % 4))
        data = json.loads(payload)
    except (binascii.Error, ValueError):
        return None
    return data if isinstance(data, dict) else None
