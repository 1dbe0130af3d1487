"""Print pip constraints that pin every runtime dependency at its declared lower bound.

`make test` installs the bot with these in a virtual environment of its own and runs the
suite there, so the lower bounds in pyproject.toml are versions that really work together.
"""

from __future__ import annotations

import re
import sys
import tomllib
from pathlib import Path

project = tomllib.loads((Path(__file__).parents[1] / "pyproject.toml").read_text())["project"]
for requirement in project["dependencies"]:
    match = re.fullmatch(r"\s*([A-Za-z0-9_.\-]+)\s*>=\s*([0-9][^,;\s]*)\s*", requirement)
    if match is None:
        sys.exit(f"no plain lower bound to pin: {requirement!r}")
    print(f"{match[1]}=={match[2]}")
