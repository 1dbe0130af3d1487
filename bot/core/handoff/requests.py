"""A consultation request as it is stored: ids and times only.

Nothing a person typed is in it: the topic is one of TOPICS, the asker and the people are
chat ids and directory ids, and the places of the messages it put in front of people are the
transport's references to them (a channel and a timestamp), so they can be updated later.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, replace
from typing import Any, Literal

KIND = "handoff"  # the records' kind (bot.core.records)

# What a request can be about: the concern categories of the report checklist (the values
# of its `category` fact), and early support, asked about before any concern of harm.
TOPICS = ("violence", "sexual_abuse", "honour", "neglect", "behaviour", "early_support", "other")

State = Literal["queued", "open", "taken", "unanswered"]
# queued: made while the reception was closed, waiting for it to open
# open: offered to someone, waiting for an answer
# taken: someone said "Jag tar den"
# unanswered: nobody could take it; the asker was told to phone the reception

Answer = Literal["declined", "timed_out", "unreachable"]
Deliver = Literal["offer", "status", "closed"]
# offer: put the request in front of the newest offer's target
# status: post or update the asker's status message
# closed: tell the others who were offered it that it is taken or has ended


@dataclass(frozen=True, slots=True)
class Offer:
    """Someone the request was put in front of: a person (`person:<id>`) or the reception's
    channel (`channel:<id>`); `ref` where the message is, once posted; `answer` how it
    ended for them when it moved on."""

    target: str
    at: float
    ref: str | None = None
    answer: Answer | None = None


@dataclass(frozen=True, slots=True)
class Event:
    """One step for the admins' audit: what happened, when, and to or by whom (a directory
    person id, a channel id or a chat user id: staff, never a child)."""

    what: str
    at: float
    who: str | None = None


@dataclass(frozen=True, slots=True)
class HandoffRequest:
    """One request. `timer`: when it moves on by itself (None once it cannot); `outbox`:
    the messages its last change still has to deliver, in order."""

    id: str
    municipality: str
    school: str  # School.key
    age_group: str  # AgeGroup.id, or "all"
    topic: str  # one of TOPICS
    requester: str  # IncomingMessage.user: the asker's transport-qualified chat id
    locale: str  # the asker's language
    created: float
    state: State
    timer: float | None
    offers: tuple[Offer, ...] = ()
    outbox: tuple[Deliver, ...] = ()
    owner: str | None = None  # the target that took it, or the chat user in the channel
    taken_at: float | None = None
    status_ref: str | None = None
    events: tuple[Event, ...] = ()

    @property
    def due(self) -> float | None:
        """When a worker should look at it: now while it has messages to deliver."""
        return self.created if self.outbox else self.timer

    def noted(self, what: str, at: float, who: str | None = None) -> HandoffRequest:
        return replace(self, events=(*self.events, Event(what, at, who)))

    def to_json(self) -> str:
        return json.dumps(asdict(self), separators=(",", ":"), ensure_ascii=False)

    @classmethod
    def from_json(cls, raw: str) -> HandoffRequest:
        data: dict[str, Any] = json.loads(raw)
        data["offers"] = tuple(Offer(**o) for o in data.get("offers", ()))
        data["outbox"] = tuple(data.get("outbox", ()))
        data["events"] = tuple(Event(**e) for e in data.get("events", ()))
        return cls(**data)


def person_target(person_id: str) -> str:
    return f"person:{person_id}"


def channel_target(channel: str) -> str:
    return f"channel:{channel}"


def target_parts(target: str) -> tuple[str, str]:
    """("person" or "channel", the id) of an Offer's target."""
    kind, _, rid = target.partition(":")
    return kind, rid
