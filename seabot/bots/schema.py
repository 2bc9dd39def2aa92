"""A small reader for TOML tables that collects every problem with its key path."""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Any, TypeVar, cast, overload

__all__ = ["Section"]

T = TypeVar("T")
_MISSING = object()
_TYPE_NAMES = {
    str: "a string",
    int: "an integer",
    float: "a number",
    bool: "true or false",
    list: "a list",
    dict: "a table",
}


class Section:
    """Typed access to one table; remembers which keys were read to report unknown ones."""

    def __init__(self, table: Any, path: str, problems: list[str]) -> None:
        self.path = path
        self.problems = problems
        if not isinstance(table, Mapping):
            self.problem(f"must be a table, got {type(table).__name__}")
            table = {}
        self._table: Mapping[str, Any] = table
        self._read: set[str] = set()

    def key(self, name: str) -> str:
        return f"{self.path}.{name}" if self.path else name

    def problem(self, message: str, key: str | None = None) -> None:
        where = self.key(key) if key else (self.path or "(top level)")
        self.problems.append(f"{where}: {message}")

    def has(self, name: str) -> bool:
        return name in self._table

    def get(self, name: str, kind: type[T], default: Any = _MISSING, *, required: bool = False) -> T:
        self._read.add(name)
        if name not in self._table:
            if required or default is _MISSING:
                self.problem("is required", name)
                return default if default is not _MISSING else _zero(kind)
            return cast(T, default)  # the caller's default is of the kind it asks for
        value = self._table[name]
        if kind is float and isinstance(value, int) and not isinstance(value, bool):
            value = float(value)
        if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
            self.problem(f"must be {_TYPE_NAMES.get(kind, kind.__name__)}, got {value!r}", name)
            return default if default is not _MISSING else _zero(kind)
        return value

    def text(self, name: str, default: Any = _MISSING, *, required: bool = False, non_empty: bool = False) -> str:
        value = self.get(name, str, default, required=required)
        if non_empty and name in self._table and isinstance(self._table[name], str) and not value.strip():
            self.problem("must not be empty", name)
        return value

    @overload
    def number(
        self, name: str, default: None, *, minimum: float | None = 0.0, positive: bool = False
    ) -> float | None: ...
    @overload
    def number(
        self, name: str, default: float = ..., *, minimum: float | None = 0.0, positive: bool = False
    ) -> float: ...
    def number(
        self, name: str, default: Any = _MISSING, *, minimum: float | None = 0.0, positive: bool = False
    ) -> float | None:
        value = cast("float | None", self.get(name, float, default))  # an absent key gives the default, None included
        if value is None:
            return value
        if positive and value <= 0:
            self.problem(f"must be greater than 0, got {value:g}", name)
        elif minimum is not None and value < minimum:
            self.problem(f"must not be negative, got {value:g}", name)
        return value

    def sub(self, name: str) -> Section:
        self._read.add(name)
        return Section(self._table.get(name, {}), self.key(name), self.problems)

    def raw(self, name: str, default: Any = None) -> Any:
        self._read.add(name)
        return self._table.get(name, default)

    def names(self) -> list[str]:
        return list(self._table)

    def finish(self) -> None:
        """Report keys nobody read: typos a merchant would otherwise never notice (with the
        closest known key when one is close)."""
        for name in self._table:
            if name not in self._read:
                close = difflib.get_close_matches(name, sorted(self._read), n=1, cutoff=0.75)
                self.problem(f"unknown key; did you mean {close[0]!r}?" if close else "unknown key", name)


def _zero(kind: type[T]) -> T:
    return kind()
