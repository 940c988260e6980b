"""Kubernetes object builders shared by the hooks: names, labels, ConfigMaps, carry-over."""

from __future__ import annotations

import copy
import hashlib
import json
import re
from typing import Any

from hooks import envelope, fields, jsontext
from hooks.api import common

# Outer keys of the types the hooks read or write, as Metacontroller spells them.
CONFIG_MAP = envelope.type_key("v1", "ConfigMap")
SECRET = envelope.type_key("v1", "Secret")
SERVICE = envelope.type_key("v1", "Service")
DEPLOYMENT = envelope.type_key("apps/v1", "Deployment")
HPA = envelope.type_key("autoscaling/v2", "HorizontalPodAutoscaler")
ENDPOINT_SLICE = envelope.type_key("discovery.k8s.io/v1", "EndpointSlice")
AGENT_RUNTIME = envelope.type_key(common.API_VERSION, "AgentRuntime")
PROMPT_PACK = envelope.type_key(common.API_VERSION, "PromptPack")
TOOL_REGISTRY = envelope.type_key(common.API_VERSION, "ToolRegistry")
PROVIDER = envelope.type_key(common.API_VERSION, "Provider")

LABEL_NAME = "app.kubernetes.io/name"
LABEL_INSTANCE = "app.kubernetes.io/instance"
LABEL_MANAGED_BY = "app.kubernetes.io/managed-by"
LABEL_COMPONENT = "app.kubernetes.io/component"
MANAGED_BY = "omnia"
AGENT_APP = "omnia-agent"
PROMPTPACK_APP = "omnia-promptpack"

ANNOTATION_PACK_VERSION = common.GROUP + "/pack-version"
ANNOTATION_PACK_ID = common.GROUP + "/pack-id"
ANNOTATION_PACK_NAME = common.GROUP + "/promptpack"
LAST_APPLIED_ANNOTATION = "metacontroller.k8s.io/last-applied-configuration"

MAX_OBJECT_NAME = 253
MAX_LABEL = 63
HASH_CHARS = 8
PUBLISHED_PACK_SUFFIX = "-omnia-pack"
_DNS_LABEL = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
_KEPT_METADATA = ("name", "namespace", "labels", "annotations")


def _short_hash(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:HASH_CHARS]


def child_name(base: str, suffix: str = "", max_len: int = MAX_OBJECT_NAME) -> str:
    """Return base+suffix, or a truncated base with a hash of it when that would be too long.

    The result is a stable function of its arguments, so two hooks that agree on the base agree
    on the name.
    """
    name = base + suffix
    if len(name) <= max_len:
        return name
    keep = max_len - len(suffix) - HASH_CHARS - 1
    return f"{base[:keep].rstrip('-.')}-{_short_hash(base)}{suffix}"


def dns_label(name: str) -> str:
    """Return name when it is a DNS-1035 label (a Service name, a label value), else a safe one.

    A name with dots, a leading digit or more than 63 characters becomes a sanitized prefix plus
    a hash of the full name.
    """
    if len(name) <= MAX_LABEL and _DNS_LABEL.match(name):
        return name
    cleaned = re.sub(r"[^a-z0-9-]", "-", name.lower()).strip("-")
    prefix = ("x-" + cleaned) if not cleaned[:1].isalpha() else cleaned
    return f"{prefix[: MAX_LABEL - HASH_CHARS - 1].rstrip('-')}-{_short_hash(name)}"


def published_pack_name(pack_name: str) -> str:
    """Return the name of the ConfigMap a PromptPack publishes its validated pack in."""
    return child_name(pack_name, PUBLISHED_PACK_SUFFIX)


def labels(app: str, instance: str, component: str) -> dict[str, str]:
    """Return the labels every Omnia child carries."""
    return {
        LABEL_NAME: app,
        LABEL_INSTANCE: dns_label(instance),
        LABEL_MANAGED_BY: MANAGED_BY,
        LABEL_COMPONENT: component,
    }


def selector_labels(app: str, instance: str) -> dict[str, str]:
    """Return the labels a Deployment and Service select their pods by (only ones we set)."""
    return {LABEL_NAME: app, LABEL_INSTANCE: dns_label(instance)}


def metadata(
    name: str,
    namespace: str,
    object_labels: dict[str, str],
    annotations: dict[str, str] | None = None,
) -> dict[str, Any]:
    """Return the metadata of a child: only the fields we own."""
    meta: dict[str, Any] = {"name": name, "namespace": namespace, "labels": object_labels}
    if annotations:
        meta["annotations"] = annotations
    return meta


def config_map(
    meta: dict[str, Any],
    data: dict[str, str],
) -> dict[str, Any]:
    """Return a ConfigMap with the given metadata and data."""
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta, "data": data}


def digest(value: Any) -> str:
    """Return the SHA-256 hex digest of a value's canonical JSON."""
    return hashlib.sha256(jsontext.canonical(value).encode()).hexdigest()


def _last_applied(obj: dict[str, Any]) -> dict[str, Any] | None:
    text = fields.text(obj, "metadata", "annotations", LAST_APPLIED_ANNOTATION)
    if text is None:
        return None
    try:
        applied = json.loads(text)
    except json.JSONDecodeError:
        return None
    return applied if isinstance(applied, dict) and applied.get("kind") == obj.get("kind") else None


def carry_over(obj: dict[str, Any]) -> dict[str, Any]:
    """Return an observed child as a desired one, so that returning it changes nothing.

    Metacontroller's last-applied annotation holds exactly what a hook returned last time; when
    it is absent, the object is stripped of status and of every server-set metadata field.
    """
    applied = _last_applied(obj)
    source = applied if applied is not None else obj
    kept = {k: copy.deepcopy(v) for k, v in source.items() if k not in ("status", "metadata")}
    meta = fields.mapping(source, "metadata")
    kept["metadata"] = {k: copy.deepcopy(meta[k]) for k in _KEPT_METADATA if k in meta}
    annotations = kept["metadata"].get("annotations")
    if isinstance(annotations, dict):
        annotations.pop(LAST_APPLIED_ANNOTATION, None)
        if not annotations:
            del kept["metadata"]["annotations"]
    return kept


def carry_over_all(request: envelope.SyncRequest) -> list[dict[str, Any]]:
    """Return every observed child as a desired one: a bad input keeps what runs."""
    return [
        carry_over(child) for key in sorted(request.children) for child in request.children_of(key)
    ]


def annotation(obj: dict[str, Any] | None, key: str) -> str | None:
    """Return an object's annotation value, when it has one."""
    return fields.text(obj, "metadata", "annotations", key)


def config_data(obj: dict[str, Any] | None, key: str) -> str | None:
    """Return a ConfigMap's data value at key, when there is one."""
    return fields.text(obj, "data", key)
