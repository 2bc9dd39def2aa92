"""One module per ``seabot`` command; each has ``add_parser(sub, common)`` and sets ``run``."""

from seabot.bots.commands import chat, check, detect, history, route, serve

COMMANDS = (serve, chat, detect, route, check, history)

__all__ = ["COMMANDS"]
