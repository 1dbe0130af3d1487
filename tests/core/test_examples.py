"""The collaboration models the shipped directory/ shows (issue 13): a region with all nine
Sörmland municipalities and the help the county shares, Falköping's two named contacts,
Rättvik's consultation teams by age, Laholm's 0–21 model and Hässleholm's joint team.

These assert the examples as data an administrator copies from: if an edit breaks a model,
the example no longer shows what its header comment says."""

from __future__ import annotations

import shutil
from datetime import date
from pathlib import Path

from bot.core.catalog import check
from bot.core.models import Municipality, Resource
from bot.core.resources import serving
from tests.helpers.shipped import ROOT, SORMLAND, shipped_catalog

TODAY = date(2026, 11, 25)

# Gnesta writes its own socialjour (reached through 112); the others take the region's.
OWN_SOCIALJOUR = {"gnesta"}

# The ungdomsmottagningar sormland.yml narrows to each municipality, in the file's order.
YOUTH_CLINICS = {
    "eskilstuna": ("umo-eskilstuna",),
    "flen": ("umo-flen",),
    "gnesta": ("umo-nykoping",),
    "katrineholm": ("umo-katrineholm",),
    "nykoping": ("umo-nykoping",),
    "oxelosund": ("umo-nykoping",),
    "strangnas": ("umo-strangnas",),
    "trosa": ("umo-nykoping", "umo-trosa"),
    "vingaker": ("umo-katrineholm",),
}


def municipality(mid: str) -> Municipality:
    return shipped_catalog().directory.municipalities[mid]


def ids(resources: tuple[Resource, ...]) -> tuple[str, ...]:
    return tuple(r.id for r in resources)


# --------------------------------------------------------------------------- Sörmland


def test_all_nine_sormland_municipalities_name_the_region_and_take_its_socialjour() -> None:
    directory = shipped_catalog().directory
    region = directory.regions["sormland"]
    named = {m.id for m in directory.municipalities.values() if m.region == "sormland"}
    assert named == set(SORMLAND) == set(YOUTH_CLINICS)
    for mid in SORMLAND:
        m = municipality(mid)
        came_from = m.origins["after_hours"].path
        if mid in OWN_SOCIALJOUR:
            assert m.after_hours != region.after_hours, mid
            assert came_from.endswith(f"{mid}.yml"), mid
        else:
            assert m.after_hours == region.after_hours, mid
            assert came_from.endswith("sormland.yml"), mid
        # each states its own reception and hours: the region shares none
        assert m.origins["reception"].path.endswith(f"{mid}.yml"), mid
        assert m.schools and m.people, mid


def test_every_sormland_municipality_gets_the_regions_bup_barnahus_and_npf_support() -> None:
    region = shipped_catalog().directory.regions["sormland"]
    shared = {r.id: r for r in region.resources if not r.municipalities}
    assert set(shared) == {"bup", "barnahus", "npf-stod"}
    assert (shared["bup"].min_age, shared["bup"].max_age) == (0, 17)
    assert (shared["barnahus"].min_age, shared["barnahus"].max_age) == (0, 17)
    # Barnahus is social services' decision, and the example says so to the school
    about = shared["barnahus"].about or ""
    assert "socialtjänsten som beslutar" in about and "aldrig skolan" in about
    for mid in SORMLAND:
        m = municipality(mid)
        for kind, rid in (("bup", "bup"), ("barnahus", "barnahus"), ("npf", "npf-stod")):
            assert serving(m, kind=kind) == (shared[rid],), (mid, kind)


def test_each_sormland_municipality_gets_exactly_the_youth_clinics_narrowed_to_it() -> None:
    for mid, expected in YOUTH_CLINICS.items():
        clinics = serving(municipality(mid), kind="ungdomsmottagning")
        assert ids(clinics) == expected, mid
        assert all((r.min_age, r.max_age) == (13, 25) for r in clinics), mid
        assert all(mid in r.municipalities for r in clinics), mid


def test_each_sormland_municipality_has_one_familjecentral_of_its_own_for_ages_0_to_5() -> None:
    for mid in SORMLAND:
        [centre] = serving(municipality(mid), kind="familjecentral")
        assert (centre.id, centre.municipalities) == (f"fc-{mid}", (mid,))
        assert (centre.min_age, centre.max_age) == (0, 5)
        # and no other municipality gets it
        others = [o for o in SORMLAND if o != mid]
        assert all(centre not in municipality(o).resources for o in others), mid


# --------------------------------------------------------------------------- Falköping


def test_falkoping_names_two_contacts_for_every_school_and_age_group() -> None:
    falkoping = municipality("falkoping")
    assert falkoping.min_contacts == 2
    groups = {g.id: g for g in falkoping.age_groups}
    for school in falkoping.schools:
        served = [g for g in groups.values() if g.overlaps(school.min_age, school.max_age)]
        assert served, school.name
        for group in served:
            named = school.contacts.get(group.id) or school.contacts.get("all") or ()
            assert len(set(named)) >= 2, (school.name, group.id)


def test_check_refuses_a_falkoping_school_left_with_one_contact(tmp_path: Path) -> None:
    shutil.copy(ROOT / "directory" / "falkoping.yml", tmp_path)
    path = tmp_path / "falkoping.yml"
    text = path.read_text(encoding="utf-8")
    assert "unga: [lena-v, jonas-l]" in text
    path.write_text(text.replace("unga: [lena-v, jonas-l]", "unga: [lena-v]", 1), "utf-8")
    errors = [p for p in check([tmp_path], today=TODAY) if p.severity == "error"]
    assert len(errors) == 1 and "min_contacts: 2" in errors[0].message, errors


# --------------------------------------------------------------------------- Rättvik


def test_rattviks_consultation_teams_cover_ages_1_to_20_by_age_without_a_gap() -> None:
    rattvik = municipality("rattvik")
    teams = sorted(serving(rattvik, kind="konsultationsteam"), key=lambda r: r.min_age)
    assert [(t.min_age, t.max_age) for t in teams] == [(1, 5), (6, 15), (16, 20)]
    # one team for every age from 1 to 20, none for an age outside
    for age in range(1, 21):
        assert len(serving(rattvik, ages=(age, age), kind="konsultationsteam")) == 1, age
    assert serving(rattvik, ages=(0, 0), kind="konsultationsteam") == ()
    assert serving(rattvik, ages=(21, 21), kind="konsultationsteam") == ()
    for team in teams:
        about = team.about or ""
        assert "Tar emot frågor" in about and "statistik" in about, team.id


# --------------------------------------------------------------------------- Laholm


def test_laholms_age_groups_cover_0_to_21_once_each_and_its_team_follows_the_trappa() -> None:
    laholm = municipality("laholm")
    covered = [a for g in laholm.age_groups for a in range(g.min_age, g.max_age + 1)]
    assert sorted(covered) == list(range(22))  # 0–21, every age in exactly one group
    [team] = serving(laholm, kind="samverkansteam")
    assert (team.min_age, team.max_age) == (0, 21)
    about = team.about or ""
    steps = [about.find(s) for s in ("samtal", "samsyn", "samverkan (", "samhandling")]
    assert -1 not in steps and steps == sorted(steps), about


# --------------------------------------------------------------------------- Hässleholm


def test_hassleholm_has_a_joint_team_for_targeted_support_and_service_for_all() -> None:
    hassleholm = municipality("hassleholm")
    [team] = serving(hassleholm, kind="samverkansteam")
    about = (team.about or "").casefold()
    for part in ("skolan", "omsorgen", "socialtjänsten"):
        assert part in about, part
    for goal in ("god hälsa", "lyckad skolgång", "trygghet hemma"):
        assert goal in about, goal
    # the first level, for every child: elevhälsa and familjecentral
    assert serving(hassleholm, kind="elevhalsa") and serving(hassleholm, kind="familjecentral")
