"""Small helpers the sources share to read vendor JSON into core records."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from typing import Any

from seabot.core.orders.errors import OrderBadResponse

__all__ = ["load_json", "parse_datetime", "parse_date", "text_or_none", "quantity"]


def load_json(body: bytes, where: str) -> Any:
    try:
        return json.loads(body)
    except (ValueError, UnicodeDecodeError) as exc:
        raise OrderBadResponse(f"{where}: the answer is not JSON") from exc


def parse_datetime(value: Any) -> datetime | None:
    """ISO 8601 (``2024-06-12T08:30:00Z``, with or without offset) or None; naive means UTC."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        parsed = datetime.fromisoformat(value.strip().replace("Z", "+00:00"))
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def parse_date(value: Any) -> date | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return date.fromisoformat(value.strip()[:10])
    except ValueError:
        return None


def text_or_none(value: Any) -> str | None:
    return value.strip() or None if isinstance(value, str) else None


def quantity(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and 0 < value < 1_000_000 else 1
