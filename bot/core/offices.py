"""The parts of a directory file that a region can share: office hours and offices (the
reception, the socialjour), read the same way in a municipality's file and a region's.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import time
from typing import Any

from bot.core.directory_schools import SchoolReader
from bot.core.models import Office, OpeningSpan, Origin
from bot.core.regions import INHERITED
from bot.core.schema import did_you_mean
from bot.core.yamlio import PathKey

HOURS = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*[-–]\s*(\d{1,2}):(\d{2})\s*$")
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
OFFICE_KEYS = ("name", "phone")
OFFICE_OPTIONAL = ("email", "e_service", "placeholder")


def _day_spec(spec: str) -> list[int] | None:
    """'mon-thu' → [0, 1, 2, 3]; 'fri' → [4]; None when not a day or a forward range."""
    parts = [p.strip().lower() for p in spec.split("-")]
    if len(parts) > 2 or any(p not in DAYS for p in parts):
        return None
    first, last = DAYS.index(parts[0]), DAYS.index(parts[-1])
    return list(range(first, last + 1)) if first <= last else None


def _parse_hours(value: str) -> tuple[time, time] | None:
    m = HOURS.match(value)
    if m is None:
        return None
    h1, m1, h2, m2 = (int(g) for g in m.groups())
    if h1 > 23 or h2 > 24 or m1 > 59 or m2 > 59 or (h2 == 24 and m2):
        return None
    closes = time(23, 59, 59) if h2 == 24 else time(h2, m2)
    opens = time(h1, m1)
    return (opens, closes) if opens < closes else None


class OfficeReader(SchoolReader):
    """Reading the INHERITED values of a `municipality:` or `region:` block, and where each is."""

    def origin(self, keys: PathKey, *, at_key: bool = False) -> Origin:
        mark = self.doc.mark(keys, at_key=at_key)
        return Origin(self.doc.path, mark.line, mark.col)

    def shared(
        self, at: PathKey, block: Mapping[str, Any], top: str
    ) -> tuple[dict[str, Any], bool]:
        """The INHERITED values a municipality or region block states (None where it states
        nothing), and whether every stated one was valid."""
        hours = self.office_hours(at, block.get("office_hours"), top)
        out = {
            "office_hours": hours,
            "reception": self.office(
                (*at, "reception"), block.get("reception"), f"{top}.reception"
            ),
            "after_hours": self.office(
                (*at, "after_hours"), block.get("after_hours"), f"{top}.after_hours"
            ),
        }
        ok = all(out[k] is not None for k in INHERITED if block.get(k) is not None)
        return out, ok

    def stated(self, at: PathKey, values: Mapping[str, Any]) -> dict[str, Origin]:
        """Where each value that is there was written (its key's line)."""
        return {k: self.origin((*at, k), at_key=True) for k, v in values.items() if v is not None}

    def office_hours(self, at: PathKey, value: Any, top: str) -> tuple[OpeningSpan, ...] | None:
        at = (*at, "office_hours")
        if not self.given(at, value, dict, f"{top}.office_hours"):
            return None
        spans: list[OpeningSpan] = []
        seen: dict[int, str] = {}
        ok = True
        for spec, hours in value.items():
            where = f"{top}.office_hours.{spec}"
            days = _day_spec(str(spec))
            if days is None:
                self.error(
                    (*at, spec),
                    f"{where} — '{spec}' is not a day: use mon, tue, wed, thu, fri, sat, sun "
                    "or a range such as mon-thu" + did_you_mean(str(spec), [*DAYS, "mon-fri"]),
                    at_key=True,
                )
                ok = False
                continue
            parsed = _parse_hours(hours) if isinstance(hours, str) else None
            if parsed is None:
                self.error(
                    (*at, spec),
                    f"{where} — '{hours}' is not opening hours: write \"08:00-16:30\" in quotes",
                )
                ok = False
                continue
            for day in days:
                if day in seen:
                    self.error(
                        (*at, spec),
                        f"{where} — {DAYS[day]} is already covered by '{seen[day]}'",
                        at_key=True,
                    )
                    ok = False
                    continue
                seen[day] = str(spec)
                spans.append(OpeningSpan(day, parsed[0], parsed[1]))
        return tuple(sorted(spans, key=lambda s: s.weekday)) if ok else None

    def office(self, at: PathKey, value: Any, what: str) -> Office | None:
        if value is None:
            return None  # not stated: inherited from the region, or reported as missing
        block = self.block(at, value, what, OFFICE_KEYS, OFFICE_OPTIONAL)
        if block is None:
            return None
        name = self.text((*at, "name"), block.get("name"), f"{what}.name")
        phone = self.text((*at, "phone"), block.get("phone"), f"{what}.phone")
        email = self.email((*at, "email"), block.get("email"), f"{what}.email")
        url = self.web_address((*at, "e_service"), block.get("e_service"), f"{what}.e_service")
        unit = "socialjour" if what.endswith("after_hours") else "reception"
        self.placeholder(
            at, block, what, f"write the real name and phone of the {unit}", live=False
        )
        if name is None or phone is None:
            return None
        return Office(name=name, phone=phone, email=email, e_service=url)

    def placeholder(
        self, at: PathKey, block: Mapping[str, Any], what: str, todo: str, *, live: bool = True
    ) -> bool:
        """`placeholder: true` marks what `referral-bot init` wrote for a person to fill in.
        A placeholder contact person is a warning (answers leave it out, so a new file can go
        live while people are being filled in); a placeholder reception or socialjour is an
        error (`live=False`): every answer would send a worried teacher to it."""
        if "placeholder" not in block or not self.expect(
            (*at, "placeholder"), block["placeholder"], bool, f"{what}.placeholder"
        ):
            return False
        if block["placeholder"]:
            report = self.warning if live else self.error
            report(
                (*at, "placeholder"),
                f"{what} — not filled in yet (placeholder: true): {todo}, then delete the "
                "line 'placeholder: true'",
            )
        return bool(block["placeholder"])
