"""One module per ``seabot`` command; each has ``add_parser(sub, common)`` and sets ``run``."""

from seabot.bots.commands import (
    canary,
    chat,
    check,
    conversations,
    detect,
    forget,
    handoffs,
    history,
    migrate,
    poll,
    release,
    route,
    serve,
    simulate,
    stats,
    telegram,
    users,
)

COMMANDS = (
    serve,
    chat,
    detect,
    route,
    check,
    conversations,
    history,
    stats,
    handoffs,
    release,
    forget,
    poll,
    telegram,
    simulate,
    canary,
    migrate,
    users,
)

__all__ = ["COMMANDS"]
