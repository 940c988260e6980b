"""Locate the shared reference data (official schemas, examples), which lives outside the repo.

The data sits in `../shared/reference` next to the repository root. From a git worktree
(whose `.git` is a file pointing into the main checkout) the main checkout's neighbour is used.
Tests that need the data skip cleanly when it is absent.
"""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]


def _checkouts(root: Path) -> list[Path]:
    checkouts = [root]
    git = root / ".git"
    if git.is_file():
        # A worktree's .git file points at <main checkout>/.git/worktrees/<name>.
        text = git.read_text(encoding="utf-8").strip()
        if text.startswith("gitdir:"):
            gitdir = Path(text.removeprefix("gitdir:").strip())
            if gitdir.parent.name == "worktrees":
                checkouts.append(gitdir.parent.parent.parent)
    return checkouts


def reference_dir() -> Path | None:
    """Return the reference data folder, or None when it is absent."""
    for checkout in _checkouts(REPO_ROOT):
        candidate = checkout / ".." / "shared" / "reference"
        if candidate.is_dir():
            return candidate.resolve()
    return None


def require_reference(*parts: str) -> Path:
    """Return the path of a reference file or folder, skipping the test when it is absent."""
    base = reference_dir()
    if base is None:
        pytest.skip("reference data (../shared/reference) is absent")
    path = base.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"reference data {'/'.join(parts)} is absent")
    return path
