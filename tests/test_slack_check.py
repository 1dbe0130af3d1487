"""`referral-bot check --slack` against the Slack stand-in: who Slack cannot find by e-mail,
where each is written, and the exit codes an administrator's script relies on."""

from __future__ import annotations

import asyncio
import os
import shutil
from pathlib import Path

import pytest

from bot.cli import main
from tests.helpers import slack_requests as rq
from tests.helpers.slack_standin import SlackStandIn

ROOT = Path(__file__).resolve().parents[1]
# directory/mora.yml: the people with an e-mail and no slack: id, and the line of each
BERTIL, CECILIA, DAVID, TIDIGA = (
    "bertil.k@mora.example.se",
    "cecilia.l@mora.example.se",
    "david.o@mora.example.se",
    "tidiga.insatser@mora.example.se",
)


@pytest.fixture
def mora(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, slack: SlackStandIn) -> Path:
    """A copy of Mora's directory file, and the environment pointing at the stand-in."""
    monkeypatch.chdir(tmp_path)  # no .env of the developer's
    for name in [k for k in os.environ if k.startswith("SLACK_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("SLACK_BOT_TOKEN", rq.BOT_TOKEN)
    monkeypatch.setenv("SLACK_API_URL", slack.api_url)
    folder = tmp_path / "directory"
    folder.mkdir()
    shutil.copy(ROOT / "directory" / "mora.yml", folder / "mora.yml")
    return folder / "mora.yml"


async def check(*args: str) -> int:
    """The command as typed, in a thread: its own event loop, beside the stand-in's."""
    return await asyncio.to_thread(main, ["check", *args])


def looked_up(slack: SlackStandIn) -> list[str]:
    return [c.args["email"] for c in slack.of("users.lookupByEmail")]


async def test_lists_exactly_the_people_slack_cannot_find_with_file_line_and_column(
    mora: Path, slack: SlackStandIn, capsys: pytest.CaptureFixture[str]
) -> None:
    slack.emails.update({BERTIL: "U0BERTIL01", DAVID: "U0DAVID001"})
    assert await check("--slack", str(mora)) == 0  # warnings: fine without --strict
    out, err = capsys.readouterr()
    lines = mora.read_text(encoding="utf-8").splitlines()
    cecilia, tidiga = (
        next(n for n, line in enumerate(lines, 1) if line.startswith(f"  {pid}:"))
        for pid in ("cecilia-l", "team-tidiga")
    )
    assert out.splitlines() == [
        f"{mora}:{cecilia}:3: warning: people.cecilia-l — no Slack user with the e-mail "
        f"{CECILIA} (add slack: U… or correct the e-mail)",
        f"{mora}:{tidiga}:3: warning: people.team-tidiga — no Slack user with the e-mail "
        f"{TIDIGA} (add slack: U… or correct the e-mail)",
    ]
    assert "slack: 4 with an e-mail and no slack: id, 2 not found" in err
    assert "ok: 0 error(s), 2 warning(s)" in err
    # anna-s has slack: U01ABCDEF1 in the file and is not asked about
    assert sorted(looked_up(slack)) == sorted([BERTIL, CECILIA, DAVID, TIDIGA])
    assert await check("--slack", "--strict", str(mora)) == 1


async def test_everyone_found_is_no_warning_and_exit_0(
    mora: Path, slack: SlackStandIn, capsys: pytest.CaptureFixture[str]
) -> None:
    slack.emails.update(
        {e: f"U0PERSON0{n}" for n, e in enumerate([BERTIL, CECILIA, DAVID, TIDIGA])}
    )
    assert await check("--slack", "--strict", str(mora)) == 0
    out, err = capsys.readouterr()
    assert out == ""
    assert "slack: 4 with an e-mail and no slack: id, 0 not found" in err
    assert "ok: 0 error(s), 0 warning(s)" in err


async def test_a_missing_scope_is_reported_once_naming_the_scope_and_exits_1(
    mora: Path, slack: SlackStandIn, capsys: pytest.CaptureFixture[str]
) -> None:
    slack.failures[("users.lookupByEmail", "")] = "missing_scope"
    assert await check("--slack", str(mora)) == 1
    out, err = capsys.readouterr()
    assert out == ""  # no warning per person
    assert err.count("missing_scope") == 1 and err.count("users:read.email") == 1
    assert len(slack.of("users.lookupByEmail")) == 1  # it stopped at the first refusal


async def test_a_rate_limited_lookup_waits_for_retry_after_and_goes_on(
    mora: Path, slack: SlackStandIn, capsys: pytest.CaptureFixture[str]
) -> None:
    slack.emails.update(
        {e: f"U0PERSON0{n}" for n, e in enumerate([BERTIL, CECILIA, DAVID, TIDIGA])}
    )
    slack.rate_limited["users.lookupByEmail"] = 1
    assert await check("--slack", str(mora)) == 0
    assert "0 not found" in capsys.readouterr().err
    calls = slack.of("users.lookupByEmail")
    assert len(calls) == 5  # the first e-mail twice: the 429, then after Retry-After
    assert calls[0].args["email"] == calls[1].args["email"]


async def test_without_a_token_it_says_it_needs_one_and_exits_2(
    mora: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delenv("SLACK_BOT_TOKEN")
    assert await check("--slack", str(mora)) == 2
    assert "needs SLACK_BOT_TOKEN" in capsys.readouterr().err


async def test_files_with_errors_are_reported_and_nobody_is_looked_up(
    mora: Path, slack: SlackStandIn, capsys: pytest.CaptureFixture[str]
) -> None:
    mora.write_text(mora.read_text(encoding="utf-8").replace("name: Cecilia Lind", "nam: x"))
    assert await check("--slack", str(mora)) == 1
    err = capsys.readouterr().err
    assert "slack: nobody looked up until the errors are fixed" in err
    assert not slack.of("users.lookupByEmail")
