"""The answers to contact questions: who to call for a school now, or which school was meant.

Pure functions of the catalog, the school or match, the asked grade, the language and the
time; bot.core.service decides which one a message gets.
"""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from bot.core import clock, contacts
from bot.core.actions import SaveSchool, ShowContacts, StartFlow
from bot.core.catalog import Catalog
from bot.core.clock import Route
from bot.core.grades import AskedGrade
from bot.core.matching import Lookup, MatchResult
from bot.core.models import (
    Choice,
    ContactEntry,
    ContactResult,
    Locale,
    MunicipalitySummary,
    Reply,
    RouteSummary,
    School,
    SchoolSummary,
)
from bot.core.municipalities import KnownMunicipality
from bot.core.texts import text

DEFAULT_FLOW = "orosanmalan"  # the checklist "/oro" alone starts, offered first


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
    parts.append(_route_line(route, when, locale))
    result = ContactResult(
        status="found",
        school=school_summary(school, catalog),
        age_groups=contacts.group_ids(answer),
        contacts=tuple(
            ContactEntry(
                name=c.person.name,
                title=c.person.title,
                phone=c.person.phone,
                email=c.person.email,
                slack=c.person.slack,
                age_group=g.group_id,
                rank=c.rank,
                away_until=c.away_until,
            )
            for g in answer.groups
            for c in g.contacts
        ),
        route=RouteSummary(route.kind, route.office.name, route.office.phone),
        municipality_id=school.municipality_id,
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


def _route_line(route: Route, when: datetime, locale: Locale) -> str:
    if route.kind == "reception":
        return text("service.route_open", locale)
    if route.opens_next is not None:
        opens = clock.describe(route.opens_next, when, locale)
        return text("service.route_closed_until", locale, opens=opens)
    return text("service.route_closed", locale)


def municipality_reply(
    catalog: Catalog, municipality_id: str, when: datetime, locale: Locale
) -> Reply:
    """A municipality named alone ("Mora", "socialtjänsten i Mora"): its reception and
    socialjour, the one to call now first, and how to get the school's own contacts."""
    m = catalog.directory.municipalities[municipality_id]
    route = clock.route_at(m, when)
    summary = MunicipalitySummary(m.name, m.code, configured=True)
    return Reply(
        kind="contact",
        title=text("service.municipality_heading", locale, municipality=m.name),
        parts=(_route_line(route, when, locale), text("service.name_the_school", locale)),
        cards=contacts.office_cards(m, route, locale),
        choices=flow_choices(catalog, locale),
        footer=text("service.acute_footer", locale),
        locale=locale,
        contact=ContactResult(
            "municipality",
            municipality=summary,
            route=RouteSummary(route.kind, route.office.name, route.office.phone),
            municipality_id=m.id,
        ),
    )


def unconfigured_reply(catalog: Catalog, place: KnownMunicipality, locale: Locale) -> Reply:
    """A municipality the directory has no file for ("socialtjänsten i Kiruna", "Tunaskolan
    i Göteborg"): that the bot has no contacts there and how to reach its social services.
    No number or address is made up: the switchboard and the web site are the way in."""
    return Reply(
        kind="contact",
        title=text("service.municipality_heading", locale, municipality=place.name),
        parts=(
            text("service.unconfigured", locale, municipality=place.name),
            text("service.unconfigured_how", locale),
        ),
        choices=flow_choices(catalog, locale),
        footer=text("service.acute_footer", locale),
        locale=locale,
        contact=ContactResult(
            "municipality", municipality=MunicipalitySummary(place.name, place.code, False)
        ),
    )


def flow_choices(catalog: Catalog, locale: Locale) -> tuple[Choice, ...]:
    """A button for every checklist, the report checklist first and as the primary one."""
    flows = sorted(catalog.flows.values(), key=lambda f: f.id != DEFAULT_FLOW)
    return tuple(
        Choice(
            StartFlow(f.id), f.title.get(locale), "primary" if f.id == DEFAULT_FLOW else "default"
        )
        for f in flows
    )


def schools_to_pick(asked: Lookup, catalog: Catalog, locale: Locale) -> Reply:
    """Schools to pick from: several match what was typed, or none does and these are the
    nearest. When none does, the checklists are offered too: a worried person who names no
    school we know still gets somewhere."""
    result = asked.result
    place = asked.query.municipality_id
    if result.status == "ambiguous":
        among = {s.municipality_id for s in result.candidates}
        where = next(iter(among)) if len(among) == 1 else place
        return _schools_reply(
            "ambiguous", (text("service.ambiguous", locale),), result, catalog, locale, where
        )
    municipality = catalog.directory.municipalities.get(place) if place else None
    if municipality is not None:
        missing = text("service.not_found_in", locale, municipality=municipality.name)
    else:
        missing = text("service.not_found", locale)
    hint = "service.did_you_mean" if result.candidates else "service.not_found_hint"
    parts = (missing, text(hint, locale))
    return _schools_reply(
        "not_found", parts, result, catalog, locale, place, flow_choices(catalog, locale)
    )


def _schools_reply(
    status: Literal["ambiguous", "not_found"],
    parts: tuple[str, ...],
    result: MatchResult,
    catalog: Catalog,
    locale: Locale,
    municipality_id: str | None,
    more: tuple[Choice, ...] = (),
) -> Reply:
    directory = catalog.directory
    return Reply(
        kind=status,
        parts=parts,
        choices=(
            *(
                Choice(ShowContacts(s.key), f"{s.name} – {directory.municipality_of(s).name}")
                for s in result.candidates
            ),
            *more,
        ),
        footer=text("service.acute_footer", locale),
        locale=locale,
        contact=ContactResult(
            status,
            candidates=tuple(school_summary(s, catalog) for s in result.candidates),
            municipality_id=municipality_id,
        ),
    )


def school_summary(school: School, catalog: Catalog) -> SchoolSummary:
    municipality = catalog.directory.municipality_of(school)
    return SchoolSummary(school.key, school.name, school.code, municipality.name)
