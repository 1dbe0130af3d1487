"""The one codec between actions and the text transports carry: it reads back what it wrote,
keeps the spellings buttons already posted carry, and refuses anything else without raising."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.core.actions import (
    Action,
    Answer,
    AskAdvice,
    Back,
    Cancel,
    CancelReminder,
    PassRequest,
    PickMunicipality,
    PickSchool,
    RemindFeedback,
    ReportReason,
    ReportWrong,
    RequestAdvice,
    Resume,
    SaveSchool,
    ShowContacts,
    StartFlow,
    TakeRequest,
    decode,
    encode,
)

ids = st.text(min_size=1)  # ids are never empty; any character, ':' and '%' included
actions: st.SearchStrategy[Action] = st.one_of(
    st.builds(SaveSchool, ids),
    st.builds(StartFlow, ids, st.none() | ids),
    st.builds(ShowContacts, ids),
    st.builds(Answer, ids, ids),
    st.just(Back()),
    st.just(Cancel()),
    st.just(Resume()),
    st.builds(PickSchool, ids),
    st.builds(PickMunicipality, st.none() | ids),
    st.builds(ReportWrong, ids, ids, ids),
    st.builds(ReportReason, ids, ids, ids, ids),
    st.builds(AskAdvice, ids, ids),
    st.builds(RequestAdvice, ids, ids, ids),
    st.builds(TakeRequest, ids),
    st.builds(PassRequest, ids),
    st.builds(RemindFeedback, ids),
    st.builds(CancelReminder, ids),
)


@given(actions)
def test_every_action_reads_back_as_itself(action: Action) -> None:
    assert decode(encode(action)) == action


@given(st.text())
def test_decode_never_raises(value: str) -> None:
    decoded = decode(value)
    assert decoded is None or decode(encode(decoded)) == decoded


@pytest.mark.parametrize(
    ("spelled", "action"),
    [
        ("save:mora/angsskolan-f-9", SaveSchool("mora/angsskolan-f-9")),
        ("start:orosanmalan", StartFlow("orosanmalan")),
        ("start:orosanmalan:mora/angsskolan-f-9", StartFlow("orosanmalan", "mora/angsskolan-f-9")),
        ("contact:mora/angsskolan-f-9", ShowContacts("mora/angsskolan-f-9")),
        ("step:akut:ja", Answer("akut", "ja")),
        ("nav:back", Back()),
        ("nav:cancel", Cancel()),
        ("nav:resume", Resume()),
        ("school:tuna/tunaskolan", PickSchool("tuna/tunaskolan")),
        ("muni:rattvik", PickMunicipality("rattvik")),
        ("muni:", PickMunicipality(None)),
        (
            "wrong:mora/angsskolan-f-9:anna-s:barn",
            ReportWrong("mora/angsskolan-f-9", "anna-s", "barn"),
        ),
        (
            "wrongwhy:mora/angsskolan-f-9:anna-s:barn:phone",
            ReportReason("mora/angsskolan-f-9", "anna-s", "barn", "phone"),
        ),
    ],
)
def test_the_spellings_of_buttons_already_posted_still_work(spelled: str, action: Action) -> None:
    assert encode(action) == spelled and decode(spelled) == action


@pytest.mark.parametrize(
    "stale",
    [
        "",
        "save",
        "save:",
        "step:akut",
        "step:akut:ja:nej",
        "nav:sideways",
        "x",
        "choice:1",
        "muni",
        "wrong:mora/x:anna-s",
        "wrongwhy:mora/x:anna-s:barn:",
    ],
)
def test_anything_else_is_a_stale_click(stale: str) -> None:
    assert decode(stale) is None
