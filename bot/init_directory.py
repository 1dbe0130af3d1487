"""`referral-bot init MUNICIPALITY`: a new directory file with every school unit Skolverket
lists for the municipality, and placeholders where people and numbers go.

`referral-bot check` reads the file at once and says what is left: an error for a reception or
socialjour not filled in (the file cannot go live before they are) and a warning for each
placeholder person, so an administrator can fill it in step by step and check as they go.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import re
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from rapidfuzz import fuzz, process

from bot.core.name_keys import slugify
from bot.core.region_files import is_region_document
from bot.core.yamlio import load_document
from bot.errors import BotError, ConfigError

CUTOFF = 75.0  # "Flem" is 75 from "Flen"; further typos get suggestions instead
AHEAD = 8.0  # and the best must beat the next by this much: "Upplands" is Bro or Väsby
SHORTEST = 4  # "Ed" is not "Eda": a name this short is taken only as written
VOWELS = "aeiouyåäö"


@dataclass(frozen=True, slots=True)
class Unit:
    """A school unit as Skolverket lists it."""

    code: str
    name: str
    independent: bool  # fristående: run by a private body (huvudman 'Enskild')


@dataclass(frozen=True, slots=True)
class Kommun:
    """A municipality of the list: its code, Skolverket's short name and its units."""

    code: str
    name: str
    units: tuple[Unit, ...]
    id: str  # the municipality id and file name: 'flen'; Habo and Håbo are 'habo-0643'…

    @property
    def full_name(self) -> str:
        """'Flens kommun', 'Gnesta kommun', 'Borås kommun': the genitive s after a consonant
        other than s, x, z. The administrator checks it (some say 'stad')."""
        last = self.name[-1].lower()
        return f"{self.name}{'' if last in VOWELS or last in 'sxz' else 's'} kommun"


def kommuner() -> dict[str, Kommun]:
    """Every municipality of the shipped Skolverket list, by kommunkod."""
    raw = files("bot").joinpath("data", "skolenheter.csv.gz").read_bytes()
    rows = csv.DictReader(io.StringIO(gzip.decompress(raw).decode("utf-8")), delimiter=";")
    units: dict[str, list[Unit]] = {}
    names: dict[str, str] = {}
    for row in rows:
        names[row["kommunkod"]] = row["kommun"]
        unit = Unit(row["skolenhetskod"], row["skola"], row["huvudman"] == "Enskild")
        units.setdefault(row["kommunkod"], []).append(unit)
    slugs = [slugify(name) for name in names.values()]
    return {
        code: Kommun(code, names[code], tuple(u), _id(names[code], code, slugs))
        for code, u in units.items()
    }


def _id(name: str, code: str, slugs: list[str]) -> str:
    """The slug of the name, with the kommunkod when two names have one slug (Habo, Håbo)."""
    slug = slugify(name)
    return slug if slugs.count(slug) == 1 else f"{slug}-{code}"


def _bare(name: str) -> str:
    """'Flens kommun' → 'flens', 'Flen' → 'flen'."""
    return re.sub(r"\s+(kommun|stad)$", "", name.strip().casefold())


def find(query: str, known: dict[str, Kommun]) -> Kommun:
    """The municipality meant by a kommunkod or a name, typos tolerated and 'kommun' optional;
    BotError with the closest names when it is not clear which one."""
    text = query.strip()
    if re.fullmatch(r"\d{4}", text):
        if text in known:
            return known[text]
        raise BotError(f"no municipality has the kommunkod {text}")
    by_name = {_bare(k.name): k for k in known.values()}
    bare = _bare(text)
    for candidate in (bare, bare.removesuffix("s")):  # 'Flens' is the genitive of 'Flen'
        if candidate in by_name:
            return by_name[candidate]
    hits = process.extract(bare, list(by_name), scorer=fuzz.ratio, limit=3, score_cutoff=60)
    clear = len(hits) == 1 or (len(hits) > 1 and hits[0][1] - hits[1][1] >= AHEAD)
    if len(bare) >= SHORTEST and hits and hits[0][1] >= CUTOFF and clear:
        return by_name[hits[0][0]]
    close = " or ".join(f"'{by_name[h[0]].name}' ({by_name[h[0]].code})" for h in hits)
    raise BotError(
        f"no municipality called '{query}'" + (f" — did you mean {close}?" if close else "")
    )


def _region_for(county: str, folder: Path) -> str | None:
    """The id of a region file in `folder` for this county (its `county:`), if there is one."""
    for path in sorted(folder.glob("*.y*ml")):
        try:
            data = load_document(path).data
        except ConfigError:
            continue  # check reports it; init only looks for a region to name
        if is_region_document(data) and isinstance(data["region"], dict):
            region = data["region"]
            if str(region.get("county")) == county and isinstance(region.get("id"), str):
                return str(region["id"])
    return None


def _already_there(kommun: Kommun, folder: Path) -> Path | None:
    """A directory file in `folder` for this municipality already, whatever it is called."""
    for path in sorted(folder.glob("*.y*ml")):
        try:
            data = load_document(path).data
        except ConfigError:
            continue
        block = data.get("municipality") if isinstance(data, dict) else None
        if isinstance(block, dict) and str(block.get("code")) == kommun.code:
            return path
    return None


def _q(text: str) -> str:
    """A double-quoted YAML scalar: JSON's string syntax is YAML's."""
    return json.dumps(text, ensure_ascii=False)


def render(kommun: Kommun, region: str | None) -> str:
    """The text of the new directory file."""
    jour = (
        f'#   2. Socialjouren hämtas från regionfilen (raden "region: {region}"). Ska kommunen ha\n'
        "#      en egen socialjour skriver du den under municipality som after_hours.\n"
        if region
        else "#   2. Fyll i socialjouren (after_hours) på samma sätt som mottagningen.\n"
    )
    lines = [
        "# yaml-language-server: $schema=../schemas/directory.schema.json",
        "#",
        f'# Kontaktkatalog för {kommun.full_name}. Boten svarar skolpersonal på frågan "vem är',
        '# vår kontakt på socialtjänsten?" utifrån den här filen.',
        '# Filen skapades med "referral-bot init" från Skolverkets lista över skolenheter med',
        '# årskurs 9 (läsåret 2024/25). Allt som står "FYLL I" ska fyllas i innan boten används.',
        "#",
        "# Gör så här:",
        "#   1. Under municipality: kontrollera kommunens namn och fyll i mottagningen",
        "#      (reception): namn och telefon, gärna e-post och e_service (webbadress till",
        '#      e-tjänsten för orosanmälan). Ta sedan bort raden "placeholder: true".',
        *jour.rstrip("\n").split("\n"),
        "#   3. Kontrollera mottagningens telefontider (office_hours) och åldersgrupperna",
        "#      (age_groups). Varje ålder får bara finnas i en grupp.",
        "#   4. Under people: byt ut platshållarna mot riktiga personer eller team med namn,",
        '#      titel, telefon och e-post, och ta bort raden "placeholder: true" hos var och en.',
        "#      Lägg till fler personer om skolorna har olika kontakter.",
        '#   5. Under schools: ange för varje skola dess årskurser (grades, t.ex. "7-9") och dess',
        "#      kontakter per åldersgrupp: först den som svarar, sedan reserver i ordning.",
        "#      Listan har bara skolor med årskurs 9: lägg till övriga skolor och förskolor.",
        "#   6. Skriv datumet i reviewed när kommunen har bekräftat uppgifterna, t.ex.",
        "#      reviewed: 2026-09-01 under municipality.",
        "#   7. Valfritt: stöd utöver socialtjänsten (elevhälsa, familjecentral,",
        "#      ungdomsmottagning, konsultationsteam …) under resources:, och",
        "#      min_contacts: 2 under municipality om varje skola ska ha två kontakter.",
        "#      README.md visar hur; det regionen redan har behöver inte stå här.",
        "#   8. Kontrollera filen:  referral-bot check directory/",
        "#      Så länge något är ofyllt varnar check för det. Fel måste rättas, varningar bör.",
        "municipality:",
        f"  id: {kommun.id}",
        f"  name: {_q(kommun.full_name)}",
        f'  code: "{kommun.code}"',
        *([f"  region: {region}"] if region else []),
        "  office_hours:",
        '    mon-fri: "08:00-16:00"',
        "  reception:",
        '    name: "FYLL I: mottagningens namn"',
        '    phone: "FYLL I"',
        "    placeholder: true",
        *(
            []
            if region
            else [
                "  after_hours:",
                '    name: "FYLL I: socialjourens namn"',
                '    phone: "FYLL I"',
                "    placeholder: true",
            ]
        ),
        "age_groups:",
        '  - {id: barn, label: "Barn 0–12 år", ages: "0-12"}',
        '  - {id: unga, label: "Unga 13–20 år", ages: "13-20"}',
        "people:",
        "  kontakt-barn:",
        '    name: "FYLL I: kontakt för barn 0–12 år"',
        '    phone: "FYLL I"',
        "    placeholder: true",
        "  kontakt-unga:",
        '    name: "FYLL I: kontakt för unga 13–20 år"',
        '    phone: "FYLL I"',
        "    placeholder: true",
        "schools:",
    ]
    for unit in kommun.units:
        lines += [
            f"  - name: {_q(unit.name)}"
            + ("  # fristående skola (enskild huvudman)" if unit.independent else ""),
            f'    code: "{unit.code}"',
            '    grades: "F-9"',
            "    contacts:",
            "      barn: [kontakt-barn]",
            "      unga: [kontakt-unga]",
        ]
    return "\n".join(lines) + "\n"


def init(query: str, out: Path) -> Path:
    """Write the new file for the municipality `query` names into `out`; never overwrite."""
    kommun = find(query, kommuner())
    path = out / f"{kommun.id}.yml"
    if path.exists():
        raise BotError(f"{path} is there already: init does not overwrite a file")
    if out.is_dir() and (other := _already_there(kommun, out)) is not None:
        raise BotError(f"{kommun.full_name} ({kommun.code}) is in {other} already")
    out.mkdir(parents=True, exist_ok=True)
    region = _region_for(kommun.code[:2], out)
    with path.open("x", encoding="utf-8") as file:  # "x": a file made meanwhile is not replaced
        file.write(render(kommun, region))
    return path
