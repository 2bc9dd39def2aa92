"""What a bot's pipeline needs to answer order questions: the assistant and where each
customer's order dialog is kept; and the rule that contact details never reach a model."""

from __future__ import annotations

import re
from dataclasses import dataclass

from seabot.core.orders.assistant import OrderAssistant
from seabot.core.orders.state import OrderDialogStore

__all__ = ["OrderDesk", "without_contacts"]

_EMAIL = re.compile(r"[^\s@]+@[^\s@]+\.[^\s@]+")
_PHONE = re.compile(r"\+?\d[\d\s().-]{7,}\d")


@dataclass(frozen=True, slots=True)
class OrderDesk:
    assistant: OrderAssistant
    dialogs: OrderDialogStore


def without_contacts(text: str) -> str:
    """``text`` with emails and phone numbers replaced, before it is put in a prompt (a bot
    that checks orders asks customers for them; the model never needs them)."""
    return _PHONE.sub("[phone]", _EMAIL.sub("[email]", text))
