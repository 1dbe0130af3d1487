"""The command line: the only place that prints to the terminal and picks exit codes.

Exit codes: 0 fine, 1 a problem the user can fix (bad configuration, bad arguments),
2 a command used without what it needs (argparse's usage errors, `check --slack` without a
token), 3 a bug in the bot, 130 interrupted with Ctrl-C.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
import traceback
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from bot import __version__, app, init_directory, slack_check, stats_report
from bot.core import clock, explain, stats
from bot.core.catalog import Catalog
from bot.core.contacts import unlinked_people
from bot.errors import BotError, ConfigError, Problem
from bot.people_import.merge import import_people
from bot.settings import Settings

EXIT_USER, EXIT_USAGE, EXIT_BUG, EXIT_INTERRUPTED = 1, 2, 3, 130


def _at(value: str) -> datetime:
    """--at 2026-11-23T18:30 in Europe/Stockholm time."""
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"'{value}' is not a time like 2026-11-23T18:30") from None
    return when if when.tzinfo else when.replace(tzinfo=clock.STOCKHOLM)


def _month(value: str) -> str:
    """--since 2026-01: a month, as the statistics keep them."""
    if not stats.is_month(value):
        raise argparse.ArgumentTypeError(f"'{value}' is not a month like 2026-01")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="referral-bot",
        description="Social services contacts and concern-report checklists for school staff.",
    )
    parser.add_argument("--version", action="version", version=f"referral-bot {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    def data_args(p: argparse.ArgumentParser) -> None:
        p.add_argument("--directory", type=Path, help="directory folder (default: directory/)")
        p.add_argument("--rules", type=Path, help="rules folder (default: rules/)")

    p = sub.add_parser("run", help="serve when chat tokens are set, else chat in the terminal")
    data_args(p)

    p = sub.add_parser("chat", help="talk to the bot in the terminal")
    data_args(p)
    p.add_argument("--at", type=_at, help="fix the clock, e.g. 2026-11-23T18:30")
    p.add_argument("--lang", choices=["sv", "en"], help="answer in this language")

    p = sub.add_parser("ask", help="one question, one answer ('-' reads one per line)")
    data_args(p)
    p.add_argument("text", help="the question, or - to read questions from stdin")
    p.add_argument("--json", action="store_true", help="print a JSON object per question")
    p.add_argument("--at", type=_at, help="fix the clock, e.g. 2026-11-23T18:30")
    p.add_argument("--lang", choices=["sv", "en"], help="answer in this language")

    p = sub.add_parser("check", help="validate rules and directory, run the rule tests")
    p.add_argument("paths", nargs="*", type=Path, help="files or folders")
    p.add_argument("--strict", action="store_true", help="treat warnings as errors")
    p.add_argument(
        "--slack",
        action="store_true",
        help="also look up in Slack everyone with an e-mail and no slack: id (SLACK_BOT_TOKEN)",
    )

    p = sub.add_parser("graph", help="print a checklist flow as a diagram")
    p.add_argument("flow")
    p.add_argument("--format", choices=["mermaid", "dot"], default="mermaid")
    p.add_argument("--rules", type=Path, help="rules folder (default: rules/)")

    p = sub.add_parser("schema", help="write JSON Schemas for rule and directory files")
    p.add_argument("--out", type=Path, default=Path("schemas"), help="folder (default: schemas/)")

    p = sub.add_parser("explain", help="show a school's contacts and the file:line of each")
    data_args(p)
    p.add_argument("school", help="the school's name (as staff would write it) or its key")

    p = sub.add_parser("init", help="write a new municipality's directory file to fill in")
    p.add_argument("municipality", help="its name ('kommun' optional) or its kommunkod")
    p.add_argument(
        "--out", type=Path, default=Path("directory"), help="folder (default: directory/)"
    )

    p = sub.add_parser("stats", help="the anonymous follow-up statistics (counts below 5: <5)")
    p.add_argument("--since", type=_month, help="from this month on, e.g. 2026-01")
    p.add_argument("--municipality", metavar="ID", help="one municipality's id, e.g. mora")
    p.add_argument("--format", choices=stats_report.FORMATS, default="table")

    p = sub.add_parser("import", help="merge a spreadsheet (CSV) of people into a directory file")
    p.add_argument("sheet", type=Path, help="the CSV file: a header row, then one person a row")
    p.add_argument("--municipality", required=True, help="the municipality's id, e.g. mora")
    p.add_argument("--directory", type=Path, help="directory folder (default: directory/)")
    p.add_argument(
        "--dry-run", action="store_true", help="show the changes as a diff, write nothing"
    )

    p = sub.add_parser("serve", help="run the Slack (or Telegram) bot")
    data_args(p)
    p.add_argument("--http", action="store_true", help="Events API over HTTP, not Socket Mode")
    p.add_argument("--port", type=int, default=3000, help="HTTP port (default 3000)")
    p.add_argument("--host", default="0.0.0.0", help="HTTP address (default 0.0.0.0)")
    p.add_argument(
        "--at", type=_at, help="start the clock at this time and let it run, e.g. 2026-11-23T10:00"
    )
    return parser


def _settings(args: argparse.Namespace) -> Settings:
    return Settings.from_env(
        directory=getattr(args, "directory", None), rules=getattr(args, "rules", None)
    )


NEEDS_TOKEN = (
    "referral-bot check --slack needs SLACK_BOT_TOKEN, the bot token 'xoxb-…' of an app with "
    "the scope users:read.email, to look people up in Slack"
)


def _check(args: argparse.Namespace) -> int:
    settings = Settings.from_env() if args.slack else None
    if settings is not None and not settings.slack_bot_token:
        print(NEEDS_TOKEN, file=sys.stderr)
        return EXIT_USAGE
    paths = args.paths or [Path("directory"), Path("rules")]
    problems, catalog = app.checked(paths)
    _print_problems(problems)
    if settings is not None:
        problems += _check_slack(settings, catalog)
    errors = sum(p.severity == "error" for p in problems)
    warnings = len(problems) - errors
    failed = errors > 0 or (args.strict and warnings > 0)
    summary = f"{errors} error(s), {warnings} warning(s)"
    print(("check failed: " if failed else "ok: ") + summary, file=sys.stderr)
    return EXIT_USER if failed else 0


def _print_problems(problems: Sequence[Problem]) -> None:
    for problem in problems:
        print(problem, file=sys.stderr if problem.severity == "error" else sys.stdout)


def _check_slack(settings: Settings, catalog: Catalog | None) -> list[Problem]:
    """After the files' own check: a warning for each person Slack cannot find by e-mail."""
    if catalog is None:
        print("slack: nobody looked up until the errors are fixed", file=sys.stderr)
        return []
    people = unlinked_people(catalog.directory)
    token, api_url = settings.slack_bot_token, settings.slack_api_url
    unknown = asyncio.run(slack_check.unfound(people, token=token, api_url=api_url))
    _print_problems(sorted(unknown))
    print(
        f"slack: {len(people)} with an e-mail and no slack: id, {len(unknown)} not found",
        file=sys.stderr,
    )
    return unknown


def _ask(args: argparse.Namespace) -> int:
    settings = _settings(args)
    questions = sys.stdin if args.text == "-" else [args.text]
    asker = app.Asker(settings, at=args.at, locale=args.lang)
    for line in questions:
        if not line.strip():
            continue
        reply = asyncio.run(asker.ask(line.strip()))
        if args.json:
            print(json.dumps(app.reply_json(reply), ensure_ascii=False))
        else:
            print(app.reply_text(reply))
        sys.stdout.flush()
    return 0


def _explain(args: argparse.Namespace) -> int:
    catalog = app.load(_settings(args))
    school = catalog.directory.schools.get(args.school)
    if school is None:
        result = catalog.index.lookup(args.school).result
        if result.status != "found" or result.school is None:
            found = "several schools match" if result.status == "ambiguous" else "no school found"
            print(f"referral-bot: {found} for '{args.school}'", file=sys.stderr)
            for candidate in result.candidates:
                print(f"  {candidate.key}  {candidate.name}", file=sys.stderr)
            return EXIT_USER
        school = result.school
    print("\n".join(explain.explain(catalog.directory, school)))
    return 0


def _import(args: argparse.Namespace) -> int:
    result = import_people(
        args.sheet, args.municipality, _settings(args).directory, dry_run=args.dry_run
    )
    for note in result.notes:
        print(f"note: {note}")
    for problem in result.row_problems:
        print(problem, file=sys.stderr)
    if args.dry_run:
        print(result.diff, end="")
    for refused in result.refused:
        print(refused, file=sys.stderr)
    failed_rows = len({p.row for p in result.row_problems})
    summary = (
        f"{result.path}: people {result.added} added, {result.updated} updated; "
        f"{result.contacts_added} contacts added; {failed_rows} row(s) not placed"
    )
    if result.refused:
        summary += " — nothing written: the file would not pass check"
    elif args.dry_run:
        summary += " — dry run, nothing written"
    print(summary, file=sys.stderr if failed_rows or result.refused else sys.stdout)
    return EXIT_USER if failed_rows or result.refused else 0


def _dispatch(args: argparse.Namespace) -> int:
    if args.command == "check":
        return _check(args)
    if args.command == "explain":
        return _explain(args)
    if args.command == "init":
        path = init_directory.init(args.municipality, args.out)
        print(f"wrote {path}: fill in what says FYLL I, then run: referral-bot check {args.out}")
        return 0
    if args.command == "import":
        return _import(args)
    if args.command == "ask":
        return _ask(args)
    if args.command == "stats":
        rows = asyncio.run(
            app.stats_rows(_settings(args), since=args.since, municipality=args.municipality)
        )
        sys.stdout.write(stats_report.render(rows, args.format))
        return 0
    if args.command == "graph":
        print(app.graph(_settings(args), args.flow, args.format))
        return 0
    if args.command == "schema":
        for path in app.write_schemas(args.out):
            print(f"wrote {path}")
        return 0
    settings = _settings(args)
    console = args.command == "chat" or (args.command == "run" and not settings.has_chat_tokens)
    if console and "LOG_LEVEL" not in os.environ:  # log lines would interleave with the chat
        settings = replace(settings, log_level="WARNING")
    app.configure_logging(settings)
    if args.command == "chat":
        asyncio.run(app.chat(settings, at=args.at, locale=args.lang))
        return 0
    if args.command == "serve":
        asyncio.run(app.serve(settings, http=args.http, host=args.host, port=args.port, at=args.at))
        return 0
    if args.command == "run":
        if settings.has_chat_tokens:
            # Socket Mode when there is an app token, else the Events API over HTTP
            http = bool(settings.slack_bot_token and not settings.slack_app_token)
            asyncio.run(app.serve(settings, http=http, host="0.0.0.0", port=3000))
        else:
            print(app.no_tokens_notice(), file=sys.stderr)
            asyncio.run(app.chat(settings, at=None, locale=None))
        return 0
    raise AssertionError(f"unhandled command {args.command}")


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        return _dispatch(args)
    except ConfigError as exc:
        for problem in exc.problems:
            print(problem, file=sys.stderr)
        return EXIT_USER
    except BotError as exc:
        print(f"referral-bot: {exc}", file=sys.stderr)
        return EXIT_USER
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except BrokenPipeError:  # `referral-bot graph … | head`: the reader left, not a bug
        sys.stderr.close()
        return 0
    except Exception:
        logging.getLogger(__name__).debug("unexpected error", exc_info=True)
        traceback.print_exc()
        print("referral-bot: this is a bug; please report it with the lines above", file=sys.stderr)
        return EXIT_BUG
