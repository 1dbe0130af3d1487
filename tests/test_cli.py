"""The command line as an administrator and a newcomer use it: output, files and exit codes."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.cli import main

ROOT = Path(__file__).resolve().parents[1]
BROKEN = ROOT / "tests" / "fixtures" / "directory" / "broken"


def run_bot(
    *args: str, stdin: str = "", env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """The real entry point in a child process, from the project folder."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "TELEGRAM_"))}
    return subprocess.run(
        [sys.executable, "-m", "bot", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=ROOT,
        env={**clean, **(env or {})},
        timeout=60,
        check=False,
    )


def test_a_scripted_chat_walks_the_checklist_from_the_issue() -> None:
    done = run_bot("chat", "--at", "2026-11-24T10:00", stdin="orosanmälan\nÄngsskolan\n2\n1\n")
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "Vilken skola eller förskola gäller det?" in out
    assert "Är barnet i akut fara just nu?" in out
    assert "Hur gammal är barnet?" in out
    assert "Vad handlar oron mest om?" in out
    assert "> " not in out  # no prompt when stdin is not a terminal


def test_ask_json_has_the_documented_keys_and_the_route_follows_the_clock(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["ask", "Ängsskolan åk 8", "--json", "--at", "2026-11-23T18:30"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert set(answer) == {
        "intent", "status", "school", "candidates", "age_groups", "contacts", "route",
        "municipality", "resources", "text"
    }  # fmt: skip
    assert answer["intent"] == "contact" and answer["status"] == "found"
    assert answer["school"]["code"] == "88046548"
    assert answer["age_groups"] == ["unga"]
    assert answer["contacts"][0] | {"rank": 1} == answer["contacts"][0]
    assert answer["route"] == {"kind": "after_hours", "name": "Socialjouren Dalarna",
                               "phone": "0000-10 99 99"}  # fmt: skip


@pytest.mark.parametrize(
    "question", ["socialtjänsten i Kiruna", "Kirnua", "vem är kontakten för Tunaskolan i Kiruna?"]
)
def test_ask_json_for_a_municipality_without_a_directory_file_says_so_and_gives_no_number(
    capsys: pytest.CaptureFixture[str], question: str
) -> None:
    assert main(["ask", question, "--json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["status"] == "municipality" and answer["school"] is None
    assert answer["municipality"] == {"name": "Kiruna", "code": "2584", "configured": False}
    assert answer["route"] is None and answer["contacts"] == []
    assert "Kiruna finns inte i min katalog" in answer["text"]
    assert "kommunens växel" in answer["text"] and "orosanmälan" in answer["text"]
    assert "112" in answer["text"] and "0000-" not in answer["text"]  # no one else's number


def test_ask_json_for_a_configured_municipality_gives_its_offices(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["ask", "socialtjänsten i Mora", "--json", "--at", "2026-11-23T18:30"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["status"] == "municipality"
    assert answer["municipality"] == {"name": "Mora kommun", "code": "2062", "configured": True}
    assert answer["route"]["kind"] == "after_hours"


def test_ask_json_reads_one_question_per_line_and_prints_json_lines() -> None:
    done = run_bot("ask", "--json", "-", stdin="tunaskolan\nÄngsskolan\n\nhjälp\n")
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    assert [(a["intent"], a["status"]) for a in lines] == [
        ("contact", "ambiguous"), ("contact", "found"), ("help", "not_found")
    ]  # fmt: skip
    assert len(lines[0]["candidates"]) == 2


def test_check_reports_a_broken_file_with_its_position_and_exits_1(
    capsys: pytest.CaptureFixture[str],
) -> None:
    broken = BROKEN / "unknown_person.yml"
    assert main(["check", str(broken)]) == 1
    err = capsys.readouterr().err
    first = err.splitlines()[0]
    assert first.startswith(f"{broken}:") and ": error: " in first
    assert "did you mean" in first
    assert "check failed" in err


def test_warnings_alone_pass_unless_strict(capsys: pytest.CaptureFixture[str]) -> None:
    only_warnings = BROKEN / "ages_in_no_group.yml"
    assert main(["check", str(only_warnings)]) == 0
    assert main(["check", "--strict", str(only_warnings)]) == 1
    assert ": warning: " in capsys.readouterr().out


def test_check_passes_on_the_shipped_files(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["check", str(ROOT / "directory"), str(ROOT / "rules")]) == 0
    assert "0 error(s)" in capsys.readouterr().err


def test_serve_without_tokens_says_what_is_missing_and_how_to_try_it() -> None:
    done = run_bot("serve")
    assert done.returncode == 1
    assert "SLACK_BOT_TOKEN" in done.stderr and "referral-bot chat" in done.stderr


def test_serve_fails_fast_on_a_malformed_token() -> None:
    done = run_bot("serve", env={"SLACK_BOT_TOKEN": "not-a-token", "SLACK_APP_TOKEN": "xapp-1"})
    assert done.returncode == 1
    assert "SLACK_BOT_TOKEN" in done.stderr and "not-a-token" not in done.stderr


def test_run_without_tokens_falls_back_to_the_console_chat() -> None:
    done = run_bot("run", stdin="Ängsskolan åk 8\n")
    assert done.returncode == 0
    assert "Cecilia Lind" in done.stdout
    assert "referral-bot chat" not in done.stdout  # the notice goes to stderr
    assert "Slack" in done.stderr


def test_graph_prints_mermaid_and_an_unknown_flow_gets_a_suggestion(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert main(["graph", "orosanmalan"]) == 0
    assert capsys.readouterr().out.startswith("flowchart")
    assert main(["graph", "orosanmalam"]) == 1
    assert "did you mean 'orosanmalan'" in capsys.readouterr().err


def test_schema_writes_both_json_schemas(tmp_path: Path) -> None:
    assert main(["schema", "--out", str(tmp_path)]) == 0
    for name in ("directory.schema.json", "rules.schema.json"):
        schema = json.loads((tmp_path / name).read_text(encoding="utf-8"))
        assert schema["type"] == "object"


def test_the_committed_schemas_are_up_to_date(tmp_path: Path) -> None:
    main(["schema", "--out", str(tmp_path)])
    for name in ("directory.schema.json", "rules.schema.json"):
        committed = (ROOT / "schemas" / name).read_text(encoding="utf-8")
        assert committed == (tmp_path / name).read_text(encoding="utf-8"), (
            f"schemas/{name} is stale: run `referral-bot schema`"
        )


def test_ctrl_c_in_the_chat_exits_at_once_with_130() -> None:
    """Someone who presses Ctrl-C at the prompt must not have to press Enter too."""
    import signal
    import time

    clean = {k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "TELEGRAM_"))}
    with subprocess.Popen(
        [sys.executable, "-m", "bot", "chat"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=ROOT,
        env=clean,
        text=True,
        # a terminal's Ctrl-C is never ignored; a test run started as a background job of a
        # non-interactive shell is, and the chat would inherit that
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    ) as chat:
        assert chat.stdin is not None and chat.stdout is not None
        chat.stdin.write("Ängsskolan åk 8\n")
        chat.stdin.flush()
        assert "Ängsskolan" in chat.stdout.readline() + chat.stdout.readline()  # it answers
        chat.send_signal(signal.SIGINT)  # the input stays open: nobody presses Enter
        start = time.monotonic()
        code = chat.wait(timeout=10)
        elapsed = time.monotonic() - start
        _, err = chat.communicate()
    assert code == 130 and elapsed < 3
    assert "Traceback" not in err
