"""The core's single entry point: IncomingMessage in, Reply out.

Order of concerns for every message: the privacy guard first (a personnummer is never
stored, logged or echoed), then a button choice, then an explicit intent from a command,
then free text (an active checklist, help, a checklist trigger, else a contact question).
Every message takes the same path under its session's lock, so a double click or a retried
event cannot interleave. Nothing is remembered between messages but the session: a lookup
costs well under a millisecond (bench/lookup.py), so answers are built afresh each time.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime
from typing import Protocol

from bot.core import clock, conversation, query, stats, wrong_details
from bot.core import contact_answers as answers
from bot.core import resource_answers as resources
from bot.core.actions import (
    Action,
    Answer,
    AskAdvice,
    Back,
    Cancel,
    CancelReminder,
    PassRequest,
    PickMunicipality,
    RemindFeedback,
    ReportReason,
    ReportWrong,
    RequestAdvice,
    Resume,
    SaveSchool,
    ShowContacts,
    StartFlow,
    TakeRequest,
)
from bot.core.catalog import Catalog
from bot.core.flow_state import FlowContext
from bot.core.handoff import messages as handoff_messages
from bot.core.handoff.desk import Desk
from bot.core.matching import Lookup
from bot.core.models import Choice, IncomingMessage, Locale, Reply, School
from bot.core.municipalities import KnownMunicipality
from bot.core.places import place_key
from bot.core.privacy import contains_personal_number
from bot.core.query import detect_locale, only_municipality
from bot.core.sessions import Session, SessionStore
from bot.core.texts import text

logger = logging.getLogger(__name__)

HELP_WORDS = {"hjälp", "hjalp", "help", "?", "start", "meny", "menu"}
# The most options a menu offers for one typed text: Slack's limit, and more than anyone reads.
MENU_OPTIONS = 100


class CatalogSource(Protocol):
    """Anything that holds the live catalog (the reload holder, or a fixed one in tests)."""

    @property
    def current(self) -> Catalog: ...


class FixedCatalog:
    """A catalog that never changes: for `ask`, `chat` and tests."""

    def __init__(self, catalog: Catalog) -> None:
        self._catalog = catalog

    @property
    def current(self) -> Catalog:
        return self._catalog


def _words(raw: str) -> str:
    return re.sub(r"[^\wåäöéü?]+", " ", raw.casefold()).strip()


class Service:
    """Answers one message at a time per conversation; transports call `handle`."""

    def __init__(
        self,
        catalogs: CatalogSource,
        store: SessionStore,
        *,
        now: Callable[[], datetime] = clock.now,
        observe: Callable[[str, str], None] | None = None,
        stats_store: stats.StatsStore | None = None,
        admin_channel: str | None = None,
        desk: Desk | None = None,
    ) -> None:
        """`stats_store`: where the follow-up statistics are counted (none for `ask`, `chat`
        and tests that do not look at them). `admin_channel`: the bot's admin channel
        (ADMIN_CHANNEL), where "Fel uppgift?" reports go for a municipality without its own.
        `desk`: consultation requests and feedback reminders, where a transport can deliver
        them (bot.core.handoff); without it, answers offer neither."""
        self.catalogs = catalogs
        self.admin_channel = admin_channel or None
        self.store = store
        self.now = now
        self.tally = stats.Tally(stats_store, now)
        self.desk = desk
        # observe(kind, label) feeds metrics without the core importing prometheus
        self.observe = observe or (lambda kind, label: None)

    async def handle(self, msg: IncomingMessage) -> Reply:
        """Answer one message. Never raises for anything a user can type or click."""
        blocked = contains_personal_number(msg.text or "")
        if blocked:
            logger.info("privacy guard: personal number detected, message dropped")
            self.observe("privacy", "blocked")
        async with self.store.locked(msg.conversation):
            session = await self.store.load(msg.conversation) or Session()
            catalog = self.catalogs.current
            if blocked:
                return self._privacy(session, catalog, self._locale(msg, session))
            reply, new_session = await self._dispatch(msg, session, catalog)
            if self.desk is not None and msg.transport == self.desk.transport:
                reply = self.desk.follow_ups(reply, catalog.directory)
            if new_session is None:
                await self.store.clear(msg.conversation)
            elif new_session != session:
                await self.store.save(msg.conversation, new_session)
            if msg.intent != "home":  # opening the App Home tab is not a question
                await self.tally.add(stats.measures_of(reply, catalog.directory))
            return reply

    def municipality_options(self, typed: str) -> tuple[Choice, ...]:
        """What a municipality menu (Reply.menu) offers for the text typed into it: at most
        MENU_OPTIONS municipalities, best first (bot.core.query.rank_municipalities), each
        labelled with its name and picked as PickMunicipality. All of them alphabetically
        for no text. Needs no session and keeps nothing: the typed text is not stored or
        logged, and a pick goes through `handle` like any button."""
        directory = self.catalogs.current.directory
        ranked = query.rank_municipalities(typed, directory)[:MENU_OPTIONS]
        name = directory.places.short_name
        return tuple(Choice(PickMunicipality(place_key(p)), name(p)) for p in ranked)

    def _privacy(self, session: Session, catalog: Catalog, locale: Locale) -> Reply:
        """Delete it, nothing was saved; in a checklist, the question it interrupted again."""
        if session.flow is None:
            return Reply(kind="privacy", parts=(text("service.privacy", locale),), locale=locale)
        step, _ = self._advance(session, catalog, locale, choice=Resume(), text_in=None)
        note = text("service.privacy_in_checklist", locale)
        return replace(step, kind="privacy", parts=(note, *step.parts))

    # ------------------------------------------------------------------ dispatch

    async def _dispatch(
        self, msg: IncomingMessage, session: Session, catalog: Catalog
    ) -> tuple[Reply, Session | None]:
        locale = self._locale(msg, session)
        if msg.choice is not None:
            return await self._on_choice(msg, msg.choice, session, catalog, locale)
        raw = (msg.text or "").strip()
        if msg.intent == "help" or _words(raw) in HELP_WORDS:
            return self._help(catalog, locale), session
        if msg.intent == "home":
            return await self._home(msg, catalog, locale), session
        if msg.intent == "checklist":
            trigger = self._trigger(raw, catalog)
            # "/oro Ängsskolan": the words name the school, not the flow
            named = None if trigger or not raw else catalog.index.lookup(raw).result.school
            flow_id = trigger or answers.DEFAULT_FLOW
            return await self._start_flow(msg, flow_id, session, catalog, locale, school=named)
        if session.flow and msg.intent == "auto":
            return await self._in_checklist(msg, raw, session, catalog, locale)
        trigger = self._trigger(raw, catalog) if msg.intent == "auto" else None
        if trigger:
            # "jag är orolig för en elev på Ängsskolan": the flow, with the school it names
            named = catalog.index.lookup(raw).result.school
            return await self._start_flow(msg, trigger, session, catalog, locale, school=named)
        return await self._contact(msg, raw, session, catalog, locale)

    async def _in_checklist(
        self, msg: IncomingMessage, raw: str, session: Session, catalog: Catalog, locale: Locale
    ) -> tuple[Reply, Session | None]:
        """Typed text during a checklist: an answer to the step, or else a new question.

        A checklist's trigger asks whether to go on or start over; a contact question (a
        school or a municipality named) is answered with a button back to the step. Nobody
        is held in a checklist by "Välj ett av alternativen" when they asked something else.
        """
        turn = self._turn(session, catalog, locale, choice=None, text_in=raw)
        if turn is None or turn.understood:
            return self._after(turn, locale)
        trigger = self._trigger(raw, catalog)
        if trigger is not None:
            return self._continue_or_restart(trigger, catalog, locale), session
        step = turn.position.step if turn.position else None
        if step is not None and step.kind != "school":
            asked = catalog.index.lookup(raw)
            if asked.result.status != "not_found" or asked.query.place:
                reply, session = await self._contact(msg, raw, session, catalog, locale, asked)
                resume = Choice(Resume(), text("service.resume", locale), "primary")
                return replace(reply, choices=(*reply.choices, resume)), session
        return turn.reply, session

    def _continue_or_restart(self, flow_id: str, catalog: Catalog, locale: Locale) -> Reply:
        title = catalog.flows[flow_id].title.get(locale)
        return Reply(
            kind="notice",
            parts=(text("service.continue_or_restart", locale),),
            choices=(
                Choice(Resume(), text("service.resume", locale), "primary"),
                Choice(StartFlow(flow_id), text("service.restart", locale, flow=title)),
            ),
            locale=locale,
        )

    def _locale(self, msg: IncomingMessage, session: Session) -> Locale:
        """A question written in English is answered in English; otherwise the language the
        transport knows for the person (Slack's locale, --lang), else the conversation's."""
        if msg.text and detect_locale(msg.text) == "en":
            return "en"
        if msg.locale:
            return msg.locale
        return "en" if session.locale == "en" else "sv"

    def _trigger(self, raw: str, catalog: Catalog) -> str | None:
        """The flow a message asks for: the whole message is a trigger word, or it contains
        a distinctive one ("jag behöver göra en orosanmälan"). Short, everyday triggers such
        as "oro" count only alone, so "kontakt vid oro på Ängsskolan" stays a contact question.
        """
        words = _words(raw)
        if not words:
            return None
        padded = f" {words} "
        for flow_id, flow in catalog.flows.items():
            for trigger in map(_words, flow.all_triggers()):
                if words == trigger or (len(trigger) >= 8 and f" {trigger} " in padded):
                    return flow_id
        return None

    # ------------------------------------------------------------------ choices

    async def _on_choice(
        self,
        msg: IncomingMessage,
        choice: Action,
        session: Session,
        catalog: Catalog,
        locale: Locale,
    ) -> tuple[Reply, Session | None]:
        directory = catalog.directory
        desk = self.desk
        match choice:
            case AskAdvice(school=key, age_group=group) if desk is not None:
                question = handoff_messages.topic_question(key, group, locale)
                return replace(question, keeps_clicked=True), session
            case RequestAdvice() if desk is not None:
                return await desk.request(msg.user, locale, catalog, choice), session
            case TakeRequest(request=rid) if desk is not None:
                return await desk.take(msg.user, rid, catalog), session
            case PassRequest(request=rid) if desk is not None:
                return await desk.decline(msg.user, rid, catalog), session
            case RemindFeedback(municipality=mid) if desk is not None:
                municipality = directory.municipalities.get(mid)
                if municipality is None:
                    return self._notice("service.unknown_school", locale), session
                reminder = await desk.reminders.remind(msg.user, municipality, locale)
                return reminder, session
            case CancelReminder(reminder=rid) if desk is not None:
                return await desk.reminders.cancel(msg.user, rid, locale), session
            case ReportWrong():  # "Fel uppgift?" never touches a checklist under way
                return wrong_details.reasons_reply(catalog, choice, locale), session
            case ReportReason():
                reply = wrong_details.reported_reply(
                    catalog, choice, msg.user, self.admin_channel, locale
                )
                return reply, session
            case SaveSchool(school=key):
                school = directory.schools.get(key)
                if school is None:
                    return self._notice("service.unknown_school", locale), session
                await self.store.save_school(msg.user, school.key)
                notice = text("service.school_saved", locale, school=school.name)
                return Reply(kind="notice", parts=(notice,), locale=locale), session
            case StartFlow(flow=flow_id, school=key):
                # a checklist handed over (`then:`) goes on with the school it was about
                handed = directory.schools.get(key) if key else None
                reply, started = await self._start_flow(
                    msg, flow_id, session, catalog, locale, school=handed
                )
                return replace(reply, keeps_clicked=True), started
            case ShowContacts(school=key):  # picked from an ambiguous or did-you-mean answer
                school = directory.schools.get(key)
                if school is None:
                    return self._notice("service.unknown_school", locale), session
                ages = (session.age, session.age) if session.age is not None else None
                reply = answers.contact_reply(catalog, school, self.now(), locale, ages=ages)
                return reply, replace(session, candidates=(), age=None)
            case Resume() if session.flow:
                reply, same = self._advance(session, catalog, locale, choice=choice, text_in=None)
                return replace(reply, keeps_clicked=True), same
            case _ if session.flow:
                return self._advance(session, catalog, locale, choice=choice, text_in=None)
            case Answer() | Back() | Cancel() | Resume():
                return self._notice("service.checklist_over", locale), session
        # a school or municipality for a checklist that is over
        return self._help(catalog, locale), session

    # ------------------------------------------------------------------ checklist

    async def _known_school(self, msg: IncomingMessage, catalog: Catalog) -> School | None:
        directory = catalog.directory
        if msg.channel:
            school = directory.school_in_channel(msg.channel)
            if school is not None:
                return school
        saved = await self.store.saved_school(msg.user)
        return directory.schools.get(saved) if saved else None

    async def _start_flow(
        self,
        msg: IncomingMessage,
        flow_id: str,
        session: Session,
        catalog: Catalog,
        locale: Locale,
        *,
        school: School | None = None,
    ) -> tuple[Reply, Session | None]:
        flow = catalog.flows.get(flow_id)
        if flow is None:
            return self._help(catalog, locale), session
        known = school or await self._known_school(msg, catalog)
        ctx = self._context(catalog, locale, known)
        self.observe("checklist", "started")
        where = known.municipality_id if known else stats.UNKNOWN
        await self.tally.add([(where, stats.UNKNOWN, stats.flow_started(flow_id))])
        turn = conversation.start(flow, Session(locale=locale), ctx)
        return turn.reply, self._after_turn(turn)

    def _advance(
        self,
        session: Session,
        catalog: Catalog,
        locale: Locale,
        *,
        choice: Action | None,
        text_in: str | None,
    ) -> tuple[Reply, Session | None]:
        turn = self._turn(session, catalog, locale, choice=choice, text_in=text_in)
        return self._after(turn, locale)

    def _turn(
        self,
        session: Session,
        catalog: Catalog,
        locale: Locale,
        *,
        choice: Action | None,
        text_in: str | None,
    ) -> conversation.Turn | None:
        """One step of the session's checklist; None when a reload removed that checklist."""
        flow = catalog.flows.get(session.flow or "")
        if flow is None:
            return None
        known = catalog.directory.schools.get(session.school) if session.school else None
        ctx = self._context(catalog, locale, known)
        return conversation.advance(flow, session, ctx, choice=choice, text=text_in)

    def _after(
        self, turn: conversation.Turn | None, locale: Locale
    ) -> tuple[Reply, Session | None]:
        if turn is None:  # the flow was removed by a reload: start over cleanly
            return self._notice("service.checklist_over", locale), None
        return turn.reply, self._after_turn(turn)

    def _context(self, catalog: Catalog, locale: Locale, known: School | None) -> FlowContext:
        return FlowContext(
            catalog.directory, catalog.index, self.now(), locale, known, catalog.flows
        )

    def _after_turn(self, turn: conversation.Turn) -> Session | None:
        outcome = turn.reply.outcome
        if outcome is not None:
            self.observe("outcome", f"{outcome.outcome}/{outcome.kind}")
        if turn.session.flow is None:
            return None
        return turn.session

    # ------------------------------------------------------------------ contacts

    async def _contact(
        self,
        msg: IncomingMessage,
        raw: str,
        session: Session,
        catalog: Catalog,
        locale: Locale,
        asked: Lookup | None = None,
    ) -> tuple[Reply, Session]:
        """A contact question's answer (bot.core.contact_answers). The session changes only
        to remember schools offered to pick from, for the click that follows. `asked`: the
        lookup of `raw`, when the caller has made it already."""
        if raw and not any(ch.isalpha() for ch in raw):  # "1" with nothing to pick from
            return self._help(catalog, locale), session
        when = self.now()
        if asked is None and raw:
            asked = catalog.index.lookup(raw)
        if asked is not None and asked.query.resource_kind is not None:
            return await self._resources(msg, asked, catalog, locale), session
        grade = asked.query.grade if asked else None
        place = asked.query.place if asked else None
        if isinstance(place, KnownMunicipality):  # "socialtjänsten i Kiruna": not ours
            return answers.unconfigured_reply(catalog, place, locale), session
        if asked is None or not asked.query.school_text:
            municipality_id = asked.query.municipality_id if asked else None
            school = await self._known_school(msg, catalog)
            if school is not None and municipality_id in (None, school.municipality_id):
                reply = answers.contact_reply(catalog, school, when, locale, grade=grade)
                return reply, session
            if municipality_id is not None:
                return answers.municipality_reply(catalog, municipality_id, when, locale), session
            if not raw or msg.intent == "contact":
                return self._notice("service.ask_school", locale), session
        assert asked is not None
        result = asked.result
        self.observe("lookup", result.status)
        if result.status == "found" and result.school is not None:
            reply = answers.contact_reply(catalog, result.school, when, locale, grade=grade)
            return reply, session
        if result.status == "ambiguous":
            # keep any checklist in progress: picking a school must not end it
            session = replace(
                session,
                candidates=tuple(s.key for s in result.candidates),
                age=grade.ages[0] if grade else None,
                locale=locale,
            )
        return answers.schools_to_pick(asked, catalog, locale), session

    async def _resources(
        self, msg: IncomingMessage, asked: Lookup, catalog: Catalog, locale: Locale
    ) -> Reply:
        """A kind of help asked for ("BUP Eskilstuna", "NPF Ängsskolan"): for the school named,
        else the municipality, else the school saved for this conversation. A town's name
        alone means the town, even where a school is named after it ("Hässleholm")."""
        query, kind = asked.query, asked.query.resource_kind
        assert kind is not None
        school = asked.result.school if asked.result.status == "found" else None
        place = query.place
        town = only_municipality(query.school_text, catalog.directory) if not place else None
        if town is not None:
            place, school = town, None
        if isinstance(place, KnownMunicipality):
            return resources.unconfigured_resources_reply(catalog, place, kind, locale)
        if place is not None and school is not None and school.municipality_id != place.id:
            school = None
        if place is None and school is None:
            school = await self._known_school(msg, catalog)
        if school is not None:
            municipality = catalog.directory.municipality_of(school)
        elif place is not None:
            municipality = place
        else:
            return resources.ask_place(locale)
        self.observe("lookup", "resources")
        return resources.resources_reply(
            catalog, municipality, kind, self.now(), locale, school=school, grade=query.grade
        )

    async def _home(self, msg: IncomingMessage, catalog: Catalog, locale: Locale) -> Reply:
        school = await self._known_school(msg, catalog)
        if school is None:
            return self._help(catalog, locale)
        reply = answers.contact_reply(catalog, school, self.now(), locale)
        help_ = self._help(catalog, locale)
        return replace(reply, parts=(*reply.parts, *help_.parts), choices=help_.choices)

    def _help(self, catalog: Catalog, locale: Locale) -> Reply:
        return Reply(
            kind="help",
            parts=(text("service.help", locale),),
            choices=answers.flow_choices(catalog, locale),
            footer=text("service.acute_footer", locale),
            locale=locale,
        )

    def _notice(self, key: str, locale: Locale) -> Reply:
        return Reply(kind="notice", parts=(text(key, locale),), locale=locale)
