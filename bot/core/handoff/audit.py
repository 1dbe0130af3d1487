"""The admins' view of consultation requests (`/referral-admin requests`): for each request,
who was asked, who passed it on or let it wait, who took it and how fast. Ids, names of the
directory's people and times only: a request holds nothing about the child."""

from __future__ import annotations

import statistics
from collections.abc import Collection, Sequence
from datetime import UTC, datetime

from bot.core import clock
from bot.core.handoff.messages import local_time, target_name, topic_label, wait_text
from bot.core.handoff.requests import HandoffRequest
from bot.core.models import Directory, Locale
from bot.core.texts import text

SHOWN = 15  # the newest requests listed; the summary counts them all


def _day(at: float, locale: Locale) -> str:
    local = clock.to_local(datetime.fromtimestamp(at, UTC))
    return f"{clock.format_date(local.date(), locale)} {local.strftime('%H:%M')}"


def _line(request: HandoffRequest, directory: Directory, locale: Locale) -> str:
    municipality = directory.municipalities[request.municipality]
    school = directory.schools.get(request.school)
    steps = []
    for offer in request.offers:
        step = text(
            "admin.request_offered",
            locale,
            name=target_name(offer.target, municipality, locale),
            time=local_time(offer.at),
        )
        if offer.answer is not None:
            step += " " + text(f"admin.request_{offer.answer}", locale)
        steps.append(step)
    if request.state == "taken" and request.owner and request.taken_at is not None:
        waited = wait_text(60 * max(1, round((request.taken_at - request.created) / 60)), locale)
        who = target_name(request.owner, municipality, locale)
        ended = text("admin.request_taken", locale, name=who, time=local_time(request.taken_at))
        steps.append(f"{ended} ({waited})")
    else:
        steps.append(text(f"admin.request_{request.state}", locale))
    return text(
        "admin.request_line",
        locale,
        at=_day(request.created, locale),
        school=school.name if school else request.school,
        group=request.age_group,
        topic=topic_label(request.topic, locale),
        steps=" → ".join(steps),
    )


def audit(
    requests: Sequence[HandoffRequest],
    directory: Directory,
    municipalities: Collection[str] | None,
    keep_days: float,
    locale: Locale,
) -> tuple[str, ...]:
    """The summary and the newest requests of `municipalities` (every one when None)."""
    mine = sorted(
        (
            r
            for r in requests
            if r.municipality in directory.municipalities
            and (municipalities is None or r.municipality in municipalities)
        ),
        key=lambda r: r.created,
        reverse=True,
    )
    if not mine:
        return (text("admin.requests_none", locale, days=round(keep_days)),)
    taken = [r for r in mine if r.state == "taken" and r.taken_at is not None]
    waits = [(r.taken_at or 0) - r.created for r in taken]
    median = wait_text(60 * max(1, round(statistics.median(waits) / 60)), locale) if waits else "–"
    summary = text(
        "admin.requests_summary",
        locale,
        count=len(mine),
        days=round(keep_days),
        taken=len(taken),
        unanswered=sum(r.state == "unanswered" for r in mine),
        waiting=sum(r.state in ("open", "queued") for r in mine),
        median=median,
    )
    return (summary, *(_line(r, directory, locale) for r in mine[:SHOWN]))
