"""The collaboration models the shipped directory/ shows (issue 13): a region with all nine
Sörmland municipalities and the help the county shares.

These assert the examples as data an administrator copies from: if an edit breaks a model,
the example no longer shows what its header comment says."""

from __future__ import annotations

from bot.core.models import Municipality, Resource
from bot.core.resources import serving
from tests.helpers.shipped import SORMLAND, shipped_catalog

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
