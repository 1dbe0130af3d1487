"""/admin over real HTTP: signed in through the Slack stand-in's OIDC, as each kind of reader."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import itsdangerous.timed
import pytest

from bot.admin_web.cookies import SESSION_COOKIE, SESSION_SECONDS
from bot.admin_web.diagrams import Diagrams
from bot.core.stats import StatKey
from tests.helpers.admin_page import (
    ADMIN,
    GROUP_MEMBER,
    MORA_ADMIN,
    MORA_GROUP_MEMBER,
    NOBODY,
    PLACEHOLDER,
    AdminSite,
    admin_site,
    back_from_slack,
    line_of,
)
from tests.helpers.slack_standin import SlackStandIn

OUTCOME = "outcome:orosanmalan/anmalan"


@pytest.fixture
async def site(slack: SlackStandIn, tmp_path: Path) -> AsyncIterator[AdminSite]:
    async with admin_site(slack, tmp_path) as started:
        for _ in range(7):
            await started.store.increment(StatKey("2026-12", "mora", "unga", OUTCOME))
        for _ in range(3):
            await started.store.increment(StatKey("2026-11", "mora", "barn", OUTCOME))
        for _ in range(11):
            await started.store.increment(StatKey("2026-12", "botkyrka", "unga", OUTCOME))
        yield started


async def page_of(site: AdminSite, user: str) -> tuple[int, str]:
    """The status and HTML a browser gets after signing in as `user`."""
    http, status, html = await site.signed_in(user)
    await http.close()
    return status, html


def section(html: str, name: str) -> str:
    return html.split(f'<section id="{name}">', 1)[1].split("</section>", 1)[0]


async def test_without_signing_in_the_page_sends_one_to_sign_in_and_shows_nothing(
    site: AdminSite,
) -> None:
    async with (
        site.browser() as http,
        http.get(f"{site.url}/admin", allow_redirects=False) as response,
    ):
        assert response.status == 302
        assert response.headers["Location"] == "/admin/signin"
        assert "Mora" not in await response.text()


async def test_sign_in_goes_to_slack_with_state_and_nonce_and_comes_back_signed_in(
    site: AdminSite,
) -> None:
    async with (
        site.browser() as http,
        http.get(f"{site.url}/admin/signin", allow_redirects=False) as response,
    ):
        to_slack = response.headers["Location"]
        assert to_slack.startswith(f"{site.slack.url}/openid/connect/authorize?")
        assert "state=" in to_slack and "nonce=" in to_slack and "scope=openid" in to_slack
        assert f"redirect_uri=http%3A%2F%2F127.0.0.1%3A{site.url.rsplit(':', 1)[1]}" in to_slack
    status, html = await page_of(site, ADMIN)
    assert status == 200
    assert "Du ser alla kommuner." in html and "Mora kommun" in html and "Botkyrka" in html


async def test_the_session_cookie_is_httponly_samesite_and_expires(site: AdminSite) -> None:
    site.slack.signin.user = ADMIN
    async with site.browser() as http:
        back = await back_from_slack(http, site.url)
        async with http.get(back, allow_redirects=False) as callback:
            assert callback.status == 302 and callback.headers["Location"] == "/admin"
            cookie = callback.cookies[SESSION_COOKIE]
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert cookie["max-age"] == str(SESSION_SECONDS)
    assert cookie["path"] == "/admin"
    assert not cookie["secure"]  # the site is http://127.0.0.1: a Secure cookie would be lost


async def test_a_forged_cookie_is_refused(site: AdminSite) -> None:
    http, _, _ = await site.signed_in(ADMIN)
    async with http:
        [cookie] = [c for c in http.cookie_jar if c.key == SESSION_COOKIE]
        payload, *signature = cookie.value.split(".")
        forged = ".".join([payload[:-2] + "AA", *signature])
        http.cookie_jar.clear()
        http.cookie_jar.update_cookies({SESSION_COOKIE: forged})
        async with http.get(f"{site.url}/admin", allow_redirects=False) as response:
            assert response.status == 302
            assert "Mora" not in await response.text()


async def test_a_cookie_older_than_its_lifetime_is_refused(
    site: AdminSite, monkeypatch: pytest.MonkeyPatch
) -> None:
    http, _, _ = await site.signed_in(ADMIN)
    async with http:
        later = itsdangerous.timed.time.time() + SESSION_SECONDS + 60
        monkeypatch.setattr(itsdangerous.timed.time, "time", lambda: later)
        async with http.get(f"{site.url}/admin", allow_redirects=False) as response:
            assert response.status == 302


async def test_a_callback_with_another_state_is_refused(site: AdminSite) -> None:
    async with site.browser() as http:
        back = await back_from_slack(http, site.url)
        tampered = re.sub(r"state=[^&]+", "state=someone-elses", back)
        async with http.get(tampered, allow_redirects=False) as response:
            assert response.status == 400
            assert SESSION_COOKIE not in response.cookies
            assert "Inloggningen gick inte igenom" in await response.text()
        assert not site.slack.of("openid.connect.token")  # the code was not even tried


async def test_an_id_token_for_another_sign_in_is_refused(site: AdminSite) -> None:
    site.slack.signin.nonce = "not-this-browsers"
    status, html = await page_of(site, ADMIN)
    assert status == 400 and "Inloggningen gick inte igenom" in html


@pytest.mark.parametrize(
    "claims",
    [{"aud": "9999.9999"}, {"iss": "https://example.se"}, {"exp": 1_700_000_000}],
    ids=["another app", "another issuer", "expired"],
)
async def test_an_id_token_that_is_not_for_this_app_now_is_refused(
    site: AdminSite, claims: dict[str, object]
) -> None:
    site.slack.signin.claims = claims
    status, html = await page_of(site, ADMIN)
    assert status == 400 and "Inloggningen gick inte igenom" in html


async def test_a_code_slack_does_not_know_is_refused(site: AdminSite) -> None:
    async with site.browser() as http:
        made_up = re.sub(r"code=[^&]+", "code=made-up", await back_from_slack(http, site.url))
        async with http.get(made_up, allow_redirects=False) as response:
            assert response.status == 400
            assert SESSION_COOKIE not in response.cookies


async def test_someone_who_is_no_admin_gets_403_and_no_data(site: AdminSite) -> None:
    status, html = await page_of(site, NOBODY)
    assert status == 403
    assert "Ingen behörighet" in html
    assert "Mora" not in html and "Version" not in html and "<svg" not in html


async def test_a_member_of_the_admin_user_group_sees_everything(site: AdminSite) -> None:
    status, html = await page_of(site, GROUP_MEMBER)
    assert status == 200 and "Du ser alla kommuner." in html


@pytest.mark.parametrize("who", [MORA_ADMIN, MORA_GROUP_MEMBER])
async def test_a_municipality_admin_sees_only_their_municipality(site: AdminSite, who: str) -> None:
    status, html = await page_of(site, who)
    assert status == 200
    assert "Du ser din kommuns uppgifter." in html
    assert "Mora kommun" in html
    for other in ("Botkyrka", "Luleå", "Falköping", "botkyrka.yml"):
        assert other not in html
    stats = section(html, "stats")
    assert ">7<" in stats and ">11<" not in stats  # Botkyrka's 11 is not theirs


async def test_the_coverage_shows_gaps_absences_placeholders_and_an_old_review(
    site: AdminSite,
) -> None:
    status, html = await page_of(site, ADMIN)
    assert status == 200
    coverage = section(html, "coverage")
    mora = site.directory / "mora.yml"
    assert "Noretskolan 7-9 – Unga 13–20 år: alla är borta i dag" in coverage
    assert "Prästholmens förskola – Barn 0–12 år: bara platshållare" in coverage
    cecilia = f"{mora}:{line_of(mora, 'cecilia-l:')}:3"
    assert f"Cecilia Lind till 2027-01-06 <code>{cecilia}</code>" in coverage
    assert f"{PLACEHOLDER} <code>{mora}:{line_of(mora, 'ny-kontakt:')}:3</code>" in coverage
    assert "2025-06-01 <strong>(äldre än 12 månader)</strong>" in coverage


async def test_a_failed_reload_shows_each_problem_at_its_file_line_and_column(
    site: AdminSite,
) -> None:
    mora, botkyrka = site.directory / "mora.yml", site.directory / "botkyrka.yml"
    where = {}  # each file's wrong line, as file:line:
    for path in (mora, botkyrka):
        text = path.read_text(encoding="utf-8")
        first = re.search(r'grades: "([^"]+)"', text)
        assert first is not None
        wrong = f'grades: "{first[1]}x"'
        path.write_text(text.replace(first[0], wrong, 1), encoding="utf-8")
        where[path] = f"{path}:{line_of(path, wrong)}:"
    result = await site.holder.reload()
    assert not result.ok
    status, html = await page_of(site, ADMIN)
    assert status == 200
    problems = section(html, "problems")
    assert "Den tidigare versionen gäller fortfarande" in problems
    assert where[mora] in problems and where[botkyrka] in problems
    assert re.search(rf"{re.escape(where[mora])}\d+: error: .* is not a grade", problems)
    status, html = await page_of(site, MORA_ADMIN)
    problems = section(html, "problems")
    assert where[mora] in problems and str(botkyrka) not in problems  # only their own file


async def test_counts_from_one_to_four_show_as_fewer_than_five(site: AdminSite) -> None:
    status, html = await page_of(site, ADMIN)
    assert status == 200
    stats = section(html, "stats")
    assert ">&lt;5<" in stats and ">3<" not in stats
    assert ">7<" in stats and ">11<" in stats


async def test_each_flow_s_diagram_is_drawn(site: AdminSite) -> None:
    if shutil.which("dot") is None:
        message = "Graphviz not installed (apt-get install graphviz)"
        if os.environ.get("REQUIRE_GRAPHVIZ") == "1":
            pytest.fail(message + " and REQUIRE_GRAPHVIZ=1")
        pytest.skip(message)
    status, html = await page_of(site, ADMIN)
    assert status == 200
    flows = section(html, "flows")
    for flow in site.holder.current.flows:
        assert f"<code>{flow}</code>" in flows
    assert flows.count("<svg") == len(site.holder.current.flows)
    assert "Ring 112 nu" in flows  # an outcome's box, drawn by Graphviz from bot.core.graph


async def test_without_graphviz_the_page_names_the_command_that_prints_a_diagram(
    site: AdminSite, tmp_path: Path
) -> None:
    site.pages.diagrams = Diagrams(dot=str(tmp_path / "no-dot-here"))
    status, html = await page_of(site, ADMIN)
    assert status == 200
    flows = section(html, "flows")
    assert "<svg" not in flows
    assert "Kör referral-bot graph orosanmalan för att se det." in flows


async def test_a_form_without_its_csrf_token_changes_nothing(site: AdminSite) -> None:
    http, _, _ = await site.signed_in(ADMIN)
    async with http:
        before = site.holder.status().loaded_at
        async with http.post(f"{site.url}/admin/reload", data={}) as response:
            assert response.status == 403
        async with http.post(f"{site.url}/admin/signout", data={"csrf": "guess"}) as response:
            assert response.status == 403
        assert site.holder.status().loaded_at == before
        async with http.get(f"{site.url}/admin", allow_redirects=False) as response:
            assert response.status == 200  # still signed in
            csrf = re.search(r'name="csrf" value="([^"]+)"', await response.text())
        assert csrf is not None
        (site.directory / "mora.yml").write_text(
            (site.directory / "mora.yml").read_text(encoding="utf-8") + "\n", encoding="utf-8"
        )
        async with http.post(
            f"{site.url}/admin/reload", data={"csrf": csrf[1]}, allow_redirects=False
        ) as response:
            assert response.status == 303
        assert site.holder.status().loaded_at > before
        async with http.post(f"{site.url}/admin/signout", data={"csrf": csrf[1]}) as response:
            assert "Du är utloggad" in await response.text()
        async with http.get(f"{site.url}/admin", allow_redirects=False) as response:
            assert response.status == 302
