"""A simplified kubectl-style three-way merge, to tell a no-op desired child from a change.

Maps merge key by key: a field in the desired object wins, a field that was last applied but is no
longer desired is removed, and a field only the server set is kept. Lists of objects that all
carry a `name` merge item by item (server-set fields inside an item survive); their items
follow the desired order, and an item only the server added is dropped. Any other list is
replaced whole. Status and system metadata always come from the observed object, so a hook
cannot set them. That is enough for our children, which have no server-side list injections.
"""

from __future__ import annotations

import copy
from typing import Any

from hooks.emulator import cluster

Obj = dict[str, Any]


def _is_named_list(value: object) -> bool:
    return (
        isinstance(value, list)
        and bool(value)
        and all(isinstance(item, dict) and isinstance(item.get("name"), str) for item in value)
    )


def _merge_value(observed: object, last: object, desired: object) -> object:
    if isinstance(desired, dict) and isinstance(observed, dict):
        return _merge_map(observed, last if isinstance(last, dict) else {}, desired)
    named = _is_named_list(desired) and _is_named_list(observed)
    if named and isinstance(observed, list) and isinstance(desired, list):
        return _merge_named(observed, last if _is_named_list(last) else [], desired)
    return copy.deepcopy(desired)


def _merge_named(observed: list[Obj], last: object, desired: list[Obj]) -> list[object]:
    seen = {item["name"]: item for item in observed}
    applied = {item["name"]: item for item in last} if isinstance(last, list) else {}
    return [
        _merge_value(seen[item["name"]], applied.get(item["name"], {}), item)
        if item["name"] in seen
        else copy.deepcopy(item)
        for item in desired
    ]


def _merge_map(observed: Obj, last: Obj, desired: Obj) -> Obj:
    out = copy.deepcopy(observed)
    for key in last:
        if key not in desired:
            out.pop(key, None)
    for key, value in desired.items():
        out[key] = _merge_value(observed.get(key), last.get(key), value)
    return out


def three_way(observed: Obj, last_applied: Obj | None, desired: Obj) -> Obj:
    """Return observed with desired applied, relative to what was applied last time."""
    merged = _merge_map(observed, last_applied or {}, desired)
    if "status" in observed:
        merged["status"] = copy.deepcopy(observed["status"])
    else:
        merged.pop("status", None)
    meta = merged.setdefault("metadata", {})
    for field in cluster.SYSTEM_METADATA:
        if field in observed.get("metadata", {}):
            meta[field] = copy.deepcopy(observed["metadata"][field])
        else:
            meta.pop(field, None)
    return merged
