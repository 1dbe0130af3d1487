"""Every sentence exists in Swedish, English fills the same placeholders."""

from __future__ import annotations

import string

import pytest

from bot.core.texts import catalogue, text


def placeholders(template: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(template) if name}


def test_every_english_text_has_a_swedish_original() -> None:
    assert set(catalogue("en")) <= set(catalogue("sv"))


@pytest.mark.parametrize("key", sorted(catalogue("sv")))
def test_english_uses_the_same_placeholders(key: str) -> None:
    en = catalogue("en").get(key)
    if en is not None:
        assert placeholders(en) == placeholders(catalogue("sv")[key])


def test_missing_english_falls_back_to_swedish_and_unknown_keys_fail() -> None:
    assert text("service.acute_footer", "en").endswith("112.")
    assert "112" in text("service.acute_footer", "sv")
    with pytest.raises(KeyError):
        text("service.no_such_text")
