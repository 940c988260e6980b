"""One CompositeController's sync of one parent, as Metacontroller performs it.

Request shape, children claimed by ownerReference and selector (adoption and release),
customize with its per-(uid, generation) cache and selection rules, strict v2 decoding, and the
application order: desired-child checks, deletes, creates, updates per updateStrategy, then the
wholesale status with observedGeneration, then finalizer removal.
"""

from __future__ import annotations

import copy
import dataclasses
import datetime
import json
from typing import Any

from hooks import labels
from hooks.api import common
from hooks.emulator import children, cluster, related, resources, transport
from hooks.emulator.errors import SyncFailed

Obj = dict[str, Any]
FINALIZER_PREFIX = "metacontroller.io/compositecontroller-"
DEFAULT_TIMEOUT_S = 10.0
CUSTOMIZE_TTL_S = 20 * 60
SYNC_KEYS = frozenset({"status", "children", "resyncAfterSeconds", "finalized"})
CUSTOMIZE_KEYS = frozenset({"relatedResources"})
RETRY_AFTER_DEFAULT_S = 1.0


@dataclasses.dataclass(frozen=True)
class HookCall:
    """One hook call the emulator made."""

    controller: str
    hook: str
    parent: cluster.Key
    ok: bool
    error: str = ""


@dataclasses.dataclass
class Shared:
    """State shared by every controller of one emulator: the call log and warm informers."""

    calls: list[HookCall] = dataclasses.field(default_factory=list)
    warm_types: set[str] = dataclasses.field(default_factory=set)
    informer_warmup: bool = True


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"duplicate field {key!r}")
        out[key] = value
    return out


class Composite:
    """A CompositeController: its parent type, child types and hooks."""

    def __init__(
        self, controller: Obj, store: cluster.Cluster, wire: transport.Transport, shared: Shared
    ) -> None:
        """Prepare a controller object (as `hooks.controllers.render` returns it)."""
        self.object = controller
        self.name: str = controller["metadata"]["name"]
        spec = controller["spec"]
        self.spec = spec
        parent = spec["parentResource"]
        self.parent_type = resources.by_resource(parent["apiVersion"], parent["resource"])
        methods: dict[str, str] = {}
        for child in spec.get("childResources") or []:
            type_ = resources.by_resource(child["apiVersion"], child["resource"])
            methods[type_.key] = (child.get("updateStrategy") or {}).get("method", "OnDelete")
        self.child_types = children.ChildTypes(
            self.name, methods, bool(spec.get("generateSelector"))
        )
        self.hooks: dict[str, Obj] = dict(spec.get("hooks") or {})
        self.finalizer = FINALIZER_PREFIX + self.name
        self._store = store
        self._wire = wire
        self._shared = shared
        self._cache: dict[str, tuple[int | None, datetime.datetime, list[Obj]]] = {}

    def version(self, hook: str) -> str:
        """Return a hook's version (v1 when unset, as the CRD defaults it)."""
        return str(self.hooks.get(hook, {}).get("version", "v1"))

    def selector(self, parent: Obj) -> Obj:
        """Return the selector children must match.

        Raises:
            SyncFailed: when generateSelector is off and the parent has no usable spec.selector.
        """
        if self.spec.get("generateSelector"):
            return {"matchLabels": {children.CONTROLLER_UID_LABEL: parent["metadata"]["uid"]}}
        found = (parent.get("spec") or {}).get("selector") or {}
        if not found.get("matchLabels") and not found.get("matchExpressions"):
            raise SyncFailed(
                ".spec.selector must have either matchLabels, matchExpressions, or both"
            )
        return dict(found)

    def cached_rules(self, parent: Obj) -> list[Obj] | None:
        """Return the customize rules cached for the parent's current generation, if any."""
        entry = self._cache.get(parent["metadata"]["uid"])
        if entry is None:
            return None
        generation, expiry, rules = entry
        if generation != parent["metadata"].get("generation") or expiry <= self._store.clock.now():
            return None
        return rules

    # --- hook calls ------------------------------------------------------------------------

    def _url(self, hook: str) -> str:
        webhook = self.hooks[hook].get("webhook") or {}
        if webhook.get("url"):
            return str(webhook["url"])
        service = webhook.get("service") or {}
        port = service.get("port", 80)
        base = f"{service.get('protocol', 'http')}://{service['name']}.{service['namespace']}"
        return f"{base}:{port}{webhook.get('path', '')}"

    def _timeout_s(self, hook: str) -> float:
        text = (self.hooks[hook].get("webhook") or {}).get("timeout")
        seconds = common.parse_duration(text) if isinstance(text, str) and text else 0.0
        return seconds if seconds > 0 else DEFAULT_TIMEOUT_S

    def _strict(self, hook: str) -> bool:
        mode = (self.hooks[hook].get("webhook") or {}).get("responseUnMarshallMode")
        return mode == "strict" or (mode is None and self.version(hook) == "v2")

    def call(
        self, hook: str, parent_key: cluster.Key, request: Obj, allowed: frozenset[str]
    ) -> Obj:
        """POST a request to a hook and decode the answer.

        Raises:
            SyncFailed: on no answer, a non-200, bad JSON, or (strict) an unknown field.
        """
        try:
            answer = self._post(hook, request, allowed)
        except SyncFailed as error:
            self._shared.calls.append(HookCall(self.name, hook, parent_key, False, str(error)))
            raise
        self._shared.calls.append(HookCall(self.name, hook, parent_key, True))
        return answer

    def _post(self, hook: str, request: Obj, allowed: frozenset[str]) -> Obj:
        url = self._url(hook)
        try:
            reply = self._wire.post(url, json.dumps(request).encode(), self._timeout_s(hook))
        except transport.TransportError as error:
            raise SyncFailed(f"{hook} hook: {error}") from error
        if reply.status == 429:
            retry = reply.retry_after
            delay = float(retry) if retry and retry.isdigit() else RETRY_AFTER_DEFAULT_S
            raise SyncFailed(f"{hook} hook: 429 Too Many Requests", retry_after_s=delay)
        if reply.status != 200:
            raise SyncFailed(f"{hook} hook: HTTP {reply.status}: {reply.body[:200]!r}")
        try:
            answer = json.loads(reply.body, object_pairs_hook=_no_duplicates)
        except ValueError as error:
            raise SyncFailed(f"{hook} hook: can't unmarshal response: {error}") from error
        if not isinstance(answer, dict):
            raise SyncFailed(f"{hook} hook: response is not a JSON object")
        unknown = sorted(set(answer) - allowed)
        if unknown and self._strict(hook):
            raise SyncFailed(f"{hook} hook: unknown field(s) {', '.join(unknown)} (strict)")
        return answer

    # --- related objects -------------------------------------------------------------------

    def _rules(self, parent: Obj, key: cluster.Key) -> list[Obj]:
        cached = self.cached_rules(parent)
        if cached is not None:
            return cached
        request = {"controller": self.object, "parent": parent}
        answer = self.call("customize", key, request, CUSTOMIZE_KEYS)
        rules = answer.get("relatedResources") or []
        if not isinstance(rules, list):
            raise SyncFailed("customize hook: relatedResources is not a list")
        expiry = self._store.clock.now() + datetime.timedelta(seconds=CUSTOMIZE_TTL_S)
        self._cache[parent["metadata"]["uid"]] = (
            parent["metadata"].get("generation"),
            expiry,
            rules,
        )
        return rules

    def related(self, parent: Obj, key: cluster.Key) -> dict[str, dict[str, Obj]]:
        """Return the related objects of the parent ({} without a customize hook).

        Raises:
            SyncFailed: when customize fails, a rule is invalid, or an informer is still cold.
        """
        if "customize" not in self.hooks:
            return {}
        rules = self._rules(parent, key)
        namespace = parent["metadata"].get("namespace", "")
        try:
            found = related.select(self._store, rules, self.version("customize"), namespace)
        except related.RuleError as error:
            raise SyncFailed(f"customize rules: {error}") from error
        cold = set(found) - self._shared.warm_types
        if cold and self._shared.informer_warmup:
            self._shared.warm_types |= cold
            raise SyncFailed(f"related informer not synced yet: {', '.join(sorted(cold))}")
        if self.version("sync") == "v1":
            return {
                type_key: {
                    obj["metadata"]["name"]: obj
                    for obj in objects.values()
                    if obj["metadata"].get("namespace") == namespace
                }
                for type_key, objects in found.items()
            }
        return found

    def _ensure_finalizer(self, parent: Obj) -> Obj:
        finalizers = parent["metadata"].get("finalizers") or []
        if (
            "finalize" not in self.hooks
            or children.is_terminating(parent)
            or self.finalizer in finalizers
        ):
            return parent
        changed = copy.deepcopy(parent)
        changed["metadata"]["finalizers"] = [*finalizers, self.finalizer]
        return self._store.update(changed)

    def _remove_finalizer(self, key: cluster.Key) -> None:
        live = self._store.get(key)
        if live is None or self.finalizer not in (live["metadata"].get("finalizers") or []):
            return
        live["metadata"]["finalizers"].remove(self.finalizer)
        self._store.update(live)

    def _lifecycle(self, parent: Obj | None) -> tuple[Obj, bool, bool] | None:
        """Return (parent, deleting, finalizing), or None for a parent that is not ours.

        A parent that stops matching parentResource.labelSelector is finalized like a deleted
        one while it still carries our finalizer, and ignored after that.
        """
        if parent is None:
            return None
        selector = self.spec["parentResource"].get("labelSelector")
        matches = selector is None or labels.is_match(selector, parent["metadata"].get("labels"))
        held = self.finalizer in (parent["metadata"].get("finalizers") or [])
        if not matches and not held:
            return None
        if matches:
            parent = self._ensure_finalizer(parent)
            held = self.finalizer in (parent["metadata"].get("finalizers") or [])
        deleting = children.is_terminating(parent) or not matches
        return parent, deleting, deleting and "finalize" in self.hooks and held

    def sync(self, key: cluster.Key) -> float | None:
        """Sync (or finalize) one parent; return its resyncAfterSeconds, if any.

        Raises:
            SyncFailed: when nothing was applied, or when some child operation failed.
        """
        found = self._lifecycle(self._store.get(key))
        if found is None:
            return None
        parent, deleting, finalizing = found
        selector = self.selector(parent)
        request = {
            "controller": self.object,
            "parent": parent,
            "children": {},
            "related": self.related(parent, key),
            "finalizing": finalizing,
        }
        claimed = children.claim(self._store, self.child_types, parent, selector)
        v2 = self.version("sync") == "v2"
        request["children"] = children.request_map(self.child_types, claimed, v2)
        answer = self.call("finalize" if finalizing else "sync", key, request, SYNC_KEYS)
        status = answer.get("status")
        if status is not None and not isinstance(status, dict):
            raise SyncFailed("sync hook: status is not an object")
        wanted = children.desired(self.child_types, parent, answer, selector)
        errors = []
        if not deleting or finalizing:
            errors = children.manage(self._store, self.child_types, parent, claimed, wanted)
        children.write_status(self._store, key, parent, status)
        if finalizing and answer.get("finalized") is True:
            self._remove_finalizer(key)
        if errors:
            raise SyncFailed("; ".join(errors))
        resync = answer.get("resyncAfterSeconds")
        return float(resync) if isinstance(resync, int | float) and resync > 0 else None
