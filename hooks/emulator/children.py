"""A parent's children as Metacontroller manages them: claim, check, apply, and the status write."""

from __future__ import annotations

import copy
import dataclasses
import functools
from collections.abc import Callable
from typing import Any

from hooks import jsontext, k8s, labels
from hooks.emulator import cluster, merge, resources
from hooks.emulator.errors import SyncFailed

Obj = dict[str, Any]
CONTROLLER_UID_LABEL = "controller-uid"


@dataclasses.dataclass(frozen=True)
class ChildTypes:
    """The child types of one controller and their update methods."""

    controller: str
    methods: dict[str, str]  # type key -> updateStrategy.method
    generate_selector: bool


def is_terminating(obj: Obj) -> bool:
    """Whether an object has a deletionTimestamp."""
    return bool(obj["metadata"].get("deletionTimestamp"))


def controller_ref(obj: Obj) -> Obj | None:
    """Return the object's controller ownerReference, if any."""
    for ref in obj["metadata"].get("ownerReferences") or []:
        if ref.get("controller"):
            return dict(ref)
    return None


def owner_ref(parent: Obj) -> Obj:
    """Return the controller ownerReference children of this parent carry."""
    return {
        "apiVersion": parent["apiVersion"],
        "kind": parent["kind"],
        "name": parent["metadata"]["name"],
        "uid": parent["metadata"]["uid"],
        "controller": True,
        "blockOwnerDeletion": True,
    }


def _set_owner(store: cluster.Cluster, obj: Obj, ref: Obj | None) -> Obj:
    refs = [r for r in obj["metadata"].get("ownerReferences") or [] if not r.get("controller")]
    if ref is not None:
        refs.append(ref)
    changed = copy.deepcopy(obj)
    if refs:
        changed["metadata"]["ownerReferences"] = refs
    else:
        changed["metadata"].pop("ownerReferences", None)
    return store.update(changed)


def claim(
    store: cluster.Cluster, types: ChildTypes, parent: Obj, selector: Obj
) -> dict[cluster.Key, Obj]:
    """Return the parent's children: owned and matching ones.

    Matching orphans are adopted and owned children that no longer match are released,
    neither while the parent is deleting.
    """
    uid = parent["metadata"]["uid"]
    alive = not is_terminating(parent)
    claimed: dict[cluster.Key, Obj] = {}
    for type_key in types.methods:
        for obj in store.list(type_key, parent["metadata"].get("namespace")):
            ref = controller_ref(obj)
            owned = ref is not None and ref.get("uid") == uid
            matched = labels.is_match(selector, obj["metadata"].get("labels"))
            if owned and matched:
                claimed[cluster.key_of(obj)] = obj
            elif owned and alive:
                _set_owner(store, obj, None)
            elif ref is None and matched and alive and not is_terminating(obj):
                claimed[cluster.key_of(obj)] = _set_owner(store, obj, owner_ref(parent))
    return claimed


def request_map(types: ChildTypes, claimed: dict[cluster.Key, Obj], v2: bool) -> dict[str, Obj]:
    """Return the request's children map: every child type present, keys per hook version."""
    children: dict[str, Obj] = {type_key: {} for type_key in types.methods}
    for (type_key, namespace, name), obj in claimed.items():
        children[type_key][f"{namespace}/{name}" if v2 and namespace else name] = obj
    return children


def _desired_child(types: ChildTypes, raw: object, namespace: str, uid: str) -> Obj:
    if not isinstance(raw, dict) or not isinstance(raw.get("metadata"), dict):
        raise SyncFailed("sync hook: a child is not an object with metadata")
    child = copy.deepcopy(raw)
    meta = child["metadata"]
    if not isinstance(meta.get("name"), str):
        raise SyncFailed("sync hook: a child has no metadata.name")
    try:
        resources.of(child)
    except resources.UnknownType as error:
        raise SyncFailed(f"sync hook: {error}") from error
    meta.setdefault("namespace", namespace)
    if meta["namespace"] != namespace:
        # Metacontroller would create it but never observe it (ownerRefs can't cross
        # namespaces); the emulator refuses it outright.
        raise SyncFailed(f"child {meta['name']}: namespace {meta['namespace']} is not the parent's")
    if types.generate_selector:
        meta.setdefault("labels", {})[CONTROLLER_UID_LABEL] = uid
    return child


def desired(types: ChildTypes, parent: Obj, answer: Obj, selector: Obj) -> dict[cluster.Key, Obj]:
    """Return the desired children, defaulted and labelled, keyed like the store.

    Raises:
        SyncFailed: when children is malformed or a child's labels miss the selector.
    """
    children = answer.get("children")
    if children is None:
        return {}
    if not isinstance(children, list):
        raise SyncFailed("sync hook: children is not a list")
    namespace = parent["metadata"].get("namespace", "")
    out: dict[cluster.Key, Obj] = {}
    for raw in children:
        child = _desired_child(types, raw, namespace, parent["metadata"]["uid"])
        if not labels.is_match(selector, child["metadata"].get("labels")):
            name = child["metadata"]["name"]
            raise SyncFailed(f"child {child['kind']} {name}: labels do not match the selector")
        out[cluster.key_of(child)] = child
    return out


def _quietly(errors: list[str], operation: Callable[[], object]) -> None:
    try:
        operation()
    except (cluster.NotFound, cluster.AlreadyExists, cluster.Conflict):
        return  # Metacontroller ignores these; the next sync sees the truth
    except cluster.ApiError as error:
        errors.append(str(error))


def _annotated(child: Obj) -> Obj:
    out = copy.deepcopy(child)
    annotations = out["metadata"].setdefault("annotations", {})
    annotations[k8s.LAST_APPLIED_ANNOTATION] = jsontext.canonical(child)
    return out


def _update(
    store: cluster.Cluster, method: str, live: Obj, annotated: Obj, errors: list[str]
) -> None:
    if is_terminating(live):
        return
    last = k8s.carry_over(live) if k8s.annotation(live, k8s.LAST_APPLIED_ANNOTATION) else None
    merged = merge.three_way(live, last, annotated)
    if merged == live or method == "OnDelete":
        return
    key, uid = cluster.key_of(live), live["metadata"]["uid"]
    if method == "Recreate":
        _quietly(errors, functools.partial(store.delete, key, uid))
    else:  # InPlace, and the Rolling* methods applied at once (no rollout is emulated)
        _quietly(errors, functools.partial(store.update, merged))


def manage(
    store: cluster.Cluster,
    types: ChildTypes,
    parent: Obj,
    observed: dict[cluster.Key, Obj],
    wanted: dict[cluster.Key, Obj],
) -> list[str]:
    """Delete, create and update children toward `wanted`; return the failed operations."""
    errors: list[str] = []
    for key, obj in observed.items():
        if key not in wanted and not is_terminating(obj):
            uid = obj["metadata"]["uid"]
            _quietly(errors, functools.partial(store.delete, key, uid))
    for key, child in wanted.items():
        method = types.methods.get(key[0])
        if method is None:
            errors.append(f"{child['kind']} is not a child resource of {types.controller}")
            continue
        annotated = _annotated(child)
        if key in observed:
            _update(store, method, observed[key], annotated, errors)
            continue
        annotated["metadata"]["ownerReferences"] = [owner_ref(parent)]
        _quietly(errors, functools.partial(store.create, annotated))
    return errors


def write_status(store: cluster.Cluster, key: cluster.Key, parent: Obj, status: object) -> None:
    """Replace the parent's status with the hook's plus observedGeneration, if it differs."""
    new = copy.deepcopy(status) if isinstance(status, dict) else {}
    new["observedGeneration"] = parent["metadata"].get("generation")
    live = store.get(key)
    if live is not None and live.get("status") != new:
        store.update_status(key, new)
