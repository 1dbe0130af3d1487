"""Files made to hurt the loader: the tests refuse them, bench/hostile.py times the refusal."""

from __future__ import annotations

# a few hundred bytes that expand to 9**9 values if aliases are copied
LAUGHS = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{b}: &{b} [{', '.join([f'*{a}'] * 9)}]\n" for a, b in zip("abcdefgh", "bcdefghi", strict=True)
)

# each is refused by `referral-bot check` with a located error
HOSTILE = {
    "bomb.yml": LAUGHS,
    "deep.yml": "[" * 1_000_000 + "]" * 1_000_000,  # 2 MB: under the size limit
    "loop.yml": "a: &loop [x, *loop]\n",
}
