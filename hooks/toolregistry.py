"""ToolRegistry hooks: resolve every tool to endpoints from URLs, Services and EndpointSlices."""

from __future__ import annotations

import datetime
from typing import Any

from hooks import conditions, envelope, fields, jsontext, k8s, labels, specs, tooldiscovery
from hooks.api import common
from hooks.api import toolregistry as api
from hooks.settings import HookSettings

TOOLS_DISCOVERED = "ToolsDiscovered"
SERVICE_NAME_LABEL = "kubernetes.io/service-name"


def _selectors(spec: api.ToolRegistrySpec) -> list[api.ServiceSelector]:
    found = [t.endpoint.selector for t in spec.tools if t.endpoint.selector is not None]
    return found + [rule.selector for rule in spec.discovery]


def customize(request: envelope.CustomizeRequest) -> dict[str, Any]:
    """Ask for the selected Services and the EndpointSlices of their namespaces."""
    spec, _ = specs.parse(api.ToolRegistrySpec, request.parent)
    if spec is None:
        return envelope.customize_response([])
    service_rules: dict[str, dict[str, Any]] = {}
    namespaces: set[str] = set()
    for selector in _selectors(spec):
        namespace = selector.namespace or request.namespace
        namespaces.add(namespace)
        rule = {
            "apiVersion": "v1",
            "resource": "services",
            "namespace": namespace,
            "labelSelector": tooldiscovery.label_selector(selector),
        }
        service_rules[jsontext.canonical(rule)] = rule
    slice_rules = [
        {
            "apiVersion": "discovery.k8s.io/v1",
            "resource": "endpointslices",
            "namespace": namespace,
            "labelSelector": {
                "matchExpressions": [{"key": SERVICE_NAME_LABEL, "operator": "Exists"}]
            },
        }
        for namespace in sorted(namespaces)
    ]
    rules = [service_rules[key] for key in sorted(service_rules)]
    return envelope.customize_response(rules + slice_rules)


def matching_services(
    request: envelope.SyncRequest, selector: api.ServiceSelector
) -> list[dict[str, Any]]:
    """Return the related Services a selector matches, sorted by namespace and name."""
    namespace = selector.namespace or request.namespace
    wanted = tooldiscovery.label_selector(selector)
    return [
        svc
        for svc in request.related_of(k8s.SERVICE)
        if fields.text(svc, "metadata", "namespace") == namespace
        and labels.is_match(wanted, fields.strings(svc, "metadata", "labels"))
    ]


def ready_services(request: envelope.SyncRequest) -> frozenset[tuple[str | None, str]]:
    """Return (namespace, name) of every Service an EndpointSlice lists a ready endpoint for.

    One pass over the slices, so that resolving n tools against m slices costs n + m, not n * m.
    """
    ready: set[tuple[str | None, str]] = set()
    for slice_ in request.related_of(k8s.ENDPOINT_SLICE):
        service = fields.strings(slice_, "metadata", "labels").get(SERVICE_NAME_LABEL)
        # As Kubernetes says of EndpointConditions: an unset ready means ready.
        if service is not None and any(
            fields.dig(e, "conditions", "ready") is not False
            for e in fields.items(slice_, "endpoints")
        ):
            ready.add((fields.text(slice_, "metadata", "namespace"), service))
    return frozenset(ready)


def _resolve(
    request: envelope.SyncRequest, spec: api.ToolRegistrySpec, settings: HookSettings
) -> list[api.DiscoveredTool]:
    ready = ready_services(request)
    context = tooldiscovery.Context(
        cluster_domain=settings.cluster_domain,
        is_ready=lambda svc: (
            (fields.text(svc, "metadata", "namespace"), svc["metadata"]["name"]) in ready
        ),
    )
    entries: list[api.DiscoveredTool] = []
    for tool in spec.tools:
        selector = tool.endpoint.selector
        if selector is None:
            entries.append(tooldiscovery.url_tool(tool))
            continue
        services = matching_services(request, selector)
        namespace = selector.namespace or request.namespace
        entries += tooldiscovery.selector_tools(tool, services, namespace, context)
    reserved = frozenset(tool.name for tool in spec.tools)
    for rule in spec.discovery:
        services = matching_services(request, rule.selector)
        entries += tooldiscovery.discovered_tools(rule, services, reserved, context)
    return sorted(entries, key=lambda e: (e.name, e.endpoint, e.service or ""))


def _summary(entries: list[api.DiscoveredTool]) -> tuple[str, common.Condition]:
    available = sum(1 for e in entries if e.status == "Available")
    if not entries:
        message = "no tools: no tool is defined and no Service matches a discovery rule"
        return "Failed", conditions.condition(TOOLS_DISCOVERED, False, "NoTools", message)
    if available == 0:
        message = f"none of {len(entries)} tool endpoints is available"
        return "Failed", conditions.condition(TOOLS_DISCOVERED, False, "NoneAvailable", message)
    message = f"{available} of {len(entries)} tool endpoints available"
    if available < len(entries):
        down = sorted({e.name for e in entries if e.status != "Available"})
        message += f"; unavailable: {', '.join(down)}"
        return "Degraded", conditions.condition(TOOLS_DISCOVERED, True, "SomeUnavailable", message)
    return "Ready", conditions.condition(TOOLS_DISCOVERED, True, "AllAvailable", message)


def sync(
    request: envelope.SyncRequest, settings: HookSettings, now: datetime.datetime
) -> dict[str, Any]:
    """Resolve every tool; a broken Service makes its own tool Unavailable, never the registry."""
    spec, problem = specs.parse(api.ToolRegistrySpec, request.parent)
    if spec is None:
        discovered = conditions.condition(TOOLS_DISCOVERED, False, "InvalidSpec", problem)
        ready = conditions.condition(conditions.READY, False, "InvalidSpec", problem)
        return _response(request, now, "Failed", [ready, discovered], [])
    entries = _resolve(request, spec, settings)
    phase, discovered = _summary(entries)
    ready = conditions.condition(
        conditions.READY,
        phase == "Ready",
        discovered.reason,
        discovered.message,
    )
    return _response(request, now, phase, [ready, discovered], entries)


def _response(
    request: envelope.SyncRequest,
    now: datetime.datetime,
    phase: str,
    parts: list[common.Condition],
    entries: list[api.DiscoveredTool],
) -> dict[str, Any]:
    status = api.ToolRegistryStatus.model_validate(
        {
            "phase": phase,
            "discoveredToolsCount": sum(1 for e in entries if e.status == "Available"),
            "discoveredTools": entries,
            "conditions": conditions.settle(
                parts, request.observed_status, now, request.generation
            ),
        }
    )
    return envelope.sync_response(status.model_dump(by_alias=True, exclude_none=True), [])


def is_usable(status: api.ToolRegistryStatus | None) -> bool:
    """Whether a registry's status describes its current spec's tools (not an invalid spec)."""
    if status is None or status.phase in (None, "Pending"):
        return False
    found = next((c for c in status.conditions if c.type == TOOLS_DISCOVERED), None)
    return found is not None and found.reason != "InvalidSpec"
