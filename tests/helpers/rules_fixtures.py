"""Shared pieces for the rule tests: the shipped pack and directory, a tiny directory, a chat."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time
from functools import cache
from pathlib import Path

from bot.core import conversation
from bot.core.actions import Action, Answer, decode, encode
from bot.core.catalog import Catalog, load_catalog
from bot.core.clock import STOCKHOLM
from bot.core.flow_state import FlowContext
from bot.core.matching import SchoolIndex
from bot.core.models import (
    AgeGroup,
    Directory,
    Municipality,
    Office,
    OpeningSpan,
    Person,
    Reply,
    School,
)
from bot.core.render import as_text
from bot.core.rules import Flow
from bot.core.rules_parser import parse_rules
from bot.core.sessions import Session
from bot.core.yamlio import parse_document
from bot.errors import Problem

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "rules"
DIRECTORY = ROOT / "directory"
BROKEN = ROOT / "tests" / "fixtures" / "rules" / "broken"
TODAY = date(2026, 11, 25)
WEDNESDAY_10 = datetime(2026, 11, 25, 10, 0, tzinfo=STOCKHOLM)  # Mora's reception is open
WEDNESDAY_20 = datetime(2026, 11, 25, 20, 0, tzinfo=STOCKHOLM)
SATURDAY_22 = datetime(2026, 11, 28, 22, 0, tzinfo=STOCKHOLM)
ANGS = "mora/angsskolan-f-9"


@cache
def shipped() -> Catalog:
    """The shipped directory and rules, loaded as the bot loads them."""
    return load_catalog([DIRECTORY, RULES], today=TODAY)


def shipped_directory() -> Directory:
    return shipped().directory


def shipped_index() -> SchoolIndex:
    return shipped().index


@cache
def shipped_flows() -> dict[str, Flow]:
    flows: dict[str, Flow] = {}
    for path in sorted(RULES.glob("*.yml")):
        parsed, problems = parse_rules(parse_document(path.read_text(encoding="utf-8"), str(path)))
        assert not [p for p in problems if p.severity == "error"], problems
        flows.update((f.id, f) for f in parsed)
    return flows


def parse_text(text: str, path: str = "rules/test.yml") -> tuple[list[Flow], list[Problem]]:
    return parse_rules(parse_document(text, path))


def tiny_directory() -> Directory:
    """One municipality, one school, two age groups: small enough for property tests."""
    people = {
        "p1": Person("p1", "Påhittad Person", phone="0000-00 00 01"),
        "p2": Person("p2", "Annan Påhittad", phone="0000-00 00 02"),
    }
    school = School(
        key="tuna/tunaskolan",
        name="Tunaskolan",
        municipality_id="tuna",
        min_age=6,
        max_age=16,
        grades="F-9",
        contacts={"barn": ("p1",), "unga": ("p2", "p1")},
    )
    muni = Municipality(
        id="tuna",
        name="Tuna kommun",
        code="0000",
        office_hours=tuple(OpeningSpan(d, time(8), time(16)) for d in range(5)),
        reception=Office("Mottagningen", "0000-11 11 11", e_service="https://tuna.example.se"),
        after_hours=Office("Socialjouren Tuna", "0000-99 99 99"),
        age_groups=(AgeGroup("barn", "Barn 0–12", 0, 12), AgeGroup("unga", "Unga 13–20", 13, 20)),
        people=people,
        schools=(school,),
    )
    return Directory({"tuna": muni}, {school.key: school})


@dataclass
class Chat:
    """A conversation with one flow: click ids or type text, keep every reply shown."""

    flow: Flow
    now: datetime = WEDNESDAY_10
    locale: str = "sv"
    school: str | None = None
    directory: Directory = field(default_factory=shipped_directory)
    index: SchoolIndex | None = None
    session: Session = field(default_factory=Session)
    shown: list[Reply] = field(default_factory=list)

    def ctx(self) -> FlowContext:
        known = self.directory.schools.get(self.school) if self.school else None
        return FlowContext(
            directory=self.directory,
            index=self.index or shipped_index(),
            now=self.now,
            locale="en" if self.locale == "en" else "sv",
            known_school=known,
        )

    def _take(self, turn: conversation.Turn) -> Reply:
        self.session = turn.session
        self.shown.append(turn.reply)
        return turn.reply

    def start(self) -> Reply:
        return self._take(conversation.start(self.flow, Session(), self.ctx()))

    def click(self, choice: Action | str) -> Reply:
        """Click an action, or one spelled as a transport sends it ("step:akut:ja")."""
        action = decode(choice) if isinstance(choice, str) else choice
        assert action is not None, choice
        return self._take(
            conversation.advance(self.flow, self.session, self.ctx(), choice=action, text=None)
        )

    def say(self, text: str) -> Reply:
        return self._take(
            conversation.advance(self.flow, self.session, self.ctx(), choice=None, text=text)
        )

    def answer(self, *option_ids: str) -> Reply:
        """Click `step:<current step>:<id>` for each id, continuing information steps."""
        reply = self.shown[-1]
        for option_id in option_ids:
            reply = self.click(f"step:{self.session.step}:{option_id}")
            reply = self.skip_info()
        return reply

    def skip_info(self) -> Reply:
        reply = self.shown[-1]
        while reply.kind == "step" and any(
            c.action == Answer(self.session.step or "", "next") for c in reply.choices
        ):
            reply = self.click(f"step:{self.session.step}:next")
        return reply

    @property
    def reply(self) -> Reply:
        return self.shown[-1]

    def text(self, reply: Reply | None = None) -> str:
        return as_text(reply or self.reply)

    def everything(self) -> str:
        return "\n".join(as_text(r) for r in self.shown)

    def choice_ids(self) -> list[str]:
        """The current choices as a transport spells them."""
        return [encode(c.action) for c in self.reply.choices]


def file_problems(path: Path, directory: Directory | None = None) -> list[str]:
    """What `referral-bot check` says about one rules file, against a directory."""
    from bot.core import rule_checks, rule_tests
    from bot.core.yamlio import load_document
    from bot.errors import ConfigError

    directory = directory or tiny_directory()
    try:
        doc = load_document(path)
    except ConfigError as exc:
        return [str(p) for p in exc.problems]
    flows, problems = parse_rules(doc)
    problems += rule_checks.cross_check(flows, {doc.path: doc}, directory)
    if not any(p.severity == "error" for p in problems):
        problems += rule_tests.run_tests(flows, {doc.path: doc}, directory, SchoolIndex(directory))
    return [str(p) for p in sorted(problems)]
