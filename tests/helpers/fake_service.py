"""A stand-in for bot.core.service.Service with realistic replies, for transport tests.

School names are real (Skolverket); people, phone numbers and addresses are made up.
"""

from __future__ import annotations

from bot.core.models import Choice, ContactCard, IncomingMessage, Locale, Reply

SCHOOL_KEY = "mora/angsskolan-f-9"
BOUND_CHANNEL = "C0ANGSSKOL"  # a channel bound to Ängsskolan (slack_channels in the directory)
CONTACT_NAMES = ("Kim Testsson", "Robin Exempelsson")
FOOTER = "Är ett barn i akut fara: ring 112."


def contact_reply(locale: Locale = "sv") -> Reply:
    cards = (
        ContactCard(
            "contact",
            CONTACT_NAMES[0],
            title="Socialsekreterare",
            phone="0000-12 34 56",
            email="kim.testsson@example.se",
            slack="U0KIMTEST",
            label="Primär",
        ),
        ContactCard(
            "contact",
            CONTACT_NAMES[1],
            title="Socialsekreterare",
            phone="0000-65 43 21",
            email="robin.exempelsson@example.se",
            label="Reserv",
            note="Borta till 6 januari 2027",
        ),
        ContactCard(
            "reception",
            "Mottagningen, Mora kommun",
            phone="0000-11 11 11",
            url="https://www.example.se/mottagning",
        ),
        ContactCard("emergency", "Larmnummer", phone="112"),
    )
    return Reply(
        kind="contact",
        title="Ängsskolan F-9, Mora",
        parts=("Gäller *åk 8*.", "Mottagningen har öppet nu. Vid akut oro, ring dem direkt."),
        cards=cards,
        choices=(Choice(f"save:{SCHOOL_KEY}", "Spara som min skola"),),
        footer=FOOTER,
        locale=locale,
        data={"intent": "contact", "status": "found", "school_key": SCHOOL_KEY},
    )


def step(step_id: str, question: str, locale: Locale = "sv") -> Reply:
    return Reply(
        kind="step",
        title="Inför en orosanmälan",
        parts=(question,),
        choices=(
            Choice(f"step:{step_id}:ja", "Ja", "primary"),
            Choice(f"step:{step_id}:nej", "Nej"),
            Choice("nav:back", "Tillbaka"),
            Choice("nav:cancel", "Avbryt", "danger"),
        ),
        footer=FOOTER,
        locale=locale,
        data={"intent": "checklist", "flow": "orosanmalan", "step": step_id},
    )


FIRST_STEP = "Är barnet i akut fara just nu?"
SECOND_STEP = "Har du pratat med rektor om din oro?"
OUTCOME = "Gör en orosanmälan till socialtjänsten i dag."


class FakeService:
    """Answers like the core would and remembers every message it got."""

    def __init__(self) -> None:
        self.messages: list[IncomingMessage] = []
        self.saved: dict[str, str] = {}

    async def handle(self, msg: IncomingMessage) -> Reply:
        self.messages.append(msg)
        locale: Locale = msg.locale or "sv"
        if msg.choice:
            return self._choice(msg, msg.choice, locale)
        typed = (msg.text or "").strip()
        if msg.intent == "home":
            return contact_reply(locale) if msg.user in self.saved else self._help(locale)
        if msg.intent == "checklist" or typed.casefold() in {"orosanmälan", "checklista"}:
            return step("fara", FIRST_STEP, locale)
        if typed == "krascha":
            raise RuntimeError(f"a bug, with what was typed: {typed}")
        if "123456-7890" in typed:
            return Reply(kind="privacy", parts=("Radera meddelandet nu.",), locale=locale)
        if not typed:
            if msg.channel == BOUND_CHANNEL or msg.user in self.saved:
                return contact_reply(locale)
            return Reply(kind="notice", parts=("Vilken skola gäller det?",), locale=locale)
        if "ängsskolan" in typed.casefold():
            return contact_reply(locale)
        return Reply(  # echoes what was typed, as a real "not found" may
            kind="not_found",
            parts=(f"Jag hittade ingen skola som heter {typed}.",),
            footer=FOOTER,
            locale=locale,
            data={"intent": "contact", "status": "not_found"},
        )

    def _choice(self, msg: IncomingMessage, choice: str, locale: Locale) -> Reply:
        kind, _, value = choice.partition(":")
        if kind == "save":
            self.saved[msg.user] = value
            return Reply(
                kind="notice", parts=("Klart. Ängsskolan F-9 är nu din skola.",), locale=locale
            )
        if kind == "start" or choice == "nav:back":
            return step("fara", FIRST_STEP, locale)
        if choice == "step:fara:nej":
            return step("rektor", SECOND_STEP, locale)
        if choice.startswith("step:rektor:"):
            return Reply(
                kind="outcome",
                title="Gör en orosanmälan",
                parts=(OUTCOME,),
                cards=contact_reply(locale).cards,
                footer=FOOTER,
                locale=locale,
            )
        if choice == "nav:cancel":
            return Reply(kind="notice", parts=("Checklistan är avbruten.",), locale=locale)
        return contact_reply(locale)

    def _help(self, locale: Locale) -> Reply:
        return Reply(
            kind="help",
            parts=("Skriv skolans namn för att få kontakter.",),
            choices=(Choice("start:orosanmalan", "Gå igenom checklistan", "primary"),),
            footer=FOOTER,
            locale=locale,
        )
