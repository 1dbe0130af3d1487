"""Who answers for a school: its age groups, contacts in answering order, and where to call now."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from bot.core.actions import ReportWrong
from bot.core.clock import Route, format_date, route_at, to_local
from bot.core.grades import ages_label
from bot.core.models import (
    AgeGroup,
    Choice,
    ContactCard,
    Directory,
    Municipality,
    Office,
    Person,
    School,
)
from bot.core.texts import text

ALL = "all"


def groups_for(
    school: School, municipality: Municipality, ages: tuple[int, int] | None
) -> tuple[AgeGroup, ...]:
    """The age groups that answer for `school`, narrowed to `ages` when they were asked.

    Empty when the school uses `all` (one list for every age) or when no group of the school
    covers the asked ages (the caller then shows all the school's contacts instead).
    """
    if ALL in school.contacts:
        return ()
    low, high = (school.min_age, school.max_age) if ages is None else ages
    return tuple(
        g
        for g in municipality.age_groups
        if g.id in school.contacts
        and g.overlaps(school.min_age, school.max_age)
        and g.overlaps(low, high)
    )


@dataclass(frozen=True, slots=True)
class ResolvedContact:
    """A person in answering order: rank 1 answers first; `away_until` when away today."""

    person: Person
    rank: int
    away_until: date | None


@dataclass(frozen=True, slots=True)
class GroupContacts:
    """The contacts of one age group; `group` is None for a school's `all` list."""

    group: AgeGroup | None
    contacts: tuple[ResolvedContact, ...]

    @property
    def group_id(self) -> str:
        """The age group's id, or "all" for a school's one list (as School.contacts keys it)."""
        return self.group.id if self.group else ALL


@dataclass(frozen=True, slots=True)
class ContactAnswer:
    """Everything needed to answer 'who is our contact': groups, contacts and the route now."""

    school: School
    municipality: Municipality
    groups: tuple[GroupContacts, ...]
    route: Route


def group_ids(answer: ContactAnswer) -> tuple[str, ...]:
    """The ids of the age groups an answer shows contacts for ("all" for a school's list)."""
    return tuple(g.group_id for g in answer.groups)


def ordered(people: list[Person], day: date) -> tuple[ResolvedContact, ...]:
    """Available people first in list order, then those away on `day` (with their end date)."""
    absences = [(p, p.away_on(day)) for p in people]
    in_order = sorted(absences, key=lambda pa: pa[1] is not None)  # stable: list order stays
    return tuple(
        ResolvedContact(p, rank, absence.end if absence else None)
        for rank, (p, absence) in enumerate(in_order, start=1)
    )


def resolve(
    directory: Directory, school: School, ages: tuple[int, int] | None, when: datetime
) -> ContactAnswer:
    """The contacts for `school` (for `ages`, or every age it serves) and the route at `when`.

    `groups` is empty when the school has no group for the asked ages; ask again with None.
    """
    municipality = directory.municipality_of(school)
    route = route_at(municipality, when)
    day = to_local(when).date()

    def people(group_id: str) -> list[Person]:
        listed = (municipality.people[pid] for pid in school.contacts.get(group_id, ()))
        return [p for p in listed if not p.placeholder]  # "FYLL I" is nobody to call

    groups: tuple[GroupContacts, ...]
    if ALL in school.contacts:
        groups = (GroupContacts(None, ordered(people(ALL), day)),)
    else:
        groups = tuple(
            GroupContacts(g, ordered(people(g.id), day))
            for g in groups_for(school, municipality, ages)
        )
    return ContactAnswer(school, municipality, groups, route)


def group_label(group: AgeGroup | None, locale: str) -> str:
    """The directory's name of an age group in Swedish ("Unga 13–20 år"); in English its ages
    ("ages 13–20"), since the directory names groups in Swedish only."""
    if group is None:
        return text("contacts.all_ages", locale)
    return group.label if locale == "sv" else ages_label(group.min_age, group.max_age, locale)


def group_label_of(municipality: Municipality, group_id: str, locale: str) -> str:
    """`group_label` of an age group named by its id in `municipality` ("all": every age)."""
    group = next((g for g in municipality.age_groups if g.id == group_id), None)
    return group_label(None if group_id == ALL else group, locale)


OfficeRole = Literal["reception", "after_hours", "other_municipality"]


def office_card(office: Office, role: OfficeRole, label: str, *, email: bool = True) -> ContactCard:
    """A reception or on-call office as a card, its e-service as the link (and its e-mail
    address unless `email` is False)."""
    return ContactCard(
        role=role,
        name=office.name,
        phone=office.phone,
        email=office.email if email else None,
        url=office.e_service,
        label=label,
    )


def cards(answer: ContactAnswer, locale: str, *, emails: bool = True) -> tuple[ContactCard, ...]:
    """Contact cards: the school's contacts by group, then the office to call now, then the other.

    In office hours the reception comes first; after hours and on holidays the socialjour.
    A person's card offers "Fel uppgift?" (bot.core.wrong_details).
    `emails=False` leaves every e-mail address out (the checklist's outcomes advise against
    reporting by plain e-mail).
    """
    out: list[ContactCard] = []
    for group in answer.groups:
        label = group_label(group.group, locale)
        for contact in group.contacts:
            role = "primary" if contact.rank == 1 else "backup"
            note = None
            if contact.away_until is not None:
                until = format_date(contact.away_until, locale)
                note = text("contacts.away_until", locale, date=until)
            person = contact.person
            out.append(
                ContactCard(
                    role="contact",
                    name=person.name,
                    title=person.title,
                    phone=person.phone,
                    email=person.email if emails else None,
                    slack=person.slack,
                    label=text(f"contacts.{role}", locale, group=label),
                    note=note,
                    report=Choice(
                        ReportWrong(answer.school.key, person.id, group.group_id),
                        text("report.button", locale),
                    ),
                )
            )
    return (*out, *office_cards(answer.municipality, answer.route, locale, emails=emails))


def office_cards(
    m: Municipality, route: Route, locale: str, *, emails: bool = True
) -> tuple[ContactCard, ...]:
    """The reception and the socialjour, the one to call at `route`'s time first."""
    offices: list[tuple[Literal["reception", "after_hours"], Office]] = [
        ("reception", m.reception),
        ("after_hours", m.after_hours),
    ]
    if route.kind == "after_hours":
        offices.reverse()
    return tuple(
        office_card(office, role, text(f"contacts.{role}_label", locale), email=emails)
        for role, office in offices
    )


def unlinked_people(directory: Directory) -> tuple[Person, ...]:
    """The people a chat platform may find by e-mail: with an e-mail and no `slack:` id,
    leaving out placeholders (`init`'s "FYLL I"), in file order."""
    return tuple(
        p
        for m in directory.municipalities.values()
        for p in m.people.values()
        if p.email and not p.slack and not p.placeholder
    )
