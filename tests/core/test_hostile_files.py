"""Files made to hurt the loader: each is a located error in bounded time, never a hang."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from bot.core.yamlio import MAX_DEPTH, MAX_FILE_BYTES, MAX_VALUES, parse_document, read_file
from bot.errors import ConfigError

LAUGHS = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{b}: &{b} [{', '.join([f'*{a}'] * 9)}]\n" for a, b in zip("abcdefgh", "bcdefghi", strict=True)
)


def problem_of(text: str) -> str:
    with pytest.raises(ConfigError) as raised:
        parse_document(text, "hostile.yml")
    [problem] = raised.value.problems
    return str(problem)


def test_an_alias_bomb_is_refused_where_the_aliases_multiply() -> None:
    assert len(LAUGHS.encode()) < 600  # a few hundred bytes that expand to 9**9 values
    start = time.perf_counter()
    message = problem_of(LAUGHS)
    assert time.perf_counter() - start < 1
    assert message.startswith("hostile.yml:")
    assert f"more than {MAX_VALUES:,} values" in message
    line = int(message.split(":")[1])
    assert "*" in LAUGHS.splitlines()[line - 1]  # the first block that is too big


def test_aliases_are_shared_not_copied() -> None:
    doc = parse_document("base: &b {phone: '0250-1'}\none: *b\ntwo: *b\n", "ok.yml")
    assert doc.data["one"] is doc.data["two"] is doc.data["base"]


def test_an_alias_inside_its_own_block_is_an_error() -> None:
    assert "never ends" in problem_of("a: &loop [x, *loop]\n")


@pytest.mark.parametrize("depth", [MAX_DEPTH + 1, 300, 100_000])
def test_deep_nesting_is_a_located_error(depth: int) -> None:
    text = "[" * depth + "]" * depth
    message = problem_of(text)
    assert message == (
        f"hostile.yml:1:{MAX_DEPTH + 1}: error: nested more than {MAX_DEPTH} levels deep; "
        "no file of the bot needs that many"
    )


def test_deep_blocks_point_at_the_line_too_deep() -> None:
    text = "".join(" " * i + "a:\n" for i in range(MAX_DEPTH + 5)) + " " * (MAX_DEPTH + 5) + "x\n"
    message = problem_of(text)
    assert message.startswith(f"hostile.yml:{MAX_DEPTH + 1}:")


def test_nesting_up_to_the_limit_is_fine() -> None:
    text = "[" * MAX_DEPTH + "]" * MAX_DEPTH
    assert parse_document(text, "ok.yml").data is not None


def test_a_fifo_is_refused_without_blocking(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.yml"
    os.mkfifo(fifo)
    start = time.perf_counter()
    with pytest.raises(ConfigError, match="not a regular file"):
        read_file(fifo, tmp_path)
    assert time.perf_counter() - start < 1


def test_a_link_to_a_device_is_refused(tmp_path: Path) -> None:
    link = tmp_path / "zero.yml"
    link.symlink_to("/dev/zero")
    with pytest.raises(ConfigError, match="outside"):
        read_file(link, tmp_path)
    with pytest.raises(ConfigError, match="not a regular file"):
        read_file(link)


def test_a_link_out_of_the_folder_is_refused_and_one_inside_is_read(tmp_path: Path) -> None:
    folder = tmp_path / "directory"
    folder.mkdir()
    secret = tmp_path / "secret.yml"
    secret.write_text("token: x\n")
    (folder / "out.yml").symlink_to(secret)
    with pytest.raises(ConfigError) as raised:
        read_file(folder / "out.yml", folder)
    assert str(raised.value.problems[0]).startswith(f"{folder / 'out.yml'}:1:1: error: a link")
    # a Kubernetes ConfigMap mount: the file is a link into a hidden folder beside it
    (folder / "..data").mkdir()
    (folder / "..data" / "mora.yml").write_text("a: 1\n")
    (folder / "mora.yml").symlink_to(folder / "..data" / "mora.yml")
    assert read_file(folder / "mora.yml", folder) == b"a: 1\n"


def test_a_huge_file_is_refused_after_reading_no_more_than_the_limit(tmp_path: Path) -> None:
    big = tmp_path / "big.yml"
    with big.open("wb") as out:
        out.truncate(MAX_FILE_BYTES * 20)  # sparse: 80 MiB that cost no disk
    with pytest.raises(ConfigError, match="larger than 4 MiB"):
        read_file(big, tmp_path)


def test_check_reports_each_hostile_file_and_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from bot.cli import main

    folder = tmp_path / "directory"
    folder.mkdir()
    (folder / "bomb.yml").write_text(LAUGHS)
    (folder / "deep.yml").write_text("[" * 5000 + "]" * 5000)
    os.mkfifo(folder / "pipe.yml")
    (folder / "zero.yml").symlink_to("/dev/zero")
    start = time.perf_counter()
    assert main(["check", str(folder)]) == 1
    assert time.perf_counter() - start < 5
    err = capsys.readouterr().err
    for name, what in [
        ("bomb.yml", "values once its aliases"),
        ("deep.yml", "levels deep"),
        ("pipe.yml", "not a regular file"),
        ("zero.yml", "outside"),
    ]:
        [line] = [x for x in err.splitlines() if x.startswith(f"{folder / name}:")]
        assert what in line, line
    assert "this is a bug" not in err and "Traceback" not in err


def test_each_hostile_file_is_refused_by_a_real_check_within_5_s_and_512_mb(
    tmp_path: Path,
) -> None:
    """The issue's bound, as an operator would meet it: `referral-bot check` as a process."""
    import subprocess
    import sys

    hostile = {
        "bomb.yml": LAUGHS,
        "deep.yml": "[" * 1_000_000 + "]" * 1_000_000,  # 2 MB: under the size limit
        "loop.yml": "a: &loop [x, *loop]\n",
    }
    for name, text in hostile.items():
        folder = tmp_path / name.removesuffix(".yml")
        folder.mkdir()
        (folder / name).write_text(text)
        start = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-c", _CHECK_WITH_PEAK, str(folder)],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        elapsed = time.perf_counter() - start
        code, peak_kib = map(int, done.stdout.split())
        assert code == 1, done.stderr
        assert done.stderr.startswith(f"{folder / name}:"), done.stderr
        assert elapsed < 5, (name, elapsed)
        assert peak_kib < 512 * 1024, (name, peak_kib)


# `referral-bot check FOLDER` in this process, then its exit code and peak memory (KiB)
_CHECK_WITH_PEAK = """
import resource, sys
from bot.cli import main
code = main(["check", sys.argv[1]])
print(code, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""
