"""Pure rendering of core Replies as Slack Block Kit (messages and the App Home view)."""

from __future__ import annotations

import re
from typing import Any

from bot.core.actions import SaveSchool, encode
from bot.core.models import AdminNotice, Choice, ContactCard, Locale, Menu, Reply
from bot.core.render import plain
from bot.core.texts import text

Block = dict[str, Any]

# Slack limits (https://api.slack.com/reference/block-kit/blocks)
MAX_BUTTONS_PER_ACTIONS = 25
MAX_BUTTON_LABEL = 75
MAX_BUTTON_VALUE = 2000
MAX_SECTION_TEXT = 3000
MAX_HEADER_TEXT = 150
MAX_MESSAGE_BLOCKS = 50
MAX_HOME_BLOCKS = 100
MAX_FALLBACK_TEXT = 3000
MAX_PLACEHOLDER = 150
MAX_OPTIONS = 100  # https://api.slack.com/reference/block-kit/block-elements#external_select
MAX_OPTION_TEXT = 75
MAX_OPTION_VALUE = 150

CHOICE_ACTION_PREFIX = "choice:"
SAVE_SCHOOL_ACTION = "save_school"
REPORT_ACTION_PREFIX = "report:"  # + the card's position: "Fel uppgift?" on a person's card
MENU_ACTION_PREFIX = "menu:"  # + Menu.source: the action id of its select and its options
# A menu asks for options from the first letter typed: the list for one letter is complete
# (at most 40 of the 290 start with the same one), while with nothing typed it could only
# show the first 100 in the alphabet, Ale to about Lysekil, and Västerås would seem missing.
MENU_MIN_QUERY_LENGTH = 1

_SLACK_ID = re.compile(r"^[UW][A-Z0-9]{2,}$")
_EMAIL = re.compile(r"^[^\s<>|@]+@[^\s<>|@]+\.[^\s<>|@]+$")
_URL = re.compile(r"^https?://[^\s<>|]+$")


def escape_mrkdwn(value: str) -> str:
    """Escape the three characters Slack treats as control characters in mrkdwn.

    After this, text cannot form `<!channel>`, `<@U…>` or `<https://evil|harmless>`.
    """
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _truncate(value: str, limit: int) -> str:
    return value if len(value) <= limit else value[: limit - 1] + "…"


def _chunks(value: str, limit: int) -> list[str]:
    """Split long text at line breaks (or hard, as a last resort) into pieces under `limit`."""
    pieces: list[str] = []
    current = ""
    for line in value.split("\n"):
        while len(line) > limit:
            if current:
                pieces.append(current)
                current = ""
            pieces.append(line[:limit])
            line = line[limit:]
        candidate = f"{current}\n{line}" if current else line
        if len(candidate) > limit:
            pieces.append(current)
            current = line
        else:
            current = candidate
    if current:
        pieces.append(current)
    return pieces


def _mrkdwn_sections(markup: str) -> list[Block]:
    return [
        {"type": "section", "text": {"type": "mrkdwn", "text": piece}}
        for piece in _chunks(escape_mrkdwn(markup), MAX_SECTION_TEXT)
        if piece.strip()
    ]


def tel_link(phone: str) -> str:
    """A phone number as a `tel:` link whose label is the number as the directory writes it."""
    digits = re.sub(r"[^\d+]", "", phone)
    label = escape_mrkdwn(phone)
    return f"<tel:{digits}|{label}>" if digits else label


def mention(slack_id: str) -> str:
    """A real mention for a Slack user id; anything else is shown as escaped text."""
    return f"<@{slack_id}>" if _SLACK_ID.match(slack_id) else escape_mrkdwn(slack_id)


def card_block(card: ContactCard, locale: Locale, report_id: str | None = None) -> Block:
    """One contact as a section: who in the text, how to reach them in the fields, and the
    card's "Fel uppgift?" as a small button beside it (action id `report_id`)."""
    who = f"*{escape_mrkdwn(card.name)}*"
    if card.label:
        who = f"{escape_mrkdwn(card.label)}: {who}"
    lines = [who]
    if card.title:
        lines.append(escape_mrkdwn(card.title))
    if card.note:
        lines.append(f"_{escape_mrkdwn(card.note)}_")
    fields: list[str] = []
    if card.phone:
        fields.append(f"*{text('slack.phone', locale)}*\n{tel_link(card.phone)}")
    if card.email:
        address = escape_mrkdwn(card.email)
        shown = f"<mailto:{address}|{address}>" if _EMAIL.match(card.email) else address
        fields.append(f"*{text('slack.email', locale)}*\n{shown}")
    if card.slack:
        fields.append(f"*{text('slack.slack', locale)}*\n{mention(card.slack)}")
    if card.url:
        url = escape_mrkdwn(card.url)
        shown = f"<{url}|{url}>" if _URL.match(card.url) else url
        fields.append(f"*{text('slack.web', locale)}*\n{shown}")
    block: Block = {
        "type": "section",
        "text": {"type": "mrkdwn", "text": _truncate("\n".join(lines), MAX_SECTION_TEXT)},
    }
    if fields:
        block["fields"] = [{"type": "mrkdwn", "text": _truncate(f, 2000)} for f in fields[:10]]
    if card.report is not None and report_id is not None:
        block["accessory"] = button(report_id, card.report)
    return block


def button(action_id: str, choice: Choice) -> Block:
    """A button whose value is the choice's action as bot.core.actions spells it (read back
    with `decode`: None for a button from an older version of the bot)."""
    element: Block = {
        "type": "button",
        "action_id": action_id,
        "text": {"type": "plain_text", "text": _truncate(choice.label, MAX_BUTTON_LABEL)},
        "value": encode(choice.action)[:MAX_BUTTON_VALUE],
    }
    if choice.style in ("primary", "danger"):
        element["style"] = choice.style
    return element


def menu_action_id(menu: Menu) -> str:
    return f"{MENU_ACTION_PREFIX}{menu.source}"


def menu_select(menu: Menu) -> Block:
    """The menu as an external select: Slack asks the bot for its options as a person types
    (a block_suggestion with the same action id, answered by `menu_options`)."""
    return {
        "type": "external_select",
        "action_id": menu_action_id(menu),
        "placeholder": {
            "type": "plain_text",
            "text": _truncate(menu.placeholder, MAX_PLACEHOLDER),
        },
        "min_query_length": MENU_MIN_QUERY_LENGTH,
    }


def menu_options(choices: tuple[Choice, ...]) -> list[Block]:
    """Choices as an external select's options: the value is the action as
    bot.core.actions spells it, so a pick is read as a click on a button. A value too long
    for Slack is left out, never cut: a cut spelling would be another action."""
    options = [
        {
            "text": {"type": "plain_text", "text": _truncate(choice.label, MAX_OPTION_TEXT)},
            "value": value,
        }
        for choice in choices
        if len(value := encode(choice.action)) <= MAX_OPTION_VALUE
    ]
    return options[:MAX_OPTIONS]


def save_school_choice(reply: Reply) -> Choice | None:
    """The "Spara som min skola" button for a reply about one school, if it has one."""
    key = reply.contact.school.key if reply.contact and reply.contact.school else None
    if not isinstance(key, str) or not key:
        return None
    return Choice(SaveSchool(key), text("slack.save_school", reply.locale))


def action_blocks(reply: Reply) -> list[Block]:
    """The reply's menu as a select, then its choices as buttons, 25 per actions block (less
    those the menu offers too); `choice:<n>` carries button_value."""
    save = save_school_choice(reply)
    covered = reply.menu.covers if reply.menu else ()
    elements = [
        button(f"{CHOICE_ACTION_PREFIX}{n}", choice)
        for n, choice in enumerate(reply.choices)
        if save is None or choice.action != save.action  # the core offers it too: show it once
        if choice.action not in covered
    ]
    if save is not None:
        elements.append(button(SAVE_SCHOOL_ACTION, save))
    menu = [{"type": "actions", "elements": [menu_select(reply.menu)]}] if reply.menu else []
    return menu + [
        {"type": "actions", "elements": elements[i : i + MAX_BUTTONS_PER_ACTIONS]}
        for i in range(0, len(elements), MAX_BUTTONS_PER_ACTIONS)
    ]


def reply_blocks(reply: Reply, *, limit: int = MAX_MESSAGE_BLOCKS) -> list[Block]:
    """A Reply as message blocks: heading, paragraphs, contact cards, buttons, the 112 footer.

    Every string from the core is escaped: the core only uses *bold*, which survives, while
    anything a person typed and the core echoes can never become a mention or a link.
    """
    blocks: list[Block] = []
    if reply.title:
        title = _truncate(plain(reply.title), MAX_HEADER_TEXT)
        blocks.append({"type": "header", "text": {"type": "plain_text", "text": title}})
    for part in reply.parts:
        blocks.extend(_mrkdwn_sections(part))
    people = [c for c in reply.cards if c.role == "contact"]
    offices = [c for c in reply.cards if c.role != "contact"]
    blocks.extend(
        card_block(c, reply.locale, f"{REPORT_ACTION_PREFIX}{n}") for n, c in enumerate(people)
    )
    if people and offices:
        blocks.append({"type": "divider"})
    blocks.extend(card_block(c, reply.locale) for c in offices)
    actions = action_blocks(reply)
    footer: list[Block] = []
    if reply.footer:
        footer_text = _truncate(escape_mrkdwn(reply.footer), MAX_SECTION_TEXT)
        footer = [{"type": "context", "elements": [{"type": "mrkdwn", "text": footer_text}]}]
    room = limit - len(actions) - len(footer)
    return blocks[:room] + actions + footer


def notice_blocks(notice: AdminNotice, reporter: str) -> list[Block]:
    """A message for the admins: its heading, its lines, and who sent it (`reporter`, a
    Slack user id, as a mention)."""
    title = _truncate(plain(notice.title), MAX_HEADER_TEXT)
    blocks: list[Block] = [{"type": "header", "text": {"type": "plain_text", "text": title}}]
    blocks.extend(_mrkdwn_sections("\n".join(notice.parts)))
    sender = text("slack.reported_by", "sv", reporter=mention(reporter))
    blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": sender}]})
    return blocks


def fallback_text(reply: Reply) -> str:
    """The notification / screen-reader text sent next to the blocks (also mrkdwn, so escaped)."""
    first = reply.title or (reply.parts[0] if reply.parts else "") or reply.footer or ""
    return _truncate(escape_mrkdwn(plain(first)), MAX_FALLBACK_TEXT)


def ephemeral_response(reply: Reply) -> Block:
    """A reply as a slash command's response body that only the asker sees, keys in the order
    slack-bolt's ack writes them."""
    return {
        "text": fallback_text(reply),
        "response_type": "ephemeral",
        "blocks": reply_blocks(reply),
    }


def home_view(reply: Reply) -> Block:
    """The App Home tab: a short introduction, then the reply (the user's school, or help)."""
    locale = reply.locale
    intro: list[Block] = [
        {
            "type": "header",
            "text": {"type": "plain_text", "text": text("slack.home_title", locale)},
        },
        {"type": "section", "text": {"type": "mrkdwn", "text": text("slack.home_intro", locale)}},
        {"type": "divider"},
    ]
    return {
        "type": "home",
        "blocks": intro + reply_blocks(reply, limit=MAX_HOME_BLOCKS - len(intro)),
    }
