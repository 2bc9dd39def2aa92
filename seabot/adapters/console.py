"""The console channel: one customer line in, the bot's reply out (works with pipes)."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import BinaryIO, TextIO

from seabot.core.inbox import Answerer
from seabot.core.messages import InboundMessage

__all__ = ["ConsoleChannel", "CHANNEL"]

CHANNEL = "console"


@dataclass
class ConsoleChannel:
    bot_id: str
    user_id: str
    answerer: Answerer
    out: TextIO
    err: TextIO
    prompt: str = ""
    show: Callable[[str], str] = str  # how a reply is put on one line of the terminal

    async def run(self, source: BinaryIO) -> int:
        """Answer every line of ``source``; returns how many lines could not be read."""
        unreadable = 0
        for number, line in self._lines(source):
            if line is None:
                unreadable += 1
                self.err.write(f"seabot: line {number} is not valid UTF-8; skipped\n")
                self.err.flush()
                continue
            if not line.strip():
                continue
            message = InboundMessage(
                bot_id=self.bot_id,
                channel=CHANNEL,
                message_id=uuid.uuid4().hex,
                user_id=self.user_id,
                chat_id=self.user_id,
                text=line,
            )
            reply = await self.answerer.answer(message)
            if reply is not None:
                self.out.write(self.show(reply.text) + "\n")
            else:
                self.out.write("(a person from the shop is handling this conversation)\n")
            self.out.flush()
        return unreadable

    def _lines(self, source: BinaryIO) -> Iterator[tuple[int, str | None]]:
        number = 0
        while True:
            if self.prompt:
                self.err.write(self.prompt)
                self.err.flush()
            raw = source.readline()
            if not raw:
                return
            number += 1
            try:
                yield number, raw.decode("utf-8").rstrip("\r\n")
            except UnicodeDecodeError:
                yield number, None
