"""Each checklist's diagram as SVG: bot.core.graph's DOT, drawn by Graphviz (`dot -Tsvg`).

Drawn once per catalog version, all flows at once, and kept: a page load never waits for
Graphviz after the first. Without Graphviz installed the page shows the DOT text instead.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
from collections.abc import Mapping

from bot.core import graph
from bot.core.catalog import Catalog

logger = logging.getLogger(__name__)

DOT_TIMEOUT_SECONDS = 10.0


class Diagrams:
    """The SVG of every flow of the live catalog (None for a flow Graphviz could not draw)."""

    def __init__(self, dot: str | None = None) -> None:
        self.dot = dot if dot is not None else shutil.which("dot")
        self._version: str | None = None
        self._svg: Mapping[str, str | None] = {}
        self._lock = asyncio.Lock()

    async def of(self, catalog: Catalog) -> Mapping[str, str | None]:
        async with self._lock:
            if self._version != catalog.version:
                sources = {fid: graph.to_dot(flow) for fid, flow in catalog.flows.items()}
                drawn = await asyncio.gather(*(self._draw(s) for s in sources.values()))
                self._svg = dict(zip(sources, drawn, strict=True))
                self._version = catalog.version
            return self._svg

    async def _draw(self, source: str) -> str | None:
        if self.dot is None:
            return None
        try:
            process = await asyncio.create_subprocess_exec(
                self.dot,
                "-Tsvg",
                stdin=asyncio.subprocess.PIPE,
                stdout=asyncio.subprocess.PIPE,
                stderr=asyncio.subprocess.DEVNULL,
            )
        except OSError as exc:
            logger.warning("Graphviz could not be started: %s", type(exc).__name__)
            return None
        try:
            drawing = process.communicate(source.encode())
            out, _ = await asyncio.wait_for(drawing, DOT_TIMEOUT_SECONDS)
        except TimeoutError:
            process.kill()
            await process.wait()
            logger.warning("Graphviz took over %.0f s to draw a flow", DOT_TIMEOUT_SECONDS)
            return None
        if process.returncode != 0:
            logger.warning("Graphviz could not draw a flow (exit %s)", process.returncode)
            return None
        svg = out.decode("utf-8", "replace")
        return svg[svg.find("<svg") :]  # inline: without the XML prolog and DOCTYPE
