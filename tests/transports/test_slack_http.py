"""The Slack app over real HTTP with the real core: signed requests in, Web API calls out.

The bot runs the shipped directory/ and rules/ at a fixed Tuesday 10:00 (the reception is
open) and talks to a local stand-in for the Slack Web API; the tests read what a teacher
would see in Slack from the calls the stand-in recorded.
"""

from __future__ import annotations

import inspect
import json
import logging
import re
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import aiohttp
import pytest
import yaml

from bot.core.catalog import load_catalog
from bot.core.clock import STOCKHOLM
from bot.core.service import FixedCatalog, Service
from bot.core.sessions import ClaimState, MemoryStore
from bot.errors import BotError
from bot.transports import Handler
from bot.transports.slack.app import EVENTS_PATH, SlackTransport
from bot.transports.slack.payloads import BOT_EVENTS, BOT_SCOPES, payload_problem, slack_to_plain
from bot.transports.slack.seen import StoreSeenEvents
from tests.helpers import slack_requests as rq
from tests.helpers.fake_service import BrokenService, SlowService
from tests.helpers.resource_directory import write_sormland
from tests.helpers.shipped import shipped_catalog
from tests.helpers.slack_standin import TEAM, Call, SlackStandIn

MANIFEST = Path(__file__).resolve().parents[2] / "deploy" / "slack-manifest.yml"
TUESDAY_MORNING = datetime(2026, 11, 24, 10, 0, tzinfo=STOCKHOLM)  # the reception is open
BOUND_CHANNEL = "C0ANGS0001"  # slack_channels of Ängsskolan F-9 in directory/mora.yml
OTHER_CHANNEL = "C0OTHER001"
# the checklist's first step without a known school
SCHOOL_QUESTION = "Vilken skola eller förskola gäller det?"
# the acute-danger question has this button
ACUTE_ANSWER = "Ja, akut fara nu"
AGE_QUESTION = "Hur gammal är barnet?"


def real_service(store: MemoryStore) -> Service:
    return Service(FixedCatalog(shipped_catalog()), store, now=lambda: TUESDAY_MORNING)


@dataclass
class Bot:
    transport: SlackTransport
    url: str
    observed: list[tuple[str, str]]

    async def send(self, request: rq.SignedRequest) -> tuple[int, str]:
        async with (
            aiohttp.ClientSession() as session,
            session.post(self.url, data=request.body, headers=request.headers) as response,
        ):
            return response.status, await response.text()

    async def settle(self) -> None:
        await self.transport.idle(timeout=5)

    async def acked(self, request: rq.SignedRequest) -> Call:
        """A slash command whose answer is the ack itself: what the asker sees, as a Call."""
        status, body = await self.send(request)
        assert status == 200 and body, "expected the answer in the ack"
        answer = json.loads(body)
        assert answer["response_type"] == "ephemeral"  # only the asker sees it
        return Call("ack", answer)


@asynccontextmanager
async def running(
    slack: SlackStandIn, service: Handler, store: MemoryStore, **options: Any
) -> AsyncIterator[Bot]:
    """The transport in HTTP mode on a free port, wired like `referral-bot serve --http`."""
    observed: list[tuple[str, str]] = []
    transport = SlackTransport(
        service,
        StoreSeenEvents(store),
        bot_token=rq.BOT_TOKEN,
        signing_secret=rq.SIGNING_SECRET,
        api_url=slack.api_url,
        host="127.0.0.1",
        port=0,
        observe=lambda kind, label: observed.append((kind, label)),
        **options,
    )
    await transport.start()
    try:
        yield Bot(transport, f"http://127.0.0.1:{transport.bound_port}/slack/events", observed)
    finally:
        await transport.close()


@pytest.fixture
async def bot(slack: SlackStandIn) -> AsyncIterator[Bot]:
    store = MemoryStore()  # one store for sessions, saved schools and event dedup, as in serve
    async with running(slack, real_service(store), store) as started:
        yield started


def buttons(call: Call) -> dict[str, dict[str, Any]]:
    """The buttons of a posted message (or App Home view), by their label."""
    blocks = call.args.get("blocks") or (call.args.get("view") or {}).get("blocks") or []
    return {
        e["text"]["text"]: e
        for b in blocks
        if b["type"] == "actions"
        for e in b["elements"]
        if e["type"] == "button"
    }


def click(call: Call, label: str, **kwargs: Any) -> rq.SignedRequest:
    """A signed click on the button labelled `label` in the message `call` posted."""
    button = buttons(call)[label]
    return rq.block_actions(button["action_id"], button["value"], **kwargs)


def answers(slack: SlackStandIn) -> list[Call]:
    """Every Web API call after the one auth.test at start."""
    return [c for c in slack.calls if c.method != "auth.test"]


def everything_sent(slack: SlackStandIn) -> str:
    return "\n".join(json.dumps(c.args, ensure_ascii=False) for c in slack.calls)


# --------------------------------------------------------------------------- /kontakt


async def test_contact_command_in_a_channel_names_the_contacts_for_that_grade_to_the_asker_only(
    bot: Bot, slack: SlackStandIn
) -> None:
    call = await bot.acked(rq.slash_command("/kontakt", "Ängsskolan åk 8"))
    shown = call.blocks_text()
    assert "Ängsskolan F-9, Mora kommun" in shown
    assert "Cecilia Lind" in shown and "Team tidiga insatser" in shown
    assert "Anna Svensson" not in shown  # she answers for the younger children
    assert "<tel:0000100103|0000-10 01 03>" in shown  # Cecilia's phone, tappable
    assert "Mottagningen har öppet nu" in shown and "ring 112" in shown
    assert "Spara som min skola" in buttons(call)
    await bot.settle()
    assert not slack.of("chat.postMessage", "chat.postEphemeral")  # the ack was the answer


async def test_contact_command_in_a_dm_is_a_normal_message(bot: Bot, slack: SlackStandIn) -> None:
    await bot.send(rq.slash_command("/kontakt", "Ängsskolan åk 8", channel=rq.DM))
    [call] = await slack.wait_for("chat.postMessage")
    assert call.args["channel"] == rq.DM and "Cecilia Lind" in call.blocks_text()
    await bot.settle()
    assert not slack.of("chat.postEphemeral")


async def test_a_shared_school_name_offers_buttons_and_a_click_answers_for_that_school(
    bot: Bot, slack: SlackStandIn
) -> None:
    choose = await bot.acked(
        rq.slash_command("/kontakt", "tunaskolan", response_url=slack.response_url())
    )
    assert {"Tunaskolan – Botkyrka kommun", "Tunaskolan 7-9 – Luleå kommun"} <= set(buttons(choose))
    assert "flera skolor" in choose.blocks_text()
    request = click(
        choose,
        "Tunaskolan 7-9 – Luleå kommun",
        channel=rq.CHANNEL,
        ephemeral=True,  # the buttons came in an ephemeral message: only response_url reaches it
        response_url=slack.response_url(),
    )
    await bot.send(request)
    [answer] = await slack.wait_for("response_url")
    assert answer.args["replace_original"] is True  # the buttons give way to the answer
    assert "Tunaskolan 7-9, Luleå kommun" in answer.blocks_text()
    assert "Botkyrka" not in answer.blocks_text()


async def test_no_argument_in_a_channel_bound_to_a_school_answers_for_that_school(
    bot: Bot, slack: SlackStandIn
) -> None:
    call = await bot.acked(rq.slash_command("/kontakt", "", channel=BOUND_CHANNEL))
    assert "Ängsskolan F-9, Mora kommun" in call.blocks_text()


async def test_no_argument_elsewhere_asks_which_school(bot: Bot, slack: SlackStandIn) -> None:
    call = await bot.acked(rq.slash_command("/kontakt", "", channel=OTHER_CHANNEL))
    assert "Vilken skola" in call.blocks_text() and "Ängsskolan" not in call.blocks_text()


async def test_a_saved_school_answers_a_bare_command_in_any_channel(
    bot: Bot, slack: SlackStandIn
) -> None:
    answer = await bot.acked(
        rq.slash_command("/kontakt", "Ängsskolan", response_url=slack.response_url())
    )
    save = click(
        answer,
        "Spara som min skola",
        channel=rq.CHANNEL,
        ephemeral=True,
        response_url=slack.response_url(),
    )
    await bot.send(save)
    [saved] = await slack.wait_for("response_url")
    assert "Ängsskolan F-9 är nu din skola" in saved.blocks_text()
    assert saved.args["replace_original"] is False  # the contact cards stay on screen
    inline = await bot.acked(rq.slash_command("/kontakt", "", channel=OTHER_CHANNEL))
    assert "Ängsskolan F-9, Mora kommun" in inline.blocks_text()


async def test_an_answer_too_slow_for_the_ack_follows_it_privately(slack: SlackStandIn) -> None:
    store = MemoryStore()
    slow = SlowService(real_service(store), delay=0.3)
    async with running(slack, slow, store, answer_in_ack_seconds=0.05) as bot:
        status, body = await bot.send(rq.slash_command("/kontakt", "Ängsskolan åk 8"))
        assert (status, body) == (200, "")  # acked in time, empty: the answer follows
        [call] = await slack.wait_for("chat.postEphemeral")
        await bot.settle()
    assert call.args["channel"] == rq.CHANNEL and call.args["user"] == rq.USER
    assert call.token == rq.BOT_TOKEN
    assert "Cecilia Lind" in call.blocks_text() and "Anna Svensson" not in call.blocks_text()
    assert bot.observed.count(("slack_request", "command")) == 1


async def test_a_slow_answer_in_a_private_channel_without_the_bot_uses_response_url(
    slack: SlackStandIn,
) -> None:
    slack.failures[("chat.postEphemeral", "G0PRIVATE1")] = "channel_not_found"
    request = rq.slash_command(
        "/kontakt", "Ängsskolan åk 8", channel="G0PRIVATE1", response_url=slack.response_url()
    )
    store = MemoryStore()
    slow = SlowService(real_service(store), delay=0.3)
    async with running(slack, slow, store, answer_in_ack_seconds=0.05) as bot:
        assert (await bot.send(request)) == (200, "")
        [call] = await slack.wait_for("response_url")
    assert call.args["response_type"] == "ephemeral"
    assert "Cecilia Lind" in call.blocks_text()


async def test_english_slack_locale_gives_english(bot: Bot, slack: SlackStandIn) -> None:
    slack.locales[rq.USER] = "en-US"
    call = await bot.acked(rq.slash_command("/kontakt", "Ängsskolan"))
    shown = call.blocks_text()
    assert "The reception is open now" in shown and "*Phone*" in shown
    assert "call 112" in shown and "Save as my school" in buttons(call)
    assert "Mottagningen har öppet" not in shown and "Telefon" not in shown
    again = await bot.acked(rq.slash_command("/kontakt", "Ängsskolan"))
    assert "The reception is open now" in again.blocks_text()
    assert len(slack.of("users.info")) == 1  # cached per user


async def test_a_first_time_asker_gets_the_answer_in_the_ack_itself(
    bot: Bot, slack: SlackStandIn
) -> None:
    answer = await bot.acked(rq.slash_command("/kontakt", "Ängsskolan åk 8"))
    shown = answer.blocks_text()
    assert "Cecilia Lind" in shown and "112" in shown and "Anna Svensson" not in shown
    assert [c.args["user"] for c in slack.of("users.info")] == [rq.USER]  # asked on the way
    await bot.settle()
    assert not slack.of("chat.postEphemeral", "chat.postMessage")  # no second answer


async def test_users_info_slower_than_its_timeout_still_answers_in_the_ack_in_swedish(
    slack: SlackStandIn,
) -> None:
    slack.locales[rq.USER] = "en-US"
    slack.delays["users.info"] = 1.0
    store = MemoryStore()
    async with running(slack, real_service(store), store, locale_timeout_seconds=0.1) as bot:
        started = time.perf_counter()
        answer = await bot.acked(rq.slash_command("/kontakt", "Ängsskolan åk 8"))
        assert time.perf_counter() - started < 0.9  # it did not wait for users.info
        await bot.settle()
    shown = answer.blocks_text()
    assert "Cecilia Lind" in shown and "Mottagningen har öppet nu" in shown
    assert not slack.of("chat.postEphemeral", "chat.postMessage")


# --------------------------------------------------------------------------- /oro


async def test_checklist_from_a_channel_continues_in_a_dm(bot: Bot, slack: SlackStandIn) -> None:
    await bot.send(rq.slash_command("/oro", ""))
    [opened] = await slack.wait_for("conversations.open")
    assert opened.args["users"] == rq.USER
    [posted] = await slack.wait_for("chat.postMessage")
    assert posted.args["channel"] == rq.DM
    assert SCHOOL_QUESTION in posted.blocks_text() and "Avbryt" in buttons(posted)
    [note] = await slack.wait_for("chat.postEphemeral")
    assert (note.args["channel"], note.args["user"]) == (rq.CHANNEL, rq.USER)
    assert "direktmeddelande" in note.blocks_text()
    assert "skola" not in note.blocks_text() and not buttons(note)  # nothing of the checklist
    await bot.settle()
    assert all(c.args["channel"] == rq.DM for c in slack.of("chat.postMessage"))


async def test_checklist_from_a_bound_channel_already_knows_the_school(
    bot: Bot, slack: SlackStandIn
) -> None:
    await bot.send(rq.slash_command("/oro", "", channel=BOUND_CHANNEL))
    [posted] = await slack.wait_for("chat.postMessage")
    assert posted.args["channel"] == rq.DM
    assert ACUTE_ANSWER in buttons(posted) and SCHOOL_QUESTION not in posted.blocks_text()


async def test_the_checklist_in_the_dm_from_school_to_the_acute_outcome_in_one_message(
    bot: Bot, slack: SlackStandIn
) -> None:
    await bot.send(rq.slash_command("/oro", ""))
    await slack.wait_for("chat.postMessage")
    await bot.send(rq.direct_message("Ängsskolan", event_id="EvSchool"))
    _, question = await slack.wait_for("chat.postMessage", 2)
    assert question.args["channel"] == rq.DM
    assert {ACUTE_ANSWER, "Nej", "Osäker", "Tillbaka", "Avbryt"} <= set(buttons(question))
    assert buttons(question)[ACUTE_ANSWER]["value"] == "step:akut:ja"
    ts = "1700000000.000101"  # the question's message, as Slack names it in the click
    status, _ = await bot.send(click(question, ACUTE_ANSWER, message_ts=ts))
    assert status == 200
    [update] = await slack.wait_for("chat.update")
    assert (update.args["channel"], update.args["ts"]) == (rq.DM, ts)
    shown = update.blocks_text()
    assert "Ring 112 nu" in shown
    assert "som har öppet nu: *Mottagningen barn och unga*, 0000-10 00 00" in shown  # 10:00
    assert "Socialjouren Dalarna" in shown
    assert "step:" not in shown and not buttons(update)  # nothing left to click
    await bot.settle()
    assert len(slack.of("chat.postMessage")) == 2  # no wall of messages


async def test_a_contact_question_in_the_middle_of_a_checklist_keeps_both_messages(
    bot: Bot, slack: SlackStandIn
) -> None:
    await bot.send(rq.direct_message("orosanmälan", event_id="EvStart"))
    await bot.send(rq.direct_message("Ängsskolan", event_id="EvSchool"))
    await slack.wait_for("chat.postMessage", 2)
    await bot.send(rq.direct_message("vem är soc-kontakten för Noretskolan?", event_id="EvAsk"))
    *_, contact = await slack.wait_for("chat.postMessage", 3)
    assert "Noretskolan 7-9, Mora kommun" in contact.blocks_text()
    ts = "1700000000.000404"
    await bot.send(click(contact, "Fortsätt checklistan", message_ts=ts))
    *_, step = await slack.wait_for("chat.postMessage", 4)
    assert ACUTE_ANSWER in buttons(step)  # the checklist goes on where it was ...
    await bot.settle()
    assert not slack.of("chat.update")  # ... below the contacts, which stay on screen


async def test_back_and_cancel_replace_the_step_in_place(bot: Bot, slack: SlackStandIn) -> None:
    await bot.send(rq.slash_command("/oro", "", channel=BOUND_CHANNEL))
    [question] = await slack.wait_for("chat.postMessage")
    ts = "1700000000.000202"
    await bot.send(click(question, "Nej", message_ts=ts))
    [age] = await slack.wait_for("chat.update")
    assert age.args["ts"] == ts and AGE_QUESTION in age.blocks_text()
    await bot.send(click(age, "Tillbaka", message_ts=ts))
    _, back = await slack.wait_for("chat.update", 2)
    assert back.args["ts"] == ts and ACUTE_ANSWER in buttons(back)
    await bot.send(click(back, "Avbryt", message_ts=ts))
    *_, cancelled = await slack.wait_for("chat.update", 3)
    assert cancelled.args["ts"] == ts
    assert "Checklistan är avbruten" in cancelled.blocks_text()
    assert not buttons(cancelled)
    await bot.settle()
    assert len(slack.of("chat.postMessage")) == 1


async def test_a_button_of_an_ended_checklist_is_answered_calmly_in_place(
    bot: Bot, slack: SlackStandIn
) -> None:
    await bot.send(rq.block_actions("choice:0", "step:akut:ja", message_ts="1700000000.000303"))
    [update] = await slack.wait_for("chat.update")
    assert update.args["ts"] == "1700000000.000303" and "avslutad" in update.blocks_text()


# --------------------------------------------------------------------------- the municipality menu

TO_THE_HOME_QUESTION = ("akut:nej", "alder:unga", "oro:beteende", "plikt:next", "infor:next")
MENU_TS = "1700000000.000505"  # the checklist's message in the DM, as Slack names it


def selects(call: Call) -> list[dict[str, Any]]:
    """The select menus of a posted or updated message."""
    blocks = call.args.get("blocks") or []
    return [
        e for b in blocks if b["type"] == "actions" for e in b["elements"] if "select" in e["type"]
    ]


async def at_the_municipality_question(bot: Bot, slack: SlackStandIn) -> Call:
    """/oro from Ängsskolan's channel, through to 'which municipality?' with button clicks."""
    await bot.send(rq.slash_command("/oro", "", channel=BOUND_CHANNEL))
    await slack.wait_for("chat.postMessage")
    answers_given = (*TO_THE_HOME_QUESTION, "bor:other")
    for n, answer in enumerate(answers_given, 1):
        await bot.send(rq.block_actions("choice:0", f"step:{answer}", message_ts=MENU_TS))
        await slack.wait_for("chat.update", n)
    return slack.of("chat.update")[-1]


async def options_for(bot: Bot, action_id: str, typed: str) -> list[dict[str, Any]]:
    status, body = await bot.send(rq.block_suggestion(action_id, typed, message_ts=MENU_TS))
    assert status == 200
    return list(json.loads(body)["options"])


async def test_in_slack_the_child_s_municipality_is_searched_in_a_menu_of_all_290(
    bot: Bot, slack: SlackStandIn
) -> None:
    question = await at_the_municipality_question(bot, slack)
    assert "Vilken kommun bor barnet i?" in question.blocks_text()
    [menu] = selects(question)
    assert menu["type"] == "external_select" and menu["min_query_length"] == 1
    assert menu["placeholder"]["text"] == "Sök kommun – skriv början av namnet"
    # the directory's municipalities are in the menu, not buttons besides it
    assert set(buttons(question)) == {"Kommunen finns inte i listan", "Tillbaka", "Avbryt"}
    options = await options_for(bot, menu["action_id"], "götebrg")
    assert options[0]["text"]["text"] == "Göteborg" and len(options) <= 100
    [shortened, *_] = await options_for(bot, menu["action_id"], "gbg")
    assert shortened["text"]["text"] == "Göteborg"
    everything = await options_for(bot, menu["action_id"], "")
    assert len(everything) == 100 and everything[0]["text"]["text"] == "Ale"
    await bot.send(rq.menu_pick(menu["action_id"], options[0], message_ts=MENU_TS))
    *_, outcome = await slack.wait_for("chat.update", len(TO_THE_HOME_QUESTION) + 2)
    assert outcome.args["ts"] == MENU_TS  # the step's message becomes the answer, as a click does
    shown = outcome.blocks_text()
    assert "Barnet bor i Göteborg, så den skriftliga anmälan ska dit" in shown
    assert "Göteborg finns inte i min katalog: ring kommunens växel" in shown
    assert not selects(outcome)
    await bot.settle()
    assert len(slack.of("chat.postMessage")) == 1  # one message from the first step to the end


async def test_a_municipality_picked_in_the_menu_that_the_directory_has_names_its_reception(
    bot: Bot, slack: SlackStandIn
) -> None:
    [menu] = selects(await at_the_municipality_question(bot, slack))
    [lulea, *_] = await options_for(bot, menu["action_id"], "lule")
    assert lulea["text"]["text"] == "Luleå"
    await bot.send(rq.menu_pick(menu["action_id"], lulea, message_ts=MENU_TS))
    *_, outcome = await slack.wait_for("chat.update", len(TO_THE_HOME_QUESTION) + 2)
    assert "Barnet bor i Luleå kommun, så den skriftliga anmälan ska dit" in outcome.blocks_text()


async def test_a_menu_pick_when_no_checklist_runs_takes_nothing_for_an_answer(
    bot: Bot, slack: SlackStandIn
) -> None:
    goteborg = {"text": {"type": "plain_text", "text": "Göteborg"}, "value": "muni:1480"}
    await bot.send(rq.menu_pick("menu:municipality", goteborg))  # e.g. after a restart
    [update] = await slack.wait_for("chat.update")
    assert "Jag kan hjälpa dig med två saker" in update.blocks_text()  # the help, in place
    assert "Göteborg" not in update.blocks_text()


async def test_what_is_typed_in_the_menu_is_never_logged(
    bot: Bot, slack: SlackStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    options = await options_for(bot, "menu:municipality", "Götebrg hemligt")
    assert options == []  # no municipality is spelled so
    assert await options_for(bot, "menu:municipality", "Götebrg")
    await bot.settle()
    assert "hemligt" not in caplog.text and "Götebrg" not in caplog.text
    assert "Göteborg" not in caplog.text and "1480" not in caplog.text
    assert not answers(slack)  # the options need nothing from the Web API, not even a locale


@pytest.mark.parametrize(
    "fields",
    [
        {"action_id": None},  # which menu?
        {"value": None},
        {"value": ["hemlig"]},
        {"user": None},
        {"user": {"id": rq.USER}, "team": None},
        {"channel": "hemlig"},
    ],
)
async def test_a_malformed_menu_request_is_400_with_a_log_line_and_the_bot_goes_on(
    bot: Bot, slack: SlackStandIn, caplog: pytest.LogCaptureFixture, fields: dict[str, Any]
) -> None:
    caplog.set_level(logging.INFO)
    status, _ = await bot.send(rq.block_suggestion("menu:municipality", "götebrg", changes=fields))
    assert status == 400
    # our payload check names the kind; the lowest declared slack-bolt (1.21) already fails
    # to build a request from a `team` of null, which is refused as unreadable: 400 either way
    assert re.search(
        r"rejected Slack request \(400\): (block_suggestion|body is not a JSON object)",
        caplog.text,
    )
    assert "hemlig" not in caplog.text and "götebrg" not in caplog.text
    assert "Traceback" not in caplog.text
    [first, *_] = await options_for(bot, "menu:municipality", "götebrg")
    assert first["text"]["text"] == "Göteborg"


async def test_a_pick_whose_option_is_malformed_is_400(
    bot: Bot, slack: SlackStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    for option in ("muni:1480", {"value": 1480}):
        status, _ = await bot.send(rq.menu_pick("menu:municipality", option))  # type: ignore[arg-type]
        assert status == 400
    assert caplog.text.count("selected option has no string value") == 2
    await bot.settle()
    assert not answers(slack)


async def test_a_failing_core_gives_the_menu_no_options_and_a_log_line(
    slack: SlackStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    store = MemoryStore()
    async with running(slack, BrokenService(), store) as broken:
        assert await options_for(broken, "menu:municipality", "götebrg") == []
    assert "menu options failed: AttributeError at listeners.py:" in caplog.text


# --------------------------------------------------------------------------- events


async def test_mention_is_answered_in_its_thread(bot: Bot, slack: SlackStandIn) -> None:
    question = "vem är kontakt för Ängsskolan åk 8?"
    await bot.send(rq.app_mention(question, ts="1700000100.000100"))
    [posted] = await slack.wait_for("chat.postMessage")
    assert posted.args["channel"] == rq.CHANNEL
    assert posted.args["thread_ts"] == "1700000100.000100"
    assert "Cecilia Lind" in posted.blocks_text() and "Anna Svensson" not in posted.blocks_text()


async def test_checklist_asked_for_in_a_mention_goes_to_the_dm(
    bot: Bot, slack: SlackStandIn
) -> None:
    await bot.send(rq.app_mention("orosanmälan"))
    [posted] = await slack.wait_for("chat.postMessage")
    assert posted.args["channel"] == rq.DM and SCHOOL_QUESTION in posted.blocks_text()
    [note] = await slack.wait_for("chat.postEphemeral")
    assert note.args["channel"] == rq.CHANNEL and SCHOOL_QUESTION not in note.blocks_text()


async def test_a_personnummer_in_a_dm_gets_the_privacy_notice_and_is_never_echoed(
    bot: Bot, slack: SlackStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    await bot.send(rq.direct_message("eleven 121212-1212 på Ängsskolan, vem ringer jag?"))
    [notice] = await slack.wait_for("chat.postMessage")
    assert notice.args["channel"] == rq.DM
    assert "personnummer" in notice.blocks_text() and "Radera" in notice.blocks_text()
    await bot.settle()
    assert "1212" not in everything_sent(slack) and "1212" not in caplog.text
    assert "Cecilia Lind" not in everything_sent(slack)  # not answered as a contact question


async def test_privacy_notice_for_a_mention_is_private_and_not_in_the_thread(
    bot: Bot, slack: SlackStandIn
) -> None:
    await bot.send(rq.app_mention("Ängsskolan 121212-1212"))
    [notice] = await slack.wait_for("chat.postEphemeral")
    assert notice.args["user"] == rq.USER and "Radera" in notice.blocks_text()
    await bot.settle()
    assert not slack.of("chat.postMessage") and "1212" not in everything_sent(slack)


async def test_a_personnummer_in_the_checklist_command_stays_private(
    bot: Bot, slack: SlackStandIn
) -> None:
    await bot.send(rq.slash_command("/oro", "20121212-1212"))
    [notice] = await slack.wait_for("chat.postEphemeral")
    assert "Radera" in notice.blocks_text()
    await bot.settle()
    assert not slack.of("conversations.open", "chat.postMessage")
    assert "1212" not in everything_sent(slack)


async def test_channel_markup_and_disguised_links_never_come_back(
    bot: Bot, slack: SlackStandIn
) -> None:
    # typed "@channel" arrives as <!channel>; a pasted link as <url|label>
    typed = "<!channel> vem är kontakt för <https://evil.example|Tunaskolan>?"
    await bot.send(rq.app_mention(typed))
    [posted] = await slack.wait_for("chat.postMessage")
    shown = posted.blocks_text()
    assert "Tunaskolan 7-9 – Luleå kommun" in buttons(posted)  # the link's label was read
    assert "<!channel>" not in shown and "@channel" not in shown
    assert "evil.example" not in shown


async def test_bot_messages_and_edits_are_ignored(bot: Bot, slack: SlackStandIn) -> None:
    for n, extra in enumerate(({"bot_id": "B0OTHER"}, {"subtype": "message_changed"})):
        event = {
            "type": "message",
            "channel_type": "im",
            "user": rq.USER,
            "text": "Noretskolan",
            "ts": f"17000005{n}.0001",
            "channel": rq.DM,
            **extra,
        }
        status, _ = await bot.send(rq.event_callback(event, event_id=f"EvIgnored{n}"))
        assert status == 200
    await bot.send(rq.direct_message("Ängsskolan", event_id="EvAfter"))  # handled after those
    await slack.wait_for("chat.postMessage")
    await bot.settle()
    [posted] = slack.of("chat.postMessage")
    assert "Ängsskolan" in posted.blocks_text()
    assert "Noretskolan" not in everything_sent(slack)


async def test_a_retried_event_is_answered_once(bot: Bot, slack: SlackStandIn) -> None:
    first = await bot.send(rq.direct_message("Ängsskolan", event_id="EvRetry1"))
    retry = await bot.send(rq.direct_message("Ängsskolan", event_id="EvRetry1", retry=1))
    assert first[0] == retry[0] == 200  # the retry is acked, so Slack stops retrying
    await slack.wait_for("chat.postMessage")
    await bot.settle()
    assert len(slack.of("chat.postMessage")) == 1
    assert ("slack_duplicate", "event_message") in bot.observed


class RememberedEvents:
    """SeenEvents as the transport sees it, in memory: claim with a lease, done, release."""

    def __init__(self) -> None:
        self.asked: list[str] = []
        self.claimed: set[str] = set()
        self.answered: set[str] = set()

    async def claim(self, event_id: str) -> ClaimState:
        self.asked.append(event_id)
        if event_id in self.answered:
            return "done"
        if event_id in self.claimed:
            return "held"
        self.claimed.add(event_id)
        return "claimed"

    async def done(self, event_id: str) -> None:
        self.claimed.discard(event_id)
        self.answered.add(event_id)

    async def release(self, event_id: str) -> None:
        self.claimed.discard(event_id)


async def test_a_retried_event_is_answered_once_through_seen_events(slack: SlackStandIn) -> None:
    seen = RememberedEvents()
    transport = SlackTransport(
        real_service(MemoryStore()),
        seen,
        bot_token=rq.BOT_TOKEN,
        signing_secret=rq.SIGNING_SECRET,
        api_url=slack.api_url,
        host="127.0.0.1",
        port=0,
    )
    await transport.start()
    try:
        bot = Bot(transport, f"http://127.0.0.1:{transport.bound_port}/slack/events", [])
        for retry in (None, 1, 2):
            request = rq.app_mention("Ängsskolan åk 8", event_id="EvSeen1", retry=retry)
            assert (await bot.send(request))[0] == 200
        await slack.wait_for("chat.postMessage")
        await bot.settle()
    finally:
        await transport.close()
    assert seen.asked == ["EvSeen1"] * 3
    assert len(slack.of("chat.postMessage")) == 1


async def test_app_home_shows_the_saved_school_and_the_checklist_button(
    bot: Bot, slack: SlackStandIn
) -> None:
    await bot.send(rq.block_actions("save_school", "save:mora/angsskolan-f-9", channel=rq.DM))
    await slack.wait_for("chat.postMessage")
    await bot.send(rq.home_opened())
    [call] = await slack.wait_for("views.publish")
    assert call.args["user_id"] == rq.USER and call.args["view"]["type"] == "home"
    shown = call.blocks_text()
    assert "Ängsskolan F-9, Mora kommun" in shown
    assert "Anna Svensson" in shown and "Cecilia Lind" in shown  # every age group at home
    start = buttons(call)["Inför en orosanmälan"]
    assert start["value"] == "start:orosanmalan"


async def test_app_home_without_a_school_offers_help_and_the_checklist(
    bot: Bot, slack: SlackStandIn
) -> None:
    await bot.send(rq.home_opened())
    [call] = await slack.wait_for("views.publish")
    assert "Ängsskolan åk 8" in call.blocks_text()  # the help's example question
    assert {"Inför en orosanmälan", "Rådfråga socialtjänsten"} <= set(buttons(call))


async def test_home_checklist_button_starts_in_the_dm_with_the_saved_school(
    bot: Bot, slack: SlackStandIn
) -> None:
    await bot.send(rq.block_actions("save_school", "save:mora/angsskolan-f-9", channel=rq.DM))
    await slack.wait_for("chat.postMessage")
    await bot.send(rq.block_actions("choice:0", "start:orosanmalan", channel=""))  # from Home
    _, posted = await slack.wait_for("chat.postMessage", 2)
    assert posted.args["channel"] == rq.DM and ACUTE_ANSWER in buttons(posted)


async def test_a_failing_service_gives_a_calm_message_and_a_log_without_text(
    slack: SlackStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    store = MemoryStore()
    async with running(slack, BrokenService(), store) as broken:
        await broken.send(rq.direct_message("krascha Ängsskolan"))
        [posted] = await slack.wait_for("chat.postMessage")
    assert "Något gick fel" in posted.blocks_text() and "112" in posted.blocks_text()
    assert "service failed: RuntimeError at fake_service.py:" in caplog.text
    assert "krascha" not in caplog.text and "krascha" not in everything_sent(slack)


# --------------------------------------------------------------------------- rejections


async def test_bad_signature_is_401(
    bot: Bot, slack: SlackStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)  # bolt logs a refused body at INFO: never let it
    request = rq.slash_command("/kontakt", "Ängsskolan hemlig", secret="not-the-secret")
    status, _ = await bot.send(request)
    assert status == 401
    await bot.settle()
    assert not answers(slack)  # no answer, not even a locale look-up
    assert "rejected Slack request" in caplog.text and "hemlig" not in caplog.text
    assert bot.observed == [("slack_rejected", "401")]


async def test_unsigned_request_is_401(bot: Bot, slack: SlackStandIn) -> None:
    request = rq.slash_command("/kontakt", "Ängsskolan")
    unsigned = rq.SignedRequest(request.body, {"Content-Type": request.headers["Content-Type"]})
    assert (await bot.send(unsigned))[0] == 401
    await bot.settle()
    assert not answers(slack)


async def test_timestamp_six_minutes_old_is_401(bot: Bot, slack: SlackStandIn) -> None:
    old = int(time.time()) - 6 * 60
    status, _ = await bot.send(rq.slash_command("/kontakt", "Ängsskolan", timestamp=old))
    assert status == 401
    await bot.settle()
    assert not answers(slack)


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        ('{"type": "event_callback", "event": ', "application/json"),
        ("[1, 2, 3]", "application/json"),
        ('{"type": "event_callback", "event_id": "Ev1", "team_id": "T1"}', "application/json"),
        (
            '{"type": "event_callback", "event_id": "Ev1", "team_id": "T1",'
            ' "event": {"type": "app_mention", "text": "hemlig"}}',
            "application/json",
        ),
        ("payload=%7Bnot+json", "application/x-www-form-urlencoded"),
        ('payload={"type":"block_actions","actions":[]}', "application/x-www-form-urlencoded"),
        ("command=%2Fkontakt&text=hemlig", "application/x-www-form-urlencoded"),
        ("\xff\xfe", "application/x-www-form-urlencoded"),
    ],
)
async def test_malformed_signed_bodies_are_400(
    bot: Bot, slack: SlackStandIn, caplog: pytest.LogCaptureFixture, body: str, content_type: str
) -> None:
    caplog.set_level(logging.INFO)
    status, _ = await bot.send(rq.sign(body, content_type))
    assert status == 400
    assert "rejected Slack request (400)" in caplog.text and "hemlig" not in caplog.text
    assert "Traceback" not in caplog.text
    # the server is still up and answering
    call = await bot.acked(rq.slash_command("/kontakt", "Ängsskolan åk 8"))
    assert "Cecilia Lind" in call.blocks_text()


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b"command=%2Fkontakt&text=\xff\xfe", "application/x-www-form-urlencoded"),
        (b'{"type": "event_callback", "text": "\xe4"}', "application/json"),
    ],
)
async def test_signed_bodies_that_are_not_utf8_are_400_without_a_traceback(
    bot: Bot, slack: SlackStandIn, caplog: pytest.LogCaptureFixture, body: bytes, content_type: str
) -> None:
    caplog.set_level(logging.INFO)
    status, _ = await bot.send(rq.sign_bytes(body, content_type))
    assert status == 400
    assert "rejected Slack request (400)" in caplog.text and "Traceback" not in caplog.text
    assert bot.observed == [("slack_rejected", "400")]
    await bot.settle()
    assert not answers(slack)


async def test_url_verification_challenge(bot: Bot) -> None:
    body = json.dumps({"token": "t", "challenge": "abc123", "type": "url_verification"})
    status, text = await bot.send(rq.sign(body, "application/json"))
    assert status == 200 and "abc123" in text


# --------------------------------------------------------------------------- settings and logs


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"bot_token": "xoxp-user-token", "signing_secret": "s"}, "xoxb-"),
        ({"bot_token": "xoxb-your-bot-token", "signing_secret": "s"}, "xoxb-"),
        ({"bot_token": rq.BOT_TOKEN, "app_token": "xoxb-wrong"}, "xapp-"),
        ({"bot_token": rq.BOT_TOKEN}, "SLACK_SIGNING_SECRET"),
    ],
)
def test_bad_token_formats_fail_fast_without_echoing_them(
    kwargs: dict[str, str], message: str
) -> None:
    store = MemoryStore()
    with pytest.raises(BotError) as caught:
        SlackTransport(real_service(store), StoreSeenEvents(store), **kwargs)  # type: ignore[arg-type]
    assert message in str(caught.value)
    assert "user-token" not in str(caught.value) and "wrong" not in str(caught.value)


async def test_no_message_text_or_contact_is_logged_even_at_debug(
    bot: Bot, slack: SlackStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    await bot.send(rq.direct_message("Ängsskolan åk 8 hemligt ord"))
    [posted] = await slack.wait_for("chat.postMessage")
    assert "Cecilia Lind" in posted.blocks_text()
    await bot.settle()
    assert "hemligt" not in caplog.text and "Ängsskolan" not in caplog.text
    assert "Cecilia" not in caplog.text and "0000-10" not in caplog.text


# --------------------------------------------------------------------------- Socket Mode


@dataclass
class SocketBot:
    transport: SlackTransport
    slack: SlackStandIn
    observed: list[tuple[str, str]]

    async def push(
        self, kind: str, payload: dict[str, Any], envelope_id: str, **extra: Any
    ) -> None:
        """An envelope over the WebSocket, as Slack's Socket Mode sends it."""
        envelope = {"envelope_id": envelope_id, "type": kind, "payload": payload, **extra}
        await self.slack.socket_envelopes.put(envelope)


@pytest.fixture
async def socket_bot(slack: SlackStandIn) -> AsyncIterator[SocketBot]:
    store = MemoryStore()
    observed: list[tuple[str, str]] = []
    transport = SlackTransport(
        real_service(store),
        StoreSeenEvents(store),
        bot_token=rq.BOT_TOKEN,
        app_token=rq.APP_TOKEN,
        api_url=slack.api_url,
        observe=lambda kind, label: observed.append((kind, label)),
    )
    await transport.start()
    yield SocketBot(transport, slack, observed)
    await transport.close()


def command_form(slack: SlackStandIn, text: str, channel: str = rq.CHANNEL) -> dict[str, str]:
    return {
        "team_id": TEAM,
        "user_id": rq.USER,
        "channel_id": channel,
        "command": "/kontakt",
        "text": text,
        "response_url": slack.response_url(),
    }


def event_payload(request: rq.SignedRequest) -> dict[str, Any]:
    return dict(json.loads(request.body))


def interactive_payload(request: rq.SignedRequest) -> dict[str, Any]:
    return dict(json.loads(dict(parse_qsl(request.body.decode()))["payload"]))


async def test_socket_mode_command_is_acked_and_answered(
    socket_bot: SocketBot, slack: SlackStandIn
) -> None:
    [connect] = slack.of("apps.connections.open")
    assert connect.token == rq.APP_TOKEN
    form = command_form(slack, "Ängsskolan åk 8")
    await socket_bot.push("slash_commands", form, "env1", accepts_response_payload=True)
    [ack] = await slack.wait_for("socket_ack")
    assert ack.args["envelope_id"] == "env1"
    answer = Call("ack", ack.args["payload"])  # the answer is the ack here too
    assert answer.args["response_type"] == "ephemeral"
    assert "Cecilia Lind" in answer.blocks_text() and "Anna Svensson" not in answer.blocks_text()
    await socket_bot.transport.idle(timeout=5)
    assert not slack.of("chat.postEphemeral", "chat.postMessage")


async def test_socket_mode_retry_is_answered_once(
    socket_bot: SocketBot, slack: SlackStandIn
) -> None:
    body = event_payload(rq.direct_message("Ängsskolan", event_id="EvSocket1"))
    for attempt in (0, 1):  # the retry comes after the first was answered and acked
        await socket_bot.push(
            "events_api",
            body,
            f"env{attempt}",
            retry_attempt=attempt,
            retry_reason="timeout" if attempt else "",
            accepts_response_payload=False,
        )
        await slack.wait_for("socket_ack", attempt + 1)
    await socket_bot.transport.idle(timeout=5)
    assert len(slack.of("chat.postMessage")) == 1
    [first_ack, retry_ack] = slack.socket_acks
    assert [first_ack["envelope_id"], retry_ack["envelope_id"]] == ["env0", "env1"]
    # the envelope is acked only once the answer was posted
    assert slack.calls.index(slack.of("chat.postMessage")[0]) < slack.calls.index(
        slack.of("socket_ack")[0]
    )
    assert ("slack_duplicate", "event_message") in socket_bot.observed


async def test_socket_mode_checklist_click_updates_in_place(
    socket_bot: SocketBot, slack: SlackStandIn
) -> None:
    start = event_payload(rq.direct_message("orosanmälan", event_id="EvSocketStart"))
    await socket_bot.push("events_api", start, "env1")
    await slack.wait_for("chat.postMessage")
    school = event_payload(rq.direct_message("Ängsskolan", event_id="EvSocketSchool"))
    await socket_bot.push("events_api", school, "env2")
    _, question = await slack.wait_for("chat.postMessage", 2)
    assert ACUTE_ANSWER in buttons(question)
    ts = "1700000000.000042"
    no = interactive_payload(click(question, "Nej", message_ts=ts))
    await socket_bot.push("interactive", no, "env3")
    [update] = await slack.wait_for("chat.update")
    assert update.args["ts"] == ts and AGE_QUESTION in update.blocks_text()


async def test_socket_mode_menu_options_come_over_the_socket(
    socket_bot: SocketBot, slack: SlackStandIn
) -> None:
    asking = interactive_payload(rq.block_suggestion("menu:municipality", "götebrg"))
    await socket_bot.push("interactive", asking, "env-menu", accepts_response_payload=True)
    [ack] = await slack.wait_for("socket_ack")
    assert ack.args["envelope_id"] == "env-menu"
    options = ack.args["payload"]["options"]
    assert options[0]["text"]["text"] == "Göteborg" and len(options) <= 100


async def test_socket_mode_malformed_payload_is_not_acked_and_does_not_crash(
    socket_bot: SocketBot, slack: SlackStandIn
) -> None:
    broken = {"type": "event_callback", "event": {"type": "app_mention"}}
    await socket_bot.push("events_api", broken, "bad1")
    await socket_bot.push("slash_commands", command_form(slack, "Ängsskolan"), "good1")
    await slack.wait_for("socket_ack")
    assert [a.args["envelope_id"] for a in slack.of("socket_ack")] == ["good1"]


# --------------------------------------------------------------------------- the manifest


def test_manifest_asks_for_exactly_what_the_code_uses() -> None:
    manifest = yaml.safe_load(MANIFEST.read_text(encoding="utf-8"))
    assert tuple(manifest["oauth_config"]["scopes"]["bot"]) == BOT_SCOPES
    settings = manifest["settings"]
    assert tuple(settings["event_subscriptions"]["bot_events"]) == BOT_EVENTS
    assert settings["interactivity"]["is_enabled"] is True
    assert settings["socket_mode_enabled"] is True
    assert manifest["features"]["app_home"]["home_tab_enabled"] is True
    commands = [c["command"] for c in manifest["features"]["slash_commands"]]
    defaults = inspect.signature(SlackTransport).parameters
    assert commands == [
        defaults["contact_command"].default,
        defaults["checklist_command"].default,
        defaults["admin_command"].default,
    ]


def test_the_manifest_s_http_mode_lines_send_every_request_to_the_events_path() -> None:
    """Un-commented as docs/slack.md says, the manifest sends commands, events, clicks and the
    municipality menu's options (the Options Load URL) to the one path the bot serves."""
    http_mode = re.sub(
        r"^(\s*)# (\w+: https://\S+)\s+# HTTP mode$",
        r"\1\2",
        MANIFEST.read_text(encoding="utf-8"),
        flags=re.MULTILINE,
    )
    settings = yaml.safe_load(http_mode)["settings"]
    commands = yaml.safe_load(http_mode)["features"]["slash_commands"]
    urls = [
        *(c["url"] for c in commands),
        settings["event_subscriptions"]["request_url"],
        settings["interactivity"]["request_url"],
        settings["interactivity"]["message_menu_options_url"],
    ]
    assert len(urls) == 6 and all(url.endswith(EVENTS_PATH) for url in urls)


# --------------------------------------------------------------------------- pure helpers


@pytest.mark.parametrize(
    ("raw", "plain"),
    [
        ("<@UBOT0001> Ängsskolan åk 8", "Ängsskolan åk 8"),
        ("<@UBOT0001|referral-bot>  vem är kontakt", "vem är kontakt"),
        ("fråga <@U0OTHER|kim> om <#C0ABC|elevhälsa>", "fråga @kim om #elevhälsa"),
        ("<!channel> <!subteam^S01|@rektorer> hej", "@channel @rektorer hej"),
        ("<https://evil.example|Tunaskolan> &lt;b&gt; &amp;", "Tunaskolan <b> &"),
    ],
)
def test_slack_markup_becomes_what_the_person_typed(raw: str, plain: str) -> None:
    assert slack_to_plain(raw) == plain


def test_payload_problems_name_the_missing_part_not_the_text() -> None:
    event = {"type": "app_mention", "channel": "C1", "ts": "1.2", "text": "hemlig"}
    body = {"type": "event_callback", "event_id": "Ev1", "team_id": "T1", "event": event}
    assert payload_problem(body) == "app_mention event without user"
    assert payload_problem({**body, "event": {**event, "user": "U1"}}) is None
    assert payload_problem({"type": "url_verification", "challenge": "x"}) is None
    assert payload_problem({"command": "/kontakt", "user_id": "U1", "team_id": "T1"}) == (
        "slash command without channel_id"
    )
    asking = {"type": "block_suggestion", "user": {"id": "U1", "team_id": "T1"}}
    assert payload_problem({**asking, "value": "hemlig"}) == "block_suggestion without action_id"
    assert payload_problem({**asking, "action_id": "menu:municipality", "value": "hemlig"}) is None


async def test_socket_mode_is_ready_once_connected_and_not_after_close(
    socket_bot: SocketBot, slack: SlackStandIn
) -> None:
    assert await socket_bot.transport.not_ready() is None
    assert len(slack.of("auth.test")) == 1
    await socket_bot.transport.close()
    assert await socket_bot.transport.not_ready() == "shutting down"


async def test_a_question_for_help_gets_the_resources_as_cards_in_the_ack(
    slack: SlackStandIn, tmp_path: Path
) -> None:
    """/kontakt ungdomsmottagning Nyköping, signed, through bolt: the region's clinic for that
    municipality, its web address as a link, the duty to report and 112."""
    catalog = load_catalog(
        [write_sormland(tmp_path), Path(__file__).parents[2] / "rules"],
        today=TUESDAY_MORNING.date(),
    )
    store = MemoryStore()
    service = Service(FixedCatalog(catalog), store, now=lambda: TUESDAY_MORNING)
    async with running(slack, service, store) as bot:
        answer = await bot.acked(rq.slash_command("/kontakt", "ungdomsmottagning Nyköping"))
        await bot.settle()
    shown = answer.blocks_text()
    assert "*Ungdomsmottagningen Nyköping*" in shown
    assert "<https://umo.example.se/nykoping|https://umo.example.se/nykoping>" in shown
    assert "orosanmälan" in shown and "112" in shown
    assert "BUP Sörmland" not in shown  # a youth clinic was asked for, nothing else
