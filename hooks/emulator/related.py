"""Resolve customize rules to related objects, with Metacontroller's selection rules and errors."""

from __future__ import annotations

from typing import Any

from hooks import envelope, labels
from hooks.emulator import cluster, resources

Obj = dict[str, Any]


class RuleError(ValueError):
    """A customize rule Metacontroller rejects; the sync fails with this message."""


def _check(rule: Obj, version: str, parent_namespace: str) -> None:
    has_names = bool(rule.get("names"))
    has_label = rule.get("labelSelector") is not None
    has_ns_selector = rule.get("namespaceSelector") is not None
    namespace = rule.get("namespace")
    if has_names and (has_label or has_ns_selector):
        raise RuleError("names cannot be combined with labelSelector or namespaceSelector")
    if namespace and has_ns_selector:
        raise RuleError("namespace cannot be combined with namespaceSelector")
    if version == "v1" and has_ns_selector:
        raise RuleError("namespaceSelector needs customize hook version v2")
    if version == "v1" and namespace and namespace != parent_namespace:
        raise RuleError(
            f"namespace {namespace} differs from the parent's {parent_namespace} (hook v1)"
        )


def _namespaces(store: cluster.Cluster, selector: Obj) -> set[str]:
    namespace_type = resources.by_kind("v1", "Namespace").key
    return {
        ns["metadata"]["name"]
        for ns in store.list(namespace_type)
        if labels.is_match(selector, ns["metadata"].get("labels"))
    }


def _in_scope(obj: Obj, rule: Obj, scope: str | set[str] | None) -> bool:
    meta = obj["metadata"]
    if isinstance(scope, str) and meta.get("namespace", "") != scope:
        return False
    if isinstance(scope, set) and meta.get("namespace", "") not in scope:
        return False
    names = rule.get("names")
    if names:
        return bool(meta["name"] in names)
    selector = rule.get("labelSelector")
    return selector is None or labels.is_match(selector, meta.get("labels"))


def _scope(
    store: cluster.Cluster, rule: Obj, type_: resources.ResourceType, version: str, parent_ns: str
) -> str | set[str] | None:
    """Return the namespace to list (str), the namespaces (set), or None for the whole cluster."""
    if not type_.namespaced:
        return None
    if rule.get("namespaceSelector") is not None:
        return _namespaces(store, rule["namespaceSelector"])
    if rule.get("namespace"):
        return str(rule["namespace"])
    return parent_ns if version == "v1" else None


def select(
    store: cluster.Cluster, rules: list[Obj], version: str, parent_namespace: str
) -> dict[str, dict[str, Obj]]:
    """Return the related objects by type key then object key, one entry per rule type.

    Raises:
        RuleError: for a malformed rule, a forbidden combination, or an unknown type.
    """
    related: dict[str, dict[str, Obj]] = {}
    for rule in rules:
        if not isinstance(rule, dict):
            raise RuleError("relatedResources: every rule must be an object")
        try:
            type_ = resources.by_resource(str(rule.get("apiVersion")), str(rule.get("resource")))
        except resources.UnknownType as error:
            raise RuleError(str(error)) from error
        _check(rule, version, parent_namespace)
        if version == "v1" and not type_.namespaced:
            related.setdefault(type_.key, {})
            continue  # v1 requests drop cluster-scoped related objects
        scope = _scope(store, rule, type_, version, parent_namespace)
        found = related.setdefault(type_.key, {})
        for obj in store.list(type_.key):
            if _in_scope(obj, rule, scope):
                meta = obj["metadata"]
                ns = meta.get("namespace")
                key = meta["name"] if version == "v1" else envelope.object_key(ns, meta["name"])
                found[key] = obj
    return related


def matches(
    store: cluster.Cluster, rules: list[Obj], version: str, parent_ns: str, obj: Obj
) -> bool:
    """Whether an object falls under any of a parent's rules (to re-sync it on a change)."""
    for rule in rules:
        try:
            type_ = resources.by_resource(str(rule.get("apiVersion")), str(rule.get("resource")))
        except resources.UnknownType:
            continue
        if type_.key != resources.of(obj).key:
            continue
        if _in_scope(obj, rule, _scope(store, rule, type_, version, parent_ns)):
            return True
    return False
