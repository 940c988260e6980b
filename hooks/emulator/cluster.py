"""An in-memory Kubernetes API: objects with server fields, finalizers, GC and a watch log.

It keeps what the hooks and Metacontroller can observe: uid, resourceVersion, generation (bumped
when anything but metadata and status changes), creationTimestamp, deletionTimestamp with
finalizers, background cascade deletion through ownerReferences, Secret stringData, and the
Deployment replicas default. There is no admission, validation or field defaulting beyond that.
"""

from __future__ import annotations

import base64
import copy
import dataclasses
import datetime
import itertools
from typing import Any, Literal

from hooks import conditions
from hooks.emulator import resources

Obj = dict[str, Any]
Key = tuple[str, str, str]  # (type key, namespace or "", name)
EventType = Literal["ADDED", "MODIFIED", "DELETED"]
SYSTEM_METADATA = (
    "uid",
    "resourceVersion",
    "generation",
    "creationTimestamp",
    "deletionTimestamp",
    "managedFields",
    "ownerReferences",
    "finalizers",
)
MAX_GC_OBJECTS = 10_000


class ApiError(Exception):
    """A failed API call, with the reason Kubernetes would give."""

    reason = "InternalError"


class NotFound(ApiError):
    """The object does not exist."""

    reason = "NotFound"


class AlreadyExists(ApiError):
    """An object of that name exists."""

    reason = "AlreadyExists"


class Conflict(ApiError):
    """A precondition (resourceVersion or uid) does not hold."""

    reason = "Conflict"


class Clock:
    """An injectable clock that moves only when told to."""

    def __init__(self, start: datetime.datetime) -> None:
        """Start at an aware instant."""
        if start.tzinfo is None:
            raise ValueError("start: a naive datetime; pass an aware one (UTC)")
        self._now = start

    def now(self) -> datetime.datetime:
        """Return the current instant."""
        return self._now

    def advance(self, seconds: float) -> datetime.datetime:
        """Move the clock forward and return the new instant."""
        self._now += datetime.timedelta(seconds=seconds)
        return self._now


@dataclasses.dataclass(frozen=True)
class Event:
    """One watch event: the object after the change (before it, for DELETED) and before it."""

    type: EventType
    key: Key
    obj: Obj
    old: Obj | None


def key_of(obj: Obj) -> Key:
    """Return an object's key: (type key, namespace, name)."""
    meta = obj["metadata"]
    return (resources.of(obj).key, meta.get("namespace", ""), meta["name"])


def _decode_string_data(obj: Obj) -> None:
    string_data = obj.pop("stringData", None)
    if isinstance(string_data, dict):
        data = obj.setdefault("data", {})
        for key, value in string_data.items():
            data[key] = base64.b64encode(str(value).encode()).decode()


def _default(obj: Obj) -> None:
    """Do what the API server does on every write that the hooks can observe."""
    _decode_string_data(obj)
    if obj.get("kind") == "Deployment" and isinstance(obj.get("spec"), dict):
        obj["spec"].setdefault("replicas", 1)


def _content(obj: Obj) -> Obj:
    return {k: v for k, v in obj.items() if k not in ("metadata", "status")}


class Cluster:
    """Objects by key, and an append-only list of watch events."""

    def __init__(self, clock: Clock) -> None:
        """Start empty."""
        self.clock = clock
        self.events: list[Event] = []
        self._objects: dict[Key, Obj] = {}
        self._versions = itertools.count(1)
        self._uids = itertools.count(1)

    def _emit(self, type_: EventType, key: Key, obj: Obj, old: Obj | None) -> None:
        self.events.append(Event(type_, key, copy.deepcopy(obj), copy.deepcopy(old)))

    def get(self, key: Key) -> Obj | None:
        """Return a copy of the object at key, or None."""
        found = self._objects.get(key)
        return copy.deepcopy(found) if found is not None else None

    def get_by_uid(self, uid: str) -> Obj | None:
        """Return a copy of the object with this uid, or None."""
        for obj in self._objects.values():
            if obj["metadata"]["uid"] == uid:
                return copy.deepcopy(obj)
        return None

    def object_keys(self) -> list[Key]:
        """Return the keys of every object, sorted."""
        return sorted(self._objects)

    def list(self, type_key: str, namespace: str | None = None) -> list[Obj]:
        """Return copies of the objects of a type (in one namespace, or all), sorted by key."""
        return [
            copy.deepcopy(self._objects[key])
            for key in sorted(self._objects)
            if key[0] == type_key and (namespace is None or key[1] == namespace)
        ]

    def create(self, obj: Obj) -> Obj:
        """Create an object; the server fields are set here.

        Raises:
            AlreadyExists: when the key is taken.
        """
        new = copy.deepcopy(obj)
        type_ = resources.of(new)
        meta = new.setdefault("metadata", {})
        if not type_.namespaced:
            meta.pop("namespace", None)
        key = key_of(new)
        if key in self._objects:
            raise AlreadyExists(f"{type_.kind} {key[1]}/{key[2]} already exists")
        for field in SYSTEM_METADATA:
            if field not in ("ownerReferences", "finalizers"):
                meta.pop(field, None)
        meta["uid"] = f"uid-{next(self._uids):04d}"
        meta["resourceVersion"] = str(next(self._versions))
        meta["creationTimestamp"] = conditions.format_time(self.clock.now())
        if "spec" in new:
            meta["generation"] = 1
        _default(new)
        self._objects[key] = new
        self._emit("ADDED", key, new, None)
        return copy.deepcopy(new)

    def _require(self, key: Key, uid: str | None = None) -> Obj:
        current = self._objects.get(key)
        if current is None:
            raise NotFound(f"{key[0]} {key[1]}/{key[2]} not found")
        if uid is not None and current["metadata"]["uid"] != uid:
            raise Conflict(f"{key[0]} {key[1]}/{key[2]}: uid precondition failed")
        return current

    def update(self, obj: Obj) -> Obj:
        """Replace an object's metadata and content, keeping its status and server fields.

        Labels, annotations, finalizers and ownerReferences come from obj. A no-op writes
        nothing.

        Raises:
            NotFound: when it does not exist.
            Conflict: when obj carries a different resourceVersion.
        """
        key = key_of(obj)
        current = self._require(key)
        meta = obj["metadata"]
        version = meta.get("resourceVersion")
        if version is not None and version != current["metadata"]["resourceVersion"]:
            raise Conflict(f"{key[0]} {key[1]}/{key[2]}: the object has been modified")
        new = copy.deepcopy(obj)
        _default(new)
        new_meta = new["metadata"]
        for field in ("uid", "creationTimestamp", "deletionTimestamp", "generation"):
            if field in current["metadata"]:
                new_meta[field] = current["metadata"][field]
            else:
                new_meta.pop(field, None)
        if "status" in current:
            new["status"] = copy.deepcopy(current["status"])
        else:
            new.pop("status", None)
        return self._store(key, current, new)

    def update_status(self, key: Key, status: Obj) -> Obj:
        """Replace an object's status (the /status subresource).

        Raises:
            NotFound: when it does not exist.
        """
        current = self._require(key)
        new = copy.deepcopy(current)
        new["status"] = copy.deepcopy(status)
        return self._store(key, current, new)

    def _store(self, key: Key, current: Obj, new: Obj) -> Obj:
        new["metadata"]["resourceVersion"] = current["metadata"]["resourceVersion"]
        if new == current:
            return copy.deepcopy(current)
        if "generation" in current["metadata"] and _content(new) != _content(current):
            new["metadata"]["generation"] = current["metadata"]["generation"] + 1
        new["metadata"]["resourceVersion"] = str(next(self._versions))
        old = self._objects[key]
        self._objects[key] = new
        self._emit("MODIFIED", key, new, old)
        if new["metadata"].get("deletionTimestamp") and not new["metadata"].get("finalizers"):
            self._remove(key)
        return copy.deepcopy(new)

    def delete(self, key: Key, uid: str | None = None) -> None:
        """Delete an object: mark it while finalizers remain, else remove it and its dependents.

        Raises:
            NotFound: when it does not exist.
            Conflict: when uid is given and differs.
        """
        current = self._require(key, uid)
        if current["metadata"].get("finalizers"):
            if not current["metadata"].get("deletionTimestamp"):
                new = copy.deepcopy(current)
                new["metadata"]["deletionTimestamp"] = conditions.format_time(self.clock.now())
                self._store(key, current, new)
            return
        self._remove(key)

    def _remove(self, key: Key) -> None:
        """Remove an object, then garbage-collect its dependents (background propagation)."""
        pending = [key]
        for _ in range(MAX_GC_OBJECTS):
            if not pending:
                return
            current = self._objects.pop(pending.pop(0), None)
            if current is None:
                continue
            self._emit("DELETED", key_of(current), current, current)
            uid = current["metadata"]["uid"]
            for dep_key, dep in sorted(self._objects.items()):
                refs = dep["metadata"].get("ownerReferences") or []
                if any(ref.get("uid") == uid for ref in refs):
                    self.delete(dep_key) if dep["metadata"].get("finalizers") else pending.append(
                        dep_key
                    )
        raise RuntimeError(f"garbage collection of more than {MAX_GC_OBJECTS} objects")

    def apply(self, obj: Obj) -> Obj:
        """Create the object, or replace the content of the existing one.

        Like kubectl apply of a complete manifest: status, server fields, finalizers and
        ownerReferences are kept.
        """
        key = key_of(obj)
        current = self._objects.get(key)
        if current is None:
            return self.create(obj)
        new = copy.deepcopy(obj)
        meta = new.setdefault("metadata", {})
        for field in ("finalizers", "ownerReferences"):
            if field in current["metadata"]:
                meta[field] = copy.deepcopy(current["metadata"][field])
        meta.pop("resourceVersion", None)
        return self.update(new)
