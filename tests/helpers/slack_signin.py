"""The stand-in's "Sign in with Slack": its authorize page and `openid.connect.token`.

The authorize page signs in `user` at once (no page to click through) and sends the browser
back to the app's redirect_uri with a code and the app's `state`; the token method swaps a
code, once, for an id token with the claims Slack's has, for the nonce the app sent.
"""

from __future__ import annotations

import base64
import json
import secrets
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

from aiohttp import web

CLIENT_ID = "1111.2222"
CLIENT_SECRET = "stand-in-client-secret"


def _part(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")


@dataclass
class SignInWithSlack:
    """Set `user` to who signs in next; `nonce` to give the next id token another nonce,
    `claims` to put other values in its claims."""

    user: str = "U0ADMIN001"
    nonce: str | None = None
    claims: dict[str, Any] = field(default_factory=dict)
    codes: dict[str, tuple[str, str, str]] = field(default_factory=dict)  # code -> user, nonce, uri

    async def authorize(self, request: web.Request) -> web.Response:
        query = request.query
        if query.get("client_id") != CLIENT_ID or query.get("scope") != "openid":
            return web.Response(status=400, text="invalid_client_id or scope")
        code = secrets.token_urlsafe(16)
        nonce = self.nonce if self.nonce is not None else query.get("nonce", "")
        self.codes[code] = (self.user, nonce, query.get("redirect_uri", ""))
        back = urlencode({"code": code, "state": query.get("state", "")})
        raise web.HTTPFound(f"{query['redirect_uri']}?{back}")

    def token(self, args: dict[str, Any]) -> dict[str, Any]:
        """openid.connect.token, with the app's id and secret among the arguments."""
        if args.get("client_id") != CLIENT_ID or args.get("client_secret") != CLIENT_SECRET:
            return {"ok": False, "error": "invalid_client_id"}
        found = self.codes.pop(str(args.get("code", "")), None)
        if found is None or found[2] != args.get("redirect_uri"):
            return {"ok": False, "error": "invalid_code"}
        user, nonce, _ = found
        now = int(time.time())
        claims = {
            "iss": "https://slack.com",
            "sub": user,
            "aud": CLIENT_ID,
            "exp": now + 300,
            "iat": now,
            "nonce": nonce,
            "https://slack.com/user_id": user,
        } | self.claims
        id_token = ".".join([_part({"alg": "RS256", "typ": "JWT"}), _part(claims), "c2ln"])
        return {
            "ok": True,
            "access_token": "xoxp-stand-in",
            "token_type": "Bearer",
            "id_token": id_token,
        }
