"""Plain-text rendering of a Reply: the console, `ask`, and the `text` field of `ask --json`."""

from __future__ import annotations

import re

from bot.core.models import ContactCard, Reply

_BOLD = re.compile(r"\*(\S(?:[^*\n]*\S)?)\*")


def plain(markup: str) -> str:
    """Drop the *bold* markers that chat transports render and a terminal does not."""
    return _BOLD.sub(r"\1", markup)


def card_lines(card: ContactCard) -> list[str]:
    """One card as two or three lines: who, how to reach them, a note."""
    who = card.name + (f", {card.title}" if card.title else "")
    if card.label:
        who = f"{card.label}: {who}"
    reach = " · ".join(x for x in (card.phone, card.email, card.url) if x)
    lines = [f"• {who}"]
    if reach:
        lines.append(f"  {reach}")
    if card.note:
        lines.append(f"  {card.note}")
    return lines


def as_text(reply: Reply, *, numbered: bool = True) -> str:
    """The reply as a person reads it in a terminal, choices numbered from 1."""
    lines: list[str] = []
    if reply.title:
        lines.append(plain(reply.title))
    lines.extend(plain(p) for p in reply.parts)
    for card in reply.cards:
        lines.extend(card_lines(card))
    for n, choice in enumerate(reply.choices, start=1):
        lines.append(f"  {n}. {choice.label}" if numbered else f"  - {choice.label}")
    if reply.footer:
        lines.append(plain(reply.footer))
    return "\n".join(lines)
