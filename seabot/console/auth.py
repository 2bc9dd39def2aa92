"""Passwords (argon2id), session tokens and CSRF tokens of the console.

A session cookie holds a random token; the store keeps only its SHA-256, so a copy of the
database logs nobody in. Each session has its own CSRF token, sent back with every form (the
``csrf`` field) or HTMX request (the ``X-CSRF-Token`` header).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

__all__ = [
    "hash_password", "verify_password", "needs_rehash", "generate_password", "new_token", "token_hash",
    "same_token", "MIN_PASSWORD_LENGTH", "MAX_PASSWORD_LENGTH", "burn_verify",
]  # fmt: skip

MIN_PASSWORD_LENGTH = 10
MAX_PASSWORD_LENGTH = 1024  # argon2 takes any length; a megabyte "password" is a way to spend our CPU

_HASHER = PasswordHasher(type=Type.ID)  # argon2id, the library's default cost (RFC 9106's second choice)
_DUMMY = _HASHER.hash(secrets.token_urlsafe(16))


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def burn_verify(password: str) -> None:
    """The work of a verification for an email that has no account: the answer takes as long."""
    verify_password(_DUMMY, password)


def needs_rehash(stored_hash: str) -> bool:
    return _HASHER.check_needs_rehash(stored_hash)


def generate_password() -> str:
    return secrets.token_urlsafe(15)  # 20 characters, 120 bits


def new_token() -> str:
    return secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def same_token(given: str | None, expected: str) -> bool:
    return bool(given) and hmac.compare_digest(str(given).encode("utf-8", "replace"), expected.encode())
