"""The original Omnia samples, applied to the emulated cluster, become chatting agent pods.

Each pod is `omnia agent` started from the Deployment and ConfigMaps the hooks emitted (only
mount paths and the pod address localised). The samples are used as published except for one
field: the Provider's baseURL points at the local fake LLM (Anthropic-compatible, the sample is
a claude provider). The harness adds what a cluster would already have: the backend Services
(an inventory tool found by label, the orders API) and the Redis the session Secret names, each
reachable under its cluster DNS name from inside the pods.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
import requests

from hooks import k8s
from hooks.local import cluster as local
from hooks.settings import HookSettings
from tests.support import crd_schema, fake_llm, redis_server, tool_server
from tests.support.reference import require_reference
from tests.support.wait import wait_until
from tests.support.ws_client import WsClient, text_of, types_of

pytestmark = pytest.mark.slow

SERVICES_IP = "127.78.0.1"  # the tool backends' "pod IP"
REDIS_IP = "127.78.0.2"
TOOL_PORT = 8080
REDIS_PORT = 6379
AGENT = "customer-support-agent"
NAMESPACE = "default"
AR_KEY = k8s.AGENT_RUNTIME


@pytest.fixture(scope="module")
def llm() -> Iterator[fake_llm.FakeLLM]:
    with fake_llm.running() as server:
        yield server


@pytest.fixture(scope="module")
def tools() -> Iterator[tool_server.ToolServer]:
    with tool_server.running(SERVICES_IP, TOOL_PORT) as server:
        yield server


@pytest.fixture(scope="module")
def redis_client() -> Iterator[redis.Redis]:
    with redis_server.redis_node(host=REDIS_IP, port=REDIS_PORT):
        client = redis.Redis(host=REDIS_IP, port=REDIS_PORT, decode_responses=True)
        yield client
        client.close()


def _samples(llm: fake_llm.FakeLLM) -> list[dict[str, Any]]:
    folder = require_reference("omnia-v1alpha1-samples")
    objects = []
    for path in sorted(folder.glob("*.yaml")):
        for obj in crd_schema.load_yaml_documents(path):
            obj["metadata"].setdefault("namespace", NAMESPACE)
            if obj["kind"] == "Provider":
                obj["spec"]["baseURL"] = llm.anthropic_base_url  # the one adaptation
            objects.append(obj)
    # A Provider in another namespace: this namespace holds a Secret of the same name, since a
    # pod can read only its own namespace's Secrets (docs/hooks.md).
    (secret,) = [o for o in objects if o["kind"] == "Secret" and "ANTHROPIC_API_KEY" in str(o)]
    copied = copy.deepcopy(secret)
    copied["metadata"]["namespace"] = NAMESPACE
    return [*objects, copied]


def _service(name: str, namespace: str, labels: dict[str, str], path: str) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": {
            "name": name,
            "namespace": namespace,
            "labels": labels,
            "annotations": {"omnia.altairalabs.ai/tool-path": path},
        },
        "spec": {"selector": labels, "ports": [{"name": "http", "port": TOOL_PORT}]},
    }


@pytest.fixture
def world(
    tmp_path: Path,
    llm: fake_llm.FakeLLM,
    tools: tool_server.ToolServer,
    redis_client: redis.Redis,
) -> Iterator[local.LocalCluster]:
    """The samples applied and converged: two agent pods running and ready."""
    llm.reset()
    redis_client.flushall()
    settings = HookSettings(agent_image="omnia:e2e", cluster_domain="cluster.local")
    world = local.LocalCluster(tmp_path, settings=settings)
    world.expose(
        _service("inventory-service", "backend", {"app": "inventory-service"}, "/echo"), SERVICES_IP
    )
    world.expose(_service("orders-api", "backend", {"app": "orders-api"}, "/"), SERVICES_IP)
    world.expose(_service("redis", "cache", {"app": "redis"}, "/"), REDIS_IP)
    world.apply(_samples(llm))
    try:
        world.converge()
        yield world
    finally:
        world.close()


def _status(world: local.LocalCluster) -> dict[str, Any]:
    runtime = world.get(AR_KEY, NAMESPACE, AGENT)
    assert runtime is not None
    status: dict[str, Any] = runtime["status"]
    return status


def _ws(world: local.LocalCluster, pod: int, query: str = "") -> WsClient:
    agent = world.pods(NAMESPACE, AGENT)[pod]
    return WsClient(agent.url("facade", f"/ws?agent={AGENT}{query}", scheme="ws"))


def test_samples_converge_to_running_pods_booted_from_the_hook_output(
    world: local.LocalCluster,
) -> None:
    status = _status(world)
    assert status["phase"] == "Running"
    assert status["replicas"] == {"desired": 2, "ready": 2, "available": 2}
    ready = {c["type"]: c["status"] for c in status["conditions"]}
    assert ready["Ready"] == "True", status["conditions"]
    pods = world.pods(NAMESPACE, AGENT)
    assert len(pods) == 2
    for pod in pods:
        assert pod.plan.argv == ("omnia", "agent")
        assert requests.get(pod.url("facade", "/healthz"), timeout=5).status_code == 200


def test_chat_streams_calls_the_tool_discovered_by_label_and_shares_the_session(
    world: local.LocalCluster,
    llm: fake_llm.FakeLLM,
    tools: tool_server.ToolServer,
    redis_client: redis.Redis,
) -> None:
    llm.push(
        fake_llm.Script(tool_calls=[("inventory-check", {"product_id": "A1"})]),
        fake_llm.Script(text="Widget A1 is in stock: 12 units."),
    )
    with _ws(world, 0) as client:
        session = client.recv()["session_id"]
        frames = client.turn("Is widget A1 in stock?")
    assert types_of(frames) == ["tool_call", "tool_result", "chunk", "done"]
    assert tools.calls_to("/echo")[-1] == {"product_id": "A1"}
    assert frames[1]["tool_result"]["result"] == {"echo": {"product_id": "A1"}}
    assert text_of(frames) == "Widget A1 is in stock: 12 units."
    assert frames[-1]["usage"]["cost_usd"] > 0

    keys = redis_client.keys(f"*{{{session}}}*")
    assert keys, "the session is in Redis"
    assert all(redis_client.ttl(key) > 0 for key in keys)

    # The second replica continues the conversation, the way an original client resumes.
    llm.push(fake_llm.Script(text="You asked about A1."))
    with _ws(world, 1) as client:
        client.recv()
        frames = client.turn("What did I ask?", session_id=session)
    assert text_of(frames) == "You asked about A1."
    assert "Is widget A1 in stock?" in json.dumps(llm.requests[-1]["messages"])


def _edited_pack(world: local.LocalCluster) -> list[dict[str, Any]]:
    source = world.get("ConfigMap.v1", NAMESPACE, "customer-support-prompts")
    promptpack = world.get(k8s.PROMPT_PACK, NAMESPACE, "customer-support")
    assert source is not None
    assert promptpack is not None
    pack = json.loads(source["data"]["promptpack.json"])
    pack["version"] = "1.1.0"
    pack["prompts"]["support"]["system_template"] = "You are TechCorp's support agent, v2."
    source["data"]["promptpack.json"] = json.dumps(pack)
    promptpack["spec"]["version"] = "1.1.0"
    return [source, promptpack]


def test_promptpack_edit_reaches_running_pods_without_a_restart(
    world: local.LocalCluster, llm: fake_llm.FakeLLM
) -> None:
    pod = world.pods(NAMESPACE, AGENT)[0]
    deployment = world.get("Deployment.apps/v1", NAMESPACE, AGENT)
    assert deployment is not None
    old = _ws(world, 0)
    old_session = old.recv()["session_id"]
    old.turn("Hello")

    world.apply(_edited_pack(world))
    world.converge()

    after = world.get("Deployment.apps/v1", NAMESPACE, AGENT)
    assert after is not None
    assert after["spec"] == deployment["spec"], "the pod template must not change"
    assert world.pods(NAMESPACE, AGENT)[0] is pod
    assert pod.running
    assert _status(world)["activeVersion"] == "1.1.0"

    def serving_new_version() -> bool:
        body = requests.get(pod.url("facade", "/readyz"), timeout=5).json()
        return bool(body.get("pack_version") == "1.1.0")

    wait_until(serving_new_version, 30, "the pod to reload the new pack")
    with _ws(world, 0) as fresh:
        fresh.recv()
        fresh.turn("Hi")
    assert "v2." in json.dumps(llm.requests[-1])

    frames = old.turn("Still there?")  # the old socket lived through the reload
    old.close()
    assert frames[-1]["type"] == "done"
    assert frames[-1]["session_id"] == old_session
    assert "v2." not in json.dumps(llm.requests[-1]), "an old session keeps its pinned version"


def test_scaling_adds_a_pod_that_shares_sessions_and_delete_removes_everything(
    world: local.LocalCluster, llm: fake_llm.FakeLLM
) -> None:
    with _ws(world, 0) as client:
        session = client.recv()["session_id"]
        client.turn("Remember the word teapot.")

    runtime = world.get(AR_KEY, NAMESPACE, AGENT)
    assert runtime is not None
    runtime["spec"]["runtime"]["replicas"] = 3
    world.apply([runtime])
    world.converge()
    assert _status(world)["replicas"]["ready"] == 3
    assert len(world.pods(NAMESPACE, AGENT)) == 3

    with _ws(world, 2, f"&session_id={session}") as client:
        assert client.recv()["connected"]["resumed"] is True
        frames = client.turn("Which word?")
    assert frames[-1]["type"] == "done"
    assert "teapot" in json.dumps(llm.requests[-1]["messages"])

    pods = world.pods(NAMESPACE, AGENT)
    world.delete(AR_KEY, NAMESPACE, AGENT)
    world.converge()
    assert world.get(AR_KEY, NAMESPACE, AGENT) is None
    for type_key in ("Deployment.apps/v1", "Service.v1"):
        assert world.get(type_key, NAMESPACE, AGENT) is None
    assert world.get("ConfigMap.v1", NAMESPACE, f"{AGENT}-config") is None
    assert world.pods(NAMESPACE, AGENT) == []
    assert not any(pod.running for pod in pods)
