"""Omnia's hooks under the emulated Metacontroller: convergence, edits, breakage, deletion."""

from __future__ import annotations

import copy
import itertools
import json
from typing import Any

import pytest

from hooks import k8s
from hooks.emulator import cluster, workloads
from hooks.local import podspec
from tests.support import hook_scenario as hs

ORDERS = list(itertools.permutations(hs.GROUPS))
CONFIG = "travel-agent-config"


def _converged() -> tuple[cluster.Cluster, Any]:
    store = hs.new_store()
    emulator = hs.new_emulator(store)
    for name in hs.GROUPS:
        hs.create(store, hs.group(name))
    emulator.run_until_stable(hs.ROUND_LIMIT)
    workloads.mark_deployments_ready(store)
    emulator.run_until_stable(hs.ROUND_LIMIT)
    return store, emulator


def _snapshot(store: cluster.Cluster) -> dict[str, Any]:
    """What the hooks decided: every child as desired, and every parent's status."""
    out: dict[str, Any] = {}
    for obj_key in store.object_keys():
        obj = store.get(obj_key)
        assert obj is not None
        if obj["kind"] in ("AgentRuntime", "PromptPack", "ToolRegistry", "Provider"):
            out["/".join(obj_key)] = obj.get("status")
        elif obj["metadata"].get("ownerReferences"):
            desired = k8s.carry_over(obj)
            desired["metadata"]["labels"].pop("controller-uid", None)
            out["/".join(obj_key)] = desired
    return out


def _edit(store: cluster.Cluster, type_key: str, name: str, change: Any) -> None:
    obj = hs.child(store, type_key, name)
    change(obj)
    store.apply(obj)


@pytest.mark.parametrize("order", ORDERS, ids=["-".join(o) for o in ORDERS])
def test_emulator_converges_in_every_creation_order(order: tuple[str, ...]) -> None:
    store = hs.new_store()
    emulator = hs.new_emulator(store)
    for name in order:
        hs.create(store, hs.group(name))
        rounds = emulator.run_until_stable(hs.ROUND_LIMIT)
        assert rounds <= 6, f"{rounds} rounds after creating {name}"
    workloads.mark_deployments_ready(store)
    assert emulator.run_until_stable(hs.ROUND_LIMIT) <= 3
    reference, _ = _converged()
    assert _snapshot(store) == _snapshot(reference)


def test_emulator_converged_state_is_ready_everywhere() -> None:
    store, _ = _converged()
    assert hs.status(store, hs.AR, "travel-agent")["phase"] == "Running"
    assert hs.condition(store, hs.AR, "travel-agent", "Ready")["status"] == "True"
    assert hs.status(store, hs.PP, "travel")["phase"] == "Active"
    assert hs.status(store, hs.PP, "travel")["agentRuntimes"] == ["travel-agent"]
    assert hs.status(store, hs.TR, "travel-tools")["phase"] == "Ready"
    assert hs.status(store, hs.PROV, "openai")["phase"] == "Ready"
    agent = hs.status(store, hs.AR, "travel-agent")
    assert agent["replicas"] == {"desired": 2, "ready": 2, "available": 2}
    assert agent["serviceEndpoint"] == "travel-agent.agents.svc.cluster.local:8080"
    tools = json.loads(hs.child(store, k8s.CONFIG_MAP, CONFIG)["data"]["tools.json"])
    assert [t["name"] for t in tools["tools"]] == ["currency", "flights", "weather"]


def test_emulator_children_are_schema_valid() -> None:
    store, _ = _converged()
    objects = [store.get(k) or {} for k in store.object_keys()]
    owned = [o for o in objects if o["metadata"].get("ownerReferences")]
    assert {o["kind"] for o in owned} == {"ConfigMap", "Deployment", "Service"}
    for obj in owned:
        hs.validate_child(k8s.carry_over(obj))


def test_emulator_promptpack_edit_changes_config_not_deployment() -> None:
    store, emulator = _converged()
    deployment = hs.child(store, k8s.DEPLOYMENT, "travel-agent")

    def new_release(cm: dict[str, Any]) -> None:
        pack = json.loads(cm["data"]["pack.json"])
        pack["prompts"]["planner"]["system_template"] = "You plan trips, briefly."
        cm["data"]["pack.json"] = json.dumps(pack)

    _edit(store, k8s.CONFIG_MAP, "travel-pack-source", new_release)
    _edit(store, hs.PP, "travel", lambda pp: pp["spec"].update(version="1.1.0"))
    assert emulator.run_until_stable(hs.ROUND_LIMIT) <= 5
    config = hs.child(store, k8s.CONFIG_MAP, CONFIG)["data"]
    assert "You plan trips, briefly." in config["promptpack.json"]
    assert json.loads(config["agent.json"])["promptpack"]["version"] == "1.1.0"
    assert hs.child(store, k8s.DEPLOYMENT, "travel-agent") == deployment
    assert hs.status(store, hs.AR, "travel-agent")["activeVersion"] == "1.1.0"


def test_emulator_invalid_pack_keeps_the_published_one() -> None:
    store, emulator = _converged()
    published = hs.child(store, k8s.CONFIG_MAP, "travel-omnia-pack")
    config = hs.child(store, k8s.CONFIG_MAP, CONFIG)
    _edit(
        store,
        k8s.CONFIG_MAP,
        "travel-pack-source",
        lambda cm: cm["data"].update({"pack.json": '{"id": 1}'}),
    )
    emulator.run_until_stable(hs.ROUND_LIMIT)
    assert hs.status(store, hs.PP, "travel")["phase"] == "Failed"
    assert hs.condition(store, hs.PP, "travel", "SchemaValid")["status"] == "False"
    assert hs.child(store, k8s.CONFIG_MAP, "travel-omnia-pack") == published
    assert hs.child(store, k8s.CONFIG_MAP, CONFIG) == config
    ready = hs.condition(store, hs.AR, "travel-agent", "PromptPackReady")
    assert (ready["status"], ready["reason"]) == ("False", "PromptPackFailed")
    assert hs.status(store, hs.AR, "travel-agent")["phase"] == "Running"


def test_emulator_broken_toolregistry_degrades_but_agent_keeps_running() -> None:
    store, emulator = _converged()
    deployment = hs.child(store, k8s.DEPLOYMENT, "travel-agent")
    tools = hs.child(store, k8s.CONFIG_MAP, CONFIG)["data"]["tools.json"]
    _edit(store, hs.TR, "travel-tools", lambda tr: tr["spec"]["tools"][0].update(retries=99))
    emulator.run_until_stable(hs.ROUND_LIMIT)
    assert hs.condition(store, hs.TR, "travel-tools", "ToolsDiscovered")["reason"] == "InvalidSpec"
    ready = hs.condition(store, hs.AR, "travel-agent", "ToolRegistryReady")
    assert (ready["status"], ready["reason"]) == ("False", "ToolRegistryInvalid")
    assert hs.condition(store, hs.AR, "travel-agent", "Ready")["status"] == "False"
    assert hs.status(store, hs.AR, "travel-agent")["phase"] == "Running"
    assert hs.child(store, k8s.CONFIG_MAP, CONFIG)["data"]["tools.json"] == tools
    assert hs.child(store, k8s.DEPLOYMENT, "travel-agent") == deployment


def test_emulator_lost_tool_service_drops_only_that_tool() -> None:
    store, emulator = _converged()
    deployment = hs.child(store, k8s.DEPLOYMENT, "travel-agent")
    store.delete(hs.key(k8s.ENDPOINT_SLICE, "flights-slice"))
    emulator.run_until_stable(hs.ROUND_LIMIT)
    assert hs.status(store, hs.TR, "travel-tools")["phase"] == "Degraded"
    tools = json.loads(hs.child(store, k8s.CONFIG_MAP, CONFIG)["data"]["tools.json"])
    assert [t["name"] for t in tools["tools"]] == ["currency", "weather"]
    assert hs.child(store, k8s.DEPLOYMENT, "travel-agent") == deployment


def test_emulator_provider_edit_is_hot_reloaded() -> None:
    store, emulator = _converged()
    deployment = hs.child(store, k8s.DEPLOYMENT, "travel-agent")
    _edit(store, hs.PROV, "openai", lambda p: p["spec"].update(model="gpt-4o"))
    emulator.run_until_stable(hs.ROUND_LIMIT)
    agent = json.loads(hs.child(store, k8s.CONFIG_MAP, CONFIG)["data"]["agent.json"])
    assert agent["provider"]["model"] == "gpt-4o"
    assert hs.child(store, k8s.DEPLOYMENT, "travel-agent") == deployment


def test_emulator_secret_rotation_restarts_pods_and_missing_secret_does_not() -> None:
    store, emulator = _converged()

    def digest() -> str:
        template = hs.child(store, k8s.DEPLOYMENT, "travel-agent")["spec"]["template"]
        return str(template["metadata"]["annotations"]["omnia.altairalabs.ai/restart-digest"])

    before = digest()
    _edit(
        store,
        k8s.SECRET,
        "openai-credentials",
        lambda s: s.update(stringData={"OPENAI_API_KEY": "sk-rotated"}),
    )
    emulator.run_until_stable(hs.ROUND_LIMIT)
    rotated = digest()
    assert rotated != before
    store.delete(hs.key(k8s.SECRET, "openai-credentials"))
    emulator.run_until_stable(hs.ROUND_LIMIT)
    assert digest() == rotated
    ready = hs.condition(store, hs.AR, "travel-agent", "ProviderReady")
    assert (ready["status"], ready["reason"]) == ("False", "SecretNotFound")
    assert hs.status(store, hs.PROV, "openai")["phase"] == "Error"


def test_emulator_delete_agentruntime_runs_finalize_and_removes_children() -> None:
    store, emulator = _converged()
    agent = hs.child(store, hs.AR, "travel-agent")
    assert agent["metadata"]["finalizers"] == [
        "metacontroller.io/compositecontroller-omnia-agentruntime"
    ]
    store.delete(hs.key(hs.AR, "travel-agent"))
    assert hs.child(store, hs.AR, "travel-agent")["metadata"]["deletionTimestamp"]
    assert emulator.run_until_stable(hs.ROUND_LIMIT) <= 4
    assert store.get(hs.key(hs.AR, "travel-agent")) is None
    for type_key, name in (
        (k8s.CONFIG_MAP, CONFIG),
        (k8s.DEPLOYMENT, "travel-agent"),
        (k8s.SERVICE, "travel-agent"),
    ):
        assert store.get(hs.key(type_key, name)) is None
    finalize_calls = [c for c in emulator.calls if c.hook == "finalize"]
    assert finalize_calls
    assert all(c.ok for c in finalize_calls)
    assert hs.status(store, hs.PP, "travel")["agentRuntimes"] == []


def test_emulator_delete_promptpack_cascades_and_agent_keeps_its_pack() -> None:
    store, emulator = _converged()
    config = hs.child(store, k8s.CONFIG_MAP, CONFIG)
    store.delete(hs.key(hs.PP, "travel"))
    emulator.run_until_stable(hs.ROUND_LIMIT)
    assert store.get(hs.key(k8s.CONFIG_MAP, "travel-omnia-pack")) is None
    ready = hs.condition(store, hs.AR, "travel-agent", "PromptPackReady")
    assert (ready["status"], ready["reason"]) == ("False", "PromptPackNotFound")
    assert hs.child(store, k8s.CONFIG_MAP, CONFIG) == config


def test_emulator_customize_is_called_once_per_generation() -> None:
    store, emulator = _converged()

    def customize_calls() -> int:
        return sum(
            1 for c in emulator.calls if c.hook == "customize" and c.parent[0] == hs.AR and c.ok
        )

    before = customize_calls()
    _edit(
        store,
        hs.AR,
        "travel-agent",
        lambda a: a["metadata"].setdefault("labels", {}).update(team="x"),
    )
    emulator.run_until_stable(hs.ROUND_LIMIT)
    assert customize_calls() == before
    _edit(store, hs.AR, "travel-agent", lambda a: a["spec"]["runtime"].update(replicas=3))
    emulator.run_until_stable(hs.ROUND_LIMIT)
    assert customize_calls() == before + 1
    assert hs.child(store, k8s.DEPLOYMENT, "travel-agent")["spec"]["replicas"] == 3


def test_emulator_autoscaling_adds_hpa_and_leaves_replicas_to_it() -> None:
    store, emulator = _converged()
    scaling = {"enabled": True, "minReplicas": 2, "maxReplicas": 5}
    _edit(store, hs.AR, "travel-agent", lambda a: a["spec"]["runtime"].update(autoscaling=scaling))
    emulator.run_until_stable(hs.ROUND_LIMIT)
    hpa = hs.child(store, k8s.HPA, "travel-agent")
    assert hpa["spec"]["minReplicas"] == 2
    last_applied = json.loads(
        hs.child(store, k8s.DEPLOYMENT, "travel-agent")["metadata"]["annotations"][
            k8s.LAST_APPLIED_ANNOTATION
        ]
    )
    assert "replicas" not in last_applied["spec"]
    _edit(store, hs.AR, "travel-agent", lambda a: a["spec"]["runtime"].pop("autoscaling"))
    emulator.run_until_stable(hs.ROUND_LIMIT)
    assert store.get(hs.key(k8s.HPA, "travel-agent")) is None


def test_emulator_invalid_agent_spec_keeps_children() -> None:
    store, emulator = _converged()
    before = {
        name: copy.deepcopy(hs.child(store, t, name))
        for t, name in ((k8s.DEPLOYMENT, "travel-agent"), (k8s.CONFIG_MAP, CONFIG))
    }
    _edit(store, hs.AR, "travel-agent", lambda a: a["spec"]["runtime"].update(replicas=-1))
    emulator.run_until_stable(hs.ROUND_LIMIT)
    assert hs.status(store, hs.AR, "travel-agent")["phase"] == "Failed"
    assert hs.condition(store, hs.AR, "travel-agent", "Ready")["reason"] == "InvalidSpec"
    for type_key, name in ((k8s.DEPLOYMENT, "travel-agent"), (k8s.CONFIG_MAP, CONFIG)):
        assert hs.child(store, type_key, name) == before[name]


def test_emulator_deployment_plans_as_a_local_pod() -> None:
    store, _ = _converged()
    objects = {}
    for obj_key in store.object_keys():
        obj = store.get(obj_key)
        assert obj is not None
        objects[(obj["kind"], obj_key[1], obj_key[2])] = obj
    plan = podspec.plan_pod(
        hs.child(store, k8s.DEPLOYMENT, "travel-agent"), objects, "travel-agent-0"
    )
    assert plan.argv == ("omnia", "agent")
    assert plan.readiness is not None
    assert (plan.readiness.path, plan.readiness.port) == ("/readyz", 8080)
    assert plan.env["OMNIA_CONFIG_PATH"] == "/etc/omnia/config/agent.json"
    assert plan.env["OPENAI_API_KEY"] == "sk-fixture-openai-LEAKCHECK-0001"
    assert {v.name: v.source_kind for v in plan.volumes} == {"config": "ConfigMap", "tmp": None}
