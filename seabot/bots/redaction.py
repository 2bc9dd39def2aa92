"""Every configured secret masked in whatever text seabot prints: log lines and error messages.

A provider's error may echo the API key ("Incorrect API key provided: sk-…"), a platform URL
carries the Telegram token (``/bot<token>/sendMessage``), a database URL its password. Rather
than trusting each call site, the secrets are collected from the loaded config (every string
field whose name says it is one, and the password of a database URL) and replaced wherever
they appear, in every line the log formatter writes and every error the CLI prints.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Iterable, Mapping
from urllib.parse import quote, urlsplit

__all__ = ["Redactor", "configured_secrets", "MASK"]

MASK = "[secret]"
_SECRET_FIELD = re.compile(r"(api_key|token|secret|password|encoding_aes_key|consumer_key)$")
_URL_FIELD = re.compile(r"url$")
_MIN_LENGTH = 6  # shorter values would mask ordinary words; no real key is this short


def configured_secrets(config: object) -> tuple[str, ...]:
    """Every secret in a config tree of dataclasses, mappings and sequences, longest first."""
    found: set[str] = set()
    _collect(config, "", found, set())
    return tuple(sorted((s for s in found if len(s) >= _MIN_LENGTH), key=len, reverse=True))


def _collect(value: object, name: str, found: set[str], seen: set[int]) -> None:
    if isinstance(value, str):
        if _SECRET_FIELD.search(name):
            found.add(value)
        elif _URL_FIELD.search(name) and "@" in value:
            try:
                password = urlsplit(value).password
            except ValueError:
                password = None
            if password:
                found.add(password)
        return
    if id(value) in seen:
        return
    seen.add(id(value))
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        for f in dataclasses.fields(value):
            _collect(getattr(value, f.name), f.name, found, seen)
    elif isinstance(value, Mapping):
        for key, item in value.items():
            _collect(item, str(key) if isinstance(item, str) else name, found, seen)
    elif isinstance(value, (list, tuple, frozenset, set)):
        for item in value:
            _collect(item, name, found, seen)


class Redactor:
    """Replaces each of ``secrets`` (and its URL-encoded form) with ``[secret]``."""

    def __init__(self, secrets: Iterable[str]) -> None:
        variants: set[str] = set()
        for secret in secrets:
            variants.add(secret)
            variants.add(quote(secret, safe=""))
        ordered = sorted((v for v in variants if len(v) >= _MIN_LENGTH), key=len, reverse=True)
        self._pattern = re.compile("|".join(map(re.escape, ordered))) if ordered else None

    @classmethod
    def for_config(cls, config: object) -> Redactor:
        return cls(configured_secrets(config))

    def __call__(self, text: str) -> str:
        if self._pattern is None:
            return text
        return self._pattern.sub(MASK, text)
