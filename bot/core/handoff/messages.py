"""What each side of a request reads: the asker's status message, the offer in front of a
contact, and the answers to their clicks.

Every message opens with the line that this is no way to report acute danger (112) and
reminds both sides not to write the child's name. The contacts' side is in Swedish (the
directory's language); the asker's in the language they asked in.
"""

from __future__ import annotations

from datetime import UTC, datetime

from bot.core import clock
from bot.core.actions import PassRequest, RequestAdvice, TakeRequest
from bot.core.contacts import group_label_of
from bot.core.handoff.requests import TOPICS, HandoffRequest, Offer, target_parts
from bot.core.models import Choice, ContactCard, Directory, Locale, Municipality, Reply
from bot.core.sessions import platform_user
from bot.core.texts import text

CONTACTS_LOCALE: Locale = "sv"
# Where the family must not be told and social services should hear at once (the report
# checklist's PROTECT outcome): the asker is not left waiting for an answer in the chat.
PROTECT_TOPICS = frozenset({"violence", "sexual_abuse", "honour"})


def local_time(at: float) -> str:
    """A stored time as the clock on the wall in Sweden shows it: "10:42"."""
    return clock.to_local(datetime.fromtimestamp(at, UTC)).strftime("%H:%M")


def wait_text(seconds: float, locale: Locale) -> str:
    """How long a contact has to answer, in words: "30 minuter", "1 timme", "2 sekunder"."""
    whole = round(seconds)
    if whole < 60 or whole % 60:
        return text("handoff.seconds", locale, n=whole)
    if whole < 3600 or whole % 3600:
        n = whole // 60
        return text("handoff.minute", locale) if n == 1 else text("handoff.minutes", locale, n=n)
    n = whole // 3600
    return text("handoff.hour", locale) if n == 1 else text("handoff.hours", locale, n=n)


def _locale(request: HandoffRequest) -> Locale:
    return "en" if request.locale == "en" else "sv"


def _opening(request: HandoffRequest) -> tuple[str, ...]:
    """The first lines of every message: not for acute danger; no names in the chat."""
    locale = _locale(request)
    return (text("handoff.not_acute", locale), text("handoff.no_names", locale))


def topic_label(topic: str, locale: Locale) -> str:
    return text(f"handoff.topic_{topic}", locale)


def topic_question(school: str, age_group: str, locale: Locale) -> Reply:
    """The one question before a request goes out: what it is about (ids only)."""
    return Reply(
        kind="notice",
        parts=(text("handoff.topic_question", locale), text("handoff.no_names", locale)),
        choices=tuple(
            Choice(RequestAdvice(school, age_group, t), topic_label(t, locale)) for t in TOPICS
        ),
        footer=text("service.acute_footer", locale),
        locale=locale,
    )


def target_name(target: str, municipality: Municipality, locale: Locale) -> str:
    """Who a target is, as people call them: the person's name, or the reception."""
    kind, rid = target_parts(target)
    person = municipality.people.get(rid) if kind == "person" else None
    if person is not None:
        return person.name
    return municipality.reception.name if kind == "channel" else text("handoff.asker", locale)


def _moved_lines(request: HandoffRequest, municipality: Municipality, locale: Locale) -> list[str]:
    return [
        text(
            "handoff.status_moved",
            locale,
            name=target_name(o.target, municipality, locale),
            time=local_time(o.at),
        )
        for o in request.offers
        if o.answer is not None
    ]


def status(request: HandoffRequest, municipality: Municipality, now: datetime) -> Reply:
    """The asker's one status message, as the request stands (updated in place)."""
    locale = _locale(request)
    reception, jour = municipality.reception, municipality.after_hours
    lines = list(_opening(request))
    if request.state == "queued" and request.timer is not None:
        opens = clock.describe(datetime.fromtimestamp(request.timer, UTC), now, locale)
        lines.append(text("handoff.status_queued", locale, opens=opens))
        lines.append(text("handoff.urgent", locale, office=jour.name, phone=jour.phone))
    elif request.state == "open":
        lines.extend(_moved_lines(request, municipality, locale))
        newest = request.offers[-1]
        kind, rid = target_parts(newest.target)
        person = municipality.people.get(rid) if kind == "person" else None
        if person is not None:
            title = f", {person.title}" if person.title else ""
            wait = wait_text(municipality.handoff.escalate_after_seconds, locale)
            lines.append(
                text(
                    "handoff.status_open",
                    locale,
                    name=person.name,
                    title=title,
                    time=local_time(newest.at),
                    wait=wait,
                )
            )
        else:
            lines.append(text("handoff.status_open_channel", locale, time=local_time(newest.at)))
    elif request.state == "taken" and request.owner and request.taken_at is not None:
        lines.append(_taken_line(request, municipality, locale))
    else:
        lines.extend(_moved_lines(request, municipality, locale))
        if clock.is_office_hours(municipality, now):
            lines.append(
                text(
                    "handoff.status_unanswered",
                    locale,
                    office=reception.name,
                    phone=reception.phone,
                )
            )
        else:
            opening = clock.next_opening(municipality, now)
            opens = clock.describe(opening, now, locale) if opening else ""
            lines.append(
                text(
                    "handoff.status_unanswered_closed",
                    locale,
                    opens=opens,
                    office=reception.name,
                    phone=reception.phone,
                )
            )
            lines.append(text("handoff.urgent", locale, office=jour.name, phone=jour.phone))
    if request.state in ("open", "queued") and request.topic in PROTECT_TOPICS:
        now_open = reception if clock.is_office_hours(municipality, now) else jour
        lines.append(text("handoff.protect", locale, office=now_open.name, phone=now_open.phone))
    if request.topic != "early_support" and request.state != "taken":
        lines.append(text("handoff.duty", locale))
    return Reply(
        kind="notice",
        title=text("handoff.status_title", locale),
        parts=tuple(lines),
        locale=locale,
    )


def _taken_line(request: HandoffRequest, municipality: Municipality, locale: Locale) -> str:
    assert request.owner is not None and request.taken_at is not None
    at = local_time(request.taken_at)
    kind, rid = target_parts(request.owner)
    person = municipality.people.get(rid) if kind == "person" else None
    if person is None:
        phone = municipality.reception.phone
        return text("handoff.status_taken_reception", locale, time=at, phone=phone)
    line = text("handoff.status_taken", locale, name=person.name, time=at)
    if person.phone:
        line += " " + text("handoff.status_taken_phone", locale, phone=person.phone)
    return line


def _asker_card(request: HandoffRequest) -> ContactCard:
    name = text("handoff.asker", CONTACTS_LOCALE)
    return ContactCard(role="contact", name=name, slack=platform_user(request.requester))


def offer(
    request: HandoffRequest, offered: Offer, municipality: Municipality, directory: Directory
) -> Reply:
    """The request in front of a contact (or the reception's channel), with its buttons."""
    locale = CONTACTS_LOCALE
    school = directory.schools.get(request.school)
    lines = list(_opening(request))
    kind, _ = target_parts(offered.target)
    if kind == "channel":
        lines.append(text("handoff.offer_channel", locale))
    lines.append(
        text(
            "handoff.offer_text",
            locale,
            school=school.name if school else request.school,
            group=group_label_of(municipality, request.age_group, locale),
            topic=topic_label(request.topic, locale).lower(),
        )
    )
    choices = [Choice(TakeRequest(request.id), text("handoff.take", locale), "primary")]
    if kind == "person":
        wait = wait_text(municipality.handoff.escalate_after_seconds, locale)
        lines.append(text("handoff.offer_wait", locale, wait=wait))
        choices.append(Choice(PassRequest(request.id), text("handoff.pass", locale)))
    return Reply(
        kind="notice",
        title=text("handoff.offer_title", locale),
        parts=tuple(lines),
        cards=(_asker_card(request),),
        choices=tuple(choices),
        locale=locale,
    )


def owner_name(request: HandoffRequest, municipality: Municipality) -> str | None:
    """The name of who took it, when the directory knows them."""
    if request.owner is None:
        return None
    kind, rid = target_parts(request.owner)
    person = municipality.people.get(rid) if kind == "person" else None
    return person.name if person else None


def closed(request: HandoffRequest, municipality: Municipality) -> Reply:
    """What the others who were offered it now read in place of the offer."""
    locale = CONTACTS_LOCALE
    lines = list(_opening(request))
    if request.state == "taken" and request.taken_at is not None:
        name = owner_name(request, municipality)
        at = local_time(request.taken_at)
        lines.append(
            text("handoff.taken_by", locale, name=name, time=at)
            if name
            else text("handoff.taken_by_someone", locale, time=at)
        )
    elif request.state == "unanswered":
        lines.append(text("handoff.ended", locale))
    else:
        lines.append(text("handoff.moved_on", locale))
    return Reply(
        kind="notice", title=text("handoff.offer_title", locale), parts=tuple(lines), locale=locale
    )


def took(request: HandoffRequest, municipality: Municipality) -> Reply:
    """The answer to "Jag tar den": in the taker's DM, who to call; in the reception's
    channel, where everyone sees it, who took it (and who asked)."""
    assert request.owner is not None and request.taken_at is not None
    locale = CONTACTS_LOCALE
    at = local_time(request.taken_at)
    in_channel = request.owner not in {o.target for o in request.offers}
    if in_channel:
        name = owner_name(request, municipality)
        line = (
            text("handoff.taken_by", locale, name=name, time=at)
            if name
            else text("handoff.taken_by_someone", locale, time=at)
        )
        cards: tuple[ContactCard, ...] = (_asker_card(request),)
        kind, rid = target_parts(request.owner)
        if kind == "user":
            taker = ContactCard(role="contact", name=text("handoff.taker", locale), slack=rid)
            cards = (*cards, taker)
    else:
        line = text("handoff.taken_you", locale, time=at)
        cards = (_asker_card(request),)
    return Reply(
        kind="notice",
        title=text("handoff.offer_title", locale),
        parts=(*_opening(request), line),
        cards=cards,
        locale=locale,
    )


def note(key: str, request: HandoffRequest | None = None, **values: object) -> Reply:
    """A short answer to a click on the contacts' side."""
    locale = CONTACTS_LOCALE
    parts = (*(_opening(request) if request else ()), text(f"handoff.{key}", locale, **values))
    return Reply(kind="notice", parts=parts, locale=locale)
