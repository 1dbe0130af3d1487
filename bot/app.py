"""The composition root: settings in, a running bot out. Transports never read YAML or env."""

from __future__ import annotations

import asyncio
import functools
import hashlib
import logging
import signal
import sys
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from bot.core import catalog as catalog_files
from bot.core import clock, stats, texts
from bot.core.catalog import Catalog
from bot.core.contacts import unlinked_people
from bot.core.models import (
    ContactEntry,
    IncomingMessage,
    Locale,
    MunicipalitySummary,
    Reply,
    Resource,
    SchoolSummary,
)
from bot.core.render import as_text
from bot.core.service import FixedCatalog, Service
from bot.core.sessions import MemoryStore, SessionStore, session_key
from bot.core.stats import ShownRow, shown
from bot.core.texts import text
from bot.errors import BotError, Problem
from bot.settings import Settings
from bot.transports import Transport

if TYPE_CHECKING:
    from aiohttp import web

    from bot.admin import Admin
    from bot.admin_web.routes import AdminPages
    from bot.core.handoff.desk import Desk
    from bot.reload import CatalogHolder
    from bot.stores import Store
    from bot.transports.slack.app import SlackTransport

logger = logging.getLogger(__name__)


def configure_logging(settings: Settings) -> None:
    from bot.logsetup import configure_logging as setup

    setup(settings.log_level, settings.log_format == "json")


def checked(paths: Sequence[Path]) -> tuple[list[Problem], Catalog | None]:
    return catalog_files.checked(paths)


def load(settings: Settings) -> Catalog:
    return catalog_files.load_catalog([settings.directory, settings.rules])


def no_tokens_notice() -> str:
    return text("console.no_tokens", "sv")


def reply_text(reply: Reply) -> str:
    return as_text(reply)


def _school_json(school: SchoolSummary) -> dict[str, object]:
    return {
        "name": school.name,
        "code": school.code,
        "municipality": school.municipality,
        "key": school.key,
    }


def _contact_json(entry: ContactEntry) -> dict[str, object]:
    return {
        "name": entry.name,
        "title": entry.title,
        "phone": entry.phone,
        "email": entry.email,
        "slack": entry.slack,
        "age_group": entry.age_group,
        "rank": entry.rank,
        "away_until": entry.away_until.isoformat() if entry.away_until else None,
    }


def _municipality_json(m: MunicipalitySummary | None) -> dict[str, object] | None:
    return {"name": m.name, "code": m.code, "configured": m.configured} if m else None


def _resource_json(r: Resource) -> dict[str, object]:
    return {
        "id": r.id,
        "kind": r.kind,
        "name": r.name,
        "ages": [r.min_age, r.max_age],
        "phone": r.phone,
        "email": r.email,
        "url": r.url,
        "about": r.about,
        "source": f"{r.origin.path}:{r.origin.line}" if r.origin else None,
    }


def reply_json(reply: Reply) -> dict[str, object]:
    """The `ask --json` object: a fixed set of keys whatever the reply was."""
    contact = reply.contact
    if contact is not None:
        intent = "contact"
    elif reply.kind == "help":
        intent = "help"
    else:
        intent = "checklist" if reply.kind in {"step", "outcome"} else "unknown"
    route = contact.route if contact else None
    return {
        "intent": intent,
        "status": contact.status if contact else "not_found",
        "school": _school_json(contact.school) if contact and contact.school else None,
        "candidates": [_school_json(s) for s in contact.candidates] if contact else [],
        "age_groups": list(contact.age_groups) if contact else [],
        "contacts": [_contact_json(c) for c in contact.contacts] if contact else [],
        "route": (
            {"kind": route.kind, "name": route.name, "phone": route.phone} if route else None
        ),
        "municipality": _municipality_json(contact.municipality) if contact else None,
        "resources": [_resource_json(r) for r in contact.resources] if contact else [],
        "text": as_text(reply),
    }


class Asker:
    """One question, one answer, on a catalog loaded once (for `ask` and `ask -`)."""

    def __init__(self, settings: Settings, *, at: datetime | None, locale: Locale | None) -> None:
        self.catalog = load(settings)
        self.locale = locale
        now = (lambda: at) if at else clock.now
        self.service = Service(FixedCatalog(self.catalog), MemoryStore(), now=now)
        self.count = 0

    async def ask(self, question: str) -> Reply:
        self.count += 1  # each question is its own conversation
        key = session_key("cli", "ask", str(self.count))
        msg = IncomingMessage("cli", key, "cli:ask", text=question, locale=self.locale)
        return await self.service.handle(msg)


async def chat(settings: Settings, *, at: datetime | None, locale: Locale | None) -> None:
    from bot.transports.console import ConsoleTransport

    catalog = load(settings)
    now = (lambda: at) if at else clock.now
    # the console is one person on one machine: a fresh session each run is what they expect
    service = Service(FixedCatalog(catalog), MemoryStore(), now=now)
    console = ConsoleTransport(
        service, sys.stdin, sys.stdout, interactive=sys.stdin.isatty(), locale=locale
    )
    await console.run()


async def stats_rows(
    settings: Settings, *, since: str | None, municipality: str | None
) -> list[ShownRow]:
    """The follow-up statistics in the configured store, as every output shows them.

    A store that cannot be read is a BotError (exit 1: the URL or the server to fix)."""
    import sqlite3

    from redis.exceptions import RedisError

    from bot.stores import open_store

    store = open_store(settings.store_url, data=settings.data_dir)
    try:
        counts = await store.counts(since=since, municipality=municipality)
    except (RedisError, OSError, sqlite3.Error) as exc:
        raise BotError(f"STORE_URL: the store could not be read ({type(exc).__name__})") from exc
    finally:
        await store.close()
    return shown(counts)


def graph(settings: Settings, flow_id: str, fmt: str) -> str:
    from bot.core import graph as graphs

    catalog = load(settings)
    flow = catalog.flows.get(flow_id)
    if flow is None:
        from bot.core.schema import did_you_mean

        raise BotError(f"no flow '{flow_id}'" + did_you_mean(flow_id, catalog.flows))
    return graphs.to_dot(flow) if fmt == "dot" else graphs.to_mermaid(flow)


def write_schemas(out: Path) -> list[Path]:
    """Copy the editors' JSON Schemas, shipped as package data in bot/schemas/, to `out`."""
    from importlib.resources import files

    out.mkdir(parents=True, exist_ok=True)
    written = []
    for name in ("directory.schema.json", "rules.schema.json"):
        path = out / name
        path.write_bytes(files("bot").joinpath("schemas", name).read_bytes())
        written.append(path)
    return written


def no_transport_message() -> str:
    return (
        "referral-bot serve: no chat platform is configured.\n"
        "  Slack: set SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET, and SLACK_APP_TOKEN for\n"
        "         Socket Mode (or run `referral-bot serve --http --port 3000`).\n"
        "         See docs/slack.md.\n"
        "  Telegram: set TELEGRAM_BOT_TOKEN.\n"
        "To try the bot without either, run `referral-bot chat` (or `make run`)."
    )


async def serve(
    settings: Settings, *, http: bool, host: str, port: int, at: datetime | None = None
) -> None:
    """Run the bot in Slack (Socket Mode, or HTTP with --http) or Telegram until stopped.

    Fails fast, before connecting anywhere, on a missing or malformed token or an invalid
    directory / rule file. Watches rules/ and directory/ and reloads them while running.
    In Slack, consultation requests and feedback reminders are delivered and moved on by a
    worker (bot.core.handoff) that every replica runs. `at`: the clock starts there.
    """
    from bot.admin import Admin
    from bot.last_good import LastGoodCopy
    from bot.metrics import Metrics
    from bot.reload import CatalogHolder
    from bot.stores import open_store
    from bot.web import Platform, add_health_routes, run_side_server, time_slack_acks

    if not settings.has_chat_tokens:
        raise BotError(no_transport_message())
    metrics = Metrics()
    texts.read_all()
    paths = [settings.directory, settings.rules]
    # a reload (in a worker thread, bot.reload) validates again only the files that changed
    loader = functools.partial(
        catalog_files.load_catalog, paths, memo=catalog_files.ValidatedFiles()
    )
    # the files on disk broken at start: the copy of the last good ones serves meanwhile
    holder = CatalogHolder(
        loader, last_good=LastGoodCopy(settings.data_dir, paths), metrics=metrics
    )
    store = open_store(
        settings.store_url, ttl_seconds=settings.session_ttl_seconds, data=settings.data_dir
    )
    now = clock.running_from(at) if at is not None else clock.now
    desk: Desk | None = None
    if settings.slack_bot_token:
        from bot.core.handoff.desk import Desk
        from bot.transports.slack.courier import SlackCourier

        desk = Desk(
            store,
            SlackCourier(settings.slack_bot_token, settings.slack_api_url),
            transport="slack",
            now=now,
            tally=stats.Tally(store, now),
            keep_days=settings.handoff_keep_days,
            lease_seconds=settings.handoff_lease_seconds,
        )
    service = Service(
        holder,
        store,
        now=now,
        observe=metrics.observe,
        stats_store=store,
        # "Fel uppgift?" goes there for a municipality without its own admin_channel
        admin_channel=settings.admin_channel,
        desk=desk,
    )
    stop = asyncio.Event()
    side: web.AppRunner | None = None
    more_routes: Callable[[web.Application], None] | None = None
    transport: Transport
    if settings.slack_bot_token:
        from bot.transports.slack.app import SlackTransport
        from bot.transports.slack.seen import StoreSeenEvents

        admin = Admin(
            holder,
            users=settings.admin_users,
            paths=paths,
            usergroup=settings.admin_usergroup or None,
            records=store,
            keep_days=settings.handoff_keep_days,
        )
        slack = SlackTransport(
            service,
            StoreSeenEvents(store, lease_seconds=settings.slack_event_lease_seconds),
            bot_token=settings.slack_bot_token,
            signing_secret=settings.slack_signing_secret,
            app_token="" if http else settings.slack_app_token,
            socket_mode=not http,
            api_url=settings.slack_api_url,
            host=host,
            port=port,
            contact_command=settings.contact_command,
            checklist_command=settings.checklist_command,
            admin=admin,
            admin_command=settings.admin_command,
            observe=metrics.observe,
            shutdown_grace_seconds=settings.shutdown_grace_seconds,
        )
        # ADMIN_USERGROUP's members, and those of the groups municipalities name in `admins:`
        admin.members_of = slack.identity.usergroup_members
        if settings.admin_channel:
            holder.on_error = _admin_poster(slack, settings.admin_channel, store)
        holder.on_reload = people_relinker(slack)
        platform: tuple[str, Platform] = ("slack", slack)
        if settings.has_admin_web:
            from bot.admin_web.routes import add_admin_routes

            more_routes = functools.partial(
                add_admin_routes, pages=admin_pages(settings, admin, holder, store)
            )
        if http:
            add_health_routes(
                slack.web_app, holder=holder, store=store, metrics=metrics, platform=platform
            )
            time_slack_acks(slack.web_app, metrics)
            if more_routes is not None:
                more_routes(slack.web_app)
        transport = slack
    else:
        from bot.transports.telegram import TelegramTransport

        telegram = TelegramTransport(service, token=settings.telegram_token)
        platform, transport = ("telegram", telegram), telegram
    if not http:
        side = await run_side_server(
            host,
            settings.health_port,
            holder=holder,
            store=store,
            metrics=metrics,
            platform=platform,
            more_routes=more_routes,
        )
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    watcher = asyncio.create_task(holder.watch(paths, stop))
    timers = asyncio.create_task(desk.run(lambda: holder.current, stop)) if desk else None
    runner = asyncio.create_task(transport.run())
    announced = asyncio.create_task(holder.announce())  # a start on the last good copy
    stopping = asyncio.create_task(stop.wait())
    try:
        # SIGTERM, or the transport gave up (a token the platform refuses: BotError, exit 1)
        await asyncio.wait({runner, stopping}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stop.set()
        # stop taking work, finish what was acked (within the grace period), then the store
        await transport.close()
        pending = [watcher, stopping, announced, *([timers] if timers else [])]
        await asyncio.gather(*pending, holder.close(), return_exceptions=True)
        if side is not None:
            await side.cleanup()
        await store.close()
    await runner  # raises what made the transport give up


def admin_pages(
    settings: Settings, admin: Admin, holder: CatalogHolder, store: Store
) -> AdminPages:
    """The admin page (/admin) with "Sign in with Slack" as the settings configure it."""
    from slack_sdk.web.async_client import AsyncWebClient

    from bot.admin_web.cookies import Cookies
    from bot.admin_web.routes import AdminPages
    from bot.admin_web.signin import SlackSignIn

    signin = SlackSignIn(
        client_id=settings.slack_client_id,
        client_secret=settings.slack_client_secret,
        base_url=settings.admin_base_url,
        client=AsyncWebClient(base_url=settings.slack_api_url or AsyncWebClient.BASE_URL),
    )
    cookies = Cookies(
        settings.admin_session_secret, secure=settings.admin_base_url.startswith("https://")
    )
    return AdminPages(signin=signin, cookies=cookies, admin=admin, holder=holder, stats=store)


def people_relinker(slack: SlackTransport) -> Callable[[Catalog], Awaitable[None]]:
    """On each reload, tell the Slack people cache which e-mails the new directory has."""

    async def relink(catalog: Catalog) -> None:
        people = unlinked_people(catalog.directory)
        slack.people.reloaded(p.email for p in people if p.email)

    return relink


# Replicas that share a store post the same reload problems once: the first to claim them
# posts, the others see the claim for this long (an hour: the same broken state seen again
# later is news again).
ADMIN_POST_SECONDS = 3600


def _admin_poster(
    slack: SlackTransport, channel: str, store: SessionStore
) -> Callable[[Sequence[Problem]], Awaitable[None]]:
    """Post reload errors to the admin channel: the file and line, never user text."""

    async def post(problems: Sequence[Problem]) -> None:
        said = hashlib.sha256("\n".join(map(str, problems)).encode()).hexdigest()[:16]
        try:
            claim = await store.claim(f"admin-post:{said}", ADMIN_POST_SECONDS)
        except Exception as exc:  # a store that is down must not keep the admins uninformed
            logger.warning("could not coordinate the admin post: %s", type(exc).__name__)
        else:
            if claim.state != "claimed":
                return  # another replica posted these problems
        lines = [f"`{p}`" for p in problems[:15]]
        reply = Reply(kind="notice", parts=(text("admin.config_error", "sv"), *lines))
        await slack.delivery.post(reply, channel)

    return post
