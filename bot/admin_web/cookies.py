"""The admin page's two cookies, signed and expiring: who is signed in, and a sign-in under way.

Both are signed with ADMIN_SESSION_SECRET by itsdangerous, which also dates them: a cookie
older than its lifetime is refused even if a browser kept it. Each has its own salt, so one
cannot stand in for the other.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from aiohttp import web
from itsdangerous import BadSignature, URLSafeTimedSerializer

SESSION_COOKIE = "referral_admin"
SIGNIN_COOKIE = "referral_admin_signin"
SESSION_SECONDS = 8 * 3600  # a working day; then one signs in again
SIGNIN_SECONDS = 600  # from the click on "sign in" to coming back from Slack
PATH = "/admin"


@dataclass(frozen=True)
class AdminSession:
    """A signed-in person: the Slack user id, and the token every form must send back."""

    user: str
    csrf: str


@dataclass(frozen=True)
class SignIn:
    """A sign-in under way: the OIDC `state` Slack must send back, and the id token's nonce."""

    state: str
    nonce: str


class Cookies:
    """Writes and reads the signed cookies; `secure` when the page is served over https."""

    def __init__(self, secret: str, *, secure: bool) -> None:
        self._session = URLSafeTimedSerializer(secret, salt="referral-admin-session")
        self._signin = URLSafeTimedSerializer(secret, salt="referral-admin-signin")
        self.secure = secure

    def _set(self, response: web.StreamResponse, name: str, value: str, seconds: int) -> None:
        response.set_cookie(
            name,
            value,
            max_age=seconds,
            path=PATH,
            httponly=True,
            samesite="Lax",  # Slack's redirect back is a top-level GET: Strict would drop it
            secure=self.secure,
        )

    def session_of(self, request: web.Request) -> AdminSession | None:
        """The signed-in person, or None for no cookie, a forged one or an expired one."""
        found = _loads(self._session, request.cookies.get(SESSION_COOKIE), SESSION_SECONDS, "uc")
        return None if found is None else AdminSession(user=found[0], csrf=found[1])

    def start_session(self, response: web.StreamResponse, user: str) -> None:
        value = self._session.dumps({"u": user, "c": secrets.token_urlsafe(32)})
        self._set(response, SESSION_COOKIE, str(value), SESSION_SECONDS)
        response.del_cookie(SIGNIN_COOKIE, path=PATH)

    def end_session(self, response: web.StreamResponse) -> None:
        response.del_cookie(SESSION_COOKIE, path=PATH)

    def start_signin(self, response: web.StreamResponse) -> SignIn:
        signin = SignIn(state=secrets.token_urlsafe(32), nonce=secrets.token_urlsafe(32))
        value = self._signin.dumps({"s": signin.state, "n": signin.nonce})
        self._set(response, SIGNIN_COOKIE, str(value), SIGNIN_SECONDS)
        return signin

    def signin_of(self, request: web.Request) -> SignIn | None:
        found = _loads(self._signin, request.cookies.get(SIGNIN_COOKIE), SIGNIN_SECONDS, "sn")
        return None if found is None else SignIn(state=found[0], nonce=found[1])


def _loads(
    signer: URLSafeTimedSerializer, raw: str | None, max_age: int, keys: str
) -> tuple[str, ...] | None:
    """The strings under `keys` (one letter each) of a cookie this secret signed less than
    `max_age` seconds ago; None for anything else."""
    if not raw:
        return None
    try:
        data = signer.loads(raw, max_age=max_age)  # SignatureExpired is a BadSignature
    except BadSignature:
        return None
    if not isinstance(data, dict):
        return None
    found = tuple(data.get(k) for k in keys)
    return found if all(isinstance(v, str) for v in found) else None  # type: ignore[return-value]


def same(sent: str, expected: str) -> bool:
    """A constant-time comparison of a token sent back (state, CSRF) with the one issued."""
    return bool(sent) and secrets.compare_digest(sent.encode(), expected.encode())
