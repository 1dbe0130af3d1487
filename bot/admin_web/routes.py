"""The admin page's routes: GET /admin, the sign-in and its callback, and two forms (POST).

Nobody sees anything before signing in: GET /admin without a valid session cookie is a
redirect to the sign-in, and a person who is neither one of the bot's admins nor one of a
municipality's (`bot.admin.Admin`, the admin command's check) gets a 403 page without data.
Every POST carries the session's CSRF token, or is refused.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from aiohttp import web

from bot.admin import Admin
from bot.admin_web import charts
from bot.admin_web.cookies import AdminSession, Cookies, same
from bot.admin_web.diagrams import Diagrams
from bot.admin_web.overview import CoverageCache
from bot.admin_web.render import Renderer
from bot.admin_web.signin import CALLBACK_PATH, SlackSignIn
from bot.core import clock
from bot.core.models import Municipality
from bot.core.stats import ShownRow, StatsStore, shown
from bot.errors import Problem
from bot.reload import CatalogHolder

logger = logging.getLogger(__name__)

PAGE_PATH = "/admin"
SIGNIN_PATH = "/admin/signin"
SIGNOUT_PATH = "/admin/signout"
RELOAD_PATH = "/admin/reload"
STATS_MONTHS = 12  # the charts show the last year
HEADERS = {
    # what the page shows is for its reader only: never cached, never framed
    "Cache-Control": "no-store",
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; img-src data:; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
}


@dataclass(frozen=True)
class Reader:
    """Who reads the page: one of the bot's admins (`own` None) or a municipality's."""

    own: tuple[Municipality, ...] | None


def _redirect(location: str, status: int = 302) -> web.Response:
    return web.Response(status=status, headers={"Location": location, **HEADERS})


def _since(today: date) -> str:
    first = today.replace(day=1)
    for _ in range(STATS_MONTHS - 1):
        first = (first - timedelta(days=1)).replace(day=1)
    return first.strftime("%Y-%m")


class AdminPages:
    """The handlers; one instance per server, sharing the caches of the live catalog."""

    def __init__(
        self,
        *,
        signin: SlackSignIn,
        cookies: Cookies,
        admin: Admin,
        holder: CatalogHolder,
        stats: StatsStore,
        now: Callable[[], datetime] = clock.now,
        diagrams: Diagrams | None = None,
    ) -> None:
        self.signin = signin
        self.cookies = cookies
        self.admin = admin
        self.holder = holder
        self.stats = stats
        self.now = now
        self.coverage = CoverageCache()
        self.diagrams = diagrams or Diagrams()
        self.render = Renderer()

    def _html(self, template: str, code: int = 200, **values: object) -> web.Response:
        body = self.render.page(template, **values)
        return web.Response(text=body, status=code, content_type="text/html", headers=HEADERS)

    def _notice(self, notice: str, link: str, label: str, code: int = 200) -> web.Response:
        """A short page: the texts `admin_web.<notice>_title` and `<notice>`, and a link to
        `link` that says the text `label`."""
        return self._html("notice.html", code, notice=notice, link=link, label=label)

    async def _reader(self, session: AdminSession) -> Reader | None:
        if await self.admin.allowed(session.user):
            return Reader(None)
        own = await self.admin.municipalities_of(session.user)
        return Reader(own) if own else None

    async def page(self, request: web.Request) -> web.Response:
        session = self.cookies.session_of(request)
        if session is None:
            return _redirect(SIGNIN_PATH)
        reader = await self._reader(session)
        if reader is None:
            return self._html("refused.html", code=403, csrf=session.csrf)
        catalog = self.holder.current
        status = self.holder.status()
        now = self.now()
        today = clock.to_local(now).date()
        everyone = await asyncio.to_thread(self.coverage.get, catalog, today)
        if reader.own is None:
            shown_coverage = list(everyone.values())
            files = None
        else:
            shown_coverage = [everyone[m.id] for m in reader.own if m.id in everyone]
            files = frozenset(m.source for m in reader.own)
        problems: tuple[Problem, ...] = ()
        if status.last_error is not None:
            problems = tuple(
                p for p in status.last_error.problems if files is None or p.path in files
            )
        since = _since(today)
        rows, stats_failed = await self._outcomes(reader, since)
        names = {m.id: m.name for m in catalog.directory.municipalities.values()}
        diagrams = await self.diagrams.of(catalog)
        # in a worker thread: with every municipality the page is megabytes of HTML, and
        # the event loop meanwhile acknowledges Slack (HTTP mode: the same server)
        body = await asyncio.to_thread(
            self.render.page,
            "admin.html",
            csrf=session.csrf,
            everything=reader.own is None,
            status=status,
            loaded=_local(status.loaded_at),
            failed_at=_local(status.last_error.at) if status.last_error else None,
            problems=problems,
            coverage=shown_coverage,
            schools=sum(c.schools for c in shown_coverage),
            charts=charts.charts(rows, names),
            stats_failed=stats_failed,
            since=since,
            diagrams=diagrams,
            titles={fid: flow.title.get("sv") for fid, flow in catalog.flows.items()},
        )
        return web.Response(text=body, content_type="text/html", headers=HEADERS)

    async def _outcomes(self, reader: Reader, since: str) -> tuple[list[ShownRow], bool]:
        """The outcome rows the reader may see (suppressed by `shown`), and whether the
        store failed (the page then says so instead of showing no counts as if none)."""
        ids = [None] if reader.own is None else [m.id for m in reader.own]
        try:
            counted = [await self.stats.counts(since=since, municipality=i) for i in ids]
        except Exception as exc:
            logger.warning("admin page: the statistics could not be read (%s)", type(exc).__name__)
            return [], True
        rows = [row for counts in counted for row in shown(counts)]
        return charts.outcomes(rows), False

    async def start_signin(self, request: web.Request) -> web.Response:
        response = _redirect("")
        signin = self.cookies.start_signin(response)
        response.headers["Location"] = self.signin.authorize_url(signin)
        return response

    async def callback(self, request: web.Request) -> web.Response:
        signin = self.cookies.signin_of(request)
        if signin is None or not same(request.query.get("state", ""), signin.state):
            logger.warning("admin sign-in refused: state missing or not this browser's")
            return self._notice("signin_failed", SIGNIN_PATH, "signin_again", code=400)
        code = request.query.get("code", "")
        user = await self.signin.user_of(code, signin) if code else None
        if user is None:
            return self._notice("signin_failed", SIGNIN_PATH, "signin_again", code=400)
        response = _redirect(PAGE_PATH)
        self.cookies.start_session(response, user)
        logger.info("admin page: signed in")
        return response

    async def _checked(self, request: web.Request) -> AdminSession | None:
        """The session of a POST whose form carries its CSRF token, else None."""
        session = self.cookies.session_of(request)
        form = await request.post()
        sent = form.get("csrf")
        if session is None or not isinstance(sent, str) or not same(sent, session.csrf):
            return None
        return session

    async def signout(self, request: web.Request) -> web.Response:
        if await self._checked(request) is None:
            return self._notice("forbidden", PAGE_PATH, "back", code=403)
        response = self._notice("signed_out", SIGNIN_PATH, "signin_again")
        self.cookies.end_session(response)
        return response

    async def reload(self, request: web.Request) -> web.Response:
        session = await self._checked(request)
        if session is None or await self._reader(session) is None:
            return self._notice("forbidden", PAGE_PATH, "back", code=403)
        result = await self.holder.reload()
        logger.info("admin page: reload asked for; ok=%s", result.ok)
        return _redirect(PAGE_PATH, status=303)


def _local(stamp: float) -> str:
    return clock.to_local(datetime.fromtimestamp(stamp, UTC)).strftime("%Y-%m-%d %H:%M")


def add_admin_routes(app: web.Application, pages: AdminPages) -> None:
    """GET /admin, GET /admin/signin, GET /admin/callback, POST /admin/signout and
    POST /admin/reload."""
    app.router.add_get(PAGE_PATH, pages.page)
    app.router.add_get(SIGNIN_PATH, pages.start_signin)
    app.router.add_get(CALLBACK_PATH, pages.callback)
    app.router.add_post(SIGNOUT_PATH, pages.signout)
    app.router.add_post(RELOAD_PATH, pages.reload)
