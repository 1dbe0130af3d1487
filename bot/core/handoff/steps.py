"""The state changes of a request, as pure functions: request in, request out.

Each returns the new request with the messages it still has to deliver in its `outbox`
(bot.core.handoff.desk delivers them), or None when the change does not apply (a second
"Jag tar den", a decline from someone who is no longer the one asked). Times are the
clock's `now`, stored as seconds since the epoch.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from bot.core import clock
from bot.core.handoff.chain import next_target
from bot.core.handoff.requests import Answer, Deliver, HandoffRequest, Offer, target_parts
from bot.core.models import Directory, Municipality


def _outbox(request: HandoffRequest, *more: Deliver) -> tuple[Deliver, ...]:
    """The outbox with `more` added; a status or closing already waiting is not repeated
    (each renders the request as it is when delivered)."""
    box = list(request.outbox)
    for item in more:
        if item == "offer" or item not in box:
            box.append(item)
    return tuple(box)


def opened(
    draft: HandoffRequest, municipality: Municipality, directory: Directory, now: datetime
) -> HandoffRequest:
    """A new request (`draft`: state "queued", no offers): offered to the first in the chain
    now, or, while the reception is closed, queued until it opens (the timer counts from
    then)."""
    at = now.timestamp()
    request = draft.noted("requested", at)
    if not clock.is_office_hours(municipality, now):
        opens = clock.next_opening(municipality, now)
        if opens is not None:
            queued = replace(request, timer=opens.timestamp(), outbox=_outbox(request, "status"))
            return queued.noted("queued", at)
    return offer_next(request, municipality, directory, now)


def offer_next(
    request: HandoffRequest, municipality: Municipality, directory: Directory, now: datetime
) -> HandoffRequest:
    """Offered to the next in the chain, with a timer; unanswered when nobody is left."""
    at = now.timestamp()
    target = next_target(request, directory, clock.to_local(now).date())
    if target is None:
        ended = replace(
            request, state="unanswered", timer=None, outbox=_outbox(request, "status", "closed")
        )
        return ended.noted("unanswered", at)
    offered = replace(
        request,
        state="open",
        offers=(*request.offers, Offer(target, at)),
        timer=at + municipality.handoff.escalate_after_seconds,
        outbox=_outbox(request, "offer", "status"),
    )
    return offered.noted("offered", at, target_parts(target)[1])


def _ended(request: HandoffRequest, answer: Answer, at: float) -> HandoffRequest:
    """The newest offer marked with how it ended for its target."""
    last = request.offers[-1]
    ended = replace(last, answer=answer)
    moved = replace(request, offers=(*request.offers[:-1], ended))
    return moved.noted(answer, at, target_parts(last.target)[1])


def timer_fired(
    request: HandoffRequest, municipality: Municipality, directory: Directory, now: datetime
) -> HandoffRequest:
    """The timer came: a queued request goes out; an open one moves on to the next, except
    while the reception is closed, when it waits for the opening (the one asked may still
    take it meanwhile)."""
    at = now.timestamp()
    if request.state == "queued":
        return offer_next(request, municipality, directory, now)
    if request.state != "open":
        return replace(request, timer=None)
    if not clock.is_office_hours(municipality, now):
        opens = clock.next_opening(municipality, now)
        if opens is not None:
            return replace(request, timer=opens.timestamp()).noted("waits", at)
    return offer_next(_ended(request, "timed_out", at), municipality, directory, now)


def unreachable(
    request: HandoffRequest, municipality: Municipality, directory: Directory, now: datetime
) -> HandoffRequest:
    """The newest offer could not be delivered (no such user or channel): on to the next."""
    ended = _ended(request, "unreachable", now.timestamp())
    return offer_next(ended, municipality, directory, now)


def declined(
    request: HandoffRequest,
    target: str,
    municipality: Municipality,
    directory: Directory,
    now: datetime,
) -> HandoffRequest | None:
    """ "Kan inte nu" from `target`: on to the next at once, if it was theirs to answer."""
    if request.state != "open" or request.offers[-1].target != target:
        return None
    return offer_next(_ended(request, "declined", now.timestamp()), municipality, directory, now)


def taken(request: HandoffRequest, owner: str, now: datetime) -> HandoffRequest | None:
    """ "Jag tar den" from `owner`: theirs, unless someone was first or it has ended."""
    if request.state != "open":
        return None
    at = now.timestamp()
    took = replace(
        request,
        state="taken",
        owner=owner,
        taken_at=at,
        timer=None,
        outbox=_outbox(request, "status", "closed"),
    )
    return took.noted("taken", at, target_parts(owner)[1])
