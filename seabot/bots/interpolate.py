"""``${ENV_VAR}`` and ``${ENV_VAR:-default}`` in config strings."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

__all__ = ["interpolate"]

_REFERENCE = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}")


def interpolate(value: Any, environ: Mapping[str, str], path: str, problems: list[str]) -> Any:
    """Return ``value`` with every reference replaced; each missing variable adds a problem."""
    if isinstance(value, str):

        def replace(match: re.Match[str]) -> str:
            name, default = match.group(1), match.group(2)
            if name in environ:
                return environ[name]
            if default is not None:
                return default
            problems.append(f"{path}: environment variable {name} is not set")
            return match.group(0)  # left as written, so no second problem is reported for it

        result = _REFERENCE.sub(replace, value)
        leftover = _REFERENCE.sub("", value)
        if "${" in leftover:  # "${KEY" with no "}", or "${1BAD}": would be used literally (a key sent as is)
            problems.append(f"{path}: '${{' without a matching '}}' or a valid variable name; "
                            "write ${NAME} or ${NAME:-default}")  # fmt: skip
        return result
    if isinstance(value, dict):
        return {k: interpolate(v, environ, f"{path}.{k}" if path else k, problems) for k, v in value.items()}
    if isinstance(value, list):
        return [interpolate(v, environ, f"{path}[{i}]", problems) for i, v in enumerate(value)]
    return value
