"""The places index as a search box reads it: every municipality a typed start, slip or
shortening may name, best first (bot.core.places.MunicipalityNames.ranked, through
bot.core.query.rank_municipalities)."""

from __future__ import annotations

import pytest

from bot.core.municipalities import sweden
from bot.core.query import rank_municipalities
from tests.helpers.perturb import typo
from tests.helpers.rules_fixtures import shipped_directory

# Their slip ('Hör', 'Kli') is the start of another name (Hörby, Klippan): that comes first.
SLIP_IS_A_START = ["Höör", "Kil"]


def names(typed: str) -> list[str]:
    directory = shipped_directory()
    return [directory.places.short_name(p) for p in rank_municipalities(typed, directory)]


@pytest.mark.parametrize(
    "typed",
    ["götebrg", "Götebrog", "gbg", "göte", "gote", "Göteborgs kommun", "GÖTEBORG", "i Göteborg"],
)
def test_göteborg_comes_first_for_a_slip_a_shortening_a_start_or_a_word_around_it(
    typed: str,
) -> None:
    assert names(typed)[0] == "Göteborg"


def test_a_start_offers_every_name_that_starts_so_alphabetically() -> None:
    assert names("göte") == ["Göteborg", "Götene"]
    assert names("Upplands") == ["Upplands Väsby", "Upplands-Bro"]
    assert names("väsby") == ["Upplands Väsby"]  # a later word of the name
    assert names("vi")[:2] == ["Vilhelmina", "Vimmerby"]  # 'vi' is a start here, not a word


def test_diacritics_typed_decide_first_and_the_folded_spelling_follows() -> None:
    assert names("Håb")[0] == "Håbo"
    assert names("hab")[:2] == ["Habo", "Håbo"]  # without the ring: both, in the alphabet's order


def test_a_name_spelled_so_is_offered_alone_not_with_names_that_merely_look_alike() -> None:
    assert names("Mora") == ["Mora"]  # not Nora, Orsa or Mörbylånga
    assert names("Mora kommun") == ["Mora"]  # a municipality in the directory, named as the 290 are


def test_each_of_the_290_is_first_for_its_name_and_offered_for_three_letters_of_it() -> None:
    for k in sweden():
        assert names(k.name)[0] == k.name
        assert k.name in names(k.name[:3]), k.name


def test_each_of_the_290_with_a_slip_is_offered_first() -> None:
    missed = [k.name for k in sweden() if names(typo(k.name))[:1] != [k.name]]
    assert missed == SLIP_IS_A_START
    for name in missed:
        assert names(typo(name))[1] == name


def test_one_letter_offers_every_name_that_starts_with_it_first_and_never_more_than_100() -> None:
    """Why the Slack menu searches from the first letter: the list for one letter is complete.
    After those: names with a later word that starts so (Malung-Sälen), and for Å, Ä or Ö
    the names with the letter without its ring or dots."""
    for letter in {k.name[0] for k in sweden()}:
        starting = {k.name for k in sweden() if k.name.startswith(letter)}
        offered = names(letter)
        assert set(offered[: len(starting)]) == starting and len(offered) <= 100, letter
    assert "Malung-Sälen" in names("s")


def test_no_text_lists_all_290_in_swedish_alphabetical_order() -> None:
    everything = names("")
    assert len(everything) == 290 == len(set(everything))
    assert everything[:3] == ["Ale", "Alingsås", "Alvesta"]
    assert everything[-1] == "Övertorneå"
    firsts = [n[0] for n in everything]
    assert firsts.index("Å") > firsts.index("Y") and firsts.index("Ä") > firsts.index("Å")
    assert firsts.index("Ö") > firsts.index("Ä")


def test_text_that_names_nothing_offers_nothing() -> None:
    assert names("xqz") == []
    assert names("x" * 10_000) == []  # long text is cut, not searched
