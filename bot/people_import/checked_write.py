"""Writing a directory file only if the folder still loads with it: the new text goes to a
hidden file beside the old one, the real loader checks the folder with it in the old one's
place, and a rename puts it live in one step (a running bot never reads half a file)."""

from __future__ import annotations

import codecs
import dataclasses
import os
import stat
import tempfile
from pathlib import Path

from bot.core.catalog import check, yaml_files
from bot.errors import BotError, Problem


def write_checked(
    path: Path, original: bytes, text: str, folder: Path, *, dry_run: bool
) -> list[Problem]:
    """Replace `path` (whose bytes were `original`) by `text` unless the result has errors;
    those errors, located in the new text, are returned and nothing is written. With
    `dry_run` the check runs and the file stays as it is."""
    bom = codecs.BOM_UTF8 if original.startswith(codecs.BOM_UTF8) else b""
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".import")
    temp = Path(name)
    try:
        with os.fdopen(fd, "wb") as file:
            file.write(bom + text.encode("utf-8"))
            file.flush()
            os.fsync(file.fileno())
        others = [p for p, _ in yaml_files([folder]) if p.resolve() != path.resolve()]
        errors = [
            dataclasses.replace(p, path=str(path)) if p.path == name else p
            for p in check([*others, temp])
            if p.severity == "error"
        ]
        if errors or dry_run:
            return errors
        if path.read_bytes() != original:
            raise BotError(f"{path} was changed while the import ran: run it again")
        os.chmod(temp, stat.S_IMODE(path.stat().st_mode))
        os.replace(temp, path)
        return []
    finally:
        temp.unlink(missing_ok=True)
