"""Administrator commands (`/referral-admin status | reload | check | requests`), for listed
users only.

The bot's admins (ADMIN_USERS, ADMIN_USERGROUP) see everything. A municipality's own admins
(`admins:` in its file: Slack users or user groups) see their municipality's file only:
`status` its counts and problems, `check` its problems, `requests` its consultation
requests; `reload` reloads everything, since a catalog goes live whole, and says so, listing
only the problems in their file.

Kept out of the core: it drives the reload holder and reads files, which is the
composition's business, and it answers with an ordinary Reply any transport can render.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

from bot.core import catalog as catalog_files
from bot.core.handoff.audit import audit
from bot.core.handoff.desk import DEFAULT_KEEP_DAYS
from bot.core.handoff.requests import KIND, HandoffRequest
from bot.core.models import Locale, Municipality, Reply
from bot.core.records import RecordStore
from bot.core.texts import text
from bot.errors import Problem
from bot.reload import CatalogHolder

MAX_LINES = 15  # a Slack message with hundreds of problems helps nobody; check says how many


def _problem_lines(
    problems: Sequence[Problem], locale: Locale, files: frozenset[str] | None = None
) -> list[str]:
    """The problems as lines, at most MAX_LINES; with `files`, only those in these files
    and how many others there are."""
    shown = [p for p in problems if files is None or p.path in files]
    lines = [f"`{p}`" for p in shown[:MAX_LINES]]
    if len(shown) > MAX_LINES:
        lines.append(text("admin.more", locale, count=len(shown) - MAX_LINES))
    if len(problems) > len(shown):
        lines.append(text("admin.elsewhere", locale, count=len(problems) - len(shown)))
    return lines


class Admin:
    """Answers admin commands; `users` are transport-qualified ids allowed to use them."""

    def __init__(
        self,
        holder: CatalogHolder,
        *,
        users: Sequence[str],
        paths: Sequence[Path],
        usergroup: str | None = None,
        members_of: Callable[[str], Awaitable[frozenset[str]]] | None = None,
        records: RecordStore | None = None,
        keep_days: float = DEFAULT_KEEP_DAYS,
    ):
        self.holder = holder
        self.users = frozenset(users)
        self.paths = list(paths)
        self.usergroup = usergroup  # ADMIN_USERGROUP: its members are the bot's admins too
        # the members of a user group (ADMIN_USERGROUP, or one a municipality names in
        # `admins:`), asked of the chat platform when needed
        self.members_of = members_of
        # where consultation requests are kept (`requests`), and for how long
        self.records = records
        self.keep_days = keep_days

    async def allowed(self, user: str) -> bool:
        """Whether `user` is one of the bot's admins, for every municipality."""
        if user in self.users:
            return True
        if self.usergroup is None or self.members_of is None:
            return False
        return user in await self.members_of(self.usergroup)

    async def municipalities_of(self, user: str) -> tuple[Municipality, ...]:
        """The municipalities whose `admins:` name `user`, or a user group `user` is in."""
        own: list[Municipality] = []
        for m in self.holder.current.directory.municipalities.values():
            if user in m.admins:
                own.append(m)
                continue
            for group in (a for a in m.admins if a.startswith("S")):
                if self.members_of is not None and user in await self.members_of(group):
                    own.append(m)
                    break
        return tuple(own)

    async def handle(self, user: str, args: str, locale: Locale) -> Reply:
        """Answer `args` for `user`: the bot's admins about everything (`files` None), a
        municipality's admins about their municipalities' files, anyone else a refusal."""
        files: frozenset[str] | None = None
        own: tuple[Municipality, ...] = ()
        if not await self.allowed(user):
            own = await self.municipalities_of(user)
            if not own:
                return Reply(kind="notice", parts=(text("admin.refused", locale),), locale=locale)
            files = frozenset(m.source for m in own)
        verb = (args.split() or ["status"])[0].casefold()
        if verb == "status":
            return self._status(locale) if files is None else self._own_status(own, files, locale)
        if verb == "reload":
            return await self._reload(locale, files)
        if verb == "check":
            problems = await asyncio.to_thread(catalog_files.check, self.paths)
            mine = [p for p in problems if files is None or p.path in files]
            errors = sum(p.severity == "error" for p in mine)
            summary = text(
                "admin.check_summary", locale, errors=errors, warnings=len(mine) - errors
            )
            return Reply(
                kind="notice", parts=(summary, *_problem_lines(mine, locale)), locale=locale
            )
        if verb == "requests" and self.records is not None:
            return await self._requests(own if files is not None else None, locale)
        return Reply(kind="notice", parts=(text("admin.usage", locale),), locale=locale)

    async def _requests(self, own: tuple[Municipality, ...] | None, locale: Locale) -> Reply:
        """The consultation requests kept, of `own` municipalities (all for the bot's)."""
        assert self.records is not None
        kept = [HandoffRequest.from_json(r.body) for r in await self.records.listing(KIND)]
        scope = None if own is None else {m.id for m in own}
        directory = self.holder.current.directory
        lines = audit(kept, directory, scope, self.keep_days, locale)
        return Reply(kind="notice", parts=lines, locale=locale)

    async def _reload(self, locale: Locale, files: frozenset[str] | None) -> Reply:
        result = await self.holder.reload()
        # a municipality's admin reloads every file: the catalog goes live whole
        parts = [] if files is None else [text("admin.reload_all", locale)]
        if result.ok:
            key = "admin.reloaded" if result.changed else "admin.unchanged"
            parts.append(text(key, locale, version=result.version, seconds=f"{result.seconds:.2f}"))
        else:
            parts.append(text("admin.reload_failed", locale, version=result.version))
            parts += _problem_lines(result.problems, locale, files)
        return Reply(kind="notice", parts=tuple(parts), locale=locale)

    def _own_status(
        self, own: tuple[Municipality, ...], files: frozenset[str], locale: Locale
    ) -> Reply:
        """The status of a municipality's admin: the version, then each of their files."""
        status = self.holder.status()
        catalog = self.holder.current
        parts = [
            text("admin.version", locale, version=status.version, loaded=_at(status.loaded_at))
        ]
        for m in own:
            warnings = sum(p.path == m.source for p in catalog.warnings)
            parts.append(
                text(
                    "admin.own_status",
                    locale,
                    municipality=m.name,
                    file=m.source,
                    schools=len(m.schools),
                    warnings=warnings,
                )
            )
        if status.last_error is not None:
            mine = [p for p in status.last_error.problems if p.path in files]
            if mine:
                parts.append(text("admin.last_error", locale, at=_at(status.last_error.at)))
                parts += _problem_lines(mine, locale)
        return Reply(kind="notice", parts=tuple(parts), locale=locale)

    def _status(self, locale: Locale) -> Reply:
        status = self.holder.status()
        loaded = _at(status.loaded_at)
        parts = [
            text(
                "admin.status",
                locale,
                version=status.version,
                loaded=loaded,
                municipalities=status.municipalities,
                schools=status.schools,
                flows=status.flows,
                warnings=status.warnings,
            )
        ]
        if status.last_error is not None:
            parts.append(text("admin.last_error", locale, at=_at(status.last_error.at)))
            parts += _problem_lines(status.last_error.problems, locale)
        return Reply(kind="notice", parts=tuple(parts), locale=locale)


def _at(stamp: float) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(stamp))
