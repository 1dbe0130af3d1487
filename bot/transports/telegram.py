"""The Telegram transport (python-telegram-bot): pure translate/render functions plus a runner.

Telegram limits callback data to 64 bytes, so an action whose spelling (bot.core.actions) is
longer is sent as a short token and looked up again in a small per-process table.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import html
import logging
import re

from telegram import InlineKeyboardButton, InlineKeyboardMarkup, Update
from telegram.error import InvalidToken, NetworkError
from telegram.ext import (
    Application,
    ApplicationBuilder,
    CallbackQueryHandler,
    CommandHandler,
    ContextTypes,
    MessageHandler,
    filters,
)

from bot.core import actions
from bot.core.actions import Action
from bot.core.models import ContactCard, IncomingMessage, Intent, Locale, Reply
from bot.core.sessions import session_key
from bot.errors import BotError
from bot.transports import Handler

logger = logging.getLogger(__name__)

# While Telegram cannot be reached at start: try again after 1 s, doubling up to 30 s.
RETRY_FIRST_SECONDS = 1.0
RETRY_MAX_SECONDS = 30.0

CALLBACK_LIMIT = 64
IN_PLACE_KINDS = {"step", "outcome", "notice"}  # a checklist click updates that message
_BOLD = re.compile(r"\*(\S(?:[^*\n]*\S)?)\*")


def _markup(text: str) -> str:
    """Our *bold* markup as Telegram HTML, with everything else escaped."""
    return _BOLD.sub(r"<b>\1</b>", html.escape(text, quote=False))


def _card(card: ContactCard) -> str:
    head = f"<b>{html.escape(card.name)}</b>"
    if card.title:
        head += f", {html.escape(card.title)}"
    if card.label:
        head = f"{html.escape(card.label)}: {head}"
    lines = [head]
    lines += [html.escape(x) for x in (card.phone, card.email, card.url) if x]
    if card.note:
        lines.append(f"<i>{html.escape(card.note)}</i>")
    return "\n".join(lines)


def render_text(reply: Reply) -> str:
    """The reply as one Telegram HTML message."""
    blocks = []
    if reply.title:
        blocks.append(f"<b>{html.escape(reply.title)}</b>")
    blocks += [_markup(p) for p in reply.parts]
    blocks += [_card(c) for c in reply.cards]
    if reply.footer:
        blocks.append(_markup(reply.footer))
    return "\n\n".join(blocks)


class CallbackCodec:
    """Actions <-> Telegram callback data (at most 64 bytes)."""

    def __init__(self) -> None:
        self._long: dict[str, str] = {}

    def encode(self, action: Action) -> str:
        spelled = actions.encode(action)
        if len(spelled.encode()) <= CALLBACK_LIMIT:
            return spelled
        token = "~" + hashlib.sha256(spelled.encode()).hexdigest()[:32]
        self._long[token] = spelled
        return token

    def decode(self, data: str) -> Action | None:
        """The action behind `data`; None for a token this process never gave out (a click
        from before a restart) or anything else it cannot read."""
        spelled = self._long.get(data) if data.startswith("~") else data
        return actions.decode(spelled) if spelled is not None else None


def render_keyboard(reply: Reply, codec: CallbackCodec) -> InlineKeyboardMarkup | None:
    if not reply.choices:
        return None
    rows = [
        [InlineKeyboardButton(c.label[:64], callback_data=codec.encode(c.action))]
        for c in reply.choices
    ]
    return InlineKeyboardMarkup(rows)


def locale_of(update: Update) -> Locale:
    user = update.effective_user
    code = (user.language_code or "") if user else ""
    return "en" if code.startswith("en") else "sv"


def to_message(
    update: Update, *, choice: Action | None = None, intent: Intent = "auto"
) -> IncomingMessage | None:
    """An update as an IncomingMessage; None for updates the bot does not answer."""
    chat, user = update.effective_chat, update.effective_user
    if chat is None or user is None:
        return None
    text = None
    if choice is None and update.effective_message is not None:
        text = update.effective_message.text or ""
        if text.startswith("/"):  # "/kontakt Ängsskolan" -> "Ängsskolan"
            text = text.partition(" ")[2]
    return IncomingMessage(
        transport="telegram",
        conversation=session_key("telegram", str(chat.id), str(user.id)),
        user=f"telegram:{user.id}",
        text=text,
        choice=choice,
        locale=locale_of(update),
        intent=intent,
    )


class TelegramTransport:
    """Long-polls Telegram (no inbound port) and answers through the core service."""

    def __init__(self, service: Handler, *, token: str, api_url: str = "") -> None:
        if not re.fullmatch(r"\d+:[\w-]{20,}", token):
            raise ValueError("TELEGRAM_BOT_TOKEN does not look like '<digits>:<secret>'")
        self.service = service
        self.codec = CallbackCodec()
        builder = ApplicationBuilder().token(token)
        if api_url:
            builder = builder.base_url(api_url.rstrip("/") + "/bot")
        self.application: Application = builder.build()  # type: ignore[type-arg]
        self._stop = asyncio.Event()
        self._waiting: str | None = "Telegram getMe not answered yet"
        add = self.application.add_handler
        add(CommandHandler(["start", "hjalp", "help"], self._on_help))
        add(CommandHandler("kontakt", self._on_contact))
        add(CommandHandler("oro", self._on_checklist))
        add(MessageHandler(filters.TEXT & ~filters.COMMAND, self._on_text))
        add(CallbackQueryHandler(self._on_click))

    async def _answer(self, update: Update, msg: IncomingMessage | None) -> None:
        if msg is None or update.effective_chat is None:
            return
        reply = await self.service.handle(msg)
        await update.effective_chat.send_message(
            render_text(reply), parse_mode="HTML", reply_markup=render_keyboard(reply, self.codec)
        )

    async def _on_help(self, update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        await self._answer(update, to_message(update, intent="help"))

    async def _on_contact(self, update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        await self._answer(update, to_message(update, intent="contact"))

    async def _on_checklist(self, update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        await self._answer(update, to_message(update, intent="checklist"))

    async def _on_text(self, update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        await self._answer(update, to_message(update))

    async def _on_click(self, update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        query = update.callback_query
        if query is None:
            return
        await query.answer()
        choice = self.codec.decode(query.data or "")
        msg = to_message(update, choice=choice) if choice is not None else None
        if msg is None:
            logger.info("telegram: unknown button ignored")
            return
        reply = await self.service.handle(msg)
        keyboard = render_keyboard(reply, self.codec)
        in_place = reply.kind in IN_PLACE_KINDS and not reply.keeps_clicked
        if in_place and query.message is not None:
            await query.edit_message_text(
                render_text(reply), parse_mode="HTML", reply_markup=keyboard
            )
        elif update.effective_chat is not None:
            await update.effective_chat.send_message(
                render_text(reply), parse_mode="HTML", reply_markup=keyboard
            )

    async def process(self, update_json: dict[str, object]) -> None:
        """Handle one raw update (what polling delivers); used by tests and webhooks."""
        await self.application.process_update(Update.de_json(update_json, self.application.bot))

    async def run(self) -> None:
        """getMe (retried with backoff while Telegram is unreachable; a token Telegram
        refuses raises BotError, exit 1), then long-poll until closed."""
        try:
            if await self._connect():
                await self.application.start()
                assert self.application.updater is not None
                await self.application.updater.start_polling(drop_pending_updates=False)
                self._waiting = None
                logger.info("Telegram connected")
                await self._stop.wait()
                await self.application.updater.stop()
                await self.application.stop()  # waits for the updates being answered
        finally:
            await self.application.shutdown()
            await self.application.bot.shutdown()  # its connections, after a failed getMe too

    async def _connect(self) -> bool:
        """True once getMe answered; False when closed first."""
        delay = RETRY_FIRST_SECONDS
        while True:
            try:
                await self.application.initialize()  # getMe
                return True
            except InvalidToken:  # its message holds the token: never show it
                raise BotError(
                    "Telegram refused TELEGRAM_BOT_TOKEN: check it with @BotFather"
                ) from None
            except NetworkError as error:  # TimedOut is one too
                self._waiting = f"Telegram unreachable ({type(error).__name__})"
            logger.warning("%s; trying again in %.0f s", self._waiting, delay)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stop.wait(), delay)
                return False
            delay = min(delay * 2, RETRY_MAX_SECONDS)

    async def not_ready(self) -> str | None:
        """Why Telegram updates cannot be answered now, or None (for /readyz)."""
        return "shutting down" if self._stop.is_set() else self._waiting

    async def close(self) -> None:
        self._stop.set()
