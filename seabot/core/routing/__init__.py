"""Complexity routing: which model tier answers a message, and whether a person is wanted.

Cues are data (``lexicon/*.toml``), extended per bot from config; see ``_rules`` for the
table format. Every decision carries the cues that produced it.
"""

from ._decision import RouteDecision, Tier
from ._rules import RoutingConfigError, RoutingRules
from .router import Router

__all__ = ["RouteDecision", "Router", "RoutingConfigError", "RoutingRules", "Tier"]
