"""A small Region Sörmland with resources, written as YAML files: two municipalities that
inherit the region's BUP, one ungdomsmottagning narrowed to Nyköping, Gnesta's own NPF team
narrowed to one school. Independent of the shipped examples."""

from __future__ import annotations

from pathlib import Path

REGION = """\
region:
  id: sormland
  name: Sörmland
  county: "04"
  after_hours: {name: Socialjouren Sörmland, phone: "0000-40 00 00"}
resources:
  - id: bup
    kind: bup
    name: BUP Sörmland
    ages: "0-17"
    phone: "0000-41 00 00"
  - id: umo-nykoping
    kind: ungdomsmottagning
    name: Ungdomsmottagningen Nyköping
    ages: "13-25"
    url: https://umo.example.se/nykoping
    municipalities: [nykoping]
"""

MUNICIPALITY = """\
municipality:
  id: {id}
  name: {name}
  code: "{code}"
  region: sormland
  office_hours: {{mon-fri: "08:00-16:00"}}
  reception: {{name: Mottagningen, phone: "0000-{code}"}}
{header}age_groups:
  - {{id: barn, label: "Barn 0–17 år", ages: "0-17"}}
people:
  p: {{name: Pia Exempel, phone: "0000-11 11 11"}}
  q: {{name: Quinn Exempel, phone: "0000-22 22 22"}}
schools:
  - {{name: {first}, aliases: [{alias}], grades: "F-9", contacts: {{barn: [p, q]}}}}
  - {{name: {second}, grades: "F-6", contacts: {{barn: [p]}}}}
{resources}"""

OWN = """\
resources:
  - id: npf-team
    kind: npf
    name: NPF-teamet
    ages: "6-16"
    about: Stöd till skolor kring elever med NPF-liknande svårigheter.
    schools: [Tallis]
"""

SCHOOLS = {
    "gnesta": ("Tallskolan", "Tallis", "Granskolan"),
    "nykoping": ("Ekskolan", "Ekis", "Nyköpings Montessoriskola"),
}


def municipality(mid: str, code: str, *, header: str = "", resources: str = "") -> str:
    first, alias, second = SCHOOLS[mid]
    return MUNICIPALITY.format(
        id=mid,
        name=mid.title(),
        code=code,
        header=header,
        resources=resources,
        first=first,
        alias=alias,
        second=second,
    )


def write_sormland(folder: Path) -> Path:
    """The region and Gnesta (with its NPF team) and Nyköping in `folder`."""
    (folder / "sormland.yml").write_text(REGION, encoding="utf-8")
    (folder / "nykoping.yml").write_text(municipality("nykoping", "0480"), encoding="utf-8")
    gnesta = municipality("gnesta", "0461", resources=OWN)
    (folder / "gnesta.yml").write_text(gnesta, encoding="utf-8")
    return folder
