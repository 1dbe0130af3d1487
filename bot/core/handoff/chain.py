"""Who a request goes to, in order: the age group's contacts as the directory lists them
(primary first, then the backups), skipping placeholders, people away today and people who
cannot be reached in the chat; then the reception's channel, when the municipality has one."""

from __future__ import annotations

from datetime import date

from bot.core.handoff.requests import HandoffRequest, channel_target, person_target
from bot.core.models import Directory, Municipality, Person, School


def people_to_ask(
    municipality: Municipality, school: School, age_group: str, day: date
) -> list[Person]:
    """The contacts of `age_group` at `school` who can take a request on `day`."""
    listed = (municipality.people[pid] for pid in school.contacts.get(age_group, ()))
    return [p for p in listed if p.slack and not p.placeholder and p.away_on(day) is None]


def reachable(municipality: Municipality, school: School, age_group: str, day: date) -> bool:
    """Whether a request for this school and age group can reach anyone in the chat."""
    return bool(people_to_ask(municipality, school, age_group, day) or municipality.handoff.channel)


def next_target(request: HandoffRequest, directory: Directory, day: date) -> str | None:
    """The first in the chain the request has not been offered to yet; None at the end."""
    school = directory.schools.get(request.school)
    municipality = directory.municipalities.get(request.municipality)
    if school is None or municipality is None:  # gone in a reload: nobody left to ask
        return None
    offered = {o.target for o in request.offers}
    for person in people_to_ask(municipality, school, request.age_group, day):
        if person_target(person.id) not in offered:
            return person_target(person.id)
    channel = municipality.handoff.channel
    if channel and channel_target(channel) not in offered:
        return channel_target(channel)
    return None
