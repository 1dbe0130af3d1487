"""What an administrator does to a file `referral-bot init` wrote, for the tests that follow
the README's "Ny kommun från början"."""

from __future__ import annotations

from pathlib import Path


def fill_in_offices(path: Path) -> None:
    """What an administrator does first: the reception's and socialjour's real names and
    numbers (the people may stay placeholders for now)."""
    text = path.read_text(encoding="utf-8")
    for office in ("mottagningens", "socialjourens"):
        text = text.replace(
            f'    name: "FYLL I: {office} namn"\n    phone: "FYLL I"\n    placeholder: true\n',
            f'    name: "Påhittad {office[:-2]}"\n    phone: "0000-00 00 00"\n',
        )
    path.write_text(text, encoding="utf-8")
