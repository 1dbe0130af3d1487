"""Administrator commands (`/referral-admin status | reload | check`), for listed users only.

Kept out of the core: it drives the reload holder and reads files, which is the
composition's business, and it answers with an ordinary Reply any transport can render.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

from bot.core import catalog as catalog_files
from bot.core.models import Locale, Reply
from bot.core.texts import text
from bot.errors import Problem
from bot.reload import CatalogHolder

MAX_LINES = 15  # a Slack message with hundreds of problems helps nobody; check says how many


def _problem_lines(problems: Sequence[Problem], locale: Locale) -> list[str]:
    lines = [f"`{p}`" for p in problems[:MAX_LINES]]
    if len(problems) > MAX_LINES:
        lines.append(text("admin.more", locale, count=len(problems) - MAX_LINES))
    return lines


class Admin:
    """Answers admin commands; `users` are transport-qualified ids allowed to use them."""

    def __init__(
        self,
        holder: CatalogHolder,
        *,
        users: Sequence[str],
        paths: Sequence[Path],
        group_members: Callable[[], Awaitable[frozenset[str]]] | None = None,
    ):
        self.holder = holder
        self.users = frozenset(users)
        self.paths = list(paths)
        # members of the admin user group, asked of the chat platform when needed
        self.group_members = group_members

    async def allowed(self, user: str) -> bool:
        if user in self.users:
            return True
        return self.group_members is not None and user in await self.group_members()

    async def handle(self, user: str, args: str, locale: Locale) -> Reply:
        if not await self.allowed(user):
            return Reply(kind="notice", parts=(text("admin.refused", locale),), locale=locale)
        verb = (args.split() or ["status"])[0].casefold()
        if verb == "status":
            return self._status(locale)
        if verb == "reload":
            result = await self.holder.reload()
            if result.ok:
                key = "admin.reloaded" if result.changed else "admin.unchanged"
                parts = [text(key, locale, version=result.version, seconds=f"{result.seconds:.2f}")]
            else:
                parts = [text("admin.reload_failed", locale, version=result.version)]
                parts += _problem_lines(result.problems, locale)
            return Reply(kind="notice", parts=tuple(parts), locale=locale)
        if verb == "check":
            problems = await asyncio.to_thread(catalog_files.check, self.paths)
            errors = sum(p.severity == "error" for p in problems)
            summary = text(
                "admin.check_summary", locale, errors=errors, warnings=len(problems) - errors
            )
            return Reply(
                kind="notice", parts=(summary, *_problem_lines(problems, locale)), locale=locale
            )
        return Reply(kind="notice", parts=(text("admin.usage", locale),), locale=locale)

    def _status(self, locale: Locale) -> Reply:
        status = self.holder.status()
        loaded = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(status.loaded_at))
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
            at = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(status.last_error.at))
            parts.append(text("admin.last_error", locale, at=at))
            parts += _problem_lines(status.last_error.problems, locale)
        return Reply(kind="notice", parts=tuple(parts), locale=locale)
