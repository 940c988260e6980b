"""Realistic converged hook requests of any size, captured from the emulated Metacontroller.

The scenario is the hook tests' travel agent (tests/fixtures/hooks/scenario), with its
ToolRegistry replaced by one that discovers `tools` annotated Services (each with a ready
EndpointSlice), plus `secrets` unrelated Secrets and `services` unrelated Services (each with an
EndpointSlice) in the same namespace. The emulator runs the controllers to their fixpoint, the
Deployments are marked ready, and one more sync of each parent is recorded: that request is what
Metacontroller sends a converged parent, and `build` checks the round changed nothing.

Unrelated Secrets reach the AgentRuntime sync because its customize selects every Secret of the
namespace not labelled owner=helm (providerRef; docs/hooks.md, "The Secret trade-off").
Unrelated Services reach the ToolRegistry sync as their EndpointSlices: its customize selects
every EndpointSlice of the namespace with a `kubernetes.io/service-name` label.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import urllib.parse
from typing import Any

from hooks import k8s
from hooks.emulator import cluster, transport, workloads
from tests.support import hook_scenario as hs

AR_SYNC = "/hooks/agentruntime/sync"
TR_SYNC = "/hooks/toolregistry/sync"
AR_CONTROLLER = "omnia-agentruntime"
TR_CONTROLLER = "omnia-toolregistry"
AGENT = "travel-agent"
REGISTRY = "travel-tools"
TOOL_LABEL = "omnia.altairalabs.ai/tool"
# A tool's input schema: a few typed properties, as a real API tool has.
TOOL_SCHEMA = {
    "type": "object",
    "properties": {
        "query": {"type": "string", "description": "what to look up"},
        "limit": {"type": "integer", "minimum": 1, "maximum": 50},
        "region": {"type": "string", "enum": ["eu", "us", "apac"]},
    },
    "required": ["query"],
}
# An unrelated Secret: two keys of a few hundred bytes each (an app's credentials or a token).
SECRET_VALUE_BYTES = 256


@dataclasses.dataclass(frozen=True)
class Requests:
    """Converged sync requests (decoded JSON bodies) and the answers they got."""

    agentruntime: dict[str, Any]
    agentruntime_answer: dict[str, Any]
    toolregistry: dict[str, Any]
    toolregistry_answer: dict[str, Any]


class Recording(transport.InProcess):
    """The in-process transport, keeping the last request body posted to each hook path."""

    def __init__(self, store: cluster.Cluster) -> None:
        """Serve the hook table on the store's clock, as the hook tests do."""
        super().__init__(hs.SETTINGS, store.clock)
        self.last: dict[str, tuple[bytes, bytes]] = {}

    def post(self, url: str, body: bytes, timeout_s: float) -> transport.Reply:
        """Answer as the in-process transport does, and remember the body and the answer."""
        reply = super().post(url, body, timeout_s)
        self.last[urllib.parse.urlsplit(url).path] = (body, reply.body)
        return reply


def tool_service(index: int) -> list[dict[str, Any]]:
    """Return a discoverable tool Service and its ready EndpointSlice."""
    name = f"tool-{index:04d}"
    service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {
            "name": name,
            "namespace": hs.NAMESPACE,
            "labels": {TOOL_LABEL: "true", "app": name},
            "annotations": {
                "omnia.altairalabs.ai/tool-name": name.replace("-", "_"),
                "omnia.altairalabs.ai/tool-description": f"Look up records of kind {index} "
                "in the inventory service; returns at most `limit` matches.",
                "omnia.altairalabs.ai/tool-input-schema": json.dumps(TOOL_SCHEMA),
                "omnia.altairalabs.ai/tool-path": f"/v1/{name}",
                "omnia.altairalabs.ai/tool-timeout": "10s",
            },
        },
        "spec": {"selector": {"app": name}, "ports": [{"name": "http", "port": 8080}]},
    }
    return [service, workloads.endpoint_slice(service, address=_address(index))]


def unrelated_service(index: int) -> list[dict[str, Any]]:
    """Return a Service that is no tool, and its EndpointSlice."""
    name = f"app-{index:04d}"
    service = {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {"name": name, "namespace": hs.NAMESPACE, "labels": {"app": name}},
        "spec": {"selector": {"app": name}, "ports": [{"name": "http", "port": 80}]},
    }
    return [service, workloads.endpoint_slice(service, address=_address(10_000 + index))]


def unrelated_secret(index: int) -> dict[str, Any]:
    """Return an Opaque Secret that no Omnia object references."""
    value = base64.b64encode(bytes([index % 251]) * SECRET_VALUE_BYTES).decode()
    return {
        "apiVersion": "v1",
        "kind": "Secret",
        "type": "Opaque",
        "metadata": {
            "name": f"app-secret-{index:04d}",
            "namespace": hs.NAMESPACE,
            "labels": {"app": f"app-{index:04d}"},
        },
        "data": {"username": value[:40], "token": value},
    }


def _address(index: int) -> str:
    return f"10.{index // 65536 % 256}.{index // 256 % 256}.{index % 256 + 1}"


def _registry() -> dict[str, Any]:
    return {
        "apiVersion": "omnia.altairalabs.ai/v1alpha1",
        "kind": "ToolRegistry",
        "metadata": {"name": REGISTRY, "namespace": hs.NAMESPACE},
        "spec": {"discovery": [{"selector": {"matchLabels": {TOOL_LABEL: "true"}}}]},
    }


def _scenario(tools: int, secrets: int, services: int) -> list[dict[str, Any]]:
    objects = [*hs.group("provider"), *hs.group("promptpack"), *hs.group("agentruntime")]
    objects.append(_registry())
    for index in range(tools):
        objects += tool_service(index)
    for index in range(services):
        objects += unrelated_service(index)
    objects += [unrelated_secret(index) for index in range(secrets)]
    return objects


def build(tools: int, secrets: int = 0, services: int = 0) -> Requests:
    """Return the converged AgentRuntime and ToolRegistry sync requests of a scenario.

    Raises:
        RuntimeError: when the recorded round was not a fixpoint (the request is not converged).
    """
    store = hs.new_store()
    wire = Recording(store)
    emulator = hs.new_emulator(store, wire)
    hs.create(store, _scenario(tools, secrets, services))
    emulator.run_until_stable(hs.ROUND_LIMIT)
    workloads.mark_deployments_ready(store)
    emulator.run_until_stable(hs.ROUND_LIMIT)
    wire.last.clear()
    errors = len(emulator.errors)  # the first syncs fail while the informers warm up
    emulator.enqueue(AR_CONTROLLER, hs.key(k8s.AGENT_RUNTIME, AGENT))
    emulator.enqueue(TR_CONTROLLER, hs.key(k8s.TOOL_REGISTRY, REGISTRY))
    rounds = emulator.run_until_stable(hs.ROUND_LIMIT)
    if rounds != 1 or len(emulator.errors) > errors:
        raise RuntimeError(f"not converged: {rounds} rounds, errors {emulator.errors[errors:]}")
    ar_body, ar_answer = wire.last[AR_SYNC]
    tr_body, tr_answer = wire.last[TR_SYNC]
    return Requests(
        agentruntime=json.loads(ar_body),
        agentruntime_answer=json.loads(ar_answer),
        toolregistry=json.loads(tr_body),
        toolregistry_answer=json.loads(tr_answer),
    )
