"""Read fields of observed objects safely: a field of the wrong shape reads as absent.

Metacontroller sends objects as the API server stores them, so their shapes hold in practice; the
hooks still never fail on one that does not, because a 500 would stop the sync of everything else
the parent owns.
"""

from __future__ import annotations

from typing import Any


def dig(obj: object, *path: str | int) -> object | None:
    """Return the value at path (keys of objects, indexes of lists), or None on any mismatch."""
    node: object = obj
    for part in path:
        if isinstance(part, str) and isinstance(node, dict):
            node = node.get(part)
        elif isinstance(part, int) and isinstance(node, list) and -len(node) <= part < len(node):
            node = node[part]
        else:
            return None
    return node


def mapping(obj: object, *path: str | int) -> dict[str, Any]:
    """Return the object at path, or {}."""
    found = dig(obj, *path)
    return found if isinstance(found, dict) else {}


def items(obj: object, *path: str | int) -> list[dict[str, Any]]:
    """Return the objects of the list at path (other items skipped), or []."""
    found = dig(obj, *path)
    return [item for item in found if isinstance(item, dict)] if isinstance(found, list) else []


def text(obj: object, *path: str | int) -> str | None:
    """Return the string at path, or None."""
    found = dig(obj, *path)
    return found if isinstance(found, str) else None


def number(obj: object, *path: str | int, default: int = 0) -> int:
    """Return the integer at path (booleans excluded), or default."""
    found = dig(obj, *path)
    return found if isinstance(found, int) and not isinstance(found, bool) else default


def strings(obj: object, *path: str | int) -> dict[str, str]:
    """Return the map of strings at path (labels, annotations, data); other entries skipped."""
    return {k: v for k, v in mapping(obj, *path).items() if isinstance(v, str)}
