"""`placeholder: true`: a person left unfilled is a warning and never shown as a contact; a
reception or socialjour left unfilled is an error, so no answer sends anyone to "FYLL I"."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

from bot.core import contacts
from bot.core.catalog import check, load_catalog
from bot.core.clock import STOCKHOLM

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


def test_an_unfilled_office_is_an_error_and_an_unfilled_person_a_warning(tmp_path: Path) -> None:
    path = tmp_path / "flen.yml"
    path.write_text(TEXT, encoding="utf-8")
    assert [str(p) for p in check([path], today=date(2026, 11, 25))] == [
        f"{path}:6:81: error: municipality.reception — not filled in yet (placeholder: true):"
        " write the real name and phone of the reception, then delete the line"
        " 'placeholder: true'",
        f"{path}:11:50: warning: people.kontakt-1 — not filled in yet (placeholder: true): write"
        " the name, phone and e-mail of a real contact, then delete the line 'placeholder: true'",
    ]


def test_a_person_not_filled_in_is_never_offered_as_a_contact(tmp_path: Path) -> None:
    path = tmp_path / "flen.yml"
    filled = TEXT.replace(
        'reception: {name: "FYLL I: mottagningens namn", phone: "FYLL I", placeholder: true}',
        'reception: {name: Mottagningen, phone: "0000-48 20 00"}',
    )
    path.write_text(filled, encoding="utf-8")
    directory = load_catalog([path]).directory
    school = directory.schools["flen/stenhammarskolan"]
    answer = contacts.resolve(directory, school, None, datetime(2026, 11, 24, 10, tzinfo=STOCKHOLM))
    [group] = answer.groups
    assert [c.person.name for c in group.contacts] == ["Pia Exempel"]  # answers first now
