"""Write ConfigMap and Secret volumes to disk exactly as the kubelet lays them out.

The kubelet writes each version of a volume into a hidden timestamped directory, points the
`..data` symlink at it, and exposes every key as a symlink `key -> ..data/key`. An update
writes a new directory and swaps `..data` with an atomic rename, so a reader sees either the
old or the new set of files, never a mix. The agent's config reload relies on that; running it
against the same layout is the point of this module.
"""

from __future__ import annotations

import base64
import os
import shutil
from pathlib import Path
from typing import Any

DATA_LINK = "..data"
MAX_KEY_BYTES = 1024 * 1024


def volume_files(obj: dict[str, Any]) -> dict[str, bytes]:
    """Return the files a ConfigMap or Secret volume holds: key -> content."""
    files: dict[str, bytes] = {}
    if obj.get("kind") == "Secret":
        for key, value in (obj.get("data") or {}).items():
            files[key] = base64.b64decode(value)
        for key, value in (obj.get("stringData") or {}).items():
            files[key] = value.encode()
    else:
        for key, value in (obj.get("data") or {}).items():
            files[key] = value.encode()
        for key, value in (obj.get("binaryData") or {}).items():
            files[key] = base64.b64decode(value)
    for key, content in files.items():
        if "/" in key or key.startswith(".") or len(content) > MAX_KEY_BYTES:
            raise ValueError(f"volume key {key!r} cannot be written")
    return files


def write_volume(target: Path, files: dict[str, bytes], version: int) -> None:
    """Publish a new version of a volume's files under target, atomically.

    Args:
        target: the directory the container sees as its mount path.
        files: key -> content of the new version.
        version: a number that differs from every earlier version of this volume.
    """
    target.mkdir(parents=True, exist_ok=True)
    version_dir = target / f"..{version:06d}"
    version_dir.mkdir()
    for key, content in files.items():
        (version_dir / key).write_bytes(content)
    old = (target / DATA_LINK).resolve() if (target / DATA_LINK).is_symlink() else None
    staging = target / f"{DATA_LINK}_tmp"
    if staging.is_symlink():
        staging.unlink()
    staging.symlink_to(version_dir.name)
    os.replace(staging, target / DATA_LINK)
    for key in files:
        link = target / key
        if not link.is_symlink():
            link.symlink_to(f"{DATA_LINK}/{key}")
    for entry in target.iterdir():
        if entry.is_symlink() and not entry.name.startswith("..") and entry.name not in files:
            entry.unlink()
    if old is not None and old != version_dir.resolve():
        shutil.rmtree(old)
