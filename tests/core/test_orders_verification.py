"""Reading an email or the last four digits from a customer's reply, and comparing them with
what the order's source knows."""

from __future__ import annotations

import pytest

from seabot.core.orders import OrderOwner, VerifierKind, owner_matches, parse_verifier

OWNER = OrderOwner(email="Siti.Rahma@Example.co.id", phones=("+62 812-3456-4821", "021 555 0199"))


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("siti.rahma@example.co.id", VerifierKind.EMAIL),
        ("emailnya: Siti.Rahma@EXAMPLE.co.id ya kak", VerifierKind.EMAIL),
        ("4821", VerifierKind.PHONE_LAST4),
        ("last 4: 4821 po", VerifierKind.PHONE_LAST4),
        ("๔๘๒๑ ค่ะ", VerifierKind.PHONE_LAST4),
        ("后四位是４８２１", VerifierKind.PHONE_LAST4),
        ("+62 812-3456-4821", VerifierKind.PHONE_LAST4),
        ("số của mình 0812 3456 4821", VerifierKind.PHONE_LAST4),
    ],
)
def test_a_right_answer_matches(text: str, kind: VerifierKind) -> None:
    verifier = parse_verifier(text)
    assert verifier is not None and verifier.kind is kind
    assert owner_matches(OWNER, verifier)


@pytest.mark.parametrize("text", ["4820", "siti@example.co.id", "+62 812-3456-4820", "siti.rahma@example.co.id.evil"])
def test_a_wrong_answer_does_not(text: str) -> None:
    assert not owner_matches(OWNER, parse_verifier(text))


def test_every_phone_counts() -> None:
    assert owner_matches(OWNER, parse_verifier("0199"))


@pytest.mark.parametrize("text", ["hello", "12", "1234 or 5678", "I don't remember"])
def test_no_verifier(text: str) -> None:
    assert parse_verifier(text) is None


def test_missing_sides_never_match() -> None:
    assert not owner_matches(None, parse_verifier("4821"))
    assert not owner_matches(OrderOwner(), parse_verifier("4821"))
    assert not owner_matches(OrderOwner(email=None, phones=("12",)), parse_verifier("0012"))
    assert not owner_matches(OWNER, None)


def test_the_verifier_is_not_shown() -> None:
    verifier = parse_verifier("siti.rahma@example.co.id")
    assert "siti" not in repr(verifier) and "siti" not in repr(OWNER) and "4821" not in repr(OWNER)
