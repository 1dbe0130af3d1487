"""Conversations staff have with the bot, as messages, for the statistics tests."""

from __future__ import annotations

from bot.core.actions import decode
from bot.core.models import IncomingMessage, Intent

# A report checklist from the start to its outcome, for a child of 13–20 at Ängsskolan (Mora)
REPORT_CHECKLIST = (
    "orosanmälan",
    "Ängsskolan",
    "step:akut:nej",
    "step:alder:unga",
    "step:oro:omsorg",
    "step:plikt:next",
    "step:infor:next",
    "step:bor:here",
)
ACUTE_CHECKLIST = ("jag är orolig för en elev på Ängsskolan", "step:akut:ja")

# One conversation each: what a person types or clicks, in order
CONVERSATIONS: tuple[tuple[str, ...], ...] = (
    REPORT_CHECKLIST,
    ACUTE_CHECKLIST,
    ("vem är soc-kontakten för Ängsskolan åk 8?",),
    ("Ängsskolan åk 2", "Lagaskolan"),
    ("tunaskolan", "socialtjänsten i Mora"),
    ("Skolan som inte finns någonstans", "socialtjänsten i Kiruna"),
    ("hjälp", "orosanmälan", "nav:cancel"),
)


def message(said: str, who: str = "u1", intent: Intent = "auto") -> IncomingMessage:
    """A typed message, or a click when `said` is spelled as an action ("step:akut:ja")."""
    action = decode(said) if said.startswith(("step:", "contact:", "nav:")) else None
    text = None if action else said
    return IncomingMessage("test", f"test:{who}", who, text=text, choice=action, intent=intent)
