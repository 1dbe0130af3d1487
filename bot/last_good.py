"""The last good configuration, kept in the data folder so that it survives a restart.

Each catalog that goes live is copied, file by file, into `<data>/last-good/`: only when
every file still has the bytes the catalog was loaded from (an editor may have saved again
meanwhile), through a temporary folder renamed into place, so a copy is never half written.
A start whose files on disk do not load serves this copy instead of staying down, and says
so; `referral-bot check` still reads the files on disk and still fails.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
from collections.abc import Sequence
from pathlib import Path

from bot.core.catalog import Catalog, file_digest, load_catalog

logger = logging.getLogger(__name__)

FOLDER = "last-good"
MANIFEST = "manifest.json"


class LastGoodCopy:
    """A copy of the files of the last catalog that went live, under `data/last-good/`."""

    def __init__(self, data: Path, roots: Sequence[Path]) -> None:
        self.folder = data / FOLDER
        self.roots = list(roots)

    def _copy_root(self, base: Path, i: int) -> Path:
        return base / f"{i}-{self.roots[i].name or 'root'}"

    def keep(self, catalog: Catalog) -> bool:
        """Copy the files `catalog` was loaded from; False (and the old copy stays) when one
        has changed since or the data folder cannot be written. After most reloads and
        every restart this very version is kept already: then nothing is read again."""
        if self._kept_version() == catalog.version:
            return True
        # names of this process's own: replicas sharing a data folder may keep at once
        staging = self.folder.with_name(f"{FOLDER}.new-{os.getpid()}")
        try:
            shutil.rmtree(staging, ignore_errors=True)
            files = self._stage(catalog, staging)
            if files is None:
                shutil.rmtree(staging, ignore_errors=True)
                return False
            manifest = {"version": catalog.version, "files": files}
            (staging / MANIFEST).write_text(json.dumps(manifest, indent=1), encoding="utf-8")
            old = self.folder.with_name(f"{FOLDER}.old-{os.getpid()}")
            shutil.rmtree(old, ignore_errors=True)
            if self.folder.exists():
                os.replace(self.folder, old)
            os.replace(staging, self.folder)
            shutil.rmtree(old, ignore_errors=True)
        except OSError as exc:
            logger.warning("could not keep a copy of the live configuration: %s", exc.strerror)
            return False
        return True

    def _kept_version(self) -> str | None:
        try:
            manifest = json.loads((self.folder / MANIFEST).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        version = manifest.get("version") if isinstance(manifest, dict) else None
        return version if isinstance(version, str) else None

    def _stage(self, catalog: Catalog, staging: Path) -> dict[str, str] | None:
        files: dict[str, str] = {}
        for source, digest in catalog.sources.items():
            path = Path(source)
            i, relative = self._place(path)
            raw = path.read_bytes()
            if file_digest(raw) != digest:
                logger.info("a configuration file changed while it was copied; copying later")
                return None
            target = self._copy_root(staging, i) / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(raw)
            files[str(target.relative_to(staging))] = digest.hex()
        return files

    def _place(self, path: Path) -> tuple[int, Path]:
        """Which root `path` belongs to, and its path below that root."""
        for i, root in enumerate(self.roots):
            if root.is_dir() and path.is_relative_to(root):
                return i, path.relative_to(root)
            if path == root:
                return i, Path(path.name)
        raise OSError(0, f"{path} is in none of the configured folders")

    def load(self) -> Catalog | None:
        """The kept copy, validated in full like any load; None when there is none, or when
        it is incomplete or does not load (it is then no use)."""
        try:
            manifest = json.loads((self.folder / MANIFEST).read_text(encoding="utf-8"))
            for name, digest in manifest["files"].items():
                if file_digest((self.folder / name).read_bytes()).hex() != digest:
                    logger.warning("the kept copy of the configuration is damaged: not used")
                    return None
        except (OSError, ValueError, KeyError, TypeError):
            return None
        paths = [self._copy_root(self.folder, i) for i in range(len(self.roots))]
        try:
            return load_catalog([p for p in paths if p.exists()])
        except Exception as exc:  # a copy that no longer loads (a newer bot's rules) is no use
            logger.warning("the kept copy of the configuration does not load: %s", exc)
            return None
