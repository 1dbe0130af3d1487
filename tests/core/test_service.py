"""Conversations with the service as transcripts: user says -> bot replies -> what is stored."""

from __future__ import annotations

import logging
from datetime import datetime

import pytest

from bot.core.actions import Action, SaveSchool, decode, encode
from bot.core.clock import STOCKHOLM
from bot.core.models import IncomingMessage, Intent, Locale, Reply
from bot.core.render import as_text
from bot.core.service import FixedCatalog, Service
from bot.core.sessions import MemoryStore
from tests.helpers.shipped import shipped_catalog

TUESDAY_MORNING = datetime(2026, 11, 24, 10, 0, tzinfo=STOCKHOLM)
TUESDAY_EVENING = datetime(2026, 11, 24, 20, 0, tzinfo=STOCKHOLM)
CHRISTMAS_DAY = datetime(2026, 12, 25, 10, 0, tzinfo=STOCKHOLM)
BETWEEN_HOLIDAYS = datetime(2026, 12, 28, 10, 0, tzinfo=STOCKHOLM)
KEY = "test:ws:u1"


class Chat:
    """One person talking to the bot, at a fixed time."""

    def __init__(self, when: datetime = TUESDAY_MORNING) -> None:
        self.store = MemoryStore()
        self.service = Service(FixedCatalog(shipped_catalog()), self.store, now=lambda: when)

    async def say(self, text: str, *, intent: Intent = "auto", channel: str | None = None) -> Reply:
        msg = IncomingMessage("test", KEY, "test:u1", text=text, intent=intent, channel=channel)
        return await self.service.handle(msg)

    async def click(self, choice: Action | str) -> Reply:
        """Click an action, or one spelled as a transport sends it ("step:akut:ja")."""
        action = decode(choice) if isinstance(choice, str) else choice
        assert action is not None, choice
        return await self.service.handle(IncomingMessage("test", KEY, "test:u1", choice=action))


def names(reply: Reply) -> list[str]:
    return [card.name for card in reply.cards]


async def test_the_readme_question_names_the_contacts_for_that_age_group() -> None:
    reply = await Chat().say("vem är soc-kontakten för Ängsskolan åk 8?")
    assert reply.kind == "contact"
    assert reply.title == "Ängsskolan F-9, Mora kommun"
    people = [c.name for c in reply.cards if c.role == "contact"]
    assert people == ["Cecilia Lind", "Team tidiga insatser"]  # unga 13–20, primary first
    assert "Anna Svensson" not in names(reply)  # she answers for the younger children
    assert reply.footer is not None and "112" in reply.footer


async def test_without_a_grade_every_age_group_of_the_school_is_shown_labelled() -> None:
    reply = await Chat().say("angsskolan")
    labels = {c.label.split(" – ")[0] for c in reply.cards if c.role == "contact" and c.label}
    assert labels == {"Barn 0–12 år", "Unga 13–20 år"}


@pytest.mark.parametrize(
    ("when", "first_office"),
    [
        (TUESDAY_MORNING, "reception"),
        (TUESDAY_EVENING, "after_hours"),
        (CHRISTMAS_DAY, "after_hours"),
    ],
)
async def test_the_office_to_call_now_comes_first(when: datetime, first_office: str) -> None:
    reply = await Chat(when).say("Ängsskolan åk 8")
    offices = [c.role for c in reply.cards if c.role in {"reception", "after_hours"}]
    assert offices[0] == first_office
    assert reply.contact is not None and reply.contact.route is not None
    assert reply.contact.route.kind == first_office


async def test_after_hours_the_answer_says_when_the_reception_opens() -> None:
    reply = await Chat(TUESDAY_EVENING).say("Ängsskolan åk 8")
    assert "öppnar i morgon" in as_text(reply)


async def test_an_away_primary_is_moved_down_and_the_answer_says_until_when() -> None:
    reply = await Chat(BETWEEN_HOLIDAYS).say("Ängsskolan åk 8")
    people = [c for c in reply.cards if c.role == "contact"]
    assert [c.name for c in people] == ["Team tidiga insatser", "Cecilia Lind"]
    assert people[1].note is not None and "6 januari 2027" in people[1].note


async def test_a_shared_name_is_never_picked_silently_and_a_click_answers() -> None:
    chat = Chat()
    reply = await chat.say("tunaskolan åk 8")
    assert reply.kind == "ambiguous"
    assert [c.label for c in reply.choices] == [
        "Tunaskolan – Botkyrka kommun",
        "Tunaskolan 7-9 – Luleå kommun",
    ]
    picked = await chat.click(reply.choices[1].action)
    assert picked.title == "Tunaskolan 7-9, Luleå kommun"
    assert (await chat.store.load(KEY)) is None or not (await chat.store.load(KEY)).candidates  # type: ignore[union-attr]


async def test_naming_the_municipality_resolves_a_shared_name() -> None:
    reply = await Chat().say("Vem är kontakt på soc för tunaskolan i luleå?")
    assert reply.title == "Tunaskolan 7-9, Luleå kommun"


async def test_an_unknown_school_says_so_and_offers_the_checklists() -> None:
    reply = await Chat().say("Vem är kontakt för Påhittadeskolan?")
    assert reply.kind == "not_found"
    assert "Jag hittade ingen skola eller förskola som passar" in as_text(reply)
    # a worried person who names no school we know still gets somewhere
    assert [encode(c.action) for c in reply.choices][-3:] == [
        "start:orosanmalan",
        "start:konsultation",
        "start:tidigt-stod",
    ]


async def test_a_school_the_named_municipality_lacks_is_said_to_be_missing_there() -> None:
    reply = await Chat().say("Tunaskolan i Mora")
    assert "I Mora kommun hittade jag ingen skola eller förskola med det namnet" in as_text(reply)
    offered = [c.label for c in reply.choices]
    assert "Tunaskolan – Botkyrka kommun" in offered and "Tunaskolan 7-9 – Luleå kommun" in offered


async def test_an_english_question_gets_an_english_answer() -> None:
    reply = await Chat().say("who is the social services contact for Ängsskolan?")
    assert reply.locale == "en"
    assert "call 112" in (reply.footer or "")


async def test_a_personnummer_is_neither_echoed_stored_nor_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    chat = Chat()
    caplog.set_level(logging.DEBUG)
    reply = await chat.say("eleven 121212-1212 på Ängsskolan, vem ringer jag?")
    assert reply.kind == "privacy"
    assert "Radera" in as_text(reply) and "121212" not in as_text(reply)
    assert await chat.store.load(KEY) is None
    assert "121212" not in caplog.text and "Ängsskolan" not in caplog.text


async def test_a_personnummer_during_a_checklist_leaves_the_checklist_as_it_was() -> None:
    chat = Chat()
    await chat.say("orosanmälan")
    before = await chat.store.load(KEY)
    reply = await chat.say("20121212-1212")
    assert await chat.store.load(KEY) == before
    shown = as_text(reply)
    assert reply.kind == "privacy" and "121212" not in shown
    assert "har inte sparat något" in shown and "Radera meddelandet" in shown
    # the question it interrupted, with its buttons, not "I only need the school's name"
    assert "Vilken skola" in shown and "bara skolans" not in shown
    assert any(encode(c.action) == "nav:cancel" for c in reply.choices)


async def test_a_saved_school_answers_an_empty_contact_command() -> None:
    chat = Chat()
    first = await chat.say("Ängsskolan")
    saved = await chat.click(
        next(c.action for c in first.choices if isinstance(c.action, SaveSchool))
    )
    assert "Ängsskolan F-9" in as_text(saved)
    again = await chat.say("", intent="contact")
    assert again.title == "Ängsskolan F-9, Mora kommun"


async def test_a_channel_bound_to_a_school_needs_no_school_name() -> None:
    reply = await Chat().say("", intent="contact", channel="C0ANGS0001")
    assert reply.title == "Ängsskolan F-9, Mora kommun"


async def test_an_empty_contact_command_with_nothing_known_asks_which_school() -> None:
    reply = await Chat().say("", intent="contact")
    assert reply.kind == "notice" and "Vilken skola" in as_text(reply)


@pytest.mark.parametrize("text", ["orosanmälan", "Jag behöver göra en orosanmälan", "checklista"])
async def test_checklist_words_start_the_checklist(text: str) -> None:
    reply = await Chat().say(text)
    assert reply.kind == "step"


async def test_a_short_everyday_trigger_inside_a_question_stays_a_contact_question() -> None:
    reply = await Chat().say("vem kontaktar jag vid oro för en elev på Ängsskolan?")
    assert reply.kind == "contact"


async def test_picking_a_school_from_a_contact_answer_does_not_end_a_checklist() -> None:
    chat = Chat()
    await chat.say("orosanmälan")
    await chat.say("Ängsskolan")
    in_flow = await chat.store.load(KEY)
    assert in_flow is not None and in_flow.flow == "orosanmalan"
    ambiguous = await chat.say("tunaskolan", intent="contact")
    await chat.click(ambiguous.choices[0].action)
    after = await chat.store.load(KEY)
    assert after is not None and after.flow == "orosanmalan" and after.answers == in_flow.answers


async def test_a_button_from_an_ended_checklist_is_answered_calmly() -> None:
    reply = await Chat().click("step:akut:ja")
    assert reply.kind == "notice" and "avslutad" in as_text(reply)


@pytest.mark.parametrize(
    "asked", ["Mora", "socialtjänsten i Mora", "Vem ringer jag på soc i Mora?"]
)
async def test_a_municipality_alone_gets_its_reception_and_socialjour(asked: str) -> None:
    reply = await Chat().say(asked)
    assert reply.title == "Socialtjänsten i Mora kommun"
    assert [c.name for c in reply.cards] == ["Mottagningen barn och unga", "Socialjouren Dalarna"]
    assert "Skriv skolans eller förskolans namn" in as_text(reply)


async def test_a_municipality_alone_after_hours_puts_the_socialjour_first() -> None:
    reply = await Chat(TUESDAY_EVENING).say("Mora")
    assert [c.role for c in reply.cards] == ["after_hours", "reception"]
    assert "Mottagningen är stängd nu" in as_text(reply)


async def test_a_municipality_other_than_the_saved_schools_is_answered_for_itself() -> None:
    chat = Chat()
    await chat.click(SaveSchool("mora/angsskolan-f-9"))
    assert (await chat.say("vem är kontakten?")).title == "Ängsskolan F-9, Mora kommun"
    reply = await chat.say("socialtjänsten i Luleå")
    assert reply.title == "Socialtjänsten i Luleå kommun"


@pytest.mark.parametrize(
    ("said", "flow"),
    [
        ("jag är orolig för ett barn", "Inför en orosanmälan"),
        ("Jag är orolig för en elev", "Inför en orosanmälan"),
        ("I'm worried about a pupil", "Before a concern report"),
        ("I want to consult social services", "Consult social services"),
        ("jag vill rådfråga socialtjänsten", "Rådfråga socialtjänsten"),
        ("tidigt stöd", "Tidigt stöd"),
        ("oro men ingen anmälan", "Tidigt stöd"),
        ("I would like early support for a pupil", "Early support"),
    ],
)
async def test_a_natural_first_message_starts_the_right_checklist(said: str, flow: str) -> None:
    reply = await Chat().say(said)
    assert reply.kind == "step" and reply.title == flow


async def test_worry_about_a_pupil_at_a_named_school_starts_with_that_school() -> None:
    chat = Chat()
    reply = await chat.say("jag är orolig för en elev på Ängsskolan")
    assert reply.kind == "step" and "akut fara" in as_text(reply)
    session = await chat.store.load(KEY)
    assert session is not None and session.school == "mora/angsskolan-f-9"


async def test_an_outcome_that_hands_over_starts_that_checklist_with_the_same_school() -> None:
    chat = Chat()
    gate = await chat.say("tidigt stöd på Ängsskolan")
    assert gate.title == "Tidigt stöd" and "tyder något på att barnet far illa" in as_text(gate)
    handed = await chat.click("step:grind:ja")
    assert handed.kind == "outcome" and handed.title == "Då ska du göra en orosanmälan"
    assert [(c.label, encode(c.action)) for c in handed.choices] == [
        ("Gå vidare: Inför en orosanmälan", "start:orosanmalan:mora/angsskolan-f-9")
    ]
    assert await chat.store.load(KEY) is None  # the early-support checklist is over
    started = await chat.click(encode(handed.choices[0].action))
    # the outcome stays in the chat; the report checklist goes on below it, school known
    assert started.kind == "step" and started.title == "Inför en orosanmälan"
    assert started.keeps_clicked and "Är barnet i akut fara just nu?" in as_text(started)
    session = await chat.store.load(KEY)
    assert session is not None
    assert (session.flow, session.school) == ("orosanmalan", "mora/angsskolan-f-9")
    age = await chat.click("step:akut:nej")
    assert age.kind == "step" and "Hur gammal är barnet?" in as_text(age)


async def test_a_handover_button_for_a_school_removed_since_asks_for_the_school() -> None:
    chat = Chat()
    started = await chat.click("start:orosanmalan:mora/nedlagda-skolan")
    assert started.kind == "step" and "Vilken skola eller förskola" in as_text(started)


async def test_a_contact_question_during_a_checklist_is_answered_and_the_checklist_kept() -> None:
    chat = Chat()
    await chat.say("Ängsskolan", intent="checklist")
    before = await chat.store.load(KEY)
    reply = await chat.say("vem är soc-kontakten för Noretskolan?")
    assert reply.kind == "contact" and reply.title == "Noretskolan 7-9, Mora kommun"
    assert await chat.store.load(KEY) == before  # nothing of the checklist was lost
    assert reply.choices[-1].label == "Fortsätt checklistan"
    again = await chat.click(reply.choices[-1].action)
    assert again.kind == "step" and "akut fara just nu" in as_text(again)


async def test_a_checklist_trigger_during_a_checklist_asks_to_continue_or_start_over() -> None:
    chat = Chat()
    await chat.say("Ängsskolan", intent="checklist")
    await chat.click("step:akut:nej")
    reply = await chat.say("jag vill rådfråga socialtjänsten")
    assert "fortsätta där du var, eller börja om" in as_text(reply)
    assert [c.label for c in reply.choices] == [
        "Fortsätt checklistan",
        "Börja om: Rådfråga socialtjänsten",
    ]
    resumed = await chat.click(reply.choices[0].action)
    assert resumed.kind == "step" and "Hur gammal" in as_text(resumed)
    restarted = await chat.click(reply.choices[1].action)
    assert restarted.title == "Rådfråga socialtjänsten"


async def test_text_that_is_neither_an_answer_nor_a_question_shows_the_step_again() -> None:
    chat = Chat()
    await chat.say("Ängsskolan", intent="checklist")
    reply = await chat.say("hmm vet inte riktigt")
    assert reply.kind == "step" and "Välj ett av alternativen" in as_text(reply)


async def test_a_bare_number_with_nothing_to_pick_from_gets_help() -> None:
    reply = await Chat().say("1")
    assert reply.kind == "help"


async def test_a_checklist_command_with_a_school_name_skips_the_school_question() -> None:
    chat = Chat()
    reply = await chat.say("Ängsskolan", intent="checklist")
    assert reply.kind == "step" and "akut fara just nu" in as_text(reply)
    session = await chat.store.load(KEY)
    assert session is not None and session.school == "mora/angsskolan-f-9"


async def test_an_english_question_wins_over_a_swedish_slack_locale() -> None:
    chat = Chat()
    msg = IncomingMessage(
        "test", KEY, "test:u1", text="who is the contact for Ängsskolan?", locale="sv"
    )
    reply = await chat.service.handle(msg)
    assert reply.locale == "en"
    swedish = IncomingMessage("test", KEY, "test:u1", text="Ängsskolan", locale="en")
    assert (await chat.service.handle(swedish)).locale == "en"  # no English words: the locale


@pytest.mark.parametrize(
    ("locale", "label"), [("en", "For year 8."), ("sv", "Gäller åk 8."), (None, "Gäller åk 8.")]
)
async def test_the_asked_grade_is_labelled_in_the_language_of_the_reply(
    locale: Locale | None, label: str
) -> None:
    """The question is Swedish whoever types it; the label follows the reader's language."""
    chat = Chat()
    msg = IncomingMessage("test", KEY, "test:u1", text="ängsskolan åk 8", locale=locale)
    reply = await chat.service.handle(msg)
    assert reply.kind == "contact" and reply.parts[0] == label
    assert reply.locale == (locale or "sv")


# --------------------------------------------------------------------------- municipality menu


def test_the_municipality_menu_offers_at_most_100_names_whose_pick_the_bot_understands() -> None:
    service = Chat().service
    everything = service.municipality_options("")
    assert len(everything) == 100  # of 290: the first 100 in the alphabet
    assert [c.label for c in everything[:3]] == ["Ale", "Alingsås", "Alvesta"]
    first, *others = service.municipality_options("götebrg")
    assert first.label == "Göteborg" and len(others) < 100
    assert decode(encode(first.action)) == first.action  # the spelling a transport carries
    assert [c.label for c in service.municipality_options("Mora kommun")] == ["Mora"]


async def test_a_municipality_picked_from_the_menu_is_where_the_child_lives() -> None:
    chat = Chat()
    await chat.say("orosanmälan")
    await chat.say("Ängsskolan")
    for answer in ("akut:nej", "alder:unga", "oro:beteende", "plikt:next", "infor:next"):
        reply = await chat.click(f"step:{answer}")
        assert reply.menu is None
    reply = await chat.click("step:bor:other")
    assert reply.parts[0] == "Vilken kommun bor barnet i? Välj nedan eller skriv kommunens namn."
    assert reply.menu is not None
    assert reply.menu.placeholder == "Sök kommun – skriv början av namnet"
    [goteborg, *_] = chat.service.municipality_options("gbg")
    reply = await chat.click(goteborg.action)
    assert reply.kind == "outcome"
    assert reply.parts[0].startswith("Barnet bor i Göteborg, så den skriftliga anmälan ska dit")
    assert "Göteborg finns inte i min katalog" in reply.parts[0]
