"""The console transport: talk to the bot in a terminal, or script it through stdin."""

from __future__ import annotations

import asyncio
import threading
from typing import TextIO

from bot.core.models import IncomingMessage, Locale, Reply
from bot.core.render import as_text
from bot.core.sessions import session_key
from bot.core.texts import text
from bot.transports import Handler


def to_message(line: str, last: Reply | None, locale: Locale | None) -> IncomingMessage:
    """A typed line as a message: a number or an option's label picks that option."""
    typed = line.strip()
    choice = None
    if last is not None and last.choices:
        if typed.isdigit() and 1 <= int(typed) <= len(last.choices):
            choice = last.choices[int(typed) - 1].action
        else:
            choice = next(
                (c.action for c in last.choices if c.label.casefold() == typed.casefold()), None
            )
    return IncomingMessage(
        transport="console",
        conversation=session_key("console", "local", "me"),
        user="console:me",
        text=None if choice else typed,
        choice=choice,
        locale=locale,
    )


class ConsoleTransport:
    """Reads one message per line and prints each reply; a prompt only on a real terminal."""

    def __init__(
        self,
        service: Handler,
        stdin: TextIO,
        stdout: TextIO,
        *,
        interactive: bool,
        locale: Locale | None = None,
    ) -> None:
        self.service = service
        self.stdin = stdin
        self.stdout = stdout
        self.interactive = interactive
        self.locale = locale

    def _write(self, s: str) -> None:
        self.stdout.write(s)
        self.stdout.flush()

    async def run(self) -> None:
        if self.interactive:
            self._write(text("console.welcome", self.locale or "sv") + "\n\n")
        lines = self._lines()
        last: Reply | None = None
        while True:
            if self.interactive:
                self._write("> ")
            line = await lines.get()
            if not line:
                break
            if not line.strip():
                continue
            reply = await self.service.handle(to_message(line, last, self.locale))
            last = reply
            self._write(as_text(reply) + "\n\n")

    def _lines(self) -> asyncio.Queue[str]:
        """Lines as they are typed ('' at the end), read by a daemon thread: Ctrl-C then ends
        the program at once, where a read in asyncio's executor would wait for Enter."""
        loop = asyncio.get_running_loop()
        lines: asyncio.Queue[str] = asyncio.Queue()

        def read() -> None:
            while True:
                line = self.stdin.readline()
                try:
                    loop.call_soon_threadsafe(lines.put_nowait, line)
                except RuntimeError:  # the chat ended meanwhile (Ctrl-C): nobody reads
                    return
                if not line:
                    return

        threading.Thread(target=read, name="console-input", daemon=True).start()
        return lines

    async def close(self) -> None:
        return None
