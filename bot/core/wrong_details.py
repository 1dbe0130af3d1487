""" "Fel uppgift?": staff tell a municipality's administrators that a contact's details are wrong.

A person's contact card carries a ReportWrong choice. A click asks what is wrong, with the
REASONS as buttons (nothing to type); a pick answers with a thank-you and an AdminNotice for
the municipality's `admin_channel`, else the bot's global admin channel, naming the entry by
its file and line, the school, the age group, the reason and the reporter. With neither
channel the person is told to tell the reception instead. Every button carries ids only:
the school key, the person id, the age group id and the reason id, never text or anything
about a child. A button whose ids no longer resolve (a reload changed the directory) is
answered calmly as an old button.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from bot.core.actions import ReportReason, ReportWrong
from bot.core.catalog import Catalog
from bot.core.contacts import group_label_of
from bot.core.models import (
    AdminNotice,
    Choice,
    Locale,
    Municipality,
    Person,
    Reply,
    School,
)
from bot.core.texts import text

logger = logging.getLogger(__name__)

# What can be wrong with an entry, in the order offered; "report.reason_<id>" is the label.
REASONS = ("gone", "phone", "email", "school", "other")
# The administrators' message is in Swedish, like the configuration errors they get.
ADMIN_LOCALE: Locale = "sv"


@dataclass(frozen=True, slots=True)
class _Entry:
    school: School
    municipality: Municipality
    person: Person
    age_group: str


def _entry(catalog: Catalog, school_key: str, person_id: str, age_group: str) -> _Entry | None:
    """The entry a button names, if the live directory still has that person for that
    school and age group."""
    directory = catalog.directory
    school = directory.schools.get(school_key)
    if school is None or person_id not in school.contacts.get(age_group, ()):
        return None
    municipality = directory.municipality_of(school)
    person = municipality.people.get(person_id)
    if person is None:
        return None
    return _Entry(school, municipality, person, age_group)


def _stale(locale: Locale) -> Reply:
    return Reply(kind="notice", parts=(text("service.old_button", locale),), locale=locale)


def reasons_reply(catalog: Catalog, action: ReportWrong, locale: Locale) -> Reply:
    """What is wrong with the entry? One button per reason."""
    entry = _entry(catalog, action.school, action.person, action.age_group)
    if entry is None:
        return _stale(locale)
    choices = tuple(
        Choice(
            ReportReason(action.school, action.person, action.age_group, reason),
            text(f"report.reason_{reason}", locale),
        )
        for reason in REASONS
    )
    question = text("report.question", locale, name=entry.person.name)
    return Reply(kind="notice", parts=(question,), choices=choices, locale=locale)


def reported_reply(
    catalog: Catalog,
    action: ReportReason,
    reporter: str,
    admin_channel: str | None,
    locale: Locale,
) -> Reply:
    """The thank-you, with the AdminNotice for the municipality's admins; without an admin
    channel (the municipality's or `admin_channel`, the global one), whom to tell instead."""
    entry = _entry(catalog, action.school, action.person, action.age_group)
    if entry is None or action.reason not in REASONS:
        return _stale(locale)
    municipality = entry.municipality
    reception = municipality.reception
    tell_reception = Reply(
        kind="notice",
        parts=(
            text(
                "report.no_admins",
                locale,
                municipality=municipality.name,
                reception=reception.name,
                phone=reception.phone,
            ),
        ),
        locale=locale,
    )
    channel = municipality.admin_channel or admin_channel
    if not channel:
        logger.info("wrong details reported for %s: no admin channel", municipality.id)
        return tell_reception
    logger.info("wrong details reported for %s (%s)", municipality.id, action.reason)
    notice = AdminNotice(
        channel=channel,
        title=text("report.admin_title", ADMIN_LOCALE),
        parts=_admin_parts(entry, action.reason),
        reporter=reporter,
        undelivered=tell_reception,
    )
    thanks = text("report.thanks", locale, name=entry.person.name)
    return Reply(kind="notice", parts=(thanks,), locale=locale, notify=notice)


def _admin_parts(entry: _Entry, reason: str) -> tuple[str, ...]:
    person = entry.person
    origin = str(person.origin) if person.origin is not None else entry.municipality.source
    sv = ADMIN_LOCALE
    group = group_label_of(entry.municipality, entry.age_group, sv)
    return (
        text("report.admin_entry", sv, name=person.name, person=person.id, origin=origin),
        text("report.admin_school", sv, school=entry.school.name),
        text("report.admin_group", sv, group=f"{group} ({entry.age_group})"),
        text("report.admin_reason", sv, reason=text(f"report.reason_{reason}", sv)),
    )
