"""The answers to contact questions: who to call for a school now, or which school was meant.

Pure functions of the catalog, the school or match, the asked grade, the language and the
time; bot.core.service decides which one a message gets.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from bot.core import clock, contacts
from bot.core.actions import SaveSchool, ShowContacts
from bot.core.catalog import Catalog
from bot.core.grades import AskedGrade
from bot.core.matching import MatchResult
from bot.core.models import (
    Choice,
    ContactEntry,
    ContactResult,
    Locale,
    Reply,
    RouteSummary,
    School,
    SchoolSummary,
)
from bot.core.texts import text

MAX_SCHOOL_CHOICES = 25  # one Slack actions block; more is a list nobody reads


def contact_reply(
    catalog: Catalog,
    school: School,
    when: datetime,
    locale: Locale,
    *,
    grade: AskedGrade | None = None,
    ages: tuple[int, int] | None = None,
) -> Reply:
    """Who to contact for `school` at `when`: for the asked grade (labelled in `locale`) or
    `ages` when given, else for every age group of the school."""
    if grade is not None:
        ages = grade.ages
    answer = contacts.resolve(catalog.directory, school, ages, when)
    parts: list[str] = []
    if grade is not None:
        if answer.groups:
            parts.append(text("service.for_age", locale, age=grade.label(locale)))
        else:
            parts.append(text("service.no_group_for_age", locale, age=grade.label(locale)))
            answer = contacts.resolve(catalog.directory, school, None, when)
    route = answer.route
    if route.kind == "reception":
        parts.append(text("service.route_open", locale))
    elif route.opens_next is not None:
        opens = clock.describe(route.opens_next, when, locale)
        parts.append(text("service.route_closed_until", locale, opens=opens))
    else:
        parts.append(text("service.route_closed", locale))
    result = ContactResult(
        status="found",
        school=_summary(school, catalog),
        age_groups=tuple(g.group.id if g.group else "all" for g in answer.groups),
        contacts=tuple(
            ContactEntry(
                name=c.person.name,
                title=c.person.title,
                phone=c.person.phone,
                email=c.person.email,
                slack=c.person.slack,
                age_group=g.group.id if g.group else "all",
                rank=c.rank,
                away_until=c.away_until,
            )
            for g in answer.groups
            for c in g.contacts
        ),
        route=RouteSummary(route.kind, route.office.name, route.office.phone),
    )
    return Reply(
        kind="contact",
        title=text(
            "service.contact_heading",
            locale,
            school=school.name,
            municipality=answer.municipality.name,
        ),
        parts=tuple(parts),
        cards=contacts.cards(answer, locale),
        choices=(Choice(SaveSchool(school.key), text("service.save_school", locale)),),
        footer=text("service.acute_footer", locale),
        locale=locale,
        contact=result,
    )


def schools_to_pick(result: MatchResult, catalog: Catalog, locale: Locale) -> Reply:
    """Schools to pick from: several match what was typed, or none does and these are the
    nearest."""
    if result.status == "ambiguous":
        return _schools_reply(
            "ambiguous", (text("service.ambiguous", locale),), result, catalog, locale
        )
    hint = "service.did_you_mean" if result.candidates else "service.not_found_hint"
    parts = (text("service.not_found", locale), text(hint, locale))
    return _schools_reply("not_found", parts, result, catalog, locale)


def schools_in(catalog: Catalog, municipality_id: str, locale: Locale) -> Reply:
    """The schools of a municipality named alone ("Luleå kommun"), to pick from."""
    schools = catalog.directory.municipalities[municipality_id].schools
    listed = tuple(sorted(schools, key=lambda s: s.name)[:MAX_SCHOOL_CHOICES])
    parts = (text("service.which_school_in", locale),)
    result = MatchResult("ambiguous", None, listed)
    return _schools_reply("ambiguous", parts, result, catalog, locale)


def _schools_reply(
    status: Literal["ambiguous", "not_found"],
    parts: tuple[str, ...],
    result: MatchResult,
    catalog: Catalog,
    locale: Locale,
) -> Reply:
    directory = catalog.directory
    return Reply(
        kind=status,
        parts=parts,
        choices=tuple(
            Choice(ShowContacts(s.key), f"{s.name} – {directory.municipality_of(s).name}")
            for s in result.candidates
        ),
        footer=text("service.acute_footer", locale),
        locale=locale,
        contact=ContactResult(
            status, candidates=tuple(_summary(s, catalog) for s in result.candidates)
        ),
    )


def _summary(school: School, catalog: Catalog) -> SchoolSummary:
    municipality = catalog.directory.municipality_of(school)
    return SchoolSummary(school.key, school.name, school.code, municipality.name)
