"""One module per ``seabot`` command; each has ``add_parser(sub, common)`` and sets ``run``."""

from seabot.bots.commands import chat, check, detect, handoffs, history, release, route, serve, stats

COMMANDS = (serve, chat, detect, route, check, history, stats, handoffs, release)

__all__ = ["COMMANDS"]
