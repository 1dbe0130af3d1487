"""`placeholder: true` people and offices load, so a new file can be checked at once, and
every one left is a warning that says what to fill in."""

from __future__ import annotations

from datetime import date
from pathlib import Path

from bot.core.catalog import check, load_catalog

TEXT = """\
municipality:
  id: flen
  name: Flens kommun
  code: "0482"
  office_hours: {mon-fri: "08:00-16:00"}
  reception: {name: "FYLL I: mottagningens namn", phone: "FYLL I", placeholder: true}
  after_hours: {name: Socialjouren, phone: "0000-40 00 00"}
age_groups:
  - {id: barn, label: "Barn 0–20 år", ages: "0-20"}
people:
  kontakt-1: {name: "FYLL I: namn", placeholder: true}
  pia: {name: Pia Exempel, placeholder: false}
schools:
  - {name: Stenhammarskolan, grades: "7-9", contacts: {barn: [kontakt-1, pia]}}
"""


def test_placeholders_are_warnings_and_a_filled_in_person_is_not(tmp_path: Path) -> None:
    path = tmp_path / "flen.yml"
    path.write_text(TEXT, encoding="utf-8")
    assert [str(p) for p in check([path], today=date(2026, 11, 25))] == [
        f"{path}:6:81: warning: municipality.reception — not filled in yet (placeholder: true):"
        " write the real name and phone of the reception, then delete the line"
        " 'placeholder: true'",
        f"{path}:11:50: warning: people.kontakt-1 — not filled in yet (placeholder: true): write"
        " the name, phone and e-mail of a real contact, then delete the line 'placeholder: true'",
    ]
    flen = load_catalog([path]).directory.municipalities["flen"]
    assert flen.reception.placeholder
    assert [p.placeholder for p in flen.people.values()] == [True, False]
