"""Frozen value types shared by the whole core: the directory, and the message/reply seam.

Everything here is immutable so a loaded catalog can be shared between concurrent requests
and swapped atomically on reload.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, time
from typing import Literal

from bot.core.actions import Action
from bot.core.municipalities import sweden
from bot.core.places import MunicipalityNames

# --------------------------------------------------------------------------- directory


@dataclass(frozen=True, slots=True)
class Absence:
    """A period (inclusive) when a person does not answer; the next contact goes first."""

    start: date
    end: date


@dataclass(frozen=True, slots=True)
class Person:
    """A named social worker or a team that schools can call. `id` is unique per municipality."""

    id: str
    name: str
    title: str | None = None
    phone: str | None = None
    email: str | None = None
    slack: str | None = None
    away: tuple[Absence, ...] = ()
    # written by `referral-bot init` until an administrator fills in a real person;
    # `check` warns about every one left, and answers leave it out
    placeholder: bool = False
    # where the entry is written (its id in `people:`): a "Fel uppgift?" report and
    # `check --slack`'s warnings name it; not part of what a person is: moving a line
    # changes no answer
    origin: Origin | None = field(default=None, compare=False)

    def away_on(self, day: date) -> Absence | None:
        """The absence covering `day`, if any."""
        return next((a for a in self.away if a.start <= day <= a.end), None)


@dataclass(frozen=True, slots=True)
class Office:
    """A unit reached by phone: the reception (mottagning) or the on-call service (socialjour)."""

    name: str
    phone: str
    email: str | None = None
    e_service: str | None = None


@dataclass(frozen=True, slots=True)
class Origin:
    """Where a value was written: `directory/sormland.yml:12`, as `referral-bot explain` shows."""

    path: str
    line: int
    col: int = 1

    def __str__(self) -> str:
        return f"{self.path}:{self.line}"


@dataclass(frozen=True, slots=True)
class OpeningSpan:
    """Office hours on one weekday (0 = Monday), from `opens` to `closes`."""

    weekday: int
    opens: time
    closes: time


@dataclass(frozen=True, slots=True)
class AgeGroup:
    """A municipal age band (e.g. 0–12) that decides which contacts answer for a school."""

    id: str
    label: str
    min_age: int
    max_age: int

    def overlaps(self, low: int, high: int) -> bool:
        return self.min_age <= high and low <= self.max_age


ResourceKind = Literal[
    "elevhalsa",  # the school's pupil health team (skollagen 2 kap. 25 §)
    "familjecentral",  # MVC, BVC, öppen förskola and social services' advice, ages 0–6
    "ungdomsmottagning",  # youth clinic
    "bup",  # child and adolescent psychiatry, the region's
    "barnahus",  # police, prosecutor, social services and health care; social services decides
    "npf",  # support for neurodevelopmental difficulties (ADHD, autism …)
    "konsultationsteam",  # social services' consultation team for an age band (Rättvik)
    "samverkansteam",  # a joint team of school, care and social services: riktat stöd
]


@dataclass(frozen=True, slots=True)
class Resource:
    """Help beyond the school's contacts in social services, for an age range.

    `schools` (School.key) narrows a municipality's resource to those schools, `municipalities`
    (Municipality.id) a region's to those municipalities; empty means all of them.
    """

    id: str
    kind: ResourceKind
    name: str
    min_age: int
    max_age: int
    phone: str | None = None
    email: str | None = None
    url: str | None = None
    about: str | None = None  # one line on what it offers, in the file's own words
    schools: tuple[str, ...] = ()
    municipalities: tuple[str, ...] = ()
    origin: Origin | None = None

    def serves(self, low: int, high: int) -> bool:
        """Whether any age from `low` to `high` is within the resource's range."""
        return self.min_age <= high and low <= self.max_age


@dataclass(frozen=True, slots=True)
class School:
    """A school unit. `key` is stable and unique across the directory: '<municipality>/<slug>'."""

    key: str
    name: str
    municipality_id: str
    min_age: int
    max_age: int
    grades: str
    code: str | None = None
    aliases: tuple[str, ...] = ()
    slack_channels: tuple[str, ...] = ()
    # age group id (or "all") -> person ids, primary first, then backups in order
    contacts: Mapping[str, tuple[str, ...]] = field(default_factory=dict)


DEFAULT_ESCALATE_AFTER_SECONDS = 30 * 60


@dataclass(frozen=True, slots=True)
class Handoff:
    """How a consultation request moves on (`handoff:` in the municipality block): to the
    next contact after `escalate_after_seconds` without an answer, and last to the
    reception's chat `channel` when there is one."""

    escalate_after_seconds: float = DEFAULT_ESCALATE_AFTER_SECONDS
    channel: str | None = None


@dataclass(frozen=True, slots=True)
class Municipality:
    """One directory file: the municipality, its offices, age bands, people and schools."""

    id: str
    name: str
    code: str
    office_hours: tuple[OpeningSpan, ...]
    reception: Office
    after_hours: Office
    age_groups: tuple[AgeGroup, ...]
    people: Mapping[str, Person]
    schools: tuple[School, ...]  # in file order
    reviewed: date | None = None
    source: str = ""
    region: str | None = None  # Region.id it inherits from
    # its own resources, then its region's that serve it (Resource.municipalities)
    resources: tuple[Resource, ...] = ()
    # each school unit must have at least this many contacts per age group (Falköping: 2)
    min_contacts: int = 1
    # where office_hours, reception and after_hours were written (this file or its region's),
    # and the `municipality` block and `region` line
    origins: Mapping[str, Origin] = field(default_factory=dict)
    # the chat channel (a Slack channel id) where reports of wrong details go, and the chat
    # ids (Slack users, user groups) who may use the admin command for this municipality
    admin_channel: str | None = None
    admins: tuple[str, ...] = ()
    handoff: Handoff = Handoff()


@dataclass(frozen=True, slots=True)
class Region:
    """A region file: what its municipalities share unless they state it themselves.

    Only `after_hours` (the regional socialjour) is required; the rest are defaults.
    Regions name no region, so inheritance is one step and cannot form a cycle.
    """

    id: str
    name: str
    after_hours: Office
    county: str | None = None  # länskod, two digits: `init` finds a new municipality's region
    office_hours: tuple[OpeningSpan, ...] | None = None
    reception: Office | None = None
    resources: tuple[Resource, ...] = ()  # shared by its municipalities
    source: str = ""
    origins: Mapping[str, Origin] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Directory:
    """All municipalities, and every school by its key.

    The indexes derived from them (a Slack channel's school, the spellings of municipality
    names, the directory's and the rest of Sweden's) are built once here, when the directory
    is made, never on the way to an answer.
    """

    municipalities: Mapping[str, Municipality]
    schools: Mapping[str, School]  # by School.key
    regions: Mapping[str, Region] = field(default_factory=dict)
    places: MunicipalityNames = field(init=False, repr=False, compare=False)
    _by_channel: Mapping[str, School] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        # frozen: the derived fields are set once, the way dataclasses set fields themselves
        object.__setattr__(
            self, "places", MunicipalityNames(self.municipalities.values(), sweden())
        )
        by_channel = {c: s for s in self.schools.values() for c in s.slack_channels}
        object.__setattr__(self, "_by_channel", by_channel)

    def municipality_of(self, school: School) -> Municipality:
        return self.municipalities[school.municipality_id]

    def school_in_channel(self, channel: str) -> School | None:
        """The school a Slack channel is bound to (`slack_channels` in the directory)."""
        return self._by_channel.get(channel)


# --------------------------------------------------------------------------- the seam

Locale = Literal["sv", "en"]
Intent = Literal["auto", "contact", "checklist", "help", "home"]


@dataclass(frozen=True, slots=True)
class IncomingMessage:
    """What a transport hands to the core. Never holds a transport object.

    Exactly one of `text` (free text typed by a person) and `choice` (the action of a Choice
    from an earlier Reply, e.g. a button) is normally set. `intent` lets a transport say what a
    command means (`/kontakt` -> contact, `/oro` -> checklist) instead of guessing from text.
    `channel` is the transport's channel id, used to find a school bound to that channel.
    """

    transport: str
    conversation: str  # the session key, built by the transport (see bot.core.sessions)
    user: str  # transport-qualified user id, e.g. "slack:T01:U01"
    text: str | None = None
    choice: Action | None = None
    locale: Locale | None = None
    intent: Intent = "auto"
    channel: str | None = None


@dataclass(frozen=True, slots=True)
class ContactCard:
    """A person or office to show as a card. `role` says why it is shown."""

    role: Literal[
        "contact", "reception", "after_hours", "emergency", "other_municipality", "resource"
    ]
    name: str
    title: str | None = None
    phone: str | None = None
    email: str | None = None
    slack: str | None = None
    url: str | None = None
    label: str | None = None  # e.g. the age group label, "Primär", "Reserv"
    note: str | None = None  # e.g. "Borta till 6 januari 2027"
    # "Fel uppgift?" for a person's card: a transport with an admin channel (Slack) shows it
    # as a small button on the card; the others leave it out
    report: Choice | None = None


@dataclass(frozen=True, slots=True)
class Choice:
    """A button or numbered option. `action` comes back as IncomingMessage.choice, unchanged
    (transports carry it as text through bot.core.actions.encode/decode)."""

    action: Action
    label: str
    style: Literal["default", "primary", "danger"] = "default"


@dataclass(frozen=True, slots=True)
class Menu:
    """A list to search as one types, too long for buttons: Sweden's 290 municipalities.

    For a transport whose menus can ask for their options while a person types (Slack's
    external select): it asks `Service.municipality_options` for the options, and a picked
    option comes back as its action, like a button. `placeholder` is the text in the empty
    box. `covers`: the actions of Reply.choices that the menu offers too, which a transport
    that shows the menu leaves out. Other transports ignore the menu; the choices and typed
    text do the same there.
    """

    source: Literal["municipality"]
    placeholder: str
    covers: tuple[Action, ...] = ()


@dataclass(frozen=True, slots=True)
class SchoolSummary:
    """A school as a result names it: its key, name, code and municipality's name."""

    key: str
    name: str
    code: str | None
    municipality: str


@dataclass(frozen=True, slots=True)
class MunicipalitySummary:
    """A municipality an answer names: `configured` when the directory has its contacts."""

    name: str
    code: str
    configured: bool


@dataclass(frozen=True, slots=True)
class ContactEntry:
    """One person in a contact answer, in the order to call: `rank` 0 is the primary."""

    name: str
    title: str | None
    phone: str | None
    email: str | None
    slack: str | None
    age_group: str  # AgeGroup.id, or "all"
    rank: int
    away_until: date | None


@dataclass(frozen=True, slots=True)
class RouteSummary:
    """Where a call goes now: the reception in office hours, else the on-call service."""

    kind: str  # "reception" or "after_hours"
    name: str
    phone: str


@dataclass(frozen=True, slots=True)
class ContactResult:
    """The machine-readable answer to a contact question (`ask --json`, tests).

    `school`, `age_groups`, `contacts` and `route` are set when one school was found;
    `candidates` are the schools to pick from when it was ambiguous or not found;
    `municipality` when the question named a municipality only (status "municipality", with
    its `route` when the directory has it); `resources` and the municipality (and the
    school, when one was named) when it asked for a kind of help (status "resources").
    """

    status: Literal["found", "ambiguous", "not_found", "municipality", "resources"]
    municipality: MunicipalitySummary | None = None
    school: SchoolSummary | None = None
    candidates: tuple[SchoolSummary, ...] = ()
    age_groups: tuple[str, ...] = ()
    contacts: tuple[ContactEntry, ...] = ()
    route: RouteSummary | None = None
    resources: tuple[Resource, ...] = ()  # status "resources": those of the kind asked for
    resource_kind: str | None = None  # status "resources": the kind asked for
    # the directory's municipality the answer is for, when one is (bot.core.stats counts it)
    municipality_id: str | None = None


@dataclass(frozen=True, slots=True)
class FlowOutcome:
    """Where a checklist ended (for metrics, statistics and rule tests): flow, outcome id and
    kind, the school and the age groups whose contacts it showed."""

    flow: str
    outcome: str
    kind: str
    school: str | None = None  # School.key, when the checklist knew the school
    age_groups: tuple[str, ...] = ()  # AgeGroup.id (or "all") of the contacts shown


ReplyKind = Literal[
    "contact",  # a school's contacts
    "ambiguous",  # which school did you mean?
    "not_found",
    "step",  # a checklist question or information step
    "outcome",  # the end of a checklist
    "help",
    "privacy",  # a personnummer was typed: delete it
    "notice",  # short confirmations: saved, cancelled, ...
    "unknown",
]


@dataclass(frozen=True, slots=True)
class AdminNotice:
    """A message for a municipality's administrators, which the transport posts in `channel`
    (a chat channel id: the municipality's `admin_channel`, else the bot's global one).

    `title` and `parts` use the markup of Reply.parts; `reporter` is who it comes from
    (IncomingMessage.user: staff, never a child), shown as the platform's mention.
    `undelivered` is the answer to give the reporter instead when it cannot be posted.
    """

    channel: str
    title: str
    parts: tuple[str, ...]
    reporter: str
    undelivered: Reply


@dataclass(frozen=True, slots=True)
class Reply:
    """What the core answers; transports render it (Block Kit, Telegram, plain text).

    `title` is a short heading; `parts` are paragraphs of text using only *bold* and plain
    line breaks (every transport can render that); `cards` are contacts; `choices` are the
    options to pick from; `footer` is the closing line (the 112 reminder). `contact` and
    `outcome` carry the machine-readable result of a contact answer or a finished checklist;
    `problems` are rule texts that could not be rendered (rule tests report them). None of
    these is shown as is. `keeps_clicked`: the answer to a click goes below the message that
    was clicked instead of replacing it, because that message holds what the person may
    still need (a contact answer they were given on the way through a checklist). `menu`: a
    searchable list besides the choices (see Menu). `notify`: a message for the admins that
    the transport delivers before it shows the reply (see AdminNotice).
    """

    kind: ReplyKind
    parts: tuple[str, ...] = ()
    title: str | None = None
    cards: tuple[ContactCard, ...] = ()
    choices: tuple[Choice, ...] = ()
    footer: str | None = None
    locale: Locale = "sv"
    contact: ContactResult | None = None
    outcome: FlowOutcome | None = None
    problems: tuple[str, ...] = ()
    keeps_clicked: bool = False
    menu: Menu | None = None
    notify: AdminNotice | None = None
