"""Block Kit rendering: what staff see in Slack, and what nobody can smuggle into it."""

from __future__ import annotations

import json
from dataclasses import replace
from typing import Any

from bot.core.actions import (
    Back,
    PickMunicipality,
    PickSchool,
    ReportWrong,
    SaveSchool,
    StartFlow,
    decode,
)
from bot.core.models import AdminNotice, Choice, ContactCard, Menu, Reply
from bot.transports.slack.blocks import (
    MAX_MESSAGE_BLOCKS,
    escape_mrkdwn,
    fallback_text,
    home_view,
    menu_options,
    notice_blocks,
    reply_blocks,
)
from tests.helpers.fake_service import SCHOOL_KEY, contact_reply, step


def of_type(blocks: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [b for b in blocks if b["type"] == kind]


def mrkdwn_texts(value: object) -> list[str]:
    """Every string Slack will parse as mrkdwn (plain_text is shown literally)."""
    if isinstance(value, list):
        return [t for v in value for t in mrkdwn_texts(v)]
    if isinstance(value, dict):
        if value.get("type") == "mrkdwn":
            return [value["text"]]
        return [t for v in value.values() for t in mrkdwn_texts(v)]
    return []


def buttons(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [e for b in of_type(blocks, "actions") for e in b["elements"]]


def test_escape_mrkdwn_neutralises_control_characters() -> None:
    assert escape_mrkdwn("<!channel> & <@U123> <https://evil.example|bank>") == (
        "&lt;!channel&gt; &amp; &lt;@U123&gt; &lt;https://evil.example|bank&gt;"
    )
    assert escape_mrkdwn("&lt;") == "&amp;lt;"  # plain text in, so an entity is shown as typed


def test_contact_reply_shows_people_with_ways_to_reach_them() -> None:
    blocks = reply_blocks(contact_reply())
    assert blocks[0] == {
        "type": "header",
        "text": {"type": "plain_text", "text": "Ängsskolan F-9, Mora"},
    }
    primary = next(b for b in blocks if "Kim Testsson" in b.get("text", {}).get("text", ""))
    assert primary["text"]["text"] == "Primär: *Kim Testsson*\nSocialsekreterare"
    fields = [f["text"] for f in primary["fields"]]
    assert fields == [
        "*Telefon*\n<tel:0000123456|0000-12 34 56>",
        "*E-post*\n<mailto:kim.testsson@example.se|kim.testsson@example.se>",
        "*Slack*\n<@U0KIMTEST>",
    ]
    backup = next(b for b in blocks if "Robin" in b.get("text", {}).get("text", ""))
    assert "_Borta till 6 januari 2027_" in backup["text"]["text"]
    assert "*Slack*" not in json.dumps(backup)  # no Slack id, no mention field


def test_route_office_comes_after_a_divider_and_112_is_the_footer() -> None:
    blocks = reply_blocks(contact_reply())
    kinds = [b["type"] for b in blocks]
    divider = kinds.index("divider")
    assert "Mottagningen, Mora kommun" in json.dumps(blocks[divider + 1], ensure_ascii=False)
    assert blocks[-1] == {
        "type": "context",
        "elements": [{"type": "mrkdwn", "text": "Är ett barn i akut fara: ring 112."}],
    }
    web = next(b for b in blocks if "Mottagningen, Mora" in b.get("text", {}).get("text", ""))
    assert "<https://www.example.se/mottagning|https://www.example.se/mottagning>" in json.dumps(
        web
    )


def test_save_school_button_appears_once() -> None:
    reply = contact_reply()
    assert any(c.action == SaveSchool(SCHOOL_KEY) for c in reply.choices)  # the core offers it too
    shown = buttons(reply_blocks(reply))
    assert [(b["action_id"], b["value"], b["text"]["text"]) for b in shown] == [
        ("save_school", f"save:{SCHOOL_KEY}", "Spara som min skola")
    ]


def test_english_headings_and_button() -> None:
    blocks = reply_blocks(contact_reply("en"))
    text = json.dumps(blocks)
    assert "*Phone*" in text and "*E-mail*" in text
    assert buttons(blocks)[-1]["text"]["text"] == "Save as my school"


def test_choices_become_buttons_that_round_trip_their_ids() -> None:
    blocks = reply_blocks(step("fara", "Är barnet i akut fara just nu?"))
    shown = buttons(blocks)
    assert [(b["action_id"], b["value"]) for b in shown] == [
        ("choice:0", "step:fara:ja"),
        ("choice:1", "step:fara:nej"),
        ("choice:2", "nav:back"),
        ("choice:3", "nav:cancel"),
    ]
    assert [b.get("style") for b in shown] == ["primary", None, None, "danger"]


def test_many_choices_are_split_25_per_actions_block_and_long_labels_cut() -> None:
    choices = tuple(Choice(PickSchool(f"k{n}"), f"Skola {n} " + "x" * 100) for n in range(30))
    blocks = reply_blocks(Reply(kind="ambiguous", parts=("Vilken?",), choices=choices))
    actions = of_type(blocks, "actions")
    assert [len(a["elements"]) for a in actions] == [25, 5]
    labels = [e["text"]["text"] for e in buttons(blocks)]
    assert all(len(label) <= 75 for label in labels) and labels[0].endswith("…")
    ids = [e["action_id"] for e in buttons(blocks)]
    assert len(set(ids)) == 30  # unique within the message, as Slack requires


def test_echoed_user_text_cannot_mention_or_disguise_a_link() -> None:
    typed = "<!channel> <@U0BOSS> <https://evil.example|Skolverket>"
    reply = Reply(
        kind="not_found",
        title=f"Sökning: {typed}",
        parts=(f"Jag hittade ingen skola som heter *{typed}*.",),
        choices=(Choice(PickSchool("x"), typed),),
        footer=typed,
    )
    blocks = reply_blocks(reply)
    text = "\n".join([*mrkdwn_texts(blocks), fallback_text(reply)])
    assert "<!channel>" not in text and "<@U0BOSS>" not in text and "<https://" not in text
    section = of_type(blocks, "section")[0]["text"]["text"]
    assert section.startswith("Jag hittade ingen skola som heter *&lt;!channel&gt;")  # bold kept
    # plain_text (header, button labels) is never parsed, so it shows exactly what was typed
    assert blocks[0]["text"] == {"type": "plain_text", "text": f"Sökning: {typed}"}
    assert buttons(blocks)[0]["text"]["text"] == typed


def test_directory_data_cannot_inject_markup_either() -> None:
    card = ContactCard(
        "contact",
        name="Eve <!here>",
        phone="0000<!channel>",
        email="eve@example.se|<!channel>",
        slack="U1>|<!channel",
        url="javascript:alert(1)",
    )
    text = "\n".join(mrkdwn_texts(reply_blocks(Reply(kind="contact", cards=(card,)))))
    assert "<!here>" not in text and "<!channel" not in text
    assert "<javascript:" not in text and "<mailto:" not in text


def test_long_text_is_split_into_sections_under_slacks_limit() -> None:
    paragraph = "\n".join(["En mening som upprepas för att bli lång."] * 200)
    sections = of_type(reply_blocks(Reply(kind="help", parts=(paragraph,))), "section")
    assert len(sections) > 1
    assert all(len(s["text"]["text"]) <= 3000 for s in sections)
    assert sum(s["text"]["text"].count("\n") + 1 for s in sections) == 200


def test_a_huge_reply_stays_under_50_blocks_keeping_buttons_and_112() -> None:
    cards = tuple(ContactCard("contact", f"Person {n}") for n in range(80))
    reply = Reply(kind="contact", cards=cards, choices=(Choice(Back(), "X"),), footer="Ring 112.")
    blocks = reply_blocks(reply)
    assert len(blocks) == MAX_MESSAGE_BLOCKS
    assert blocks[-1]["type"] == "context" and blocks[-2]["type"] == "actions"


def test_home_view_introduces_the_bot_and_offers_the_checklist() -> None:
    reply = Reply(
        kind="help",
        parts=("Skriv skolans namn.",),
        choices=(Choice(StartFlow("orosanmalan"), "Gå igenom checklistan", "primary"),),
        locale="en",
    )
    view = home_view(reply)
    assert view["type"] == "home"
    assert view["blocks"][0]["text"]["text"] == "Contact with social services"
    assert buttons(view["blocks"])[0]["value"] == "start:orosanmalan"


def test_fallback_text_is_the_heading_as_plain_escaped_text() -> None:
    assert fallback_text(contact_reply()) == "Ängsskolan F-9, Mora"
    assert fallback_text(Reply(kind="notice", parts=("*Klart* <!here>",))) == "Klart &lt;!here&gt;"


def test_a_menu_is_an_external_select_above_the_buttons_it_does_not_cover() -> None:
    mora, lulea, unlisted = (PickMunicipality(m) for m in ("mora", "lulea", None))
    reply = replace(
        step("bor", "Vilken kommun bor barnet i?"),
        choices=(
            Choice(mora, "Mora kommun"),
            Choice(lulea, "Luleå kommun"),
            Choice(unlisted, "Kommunen finns inte i listan"),
            Choice(Back(), "Tillbaka"),
        ),
        menu=Menu("municipality", "Sök kommun", covers=(mora, lulea)),
    )
    [menu_block, button_block] = of_type(reply_blocks(reply), "actions")
    assert menu_block["elements"] == [
        {
            "type": "external_select",
            "action_id": "menu:municipality",
            "placeholder": {"type": "plain_text", "text": "Sök kommun"},
            "min_query_length": 1,
        }
    ]
    labels = [e["text"]["text"] for e in button_block["elements"]]
    assert labels == ["Kommunen finns inte i listan", "Tillbaka"]


def test_menu_options_carry_the_action_cut_labels_and_never_a_cut_value() -> None:
    choices = tuple(Choice(PickMunicipality(f"{n:04}"), f"Kommun {n}") for n in range(150))
    options = menu_options(choices)
    assert len(options) == 100
    assert decode(options[0]["value"]) == PickMunicipality("0000")
    assert options[0]["text"] == {"type": "plain_text", "text": "Kommun 0"}
    long = menu_options((Choice(PickMunicipality("x" * 200), "L" * 100),))
    assert long == []  # a value Slack would cut would be another action: left out
    [cut] = menu_options((Choice(PickMunicipality("mora"), "L" * 100),))
    assert len(cut["text"]["text"]) == 75 and cut["text"]["text"].endswith("…")


def test_each_person_card_has_its_own_wrong_details_button_and_offices_none() -> None:
    report = Choice(ReportWrong(SCHOOL_KEY, "anna-s", "barn"), "Fel uppgift?")
    people = [
        ContactCard(role="contact", name="Anna", report=report),
        ContactCard(role="contact", name="Bertil", report=report),
    ]
    office = ContactCard(role="reception", name="Mottagningen", phone="0000-10 00 00")
    blocks = reply_blocks(Reply(kind="contact", cards=(*people, office)))
    sections = of_type(blocks, "section")
    accessories = [b["accessory"] for b in sections if "accessory" in b]
    assert [a["action_id"] for a in accessories] == ["report:0", "report:1"]
    assert decode(accessories[0]["value"]) == report.action
    assert all("accessory" not in b for b in sections if "Mottagningen" in b["text"]["text"])


def test_an_admin_notice_names_the_reporter_as_a_mention_and_escapes_the_rest() -> None:
    undelivered = Reply(kind="notice", parts=("Ring mottagningen",))
    notice = AdminNotice(
        channel="C0ADMIN001",
        title="Fel uppgift i kontaktkatalogen",
        parts=("*Post:* <!channel> Anna – directory/mora.yml:42",),
        reporter="slack:T0:U0TEACHER1",
        undelivered=undelivered,
    )
    blocks = notice_blocks(notice, "U0TEACHER1")
    shown = json.dumps(blocks, ensure_ascii=False)
    assert "Rapporterat av <@U0TEACHER1>" in shown
    assert "&lt;!channel&gt;" in shown and "directory/mora.yml:42" in shown
