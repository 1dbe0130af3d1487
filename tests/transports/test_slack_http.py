"""The Slack app over real HTTP: signed requests in, Web API calls to a local stand-in out."""

from __future__ import annotations

import inspect
import json
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qsl

import aiohttp
import pytest
import yaml

from bot.core.sessions import MemoryStore
from bot.errors import BotError
from bot.transports.slack import (
    BOT_EVENTS,
    BOT_SCOPES,
    SlackTransport,
    payload_problem,
    slack_to_plain,
)
from tests.helpers import slack_requests as rq
from tests.helpers.fake_service import (
    BOUND_CHANNEL,
    CONTACT_NAMES,
    FIRST_STEP,
    OUTCOME,
    SCHOOL_KEY,
    SECOND_STEP,
    FakeService,
)
from tests.helpers.slack_standin import TEAM, SlackStandIn

MANIFEST = Path(__file__).resolve().parents[2] / "deploy" / "slack-manifest.yml"


@dataclass
class Bot:
    transport: SlackTransport
    service: FakeService
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


@pytest.fixture
async def slack() -> AsyncIterator[SlackStandIn]:
    async with SlackStandIn() as standin:
        yield standin


@pytest.fixture
async def bot(slack: SlackStandIn) -> AsyncIterator[Bot]:
    service = FakeService()
    observed: list[tuple[str, str]] = []
    transport = SlackTransport(
        service,
        MemoryStore(),
        bot_token=rq.BOT_TOKEN,
        signing_secret=rq.SIGNING_SECRET,
        api_url=slack.api_url,
        host="127.0.0.1",
        port=0,
        observe=lambda kind, label: observed.append((kind, label)),
    )
    await transport.start()
    url = f"http://127.0.0.1:{transport.bound_port}/slack/events"
    yield Bot(transport, service, url, observed)
    await transport.close()


# --------------------------------------------------------------------------- /kontakt


async def test_contact_command_in_a_channel_answers_only_the_asker(
    bot: Bot, slack: SlackStandIn
) -> None:
    status, body = await bot.send(rq.slash_command("/kontakt", "Ängsskolan åk 8"))
    assert (status, body) == (200, "")  # acked at once, empty: the answer follows
    [call] = await slack.wait_for("chat.postEphemeral")
    assert call.args["channel"] == rq.CHANNEL and call.args["user"] == rq.USER
    shown = call.blocks_text()
    assert all(name in shown for name in CONTACT_NAMES)
    assert "<tel:0000123456|0000-12 34 56>" in shown and "<@U0KIMTEST>" in shown
    assert call.token == rq.BOT_TOKEN
    await bot.settle()
    assert not slack.of("chat.postMessage")
    [msg] = bot.service.messages
    assert (msg.intent, msg.text, msg.channel) == ("contact", "Ängsskolan åk 8", rq.CHANNEL)
    assert msg.conversation == f"slack:T0TEST001:{rq.USER}" and msg.locale == "sv"


async def test_contact_command_in_a_dm_is_a_normal_message(bot: Bot, slack: SlackStandIn) -> None:
    await bot.send(rq.slash_command("/kontakt", "Ängsskolan", channel=rq.DM))
    [call] = await slack.wait_for("chat.postMessage")
    assert call.args["channel"] == rq.DM
    assert CONTACT_NAMES[0] in call.blocks_text()
    await bot.settle()
    assert not slack.of("chat.postEphemeral")


async def test_no_argument_in_a_bound_channel_answers_for_its_school(
    bot: Bot, slack: SlackStandIn
) -> None:
    await bot.send(rq.slash_command("/kontakt", "", channel=BOUND_CHANNEL))
    [call] = await slack.wait_for("chat.postEphemeral")
    assert CONTACT_NAMES[0] in call.blocks_text()
    assert bot.service.messages[0].text is None
    assert bot.service.messages[0].channel == BOUND_CHANNEL


async def test_private_channel_without_the_bot_falls_back_to_response_url(
    bot: Bot, slack: SlackStandIn
) -> None:
    slack.failures[("chat.postEphemeral", "G0PRIVATE1")] = "channel_not_found"
    request = rq.slash_command(
        "/kontakt", "Ängsskolan", channel="G0PRIVATE1", response_url=slack.response_url()
    )
    await bot.send(request)
    [call] = await slack.wait_for("response_url")
    assert call.args["response_type"] == "ephemeral"
    assert CONTACT_NAMES[0] in call.blocks_text()


async def test_english_slack_locale_gives_english(bot: Bot, slack: SlackStandIn) -> None:
    slack.locales[rq.USER] = "en-GB"
    await bot.send(rq.slash_command("/kontakt", "Ängsskolan"))
    [call] = await slack.wait_for("chat.postEphemeral")
    assert "*Phone*" in call.blocks_text() and "Save as my school" in call.blocks_text()
    await bot.send(rq.slash_command("/kontakt", "Ängsskolan"))
    await slack.wait_for("chat.postEphemeral", 2)
    assert len(slack.of("users.info")) == 1  # cached per user
    assert [m.locale for m in bot.service.messages] == ["en", "en"]


# --------------------------------------------------------------------------- /oro


async def test_checklist_from_a_channel_continues_in_a_dm(bot: Bot, slack: SlackStandIn) -> None:
    await bot.send(rq.slash_command("/oro", ""))
    [opened] = await slack.wait_for("conversations.open")
    assert opened.args["users"] == rq.USER
    [posted] = await slack.wait_for("chat.postMessage")
    assert posted.args["channel"] == rq.DM
    assert FIRST_STEP in posted.blocks_text()
    [note] = await slack.wait_for("chat.postEphemeral")
    assert note.args["channel"] == rq.CHANNEL
    assert FIRST_STEP not in note.blocks_text()  # nothing of the checklist in the channel
    assert bot.service.messages[0].intent == "checklist"
    assert bot.service.messages[0].channel == rq.CHANNEL  # so the core finds the bound school


async def test_a_click_updates_the_same_message(bot: Bot, slack: SlackStandIn) -> None:
    await bot.send(rq.slash_command("/oro", "", channel=rq.DM))
    [posted] = await slack.wait_for("chat.postMessage")
    buttons = [e for b in posted.args["blocks"] if b["type"] == "actions" for e in b["elements"]]
    no = next(e for e in buttons if e["text"]["text"] == "Nej")
    ts = "1700000000.000001"
    status, _ = await bot.send(rq.block_actions(no["action_id"], no["value"], message_ts=ts))
    assert status == 200
    [update] = await slack.wait_for("chat.update")
    assert (update.args["channel"], update.args["ts"]) == (rq.DM, ts)
    assert SECOND_STEP in update.blocks_text()
    assert bot.service.messages[-1].choice == "step:fara:nej"
    await bot.settle()
    assert len(slack.of("chat.postMessage")) == 1  # no wall of messages
    assert not slack.of("chat.postEphemeral")  # started in the DM: no pointer needed


async def test_the_last_click_shows_the_outcome_with_contacts_in_the_same_message(
    bot: Bot, slack: SlackStandIn
) -> None:
    ts = "1700000000.000007"
    await bot.send(rq.block_actions("choice:1", "step:fara:nej", message_ts=ts))
    await slack.wait_for("chat.update")
    await bot.send(rq.block_actions("choice:0", "step:rektor:ja", message_ts=ts))
    first, last = await slack.wait_for("chat.update", 2)
    assert first.args["ts"] == last.args["ts"] == ts
    assert OUTCOME in last.blocks_text() and CONTACT_NAMES[0] in last.blocks_text()
    assert "step:" not in last.blocks_text()  # no buttons left to click


async def test_cancel_replaces_the_step(bot: Bot, slack: SlackStandIn) -> None:
    await bot.send(rq.block_actions("choice:3", "nav:cancel"))
    [update] = await slack.wait_for("chat.update")
    assert "avbruten" in update.blocks_text() and FIRST_STEP not in update.blocks_text()


async def test_save_school_confirms_without_replacing_the_cards(
    bot: Bot, slack: SlackStandIn
) -> None:
    request = rq.block_actions("save_school", f"save:{SCHOOL_KEY}", channel=rq.DM)
    await bot.send(request)
    [posted] = await slack.wait_for("chat.postMessage")
    assert "Ängsskolan F-9 är nu din skola" in posted.blocks_text()
    await bot.settle()
    assert not slack.of("chat.update")
    assert bot.service.saved == {f"slack:T0TEST001:{rq.USER}": SCHOOL_KEY}


async def test_a_click_on_an_ephemeral_answer_replaces_it_through_response_url(
    bot: Bot, slack: SlackStandIn
) -> None:
    request = rq.block_actions(
        "choice:0",
        "school:mora/angsskolan-f-9",
        channel=rq.CHANNEL,
        ephemeral=True,
        response_url=slack.response_url(),
    )
    await bot.send(request)
    [call] = await slack.wait_for("response_url")
    assert call.args["replace_original"] is True
    assert CONTACT_NAMES[0] in call.blocks_text()


# --------------------------------------------------------------------------- events


async def test_mention_is_answered_in_its_thread(bot: Bot, slack: SlackStandIn) -> None:
    await bot.send(rq.app_mention("vem är kontakt för Ängsskolan?", ts="1700000100.000100"))
    [posted] = await slack.wait_for("chat.postMessage")
    assert posted.args["channel"] == rq.CHANNEL
    assert posted.args["thread_ts"] == "1700000100.000100"
    assert CONTACT_NAMES[1] in posted.blocks_text()
    assert bot.service.messages[0].text == "vem är kontakt för Ängsskolan?"  # mention stripped


async def test_checklist_asked_for_in_a_channel_goes_to_the_dm(
    bot: Bot, slack: SlackStandIn
) -> None:
    await bot.send(rq.app_mention("orosanmälan"))
    [posted] = await slack.wait_for("chat.postMessage")
    assert posted.args["channel"] == rq.DM and FIRST_STEP in posted.blocks_text()


async def test_privacy_notice_for_a_mention_is_private_and_not_in_the_thread(
    bot: Bot, slack: SlackStandIn
) -> None:
    await bot.send(rq.app_mention("Ängsskolan 123456-7890"))
    [notice] = await slack.wait_for("chat.postEphemeral")
    assert notice.args["user"] == rq.USER and "Radera" in notice.blocks_text()
    assert "123456-7890" not in notice.blocks_text()
    await bot.settle()
    assert not slack.of("chat.postMessage")


async def test_direct_message_goes_through_the_service(bot: Bot, slack: SlackStandIn) -> None:
    await bot.send(rq.direct_message("Ängsskolan åk 8"))
    [posted] = await slack.wait_for("chat.postMessage")
    assert posted.args["channel"] == rq.DM and CONTACT_NAMES[0] in posted.blocks_text()


async def test_a_failing_service_gives_a_calm_message_and_a_log_without_text(
    bot: Bot, slack: SlackStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    await bot.send(rq.direct_message("krascha"))
    [posted] = await slack.wait_for("chat.postMessage")
    assert "Något gick fel" in posted.blocks_text() and "112" in posted.blocks_text()
    assert "service failed: RuntimeError at fake_service.py:" in caplog.text
    assert "krascha" not in caplog.text


async def test_bot_messages_and_edits_are_ignored(bot: Bot, slack: SlackStandIn) -> None:
    for n, extra in enumerate(({"bot_id": "B0OTHER"}, {"subtype": "message_changed"})):
        event = {
            "type": "message",
            "channel_type": "im",
            "user": rq.USER,
            "text": "hej",
            "ts": f"17000005{n}.0001",
            "channel": rq.DM,
            **extra,
        }
        status, _ = await bot.send(rq.event_callback(event, event_id=f"EvIgnored{n}"))
        assert status == 200
    await bot.send(rq.direct_message("Ängsskolan", event_id="EvAfter"))  # handled after those
    await slack.wait_for("chat.postMessage")
    await bot.settle()
    assert [m.text for m in bot.service.messages] == ["Ängsskolan"]
    assert len(slack.of("chat.postMessage")) == 1


async def test_a_retried_event_is_answered_once(bot: Bot, slack: SlackStandIn) -> None:
    first = await bot.send(rq.direct_message("Ängsskolan", event_id="EvRetry1"))
    retry = await bot.send(rq.direct_message("Ängsskolan", event_id="EvRetry1", retry=1))
    assert first[0] == retry[0] == 200  # the retry is acked, so Slack stops retrying
    await slack.wait_for("chat.postMessage")
    await bot.settle()
    assert len(slack.of("chat.postMessage")) == 1
    assert len(bot.service.messages) == 1
    assert ("slack_duplicate", "event_message") in bot.observed


async def test_typed_markup_is_escaped_in_what_the_bot_posts(bot: Bot, slack: SlackStandIn) -> None:
    # Slack sends "@channel" typed in a message as <!channel>, and a typed "<" as &lt;
    await bot.send(rq.direct_message("<!channel> &lt;https://evil.example|Harmless&gt; skolan"))
    [posted] = await slack.wait_for("chat.postMessage")
    shown = posted.blocks_text()
    assert "ingen skola som heter" in shown  # the fake service echoes what was typed
    assert "<!channel>" not in shown and "<https://evil" not in shown
    assert "@channel &lt;https://evil.example|Harmless&gt; skolan" in shown


async def test_app_home_is_published(bot: Bot, slack: SlackStandIn) -> None:
    await bot.send(rq.home_opened())
    [call] = await slack.wait_for("views.publish")
    assert call.args["user_id"] == rq.USER
    view = call.args["view"]
    assert view["type"] == "home"
    assert "start:orosanmalan" in json.dumps(view)
    assert bot.service.messages[0].intent == "home"


async def test_home_checklist_button_starts_in_the_dm(bot: Bot, slack: SlackStandIn) -> None:
    payload_request = rq.block_actions("choice:0", "start:orosanmalan", channel="")
    await bot.send(payload_request)
    [posted] = await slack.wait_for("chat.postMessage")
    assert posted.args["channel"] == rq.DM and FIRST_STEP in posted.blocks_text()


# --------------------------------------------------------------------------- rejections


async def test_bad_signature_is_401(
    bot: Bot, slack: SlackStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    request = rq.slash_command("/kontakt", "Ängsskolan hemlig", secret="not-the-secret")
    status, _ = await bot.send(request)
    assert status == 401
    await bot.settle()
    assert bot.service.messages == [] and not slack.calls
    assert "rejected Slack request" in caplog.text and "hemlig" not in caplog.text
    assert bot.observed == [("slack_rejected", "401")]


async def test_unsigned_request_is_401(bot: Bot) -> None:
    request = rq.slash_command("/kontakt", "Ängsskolan")
    unsigned = rq.SignedRequest(request.body, {"Content-Type": request.headers["Content-Type"]})
    assert (await bot.send(unsigned))[0] == 401


async def test_timestamp_six_minutes_old_is_401(bot: Bot) -> None:
    old = int(time.time()) - 6 * 60
    status, _ = await bot.send(rq.slash_command("/kontakt", "Ängsskolan", timestamp=old))
    assert status == 401
    assert bot.service.messages == []


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
    # the server is still up and answering
    await bot.send(rq.slash_command("/kontakt", "Ängsskolan"))
    await slack.wait_for("chat.postEphemeral")


async def test_url_verification_challenge(bot: Bot) -> None:
    body = json.dumps({"token": "t", "challenge": "abc123", "type": "url_verification"})
    status, text = await bot.send(rq.sign(body, "application/json"))
    assert status == 200 and "abc123" in text


# --------------------------------------------------------------------------- settings


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"bot_token": "xoxp-user-token", "signing_secret": "s"}, "xoxb-"),
        ({"bot_token": rq.BOT_TOKEN, "app_token": "xoxb-wrong"}, "xapp-"),
        ({"bot_token": rq.BOT_TOKEN}, "SLACK_SIGNING_SECRET"),
    ],
)
def test_bad_token_formats_fail_fast_without_echoing_them(
    kwargs: dict[str, str], message: str
) -> None:
    with pytest.raises(BotError) as caught:
        SlackTransport(FakeService(), MemoryStore(), **kwargs)  # type: ignore[arg-type]
    assert message in str(caught.value)
    assert "user-token" not in str(caught.value) and "wrong" not in str(caught.value)


async def test_no_message_text_is_logged_even_at_debug(
    bot: Bot, slack: SlackStandIn, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    await bot.send(rq.direct_message("Ängsskolan hemligt ord"))
    await slack.wait_for("chat.postMessage")
    await bot.settle()
    assert "hemligt" not in caplog.text and "Kim Testsson" not in caplog.text


# --------------------------------------------------------------------------- Socket Mode


@pytest.fixture
async def socket_bot(slack: SlackStandIn) -> AsyncIterator[tuple[SlackTransport, FakeService]]:
    service = FakeService()
    transport = SlackTransport(
        service,
        MemoryStore(),
        bot_token=rq.BOT_TOKEN,
        app_token=rq.APP_TOKEN,
        api_url=slack.api_url,
    )
    await transport.start()
    yield transport, service
    await transport.close()


async def test_socket_mode_command_is_acked_and_answered(
    socket_bot: tuple[SlackTransport, FakeService], slack: SlackStandIn
) -> None:
    [connect] = slack.of("apps.connections.open")
    assert connect.token == rq.APP_TOKEN
    form = {
        "team_id": TEAM,
        "user_id": rq.USER,
        "channel_id": rq.CHANNEL,
        "command": "/kontakt",
        "text": "Ängsskolan",
        "response_url": slack.response_url(),
    }
    await slack.socket_envelopes.put(
        {
            "envelope_id": "env1",
            "type": "slash_commands",
            "payload": form,
            "accepts_response_payload": True,
        }
    )
    [ack] = await slack.wait_for("socket_ack")
    assert ack.args == {"envelope_id": "env1"}
    [call] = await slack.wait_for("chat.postEphemeral")
    assert CONTACT_NAMES[0] in call.blocks_text()


async def test_socket_mode_retry_is_answered_once(
    socket_bot: tuple[SlackTransport, FakeService], slack: SlackStandIn
) -> None:
    body = json.loads(rq.direct_message("Ängsskolan", event_id="EvSocket1").body)
    for attempt in (0, 1):
        await slack.socket_envelopes.put(
            {
                "envelope_id": f"env{attempt}",
                "type": "events_api",
                "payload": body,
                "retry_attempt": attempt,
                "retry_reason": "timeout" if attempt else "",
                "accepts_response_payload": False,
            }
        )
    await slack.wait_for("socket_ack", 2)
    await slack.wait_for("chat.postMessage")
    transport, service = socket_bot
    await transport.idle(timeout=5)
    assert len(slack.of("chat.postMessage")) == 1 and len(service.messages) == 1


async def test_socket_mode_button_updates_in_place(
    socket_bot: tuple[SlackTransport, FakeService], slack: SlackStandIn
) -> None:
    request = rq.block_actions("choice:1", "step:fara:nej", message_ts="1700000000.000042")
    payload = json.loads(dict(parse_qsl(request.body.decode()))["payload"])
    await slack.socket_envelopes.put(
        {
            "envelope_id": "env9",
            "type": "interactive",
            "payload": payload,
            "accepts_response_payload": False,
        }
    )
    [update] = await slack.wait_for("chat.update")
    assert update.args["ts"] == "1700000000.000042" and SECOND_STEP in update.blocks_text()


async def test_socket_mode_malformed_payload_is_not_acked_and_does_not_crash(
    socket_bot: tuple[SlackTransport, FakeService], slack: SlackStandIn
) -> None:
    await slack.socket_envelopes.put(
        {
            "envelope_id": "bad1",
            "type": "events_api",
            "payload": {"type": "event_callback", "event": {"type": "app_mention"}},
        }
    )
    form = {
        "team_id": TEAM,
        "user_id": rq.USER,
        "channel_id": rq.CHANNEL,
        "command": "/kontakt",
        "text": "Ängsskolan",
        "response_url": slack.response_url(),
    }
    await slack.socket_envelopes.put(
        {"envelope_id": "good1", "type": "slash_commands", "payload": form}
    )
    await slack.wait_for("chat.postEphemeral")
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
