"""Metacontroller hook requests and responses: parse the envelope, build the reply."""

from __future__ import annotations

import dataclasses
from typing import Any

ObjectMap = dict[str, dict[str, Any]]
# The top-level fields of a sync answer that Metacontroller's strict v2 decoding accepts.
SYNC_FIELDS = ("status", "children", "finalized", "resyncAfterSeconds")
TypeMaps = dict[str, ObjectMap]


class BadRequest(ValueError):
    """A body that is not a Metacontroller hook request; the message names the bad field."""


def type_key(api_version: str, kind: str) -> str:
    """Return the request's outer key of a type: Kind.v1 for core, Kind.group/version else."""
    return f"{kind}.{api_version}"


def object_key(namespace: str | None, name: str) -> str:
    """Return the v2 inner key of an object: ns/name when namespaced, name when cluster-scoped."""
    return f"{namespace}/{name}" if namespace else name


@dataclasses.dataclass(frozen=True)
class ParentRequest:
    """What every hook request carries: the controller and the parent."""

    controller: dict[str, Any]
    parent: dict[str, Any]

    @property
    def name(self) -> str:
        """The parent's name."""
        name: str = self.parent["metadata"]["name"]
        return name

    @property
    def namespace(self) -> str:
        """The parent's namespace."""
        namespace: str = self.parent["metadata"]["namespace"]
        return namespace


@dataclasses.dataclass(frozen=True)
class SyncRequest(ParentRequest):
    """A sync or finalize request of a CompositeController."""

    children: TypeMaps
    related: TypeMaps
    finalizing: bool

    @property
    def generation(self) -> int | None:
        """The parent's metadata.generation, when the request carries one."""
        generation = self.parent["metadata"].get("generation")
        return generation if isinstance(generation, int) else None

    @property
    def observed_status(self) -> dict[str, Any]:
        """The parent's current status ({} when it has none)."""
        status = self.parent.get("status")
        return status if isinstance(status, dict) else {}

    def child(self, key: str, name: str) -> dict[str, Any] | None:
        """Return the observed child of type `key` named `name` in the parent's namespace."""
        children = self.children.get(key, {})
        return children.get(object_key(self.namespace, name)) or children.get(name)

    def children_of(self, key: str) -> list[dict[str, Any]]:
        """Return the observed children of one type, sorted by their keys."""
        children = self.children.get(key, {})
        return [children[k] for k in sorted(children)]

    def related_object(self, key: str, namespace: str, name: str) -> dict[str, Any] | None:
        """Return the related object of type `key` at namespace/name, if Metacontroller sent it."""
        objects = self.related.get(key, {})
        found = objects.get(object_key(namespace, name))
        if found is None and namespace == self.namespace:
            found = objects.get(name)  # v1 keys: a bare name in the parent's namespace
        return found

    def related_of(self, key: str) -> list[dict[str, Any]]:
        """Return the related objects of one type, sorted by their keys."""
        objects = self.related.get(key, {})
        return [objects[k] for k in sorted(objects)]


@dataclasses.dataclass(frozen=True)
class CustomizeRequest(ParentRequest):
    """A customize request: the controller and the parent, no cluster state."""


def _object(value: object, path: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise BadRequest(f"{path}: expected a JSON object, got {type(value).__name__}")
    return value


def _parent(body: dict[str, Any]) -> dict[str, Any]:
    parent = _object(body.get("parent"), "parent")
    metadata = _object(parent.get("metadata"), "parent.metadata")
    for field in ("name", "namespace"):
        value = metadata.get(field)
        if not isinstance(value, str) or not value:
            raise BadRequest(f"parent.metadata.{field}: expected a non-empty string")
    return parent


def _type_maps(value: object, path: str) -> TypeMaps:
    if value is None:
        return {}
    maps = _object(value, path)
    for type_name, objects in maps.items():
        for key, obj in _object(objects, f"{path}[{type_name!r}]").items():
            where = f"{path}[{type_name!r}][{key!r}]"
            meta = _object(_object(obj, where).get("metadata"), f"{where}.metadata")
            if not isinstance(meta.get("name"), str):
                raise BadRequest(f"{where}.metadata.name: expected a string")
            if not isinstance(meta.get("namespace", ""), str):
                raise BadRequest(f"{where}.metadata.namespace: expected a string")
    return maps


def parse_sync(body: object) -> SyncRequest:
    """Return the sync (or finalize) request in a decoded JSON body.

    Raises:
        BadRequest: when the body lacks a parent with a name and namespace, or when its children
            or related maps are not objects of objects.
    """
    envelope = _object(body, "body")
    finalizing = envelope.get("finalizing", False)
    if not isinstance(finalizing, bool):
        raise BadRequest("finalizing: expected true or false")
    return SyncRequest(
        controller=_object(envelope.get("controller", {}), "controller"),
        parent=_parent(envelope),
        children=_type_maps(envelope.get("children"), "children"),
        related=_type_maps(envelope.get("related"), "related"),
        finalizing=finalizing,
    )


def parse_customize(body: object) -> CustomizeRequest:
    """Return the customize request in a decoded JSON body.

    Raises:
        BadRequest: when the body lacks a parent with a name and namespace.
    """
    envelope = _object(body, "body")
    return CustomizeRequest(
        controller=_object(envelope.get("controller", {}), "controller"),
        parent=_parent(envelope),
    )


def sync_response(
    status: dict[str, Any],
    children: list[dict[str, Any]],
    *,
    finalized: bool | None = None,
    resync_after_s: float | None = None,
) -> dict[str, Any]:
    """Return a sync or finalize response; only the fields strict v2 decoding accepts."""
    response: dict[str, Any] = {"status": status, "children": children}
    if finalized is not None:
        response["finalized"] = finalized
    if resync_after_s is not None:
        response["resyncAfterSeconds"] = resync_after_s
    return response


def customize_response(rules: list[dict[str, Any]]) -> dict[str, Any]:
    """Return a customize response listing the related-resource rules."""
    return {"relatedResources": rules}
