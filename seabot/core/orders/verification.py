"""Checking a customer's claim to an order whose source knows only an email and a phone.

The customer gives the order's email or the last four digits of its phone; the comparison is
done here, in constant time, over every candidate (no early exit), and a wrong answer looks
exactly like an unknown order to the customer.
"""

from __future__ import annotations

import hmac
import re
import unicodedata
from dataclasses import dataclass, field
from enum import StrEnum

from seabot.core.orders.records import OrderOwner

__all__ = ["VerifierKind", "Verifier", "parse_verifier", "owner_matches"]

_EMAIL = re.compile(r"[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9-]+)+")
_FOUR = re.compile(r"(?<![\d+])(\d{4})(?!\d)")
_PHONE = re.compile(r"\+?\d[\d\s().-]{6,}\d")


class VerifierKind(StrEnum):
    EMAIL = "email"
    PHONE_LAST4 = "phone_last4"


@dataclass(frozen=True, slots=True)
class Verifier:
    kind: VerifierKind
    value: str = field(repr=False)  # a casefolded email, or four ASCII digits


def parse_verifier(text: str) -> Verifier | None:
    """An email, or the last four digits of a phone (given alone, or as the whole number)."""
    text = unicodedata.normalize("NFKC", text)
    ascii_digits = "".join(
        str(unicodedata.decimal(ch)) if unicodedata.decimal(ch, None) is not None else ch for ch in text
    )
    email = _EMAIL.search(ascii_digits)
    if email:
        return Verifier(VerifierKind.EMAIL, _fold_email(email.group(0)))
    phone = _PHONE.search(ascii_digits)
    if phone:
        digits = re.sub(r"\D", "", phone.group(0))
        if len(digits) >= 7:
            return Verifier(VerifierKind.PHONE_LAST4, digits[-4:])
    four = _FOUR.findall(ascii_digits)
    if len(four) == 1:
        return Verifier(VerifierKind.PHONE_LAST4, four[0])
    return None


def owner_matches(owner: OrderOwner | None, verifier: Verifier | None) -> bool:
    """Does the verifier match the order's email or one of its phones? Constant time per
    candidate, every candidate compared; False when either side is missing."""
    if owner is None or verifier is None:
        return False
    given = verifier.value.encode("utf-8")
    if verifier.kind is VerifierKind.EMAIL:
        candidates = [_fold_email(owner.email)] if owner.email else []
    else:
        candidates = [d[-4:] for d in (re.sub(r"\D", "", p) for p in owner.phones) if len(d) >= 4]
    matched = False
    for candidate in candidates:
        matched |= hmac.compare_digest(candidate.encode("utf-8"), given)
    return matched


def _fold_email(email: str) -> str:
    return email.strip().casefold()
