"""Locate the shared reference data (../shared/reference); tests skip cleanly without it."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]


def reference_dir() -> Path | None:
    """Return ../shared/reference next to the repository, or None when it is absent."""
    candidate = REPO_ROOT.parent / "shared" / "reference"
    return candidate if candidate.is_dir() else None


def require_reference(*parts: str) -> Path:
    """Return a path inside the reference data, or skip the calling test when it is absent."""
    base = reference_dir()
    if base is None:
        pytest.skip("reference data (../shared/reference) is not available")
    path = base.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"reference data {path} is not available")
    return path
