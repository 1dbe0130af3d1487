"""The checklist engine: an explicit state machine over a Flow, with sessions that hold only ids.

State is (flow, answers); where that leaves the conversation is found by replaying the
answers (bot.core.flow_state). Transitions are explicit values (`Goto`, `Stay`, `End`,
`Undo`). A click on a button of an earlier step is ignored and the current step shown again,
so retried events and double clicks are harmless.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace

from bot.core import contacts, query, templates
from bot.core.actions import (
    Action,
    Answer,
    Back,
    Cancel,
    PickMunicipality,
    PickSchool,
    Resume,
    StartFlow,
)
from bot.core.flow_state import OTHER, RESIDENCE_MUNICIPALITY, FlowContext, Position, replay
from bot.core.grades import ages_label
from bot.core.models import (
    Choice,
    ContactCard,
    FlowOutcome,
    Menu,
    Municipality,
    Reply,
)
from bot.core.municipalities import KnownMunicipality
from bot.core.places import Place, place_key
from bot.core.rules import (
    AGES_ADULT,
    AGES_FACT,
    AGES_UNKNOWN,
    RESIDENCE_FACT,
    Flow,
    LocalText,
    Step,
    ages_of,
    child_bands,
)
from bot.core.sessions import Session
from bot.core.texts import text

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Turn:
    """The new session (flow=None when the flow ended or was cancelled) and the reply."""

    session: Session
    reply: Reply
    # where the replay ended; lets rule tests fill in their phrases with the same variables
    position: Position | None = field(default=None, compare=False, repr=False)
    # False when typed text was no answer to the step: the service may read it as a new question
    understood: bool = True


# --------------------------------------------------------------------------- transitions


@dataclass(frozen=True)
class Goto:
    """Record this answer and move on."""

    answer: tuple[str, str]


@dataclass(frozen=True)
class Stay:
    """Show the current step again, with a note and possibly extra choices."""

    note: str | None = None
    extra: tuple[Choice, ...] = ()
    understood: bool = True  # False: typed text that answers nothing here


@dataclass(frozen=True)
class End:
    """Leave the flow without an outcome (cancel)."""


@dataclass(frozen=True)
class Undo:
    """Drop the last answer."""


Transition = Goto | Stay | End | Undo


# --------------------------------------------------------------------------- texts


def _t(key: str, ctx: FlowContext, **values: object) -> str:
    return text(f"checklist.{key}", ctx.locale, **values)


def _contacts(pos: Position, ctx: FlowContext) -> contacts.ContactAnswer | None:
    """The school's contacts for the ages asked; all of them when it has none for those ages
    (an age band of the municipality that the school does not serve)."""
    if pos.school is None:
        return None
    ages = ages_of(pos.facts.get(AGES_FACT))
    answer = contacts.resolve(ctx.directory, pos.school, ages, ctx.now)
    if not answer.groups and ages is not None:
        return contacts.resolve(ctx.directory, pos.school, None, ctx.now)
    return answer


def template_context(pos: Position, ctx: FlowContext) -> dict[str, object]:
    """The documented template variables at this position (see bot.core.templates)."""
    school = pos.school
    muni = ctx.directory.municipality_of(school) if school else None
    answer = _contacts(pos, ctx)
    lives = pos.facts.get(RESIDENCE_MUNICIPALITY)
    return templates.build_context(
        school=school,
        municipality=muni,
        contacts=answer,
        residence_kind=pos.facts.get(RESIDENCE_FACT),
        residence=ctx.directory.places.by_key(lives) if lives else None,
        facts=pos.facts,
        ages=ages_of(pos.facts.get(AGES_FACT)),
        now=ctx.now,
        locale=ctx.locale,
    )


def _render(source: LocalText, pos: Position, ctx: FlowContext, errors: list[str]) -> str:
    try:
        return templates.render(source.get(ctx.locale), template_context(pos, ctx))
    except templates.TemplateProblem as exc:
        errors.append(exc.message)
        logger.warning("a rule text could not be rendered: %s", exc.message)
        return _t("render_failed", ctx, reason=exc.message)


# --------------------------------------------------------------------------- replies


def _nav(pos: Position, ctx: FlowContext) -> tuple[Choice, ...]:
    back = (Choice(Back(), _t("back", ctx)),) if pos.answers else ()
    return (*back, Choice(Cancel(), _t("cancel", ctx), style="danger"))


def _residence_muni_choices(pos: Position, ctx: FlowContext) -> tuple[Choice, ...]:
    """The directory's other municipalities as buttons, the school's own county first: a
    child lives in a neighbouring municipality far more often than across the country."""
    own = ctx.directory.municipalities.get(pos.school.municipality_id) if pos.school else None
    county = own.code[:2] if own else None
    others = sorted(
        (m for m in ctx.directory.municipalities.values() if m is not own),
        key=lambda m: (m.code[:2] != county, m.name),
    )
    listed = tuple(Choice(PickMunicipality(m.id), m.name) for m in others[:10])
    return (*listed, Choice(PickMunicipality(None), _t("residence_not_listed", ctx)))


def _age_choices(step: Step, pos: Position, ctx: FlowContext) -> tuple[Choice, ...]:
    """The age groups of the school's municipality (children only), 18 or older, don't know."""
    groups = ctx.directory.municipality_of(pos.school).age_groups if pos.school else ()
    bands = tuple(
        Choice(Answer(step.id, group_id), ages_label(low, high, ctx.locale))
        for group_id, low, high in child_bands(groups)
    )
    return (
        *bands,
        Choice(Answer(step.id, AGES_ADULT), _t("ages_adult", ctx)),
        Choice(Answer(step.id, AGES_UNKNOWN), _t("ages_unknown", ctx)),
    )


def _step_choices(pos: Position, ctx: FlowContext) -> tuple[Choice, ...]:
    step = pos.step
    assert step is not None
    if step.kind == "ages":
        return _age_choices(step, pos, ctx)
    if step.kind == "question":
        return tuple(Choice(Answer(step.id, o.id), o.label.get(ctx.locale)) for o in step.options)
    if step.kind == "info":
        return (Choice(Answer(step.id, "next"), _t("continue", ctx), style="primary"),)
    if step.kind == "residence":
        if pos.waiting == "municipality":
            return _residence_muni_choices(pos, ctx)
        here = (
            ctx.directory.municipality_of(pos.school).name
            if pos.school
            else _t("our_municipality", ctx)
        )
        return (
            Choice(Answer(step.id, "here"), _t("residence_here", ctx, municipality=here)),
            Choice(Answer(step.id, OTHER), _t("residence_other", ctx)),
            Choice(Answer(step.id, "unknown"), _t("residence_unknown", ctx)),
        )
    return ()


def step_reply(flow: Flow, pos: Position, ctx: FlowContext, stay: Stay | None = None) -> Reply:
    """The reply that shows the step the conversation waits at."""
    step = pos.step
    assert step is not None and step.text is not None
    errors: list[str] = []
    parts: list[str] = []
    if stay is not None and stay.note:
        parts.append(stay.note)
    if pos.waiting == "municipality":
        parts.append(_t("residence_which", ctx))
    else:
        parts.append(_render(step.text, pos, ctx, errors))
    parts.append(_t("privacy", ctx))
    choices = (*(stay.extra if stay else ()), *_step_choices(pos, ctx), *_nav(pos, ctx))
    return Reply(
        kind="step",
        title=flow.title.get(ctx.locale),
        parts=tuple(parts),
        choices=choices,
        footer=_footer(pos, ctx),  # 112 on every screen, from the first one on
        locale=ctx.locale,
        problems=tuple(errors),
        menu=_municipality_menu(choices, ctx) if pos.waiting == "municipality" else None,
    )


def _municipality_menu(choices: tuple[Choice, ...], ctx: FlowContext) -> Menu:
    """All 290 municipalities to search, for a transport that can (Slack): it covers the
    buttons of the directory's own, not 'not in the list' (PickMunicipality(None))."""
    covered = tuple(
        c.action
        for c in choices
        if isinstance(c.action, PickMunicipality) and c.action.municipality is not None
    )
    return Menu("municipality", _t("residence_search", ctx), covered)


def _footer(pos: Position, ctx: FlowContext) -> str:
    if pos.school is None:
        return _t("footer_no_school", ctx)
    m = ctx.directory.municipality_of(pos.school)
    return _t(
        "footer", ctx, municipality=m.name, name=m.after_hours.name, phone=m.after_hours.phone
    )


def _residence_card(pos: Position, ctx: FlowContext) -> tuple[ContactCard, ...]:
    lives = pos.facts.get(RESIDENCE_MUNICIPALITY)
    m: Municipality | None = ctx.directory.municipalities.get(lives) if lives else None
    if m is None or (pos.school is not None and m.id == pos.school.municipality_id):
        return ()
    return (contacts.office_card(m.reception, "other_municipality", m.name, email=False),)


def _handover(flow_id: str | None, pos: Position, ctx: FlowContext) -> tuple[Choice, ...]:
    """The button that starts the flow an outcome hands over to, with the same school."""
    target = ctx.flows.get(flow_id) if flow_id else None
    if target is None:  # checks refuse an unknown `then:`; a reload may still remove it
        return ()
    label = _t("then", ctx, flow=target.title.get(ctx.locale))
    school = pos.school.key if pos.school else None
    return (Choice(StartFlow(target.id, school), label, style="primary"),)


def outcome_reply(flow: Flow, pos: Position, ctx: FlowContext) -> Reply:
    """The end of the flow: the outcome text, the school's contacts right now, 112 and jour."""
    outcome = pos.outcome
    assert outcome is not None
    errors: list[str] = []
    body = _render(outcome.text, pos, ctx, errors)
    title = (
        _render(outcome.title, pos, ctx, errors) if outcome.title else flow.title.get(ctx.locale)
    )
    cards: tuple[ContactCard, ...] = ()
    answer = _contacts(pos, ctx)
    if answer is not None:
        # no e-mail addresses next to the advice that reports are not sent by plain e-mail
        cards = (*_residence_card(pos, ctx), *contacts.cards(answer, ctx.locale, emails=False))
    return Reply(
        kind="outcome",
        title=title,
        parts=tuple(p.strip() for p in body.split("\n\n") if p.strip()),
        cards=cards,
        choices=_handover(outcome.then, pos, ctx),
        footer=_footer(pos, ctx),
        locale=ctx.locale,
        outcome=FlowOutcome(
            flow.id,
            outcome.id,
            outcome.kind,
            pos.school.key if pos.school else None,
            contacts.group_ids(answer) if answer else (),
        ),
        problems=tuple(errors),
    )


# --------------------------------------------------------------------------- the machine


def _session(flow: Flow, session: Session, pos: Position, ctx: FlowContext) -> Session:
    if pos.outcome is not None:
        return replace(session, flow=None, step=None, answers=(), facts={}, locale=ctx.locale)
    return replace(
        session,
        flow=flow.id,
        step=pos.step.id if pos.step else None,
        answers=tuple(pos.answers),
        facts=dict(pos.facts),
        locale=ctx.locale,
    )


def _show(flow: Flow, session: Session, pos: Position, ctx: FlowContext, stay: Stay | None) -> Turn:
    if pos.step is None and pos.outcome is None:
        return _end(session, ctx, "broken")
    new = _session(flow, session, pos, ctx)
    if pos.outcome is not None:
        return Turn(new, outcome_reply(flow, pos, ctx), pos)
    return Turn(new, step_reply(flow, pos, ctx, stay), pos)


def _end(session: Session, ctx: FlowContext, notice: str) -> Turn:
    ended = replace(session, flow=None, step=None, answers=(), facts={}, locale=ctx.locale)
    return Turn(ended, Reply(kind="notice", parts=(_t(notice, ctx),), locale=ctx.locale))


def start(flow: Flow, session: Session, ctx: FlowContext) -> Turn:
    """Begin `flow`: skip what is already known (the school) and show the first question."""
    session = replace(
        session,
        flow=flow.id,
        answers=(),
        facts={},
        school=ctx.known_school.key if ctx.known_school else None,
        candidates=(),
    )
    return _show(flow, session, replay(flow, (), ctx), ctx, None)


def _nav_words() -> dict[str, Action]:
    words: dict[str, Action] = {}
    for locale in ("sv", "en"):
        words[text("checklist.back", locale).casefold()] = Back()
        words[text("checklist.cancel", locale).casefold()] = Cancel()
    return words


def _on_choice(pos: Position, choice: Action, ctx: FlowContext) -> Transition:
    step = pos.step
    assert step is not None
    match choice:
        case Back():
            return Undo()
        case Cancel():
            return End()
        case Resume():
            return Stay()
        case Answer(step=step_id, option=option_id):
            if step_id != step.id:
                return Stay(_t("stale", ctx))
            if pos.waiting == "municipality":
                return Goto((step.id, option_id)) if option_id != OTHER else Stay()
            valid = {c.action for c in _step_choices(pos, ctx)}
            return Goto((step.id, option_id)) if choice in valid else Stay(_t("pick_option", ctx))
        case PickSchool(school=key) if step.kind == "school":
            if key in ctx.directory.schools:
                return Goto((step.id, key))
            return Stay(_t("school_not_found", ctx))
        case PickMunicipality(municipality=muni) if pos.waiting == "municipality":
            return Goto((step.id, f"{OTHER}:{muni or ''}"))
        case PickSchool() | PickMunicipality():
            return Stay(_t("stale", ctx))
    return Stay(_t("pick_option", ctx))


def _on_text(pos: Position, raw: str, ctx: FlowContext) -> Transition:
    step = pos.step
    assert step is not None
    said = " ".join(raw.split()).casefold()
    nav = _nav_words().get(said)
    if nav is not None:
        return _on_choice(pos, nav, ctx)
    if not said:
        return Stay(_t("pick_option", ctx), understood=False)
    if step.kind == "school":
        return _school_text(step, raw, ctx)
    if pos.waiting == "municipality":
        found = query.find_municipality(raw, ctx.directory)
        if found is not None:
            return Goto((step.id, f"{OTHER}:{place_key(found)}"))
        meant = query.municipalities_meant(raw, ctx.directory)
        if meant:  # 'Hgfors': Hagfors or Hofors — the person knows, the bot does not guess
            picks = tuple(Choice(PickMunicipality(place_key(m)), m.name) for m in meant)
            return Stay(_t("residence_which_of", ctx), extra=picks)
        return Stay(_t("residence_not_found", ctx))
    if step.kind == "residence":
        place = _place_alone(raw, ctx)
        if place is not None:  # "Luleå", "i Kiruna": where the child lives, typed
            own = pos.school.municipality_id if pos.school else None
            key = place_key(place)
            return Goto((step.id, "here" if key == own else f"{OTHER}:{key}"))
    choices = (*_step_choices(pos, ctx), *_nav(pos, ctx))
    if said.isdigit() and 1 <= int(said) <= len(choices):
        return _on_choice(pos, choices[int(said) - 1].action, ctx)
    for c in choices:
        if c.label.casefold() == said:
            return _on_choice(pos, c.action, ctx)
    if step.kind == "question":  # the option id, or a label in either language
        for option in step.options:
            if said == option.id.casefold() or said in {
                t.casefold() for _, t in option.label.items()
            }:
                return Goto((step.id, option.id))
        # a unique start of a label: "nej" for "Nej, jag ska anmäla"
        starts = [o for o in step.options if o.label.get(ctx.locale).casefold().startswith(said)]
        if len(starts) == 1:
            return Goto((step.id, starts[0].id))
    return Stay(_t("pick_option", ctx), understood=False)


def _place_alone(raw: str, ctx: FlowContext) -> Place | None:
    """The municipality a text names when it names no school ("Luleå", "Kiruna", not
    "Tunaskolan i Luleå", which is a contact question)."""
    asked = ctx.index.lookup(raw).query
    return None if asked.school_text else asked.place


def _school_text(step: Step, raw: str, ctx: FlowContext) -> Transition:
    lookup = ctx.index.lookup(raw)
    place = lookup.query.place
    if isinstance(place, KnownMunicipality):  # "Tunaskolan i Göteborg": none of ours
        return Stay(_t("school_unconfigured", ctx, municipality=place.name))
    result = lookup.result
    if not lookup.query.school_text:  # e.g. only "i Mora": the name is missing
        result = ctx.index.search(raw)
    if result.status == "found" and result.school is not None:
        return Goto((step.id, result.school.key))
    extra = tuple(
        Choice(PickSchool(s.key), f"{s.name} ({ctx.directory.municipality_of(s).name})")
        for s in result.candidates[:8]
    )
    if result.status == "ambiguous":
        return Stay(_t("school_ambiguous", ctx), extra)
    note = _t("school_not_found", ctx)
    if extra:
        note += " " + _t("school_did_you_mean", ctx)
    return Stay(note, extra, understood=False)


def advance(
    flow: Flow,
    session: Session,
    ctx: FlowContext,
    *,
    choice: Action | None,
    text: str | None,
) -> Turn:
    """One user action (a chosen action or free text) at the current step of `flow`."""
    pos = replay(flow, session.answers, ctx)
    if pos.step is None:  # nothing left to answer (or nothing sane): show that again
        return _show(flow, session, pos, ctx, None)
    move = _on_choice(pos, choice, ctx) if choice is not None else _on_text(pos, text or "", ctx)
    answers = tuple(pos.answers)
    if isinstance(move, End):
        return _end(session, ctx, "cancelled")
    if isinstance(move, Stay):
        return replace(_show(flow, session, pos, ctx, move), understood=move.understood)
    if isinstance(move, Undo):
        answers = answers[:-1]
    else:
        if pos.waiting == "municipality":
            answers = answers[:-1]  # the pending 'other' becomes 'other:<municipality>'
        answers = (*answers, move.answer)
    new_pos = replay(flow, answers, ctx)
    return _show(flow, session, new_pos, ctx, None)
