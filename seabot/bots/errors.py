"""Errors of the merchant-facing layer (config, CLI, server).

BotsError
 ├── ConfigError     the configuration has problems; ``problems`` lists every one
 └── UnknownBotError  a command named a bot the configuration does not have
"""

from __future__ import annotations

__all__ = ["BotsError", "ConfigError", "UnknownBotError"]


class BotsError(Exception):
    """Base class of errors raised by ``seabot.bots``."""


class ConfigError(BotsError):
    def __init__(self, source: str, problems: list[str]) -> None:
        self.source = source
        self.problems = problems
        super().__init__(f"{source}: {len(problems)} problem(s)\n" + "\n".join(f"  - {p}" for p in problems))


class UnknownBotError(BotsError):
    def __init__(self, bot_id: str, known: list[str]) -> None:
        self.bot_id = bot_id
        super().__init__(f"unknown bot {bot_id!r}; configured bots: {', '.join(known) or '(none)'}")
