"""The answer to a question about help beyond the school's contacts: "ungdomsmottagning
Nyköping", "vem kan hjälpa med NPF i Gnesta?", "BUP för Ängsskolan åk 8".

Which resources serve the school or municipality and the ages asked is bot.core.resources'
one choice; this module only words it. With none of that kind in the directory the answer
says so and gives the municipality's social services, never another municipality's help.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from bot.core import clock, contacts
from bot.core.catalog import Catalog
from bot.core.contact_answers import flow_choices, school_summary, unconfigured_reply
from bot.core.grades import AskedGrade
from bot.core.models import (
    ContactCard,
    ContactResult,
    Locale,
    Municipality,
    MunicipalitySummary,
    Reply,
    Resource,
    RouteSummary,
    School,
)
from bot.core.municipalities import KnownMunicipality
from bot.core.resources import kind_label, serving
from bot.core.texts import text

# kinds the regions' health care runs, listed nationwide on 1177.se
HEALTH_KINDS = frozenset({"bup", "ungdomsmottagning", "familjecentral"})


def resources_reply(
    catalog: Catalog,
    municipality: Municipality,
    kind: str,
    when: datetime,
    locale: Locale,
    *,
    school: School | None = None,
    grade: AskedGrade | None = None,
) -> Reply:
    """The resources of `kind` for `school` (or the whole municipality) and the asked grade;
    without any, the municipality's reception or socialjour, whichever answers now."""
    found = serving(municipality, school=school, ages=grade.ages if grade else None, kind=kind)
    where = school.name if school else municipality.name
    if grade is not None:
        where = f"{where}, {grade.label(locale)}"
    route = clock.route_at(municipality, when)
    if found:
        opening = text("resources.found", locale, where=where)
        cards = tuple(resource_card(r, locale) for r in found)
    else:
        opening = text("resources.none", locale, where=where)
        cards = contacts.office_cards(municipality, route, locale)
    parts = [text(f"resources.advice_{kind}", locale)]
    if kind != "barnahus":  # its advice says it already: the report comes first
        parts.append(text("resources.duty", locale))
    parts.append(opening)  # just above the cards it introduces
    return Reply(
        kind="contact",
        title=text("resources.heading", locale, kind=kind_label(kind, locale), where=where),
        parts=tuple(parts),
        cards=cards,
        choices=flow_choices(catalog, locale),
        footer=text("service.acute_footer", locale),
        locale=locale,
        contact=ContactResult(
            "resources",
            municipality=MunicipalitySummary(municipality.name, municipality.code, True),
            school=school_summary(school, catalog) if school else None,
            resources=found,
            resource_kind=kind,
            municipality_id=municipality.id,
            route=None
            if found
            else RouteSummary(route.kind, route.office.name, route.office.phone),
        ),
    )


def resource_card(resource: Resource, locale: Locale) -> ContactCard:
    ages = text("resources.ages", locale, low=resource.min_age, high=resource.max_age)
    return ContactCard(
        role="resource",
        name=resource.name,
        phone=resource.phone,
        email=resource.email,
        url=resource.url,
        note=f"{resource.about} ({ages})" if resource.about else ages,
    )


def unconfigured_resources_reply(
    catalog: Catalog, place: KnownMunicipality, kind: str, locale: Locale
) -> Reply:
    """A kind asked for in a municipality without a file: the honest answer for that
    municipality, and where that kind of help is listed for everyone."""
    reply = unconfigured_reply(catalog, place, locale)
    if kind not in HEALTH_KINDS:
        return reply
    return replace(reply, parts=(*reply.parts, text("resources.elsewhere_health", locale)))


def ask_place(locale: Locale) -> Reply:
    """A kind asked for with no school or municipality named (and none saved)."""
    return Reply(kind="notice", parts=(text("resources.ask_place", locale),), locale=locale)
