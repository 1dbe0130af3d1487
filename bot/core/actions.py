"""What a button or numbered option does, as typed values, and the one codec to and from text.

Transports carry a choice as a string (a Slack button value, Telegram callback data), so each
action has exactly one spelling, written and read only here. The spellings are the ones the
bot has always sent ("save:<school>", "step:<step>:<option>", "nav:back", ...), so buttons in
messages posted before an upgrade keep working. Anything `decode` cannot read is None: the
transport treats it as a stale click.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import unquote


@dataclass(frozen=True, slots=True)
class SaveSchool:
    """Remember this school as the person's own ("Spara som min skola")."""

    school: str  # School.key


@dataclass(frozen=True, slots=True)
class StartFlow:
    """Begin a checklist; with the school a finished checklist handed over (outcome `then:`)."""

    flow: str  # Flow.id
    school: str | None = None  # School.key


@dataclass(frozen=True, slots=True)
class ShowContacts:
    """Show the contacts of a school picked from an ambiguous or did-you-mean answer."""

    school: str  # School.key


@dataclass(frozen=True, slots=True)
class Answer:
    """Answer a checklist step with one of its options (or "next" on an information step)."""

    step: str  # Step.id
    option: str  # Option.id


@dataclass(frozen=True, slots=True)
class Back:
    """Go back one step in a checklist."""


@dataclass(frozen=True, slots=True)
class Cancel:
    """Leave the checklist."""


@dataclass(frozen=True, slots=True)
class Resume:
    """Show the unfinished checklist's current step again, after a question asked on the way."""


@dataclass(frozen=True, slots=True)
class PickSchool:
    """The school a checklist asked for, picked from suggestions."""

    school: str  # School.key


@dataclass(frozen=True, slots=True)
class PickMunicipality:
    """Where the child lives, when it is another municipality; None: not in the list."""

    municipality: str | None  # places.place_key: a directory id, or a kommunkod


@dataclass(frozen=True, slots=True)
class ReportWrong:
    """ "Fel uppgift?" on a contact card: ask what is wrong with this person's entry."""

    school: str  # School.key
    person: str  # Person.id
    age_group: str  # AgeGroup.id, or "all"


@dataclass(frozen=True, slots=True)
class ReportReason:
    """What is wrong with the entry (a bot.core.wrong_details.REASONS id): tell the admins."""

    school: str  # School.key
    person: str  # Person.id
    age_group: str  # AgeGroup.id, or "all"
    reason: str


@dataclass(frozen=True, slots=True)
class AskAdvice:
    """ "Be om rådgivning" under a school's contacts: ask what the question is about."""

    school: str  # School.key
    age_group: str  # AgeGroup.id, or "all"


@dataclass(frozen=True, slots=True)
class RequestAdvice:
    """Send the consultation request, about a topic (a bot.core.handoff.topics id)."""

    school: str  # School.key
    age_group: str  # AgeGroup.id, or "all"
    topic: str


@dataclass(frozen=True, slots=True)
class TakeRequest:
    """ "Jag tar den": a contact accepts a consultation request."""

    request: str  # the request's id


@dataclass(frozen=True, slots=True)
class PassRequest:
    """ "Kan inte nu": a contact passes a consultation request on to the next."""

    request: str  # the request's id


@dataclass(frozen=True, slots=True)
class RemindFeedback:
    """ "Påminn mig om en vecka": remind the reporter to ask for feedback (19 kap. 6 §)."""

    municipality: str  # Municipality.id


@dataclass(frozen=True, slots=True)
class CancelReminder:
    """Cancel a feedback reminder."""

    reminder: str  # the reminder's id


Action = (
    SaveSchool
    | StartFlow
    | ShowContacts
    | Answer
    | Back
    | Cancel
    | Resume
    | PickSchool
    | PickMunicipality
    | ReportWrong
    | ReportReason
    | AskAdvice
    | RequestAdvice
    | TakeRequest
    | PassRequest
    | RemindFeedback
    | CancelReminder
)


def _field(value: str) -> str:
    # ':' separates the fields and '%' escapes; ids never hold either, so real spellings
    # stay as they were
    return value.replace("%", "%25").replace(":", "%3A")


def encode(action: Action) -> str:
    """The one spelling of `action`; `decode` reads it back."""
    match action:
        case SaveSchool(school):
            return f"save:{_field(school)}"
        case StartFlow(flow, school):
            with_school = f":{_field(school)}" if school else ""
            return f"start:{_field(flow)}{with_school}"
        case ShowContacts(school):
            return f"contact:{_field(school)}"
        case Answer(step, option):
            return f"step:{_field(step)}:{_field(option)}"
        case Back():
            return "nav:back"
        case Cancel():
            return "nav:cancel"
        case Resume():
            return "nav:resume"
        case PickSchool(school):
            return f"school:{_field(school)}"
        case PickMunicipality(municipality):
            return f"muni:{_field(municipality or '')}"
        case ReportWrong(school, person, group):
            return f"wrong:{_field(school)}:{_field(person)}:{_field(group)}"
        case ReportReason(school, person, group, reason):
            return f"wrongwhy:{_field(school)}:{_field(person)}:{_field(group)}:{_field(reason)}"
        case AskAdvice(school, group):
            return f"advice:{_field(school)}:{_field(group)}"
        case RequestAdvice(school, group, topic):
            return f"request:{_field(school)}:{_field(group)}:{_field(topic)}"
        case TakeRequest(request):
            return f"take:{_field(request)}"
        case PassRequest(request):
            return f"pass:{_field(request)}"
        case RemindFeedback(municipality):
            return f"remind:{_field(municipality)}"
        case CancelReminder(reminder):
            return f"unremind:{_field(reminder)}"


def decode(value: str) -> Action | None:
    """The action `value` spells; None for anything malformed or unknown. Never raises."""
    kind, sep, rest = value.partition(":")
    if not sep:
        return None
    fields = [unquote(f) for f in rest.split(":")]
    if not all(fields) and kind != "muni":
        return None
    match kind, fields:
        case "save", [school]:
            return SaveSchool(school)
        case "start", [flow]:
            return StartFlow(flow)
        case "start", [flow, school]:
            return StartFlow(flow, school)
        case "contact", [school]:
            return ShowContacts(school)
        case "step", [step, option]:
            return Answer(step, option)
        case "nav", ["back"]:
            return Back()
        case "nav", ["cancel"]:
            return Cancel()
        case "nav", ["resume"]:
            return Resume()
        case "school", [school]:
            return PickSchool(school)
        case "muni", [municipality]:
            return PickMunicipality(municipality or None)
        case "wrong", [school, person, group]:
            return ReportWrong(school, person, group)
        case "wrongwhy", [school, person, group, reason]:
            return ReportReason(school, person, group, reason)
        case "advice", [school, group]:
            return AskAdvice(school, group)
        case "request", [school, group, topic]:
            return RequestAdvice(school, group, topic)
        case "take", [request]:
            return TakeRequest(request)
        case "pass", [request]:
            return PassRequest(request)
        case "remind", [municipality]:
            return RemindFeedback(municipality)
        case "unremind", [reminder]:
            return CancelReminder(reminder)
    return None
