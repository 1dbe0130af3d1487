"""JSON Schemas of the two file formats, for editors (yaml-language-server).

Editors complete keys and underline shapes as administrators type; `referral-bot check` stays
the full validation (ids, references, reachability, templates, rule tests). Each description
is Swedish, then English.
"""

from __future__ import annotations

from typing import Any

from bot.core.directory import (
    AGES,
    ID,
    KOMMUNKOD,
    MUNICIPALITY_KEYS,
    OFFICE_KEYS,
    SLACK_USER,
    SLUG,
    TOP_KEYS,
)
from bot.core.directory_schools import SKOLENHETSKOD, SLACK_CHANNEL
from bot.core.rules import ID_RE, LOCALES, OUTCOME_KINDS


def described(sv: str, en: str, **schema: Any) -> dict[str, Any]:
    """A schema fragment with its description in both languages."""
    return {"description": f"{sv}\n\n{en}", **schema}


def directory_json_schema() -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of a directory file, for editors (yaml-language-server).

    The editor underlines what it can; `referral-bot check` remains the full validation
    (references between ids, overlapping ages, coverage).
    """
    text: dict[str, Any] = {"type": "string", "minLength": 1}
    slug = {"type": "string", "pattern": SLUG.pattern}
    ident = {"type": "string", "pattern": ID.pattern}
    a_date = {"type": "string", "format": "date"}
    office = {
        "type": "object",
        "additionalProperties": False,
        "required": list(OFFICE_KEYS),
        "properties": {
            "name": described("Namn som visas.", "Name shown.", **text),
            "phone": described("Telefonnummer.", "Phone number.", **text),
            "email": described(
                "E-post (valfritt).", "E-mail (optional).", type="string", format="email"
            ),
            "e_service": described(
                "Webbadress till e-tjänsten för skriftliga orosanmälningar (valfritt).",
                "Web address of the e-service for written reports (optional).",
                type="string",
                pattern=r"^https?://\S+$",
            ),
        },
    }
    day = "(?:mon|tue|wed|thu|fri|sat|sun)"
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://example.se/referral-bot/directory.schema.json",
        "title": "referral-bot: kontaktkatalog / contact directory",
        "description": "En fil per kommun i directory/. / One file per municipality in directory/.",
        "type": "object",
        "additionalProperties": False,
        "required": list(TOP_KEYS),
        "properties": {
            "municipality": described(
                "Kommunen, mottagningen och socialjouren.",
                "The municipality, its reception and its on-call service.",
                type="object",
                additionalProperties=False,
                required=list(MUNICIPALITY_KEYS),
                properties={
                    "id": described(
                        "Kort id, unikt i katalogen: a-z, siffror, bindestreck.",
                        "Short id, unique in the directory.",
                        **slug,
                    ),
                    "name": described("Kommunens namn.", "Name of the municipality.", **text),
                    "code": described(
                        "Kommunkod, 4 siffror inom citattecken.",
                        "Municipality code, 4 digits.",
                        type="string",
                        pattern=KOMMUNKOD.pattern,
                    ),
                    "office_hours": described(
                        'När mottagningen svarar, t.ex. mon-thu: "08:00-16:30". Utanför '
                        "dessa tider och på helgdagar hänvisar boten till socialjouren.",
                        "When the reception answers; otherwise the bot routes to after_hours.",
                        type="object",
                        propertyNames={"pattern": f"^{day}(?:-{day})?$"},
                        additionalProperties={
                            "type": "string",
                            "pattern": r"^\d{1,2}:\d{2}-\d{1,2}:\d{2}$",
                        },
                    ),
                    "reception": described(
                        "Mottagningen: tar emot orosanmälningar dagtid.",
                        "Reception: takes concern reports in office hours.",
                        **office,
                    ),
                    "after_hours": described(
                        "Socialjouren: kvällar, nätter och helgdagar.",
                        "On-call social services.",
                        **office,
                    ),
                    "reviewed": described(
                        "Datum då kommunen senast bekräftade uppgifterna (varning efter 12 "
                        "månader).",
                        "Date the entries were last confirmed.",
                        **a_date,
                    ),
                },
            ),
            "age_groups": described(
                "Kommunens åldersgrupper; varje ålder i högst en grupp.",
                "Age bands; every age in at most one band.",
                type="array",
                minItems=1,
                items={
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["id", "label", "ages"],
                    "properties": {
                        "id": ident,
                        "label": described(
                            "Text som visas, t.ex. Barn 0–12 år.", "Label shown.", **text
                        ),
                        "ages": described(
                            'Åldrar, t.ex. "0-12".',
                            'Ages, e.g. "0-12".',
                            type="string",
                            pattern=AGES.pattern,
                        ),
                    },
                },
            ),
            "people": described(
                "Personer eller team, med ett id som skolorna hänvisar till.",
                "People or teams, by id.",
                type="object",
                propertyNames={"pattern": ID.pattern},
                additionalProperties={
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["name"],
                    "properties": {
                        "name": text,
                        "title": text,
                        "phone": text,
                        "email": {"type": "string", "format": "email"},
                        "slack": described(
                            "Slack-medlems-id, t.ex. U01ABCDEF1.",
                            "Slack member id.",
                            type="string",
                            pattern=SLACK_USER.pattern,
                        ),
                        "away": described(
                            "Frånvaro; nästa kontakt i listan svarar då först.",
                            "Absences; the next contact answers first.",
                            type="array",
                            items={
                                "type": "object",
                                "additionalProperties": False,
                                "required": ["from", "to"],
                                "properties": {"from": a_date, "to": a_date},
                            },
                        ),
                    },
                },
            ),
            "schools": described(
                "Skolenheterna.",
                "School units.",
                type="array",
                items={
                    "type": "object",
                    "additionalProperties": False,
                    "required": ["name", "grades", "contacts"],
                    "properties": {
                        "name": described(
                            "Skolans namn som hos Skolverket.", "Name as registered.", **text
                        ),
                        "code": described(
                            "Skolenhetskod, 8 siffror.",
                            "School unit code.",
                            type="string",
                            pattern=SKOLENHETSKOD.pattern,
                        ),
                        "aliases": described(
                            "Andra namn som personalen använder.",
                            "Other names staff use.",
                            type="array",
                            items=text,
                        ),
                        "grades": described(
                            "Årskurser: förskola, F, 1–9, gy1–gy4 eller intervall som F-9.",
                            "Grades: förskola, F, 1..9, gy1..gy4, or ranges like F-9.",
                            type="string",
                        ),
                        "slack_channels": described(
                            "Slack-kanaler som hör till skolan, t.ex. C0ANGS0001.",
                            "Slack channel ids bound to the school.",
                            type="array",
                            items={"type": "string", "pattern": SLACK_CHANNEL.pattern},
                        ),
                        "contacts": described(
                            "Per åldersgrupp (eller all): först den som svarar, sedan "
                            "reserver i ordning.",
                            "Per age group id (or all): primary first, then backups.",
                            type="object",
                            additionalProperties={
                                "type": "array",
                                "minItems": 1,
                                "items": ident,
                            },
                        ),
                    },
                },
            ),
        },
    }


def rules_json_schema() -> dict[str, Any]:
    """JSON Schema (draft 2020-12) of a rules file, for editors (yaml-language-server).

    Editors underline shapes; `referral-bot check` still does the rest (ids, reachability,
    templates, rule tests).
    """
    ident = {"type": "string", "pattern": ID_RE.pattern}
    plain = {"type": "string", "minLength": 1}
    text = {
        "oneOf": [
            plain,
            {
                "type": "object",
                "additionalProperties": False,
                "required": ["sv"],
                "properties": {
                    "sv": described("Svensk text (krävs).", "Swedish text (required).", **plain),
                    "en": described("Engelsk text.", "English text.", **plain),
                },
            },
        ]
    }
    words = {"oneOf": [plain, {"type": "array", "items": plain}]}
    target = described("Id för ett steg eller ett utfall.", "Id of a step or an outcome.", **ident)
    step_common = {"id": described("Stegets id.", "The step's id.", **ident)}

    def step(kind: str, sv: str, en: str, required: list[str], **extra: Any) -> dict[str, Any]:
        return {
            "type": "object",
            "additionalProperties": False,
            "required": ["id", kind, *required],
            "properties": {**step_common, kind: described(sv, en, **text), **extra},
        }

    option = {
        "type": "object",
        "additionalProperties": False,
        "required": ["id", "label", "goto"],
        "properties": {
            "id": described(
                "Svarets id (används i tester).", "The answer's id (used in tests).", **ident
            ),
            "label": described("Knapptexten.", "The button text.", **text),
            "goto": target,
            "sets": described(
                "Fakta som svaret sätter, t.ex. category: violence eller ages: 13-17.",
                "Facts this answer sets, e.g. category: violence or ages: 13-17.",
                type="object",
                additionalProperties={"type": "string"},
            ),
        },
    }
    route = {
        "type": "array",
        "minItems": 1,
        "items": {
            "type": "object",
            "additionalProperties": False,
            "required": ["goto"],
            "properties": {
                "when": described(
                    "Villkor: fakta (category, residence …) eller clock: office_hours/after_hours.",
                    "Conditions: facts (category, residence …) or clock: office_hours/after_hours.",
                    type="object",
                    additionalProperties=words,
                ),
                "goto": target,
            },
        },
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://example.se/referral-bot/rules.schema.json",
        "title": "referral-bot: checklistor / checklists",
        "description": "Checklistor, se rules/README.md. / Checklists, see rules/README.md.",
        "type": "object",
        "additionalProperties": False,
        "required": ["flows"],
        "properties": {"flows": {"type": "array", "items": {"$ref": "#/$defs/flow"}}},
        "$defs": {
            "flow": {
                "type": "object",
                "additionalProperties": False,
                "required": ["id", "title", "start", "steps", "outcomes"],
                "properties": {
                    "id": described("Checklistans id.", "The flow's id.", **ident),
                    "title": described("Rubrik.", "Title.", **text),
                    "description": {"type": "string"},
                    "triggers": described(
                        "Ord som startar checklistan, per språk.",
                        "Words that start the flow, per language.",
                        type="object",
                        additionalProperties=False,
                        properties={lang: {"type": "array", "items": plain} for lang in LOCALES},
                    ),
                    "start": described("Första steget.", "The first step.", **ident),
                    "steps": {"type": "array", "items": {"$ref": "#/$defs/step"}},
                    "outcomes": {"type": "array", "items": {"$ref": "#/$defs/outcome"}},
                    "tests": {"type": "array", "items": {"$ref": "#/$defs/test"}},
                },
            },
            "step": {
                "oneOf": [
                    step(
                        "question",
                        "Frågan.",
                        "The question.",
                        ["options"],
                        options={"type": "array", "minItems": 1, "items": option},
                    ),
                    step(
                        "info",
                        "Information (med knappen Fortsätt).",
                        "Information (with a Continue button).",
                        ["next"],
                        next=target,
                    ),
                    step(
                        "school",
                        "Fråga om skolan (hoppas över när skolan är känd).",
                        "Asks for the school (skipped when known).",
                        ["next"],
                        next=target,
                    ),
                    step(
                        "residence",
                        "Fråga var barnet bor.",
                        "Asks where the child lives.",
                        ["next"],
                        next=target,
                    ),
                    {
                        "type": "object",
                        "additionalProperties": False,
                        "required": ["id", "route"],
                        "properties": {**step_common, "route": route},
                    },
                ]
            },
            "outcome": {
                "type": "object",
                "additionalProperties": False,
                "required": ["id", "kind", "text"],
                "properties": {
                    "id": described("Utfallets id.", "The outcome's id.", **ident),
                    "kind": {"enum": list(OUTCOME_KINDS)},
                    "title": text,
                    "text": described(
                        "Texten, med mallvariabler som {{ reception.phone }}.",
                        "The text, with template variables such as {{ reception.phone }}.",
                        **text,
                    ),
                },
            },
            "test": {
                "type": "object",
                "additionalProperties": False,
                "required": ["name", "answers", "expect"],
                "properties": {
                    "name": plain,
                    "answers": {"type": "array", "items": {"type": ["string", "integer"]}},
                    "expect": ident,
                    "at": described(
                        "Tid, t.ex. 2026-01-20 10:00.",
                        "Time, e.g. 2026-01-20 10:00.",
                        type="string",
                    ),
                    "school": {"type": "string"},
                    "locale": {"enum": list(LOCALES)},
                    "contains": {"type": "array", "items": plain},
                    "not_contains": {"type": "array", "items": plain},
                },
            },
        },
    }
