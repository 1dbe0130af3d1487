"""The listeners: what each command, button, menu and event does, from its payload to the answer."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any, Protocol

from slack_bolt.async_app import AsyncAck, AsyncRespond
from slack_bolt.response import BoltResponse

from bot.core.actions import Action, decode
from bot.core.models import IncomingMessage, Intent, Locale, Reply
from bot.core.sessions import platform_user, session_key
from bot.core.texts import text
from bot.transports import MenuHandler
from bot.transports.slack.blocks import REPORT_ACTION_PREFIX, ephemeral_response, menu_options
from bot.transports.slack.delivery import Delivery
from bot.transports.slack.identity import Identity
from bot.transports.slack.payloads import action_ids, is_dm, slack_to_plain, where
from bot.transports.slack.people import SlackPeople
from bot.transports.slack.seen import SeenEvents
from bot.transports.slack.work import WorkQueue

logger = logging.getLogger(__name__)

# How long the contact command waits for its answer before it acks empty and answers after:
# well within Slack's 3 s, with room for the network and a slow moment of the machine.
ANSWER_IN_ACK_SECONDS = 2.0

# How long an event's ack waits for its answer to be posted. Slack retries an event that got
# no 200 within 3 s, and a retry is what saves an answer whose process died: so the ack comes
# once the answer is posted, or at this deadline when answering takes longer (the work goes
# on and is marked done when it ends). 0.5 s below Slack's limit for the network and a slow
# moment of the machine.
EVENT_ACK_DEADLINE_SECONDS = 2.5

# Overload notices sent at once, at most (each one Web API call, outside the work queue).
BUSY_NOTICES = 8

Work = Callable[[dict[str, Any], AsyncRespond | None], Coroutine[Any, Any, None]]
EventWork = Callable[[dict[str, Any]], Awaitable[Reply]]


class AdminHandler(Protocol):
    """Administrator commands (bot.admin.Admin); `user` is the Slack user id."""

    async def handle(self, user: str, args: str, locale: Locale) -> Reply: ...


class Listeners:
    """One method per command, button and event; bolt calls them (SlackTransport registers)."""

    def __init__(
        self,
        service: MenuHandler,
        seen: SeenEvents,
        identity: Identity,
        delivery: Delivery,
        people: SlackPeople,
        *,
        admin: AdminHandler | None,
        answer_in_ack_seconds: float,
        observe: Callable[[str, str], None],
        event_ack_deadline_seconds: float = EVENT_ACK_DEADLINE_SECONDS,
    ) -> None:
        self.service = service
        self.seen = seen
        self.identity = identity
        self.delivery = delivery
        self.people = people
        self.admin = admin
        self.answer_in_ack_seconds = answer_in_ack_seconds
        self.event_ack_deadline = event_ack_deadline_seconds
        self.observe = observe
        self.work = WorkQueue()
        self._notices: set[asyncio.Future[None]] = set()

    def acking(self, kind: str, work: Work) -> Callable[..., Awaitable[None]]:
        """A listener that acks at once, empty, and queues `work` to run after the ack;
        under overload the ack (a command's) or one quick call (a click's) says so.

        This is what bolt's lazy listeners do, minus their deep copy of the whole request
        (bolt's Web API client included): that copy cost more than the rest of the ack.
        """

        async def listener(
            ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond | None = None
        ) -> None:
            self.observe("slack_request", kind)
            if self.work.submit(kind, lambda: work(body, respond)):
                await ack()
            elif kind == "command":
                await self._ack_busy(ack, body["user_id"])
            else:
                await ack()
                self._tell_busy(kind, body, respond)

        return listener

    # ------------------------------------------------------------------ asking the core

    async def _ask(
        self,
        team: str,
        user: str,
        *,
        text_in: str | None = None,
        choice: Action | None = None,
        intent: Intent = "auto",
        channel: str | None = None,
    ) -> Reply:
        """The core's answer in the person's language, with a mention on the cards of people
        found in Slack by e-mail; a calm notice if the core fails.

        One conversation per person and workspace, wherever they write, so a checklist
        started in a channel continues in the DM."""
        locale = await self.identity.locale_of(user)
        msg = IncomingMessage(
            transport="slack",
            conversation=session_key("slack", team, user),
            user=qualified_user(team, user),
            text=text_in or None,
            choice=choice,
            locale=locale,
            intent=intent,
            channel=channel,
        )
        try:
            reply = await self.service.handle(msg)
        except Exception as error:
            logger.error("service failed: %s at %s", type(error).__name__, where(error))
            return Reply(kind="notice", parts=(text("slack.error", locale),), locale=locale)
        return await self.people.with_mentions(reply)

    async def _ask_command(self, body: dict[str, Any], intent: Intent) -> Reply:
        typed = slack_to_plain(body.get("text") or "")
        team, user, channel = body["team_id"], body["user_id"], body["channel_id"]
        return await self._ask(team, user, text_in=typed, intent=intent, channel=channel)

    # ------------------------------------------------------------------ commands

    async def on_contact_command(
        self, ack: AsyncAck, body: dict[str, Any], respond: AsyncRespond | None = None
    ) -> None:
        """In a channel, the answer *is* the ack (an ephemeral response only the asker sees)
        when it is ready in time; otherwise, and in a DM, it follows an empty ack."""
        self.observe("slack_request", "command")
        user, channel = body["user_id"], body["channel_id"]
        answer = asyncio.ensure_future(self._ask_command(body, "contact"))
        wait = 0 if is_dm(channel) else self.answer_in_ack_seconds
        done, _ = await asyncio.wait({answer}, timeout=wait)
        if done and not is_dm(channel) and answer.exception() is None:
            response = ephemeral_response(answer.result())
            await ack(text=response["text"], blocks=response["blocks"], response_type="ephemeral")
        elif self.work.submit(
            "command", lambda: self._deliver_contact(answer, user, channel, respond)
        ):
            await ack()
        else:
            answer.cancel()
            await self._ack_busy(ack, user)

    async def _ack_busy(self, ack: AsyncAck, user: str) -> None:
        await ack(
            text=text("overload.busy", self.identity.known_locale(user)), response_type="ephemeral"
        )

    async def _deliver_contact(
        self,
        answer: Awaitable[Reply],
        user: str,
        channel: str,
        respond: AsyncRespond | None,
    ) -> None:
        reply = await answer
        if is_dm(channel):
            await self.delivery.in_dm_channel(reply, channel, user, respond)
        else:
            await self.delivery.private(reply, channel, user, respond=respond)

    async def on_checklist_command(
        self, body: dict[str, Any], respond: AsyncRespond | None
    ) -> None:
        reply = await self._ask_command(body, "checklist")
        user, channel = body["user_id"], body["channel_id"]
        if reply.kind == "privacy":
            await self.delivery.private(reply, channel, user, respond=respond)
        else:
            await self.delivery.to_dm(reply, user, channel, respond)

    async def on_admin_command(self, body: dict[str, Any], respond: AsyncRespond | None) -> None:
        """Admin answers are always private: they may list file paths and problems."""
        assert self.admin is not None
        user, channel = body["user_id"], body["channel_id"]
        locale = await self.identity.locale_of(user)
        reply = await self.admin.handle(user, body.get("text") or "", locale)
        await self.delivery.private(reply, channel, user, respond=respond)

    # ------------------------------------------------------------------ buttons

    async def _clicked(self, body: dict[str, Any]) -> tuple[str, str | None, dict[str, Any], Reply]:
        """(user, channel, container, the core's answer) for a click on one of our buttons,
        or a pick in one of our menus: its option's value is spelled as a button's."""
        team, user, channel = action_ids(body)
        action = body["actions"][0]
        picked = action.get("selected_option") or {}
        value = decode(action.get("value") or picked.get("value") or "")
        if value is None and action["action_id"].startswith(REPORT_ACTION_PREFIX):
            # a "Fel uppgift?" no action spells (malformed, or from a future version)
            logger.info("button value no action spells: %s", action["action_id"])
            locale = await self.identity.locale_of(user)
            reply = Reply(kind="notice", parts=(text("service.old_button", locale),), locale=locale)
        else:
            reply = await self._ask(team, user, choice=value, channel=channel)
        if reply.notify is not None:
            reply = await self.delivery.notify(
                reply, reply.notify, platform_user(reply.notify.reporter)
            )
        return user, channel, body.get("container") or {}, reply

    async def on_choice(self, body: dict[str, Any], respond: AsyncRespond | None) -> None:
        """A button: the answer replaces the message that holds it (no wall of messages),
        unless the answer keeps that message (Reply.keeps_clicked)."""
        user, channel, container, reply = await self._clicked(body)
        ts = (body.get("message") or {}).get("ts") or container.get("message_ts")
        if container.get("type") == "view" or not channel:  # App Home: continue in the DM
            await self.delivery.post(reply, await self.delivery.open_dm(user))
        elif container.get("is_ephemeral") and respond is not None:
            await self.delivery.respond(reply, respond, replace=not reply.keeps_clicked)
        elif reply.kind in ("step", "outcome") and not is_dm(channel):
            await self.delivery.to_dm(reply, user, channel, respond)
        elif ts and not reply.keeps_clicked:
            await self.delivery.update(reply, channel, ts)
        else:
            await self.delivery.post(reply, channel)

    async def on_private_click(self, body: dict[str, Any], respond: AsyncRespond | None) -> None:
        """ "Spara som min skola" and "Fel uppgift?": the answer in a new private message,
        below the contact cards, which stay (in a channel only the clicker sees it)."""
        user, channel, container, reply = await self._clicked(body)
        if container.get("type") == "view" or not channel:
            await self.delivery.post(reply, await self.delivery.open_dm(user))
        elif container.get("is_ephemeral") and respond is not None:
            await self.delivery.respond(reply, respond, replace=False)
        elif is_dm(channel):
            await self.delivery.post(reply, channel)
        else:
            thread = (body.get("message") or {}).get("thread_ts")
            await self.delivery.private(reply, channel, user, respond=respond, thread_ts=thread)

    # ------------------------------------------------------------------ menus

    async def on_municipality_options(self, ack: AsyncAck, body: dict[str, Any]) -> None:
        """A municipality menu's options for what is typed so far (a block_suggestion), in
        the ack itself: Slack shows them as the person types. A pick comes back as a
        block_actions and takes the path of a button (`on_choice`). What was typed is
        neither logged nor kept; a failing core answers no options, with a log line."""
        self.observe("slack_request", "block_suggestion")
        try:
            choices = self.service.municipality_options(body["value"])
        except Exception as error:
            logger.error("menu options failed: %s at %s", type(error).__name__, where(error))
            choices = ()
        await ack(options=menu_options(choices))

    # ------------------------------------------------------------------ events

    def event(
        self, kind: str, wanted: Callable[[dict[str, Any]], bool], answer: EventWork
    ) -> Callable[..., Awaitable[BoltResponse | None]]:
        """An event listener: claim the event id, `answer` it in the queue, and ack once the
        answer is posted (or at the ack deadline), so that Slack retries an event whose
        process died before answering.

        A claim held elsewhere (another replica answering, or a dead process whose lease
        still runs) gets a 503, not an ack: Slack retries later, when the holder has marked
        it done or its lease has ended. In Socket Mode a non-200 sends no envelope ack, and
        Slack delivers the envelope again. A listener's returned BoltResponse is bolt's
        answer (process_before_response), which `ack()` cannot give: it has no status."""

        async def listener(ack: AsyncAck, body: dict[str, Any]) -> BoltResponse | None:
            self.observe("slack_request", kind)
            deadline = asyncio.get_running_loop().time() + self.event_ack_deadline
            if not wanted(body["event"]):
                await ack()
                return None
            event_id = str(body["event_id"])
            claim = await self.seen.claim(event_id)
            if claim == "done":
                logger.info("duplicate Slack event ignored")
                self.observe("slack_duplicate", kind)
                await ack()
                return None
            if claim == "held":
                return self._retry_later(kind, "its claim is held elsewhere")
            answered: asyncio.Future[bool] = asyncio.get_running_loop().create_future()
            if not self.work.submit(kind, lambda: self._once(event_id, body, answer, answered)):
                await self.seen.release(event_id)  # not answered: the claim is not ours to keep
                self._tell_busy(kind, body, None)
                await ack()
                return None
            try:
                timeout = max(0.0, deadline - asyncio.get_running_loop().time())
                ok = await asyncio.wait_for(asyncio.shield(answered), timeout)
            except TimeoutError:  # still answering: ack now, the work goes on
                ok = True
            if not ok:  # answering failed and the claim is released: Slack's retry answers
                return self._retry_later(kind, "answering it failed")
            await ack()
            return None

        return listener

    def _retry_later(self, kind: str, why: str) -> BoltResponse:
        logger.info("Slack event not acknowledged (%s): Slack retries it later", why)
        self.observe("slack_retry_later", kind)
        return BoltResponse(status=503, body="")

    async def _once(
        self,
        event_id: str,
        body: dict[str, Any],
        answer: EventWork,
        answered: asyncio.Future[bool],
    ) -> None:
        """Answer a claimed event, then mark it done; release it when answering failed (the
        Web API or the core), so that Slack's retry is answered. `answered` says which
        (True: posted and done), for the ack that waits for it."""
        try:
            reply = await answer(body)
        except BaseException:
            await self.seen.release(event_id)
            _settle(answered, False)
            raise
        ok = not failed(reply)
        await (self.seen.done if ok else self.seen.release)(event_id)
        _settle(answered, ok)

    async def _ask_event(self, body: dict[str, Any]) -> Reply:
        event = body["event"]
        typed = slack_to_plain(event.get("text") or "")
        team, user, channel = body["team_id"], event["user"], event["channel"]
        return await self._ask(team, user, text_in=typed, channel=channel)

    async def on_mention(self, body: dict[str, Any]) -> Reply:
        """A mention in a channel: answered in its thread; checklists, privacy notices privately."""
        event = body["event"]
        user, channel = event["user"], event["channel"]
        reply = await self._ask_event(body)
        if is_dm(channel):
            await self.delivery.post(reply, channel)
        elif reply.kind == "privacy":
            await self.delivery.private(reply, channel, user)
        elif reply.kind in ("step", "outcome"):
            await self.delivery.to_dm(reply, user, channel, None)
        else:
            thread = event.get("thread_ts") or event["ts"]
            await self.delivery.post(reply, channel, thread_ts=thread)
        return reply

    async def on_direct_message(self, body: dict[str, Any]) -> Reply:
        event = body["event"]
        reply = await self._ask_event(body)
        await self.delivery.post(reply, event["channel"], thread_ts=event.get("thread_ts"))
        return reply

    async def on_home_opened(self, body: dict[str, Any]) -> Reply:
        user = body["event"]["user"]
        reply = await self._ask(body["team_id"], user, intent="home")
        await self.delivery.home(user, reply)
        return reply

    # ------------------------------------------------------------------ overload

    def _tell_busy(self, kind: str, body: dict[str, Any], respond: AsyncRespond | None) -> None:
        """The overload notice where it costs one call: a click's response_url, a DM, a
        mention. At most BUSY_NOTICES at once; beyond that the overload is only logged."""
        if len(self._notices) >= BUSY_NOTICES:
            return
        task = asyncio.ensure_future(self._busy_notice(kind, body, respond))
        self._notices.add(task)
        task.add_done_callback(self._notices.discard)

    async def _busy_notice(
        self, kind: str, body: dict[str, Any], respond: AsyncRespond | None
    ) -> None:
        event = body.get("event") or {}
        user = str(event.get("user") or (body.get("user") or {}).get("id"))
        locale = self.identity.known_locale(user)
        busy = Reply(kind="notice", parts=(text("overload.busy", locale),), locale=locale)
        try:
            if respond is not None:
                await self.delivery.respond(busy, respond, replace=False)
            elif kind == "event_message":
                await self.delivery.post(busy, event["channel"])
            elif kind == "event_app_mention":
                await self.delivery.private(busy, event["channel"], user)
        except Exception as error:
            logger.warning("overload notice failed: %s", type(error).__name__)


def qualified_user(team: str, user: str) -> str:
    """The transport-qualified user id the core sees (IncomingMessage.user)."""
    return f"slack:{team}:{user}"


def _settle(future: asyncio.Future[bool], ok: bool) -> None:
    if not future.done():  # nobody waits any more when the ack deadline came first
        future.set_result(ok)


def failed(reply: Reply) -> bool:
    """Whether `reply` is the calm notice for a failed core (Listeners._ask)."""
    return reply.kind == "notice" and reply.parts == (text("slack.error", reply.locale),)


def wants_mention(event: dict[str, Any]) -> bool:
    return not event.get("bot_id")


def wants_message(event: dict[str, Any]) -> bool:
    """Direct messages people typed; not the bot's own, edits, joins or other subtypes."""
    return (
        event.get("channel_type") == "im"
        and not event.get("subtype")
        and not event.get("bot_id")
        and bool(event.get("user"))
    )


def wants_home(event: dict[str, Any]) -> bool:
    return bool(event.get("tab", "home") == "home")
