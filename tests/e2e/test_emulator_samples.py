"""The original Omnia samples, unchanged, through the hooks under the emulator."""

from __future__ import annotations

import copy
from typing import Any

from hooks import k8s
from hooks.emulator import cluster, workloads
from tests.support import hook_scenario as hs
from tests.support.reference import require_reference

AGENT = ("AgentRuntime.omnia.altairalabs.ai/v1alpha1", "default", "customer-support-agent")


def _samples() -> list[dict[str, Any]]:
    folder = require_reference("omnia-v1alpha1-samples")
    documents = [doc for path in sorted(folder.glob("*.yaml")) for doc in hs.load_yaml(path)]
    for doc in documents:  # kubectl apply without -n puts them in "default"
        doc["metadata"].setdefault("namespace", "default")
    return documents


def _ready_condition(store: cluster.Cluster, key: cluster.Key, cond: str) -> tuple[str, str, str]:
    obj = store.get(key)
    assert obj is not None
    found = next(c for c in obj["status"]["conditions"] if c["type"] == cond)
    return found["status"], found["reason"], found["message"]


def test_samples_converge_and_the_provider_secret_must_be_copied_locally() -> None:
    store = hs.new_store()
    emulator = hs.new_emulator(store)
    hs.create(store, _samples())
    assert emulator.run_until_stable(hs.ROUND_LIMIT) <= 6
    status, reason, message = _ready_condition(store, AGENT, "ProviderReady")
    assert (status, reason) == ("False", "SecretNotFound")
    assert (
        "needs a copy of the Secret anthropic-credentials of Provider omnia-system/claude-sonnet"
        in message
    )
    assert store.get((k8s.DEPLOYMENT, "default", "customer-support-agent")) is None
    pack = store.get((k8s.PROMPT_PACK, "default", "customer-support"))
    assert pack is not None
    assert (pack["status"]["phase"], pack["status"]["agentRuntimes"]) == (
        "Active",
        ["customer-support-agent"],
    )
    provider = store.get((k8s.PROVIDER, "omnia-system", "claude-sonnet"))
    assert provider is not None
    assert (provider["status"]["phase"], provider["status"]["secretKey"]) == (
        "Ready",
        "ANTHROPIC_API_KEY",
    )
    registry = store.get((k8s.TOOL_REGISTRY, "default", "support-tools"))
    assert registry is not None
    assert registry["status"]["phase"] == "Degraded"

    copied = copy.deepcopy(store.get((k8s.SECRET, "omnia-system", "anthropic-credentials")))
    assert copied is not None
    copied["metadata"] = {"name": "anthropic-credentials", "namespace": "default"}
    store.create(copied)
    assert emulator.run_until_stable(hs.ROUND_LIMIT) <= 4
    workloads.mark_deployments_ready(store)
    assert emulator.run_until_stable(hs.ROUND_LIMIT) <= 3
    agent = store.get(AGENT)
    assert agent is not None
    assert agent["status"]["phase"] == "Running"
    assert _ready_condition(store, AGENT, "ProviderReady")[:2] == ("True", "Resolved")
    assert _ready_condition(store, AGENT, "Ready")[:2] == ("False", "ToolRegistryDegraded")
    for obj_key in store.object_keys():
        obj = store.get(obj_key)
        if obj is not None and obj["metadata"].get("ownerReferences"):
            hs.validate_child(k8s.carry_over(obj))
