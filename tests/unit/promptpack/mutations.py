"""Mutations of JSON documents, addressed by paths of keys and indexes, for agreement tests."""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from typing import Any

Path = tuple[str | int, ...]

UNKNOWN_KEY = "x_unknown"

# Replacement values chosen to hit every kind of schema rule: wrong JSON types (booleans for
# integers, numeric strings), bounds (0, -1, 1.5, 2.5, 101, -2.5), integer-valued floats, empty
# and pattern-breaking strings, null, empty containers, and a string over every maxLength.
REPLACEMENTS: tuple[Any, ...] = (
    True,
    "1",
    1,
    1.0,
    0,
    -1,
    1.5,
    2.5,
    101,
    -2.5,
    10**30,
    None,
    "",
    "Bad-Name_1",
    "1.0",
    "v1.0.0",
    [],
    {},
    ["x"],
    {"x": 1},
    "x" * 5001,
)


def nodes(doc: Any, path: Path = ()) -> Iterator[tuple[Path, Any]]:
    """Yield (path, value) for the document and everything in it, in document order."""
    yield path, doc
    if isinstance(doc, dict):
        for key, value in doc.items():
            yield from nodes(value, (*path, key))
    elif isinstance(doc, list):
        for index, value in enumerate(doc):
            yield from nodes(value, (*path, index))


def get(doc: Any, path: Path) -> Any:
    """Return the value at `path`."""
    for part in path:
        doc = doc[part]
    return doc


def replaced(doc: Any, path: Path, value: Any) -> Any:
    """Return a copy of `doc` with the value at `path` (not the root) replaced."""
    result = copy.deepcopy(doc)
    get(result, path[:-1])[path[-1]] = copy.deepcopy(value)
    return result


def deleted(doc: Any, path: Path) -> Any:
    """Return a copy of `doc` without the key or item at `path` (not the root)."""
    result = copy.deepcopy(doc)
    del get(result, path[:-1])[path[-1]]
    return result


def with_key(doc: Any, path: Path, key: str, value: Any) -> Any:
    """Return a copy of `doc` with `key: value` added to the object at `path`."""
    result = copy.deepcopy(doc)
    get(result, path)[key] = copy.deepcopy(value)
    return result


def appended(doc: Any, path: Path, value: Any) -> Any:
    """Return a copy of `doc` with `value` appended to the array at `path`."""
    result = copy.deepcopy(doc)
    get(result, path).append(copy.deepcopy(value))
    return result


def systematic(doc: Any, per_node: int = len(REPLACEMENTS)) -> Iterator[tuple[str, Any]]:
    """Yield (description, mutant) for mutations of every node, without duplicates.

    Each non-root value is replaced by `per_node` of REPLACEMENTS (a window that rotates from
    node to node, so every replacement is used across the document) and deleted; each object
    gets an unknown key; each array gets a number, an object and a string appended.
    """
    seen: set[str] = {json.dumps(doc, sort_keys=True)}
    for position, (path, value) in enumerate(list(nodes(doc))):
        window = [REPLACEMENTS[(position + i) % len(REPLACEMENTS)] for i in range(per_node)]
        for label, mutant in _mutants_at(doc, path, value, window):
            text = json.dumps(mutant, sort_keys=True)
            if text not in seen:
                seen.add(text)
                yield f"{label} at {_show(path)}", mutant


def _mutants_at(
    doc: Any, path: Path, value: Any, replacements: list[Any]
) -> Iterator[tuple[str, Any]]:
    if path:
        for replacement in replacements:
            yield f"replace with {json.dumps(replacement)[:20]}", replaced(doc, path, replacement)
        yield "delete", deleted(doc, path)
    if isinstance(value, dict):
        yield "add unknown key", with_key(doc, path, UNKNOWN_KEY, 1)
    elif isinstance(value, list):
        items: tuple[Any, ...] = (1, {}, "x")
        for item in items:
            yield f"append {json.dumps(item)}", appended(doc, path, item)


def _show(path: Path) -> str:
    return "$" + "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in path)
