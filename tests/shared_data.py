"""Where the shared data sets live (``../shared`` next to the repository), for tests that read them.

Without the folder such a test skips with the reason; on CI (``CI=true``) it fails instead, so a
CI run that lost the data cannot pass by skipping.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[1].parent / "shared"


def shared_path(*parts: str) -> Path:
    """``../shared/<parts>``, or skip (fail on CI) when it is missing."""
    path = SHARED.joinpath(*parts)
    if not path.exists():
        reason = f"shared data not present: {path} (the ../shared folder next to the repository)"
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(reason + "; CI=true requires it")
        pytest.skip(reason)
    return path
