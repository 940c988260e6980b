"""Applied resources become chatting agent pods, booted from exactly what the hooks emitted.

Each pod is `omnia agent` started from the Deployment and ConfigMaps the hooks emitted (only
mount paths and the pod address localised). Every scenario runs on two resource sets:

- the original Omnia samples (when ../shared/reference is present), used as published except for
  one field: the Provider's baseURL points at the local fake LLM (Anthropic-compatible, the sample
  is a claude provider). The harness adds what a cluster would already have: the backend Services
  (an inventory tool found by label, the orders API) and the Redis the session Secret names, each
  reachable under its cluster DNS name from inside the pods;
- the demo's resources (hooks/demo/resources.yaml, always present), with the mock Provider
  turned into an OpenAI one at the fake LLM and two replicas.
"""

from __future__ import annotations

import copy
import dataclasses
import importlib.resources
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import redis
import requests
import yaml

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
AR_KEY = k8s.AGENT_RUNTIME
Objects = list[dict[str, Any]]


@dataclasses.dataclass(frozen=True)
class Sample:
    """A set of resources and the names the scenarios need from it."""

    objects: Objects
    services: list[tuple[dict[str, Any], str]]  # (Service, the address of its backend)
    namespace: str
    agent: str
    promptpack: str
    pack_source: tuple[str, str]  # (ConfigMap, key)
    prompt: str
    tool: str
    tool_path: str
    tool_args: dict[str, Any]


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


def original_samples(llm: fake_llm.FakeLLM) -> Sample:
    """The original Omnia samples, the Provider pointed at the fake LLM."""
    folder = require_reference("omnia-v1alpha1-samples")
    objects = []
    for path in sorted(folder.glob("*.yaml")):
        for obj in crd_schema.load_yaml_documents(path):
            obj["metadata"].setdefault("namespace", "default")
            if obj["kind"] == "Provider":
                obj["spec"]["baseURL"] = llm.anthropic_base_url  # the one adaptation
            objects.append(obj)
    # A Provider in another namespace: this namespace holds a Secret of the same name, since a
    # pod can read only its own namespace's Secrets (docs/hooks.md).
    (secret,) = [o for o in objects if o["kind"] == "Secret" and "ANTHROPIC_API_KEY" in str(o)]
    copied = copy.deepcopy(secret)
    copied["metadata"]["namespace"] = "default"
    services = [
        (
            _service("inventory-service", "backend", {"app": "inventory-service"}, "/echo"),
            SERVICES_IP,
        ),
        (_service("orders-api", "backend", {"app": "orders-api"}, "/"), SERVICES_IP),
        (_service("redis", "cache", {"app": "redis"}, "/"), REDIS_IP),
    ]
    return Sample(
        [*objects, copied],
        services,
        "default",
        "customer-support-agent",
        "customer-support",
        ("customer-support-prompts", "promptpack.json"),
        "support",
        "inventory-check",
        "/echo",
        {"product_id": "A1"},
    )


def demo_resources(llm: fake_llm.FakeLLM) -> Sample:
    """The demo's resources with an OpenAI provider at the fake LLM and two replicas."""
    text = importlib.resources.files("hooks.demo").joinpath("resources.yaml").read_text()
    objects = [doc for doc in yaml.safe_load_all(text) if doc]
    for obj in objects:
        if obj["kind"] == "Provider":
            obj["spec"] |= {
                "type": "openai",
                "model": "fake-model",
                "baseURL": llm.base_url,
                "secretRef": {"name": "fake-llm"},
            }
        if obj["kind"] == "AgentRuntime":
            obj["spec"]["runtime"]["replicas"] = 2
    key = {
        "apiVersion": "v1",
        "kind": "Secret",
        "metadata": {"name": "fake-llm", "namespace": "demo"},
        "stringData": {"OPENAI_API_KEY": "sk-fake"},
    }
    address = {"redis": REDIS_IP}
    services = [
        (o, address.get(o["metadata"]["name"], SERVICES_IP))
        for o in objects
        if o["kind"] == "Service"
    ]
    return Sample(
        [o for o in objects if o["kind"] != "Service"] + [key],
        services,
        "demo",
        "concierge",
        "concierge",
        ("concierge-pack", "pack.json"),
        "concierge",
        "weather",
        "/weather",
        {"city": "Lisbon"},
    )


SAMPLES: dict[str, Callable[[fake_llm.FakeLLM], Sample]] = {
    "original-samples": original_samples,
    "demo-resources": demo_resources,
}


@dataclasses.dataclass
class World:
    """A converged local cluster and the sample it runs."""

    cluster: local.LocalCluster
    sample: Sample

    def get(self, type_key: str, name: str) -> dict[str, Any] | None:
        return self.cluster.get(type_key, self.sample.namespace, name)

    def pods(self) -> list[Any]:
        return self.cluster.pods(self.sample.namespace, self.sample.agent)


@pytest.fixture(params=SAMPLES, ids=list(SAMPLES))
def world(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    llm: fake_llm.FakeLLM,
    tools: tool_server.ToolServer,
    redis_client: redis.Redis,
) -> Iterator[World]:
    """The resources applied and converged: two agent pods running and ready."""
    sample = SAMPLES[request.param](llm)
    llm.reset()
    redis_client.flushall()
    settings = HookSettings(agent_image="omnia:e2e", cluster_domain="cluster.local")
    cluster = local.LocalCluster(tmp_path, settings=settings)
    for service, address in sample.services:
        cluster.expose(service, address)
    cluster.apply(sample.objects)
    try:
        cluster.converge()
        yield World(cluster, sample)
    finally:
        cluster.close()


def _status(world: World) -> dict[str, Any]:
    runtime = world.get(AR_KEY, world.sample.agent)
    assert runtime is not None
    status: dict[str, Any] = runtime["status"]
    return status


def _ws(world: World, pod: int, query: str = "") -> WsClient:
    agent = world.pods()[pod]
    return WsClient(agent.url("facade", f"/ws?agent={world.sample.agent}{query}", scheme="ws"))


def test_resources_converge_to_running_pods_booted_from_the_hook_output(world: World) -> None:
    status = _status(world)
    assert status["phase"] == "Running"
    assert status["replicas"] == {"desired": 2, "ready": 2, "available": 2}
    ready = {c["type"]: c["status"] for c in status["conditions"]}
    assert ready["Ready"] == "True", status["conditions"]
    pods = world.pods()
    assert len(pods) == 2
    for pod in pods:
        assert pod.plan.argv == ("omnia", "agent")
        assert requests.get(pod.url("facade", "/healthz"), timeout=5).status_code == 200


def test_chat_streams_calls_the_tool_discovered_by_label_and_shares_the_session(
    world: World,
    llm: fake_llm.FakeLLM,
    tools: tool_server.ToolServer,
    redis_client: redis.Redis,
) -> None:
    sample = world.sample
    llm.push(
        fake_llm.Script(tool_calls=[(sample.tool, sample.tool_args)]),
        fake_llm.Script(text="Here is what the tool said."),
    )
    with _ws(world, 0) as client:
        session = client.recv()["session_id"]
        frames = client.turn("Is widget A1 in stock?")
    assert types_of(frames) == ["tool_call", "tool_result", "chunk", "done"]
    assert tools.calls_to(sample.tool_path)[-1] == sample.tool_args
    assert "error" not in frames[1]["tool_result"], frames[1]
    assert text_of(frames) == "Here is what the tool said."
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


def _edited_pack(world: World) -> list[dict[str, Any]]:
    configmap, key = world.sample.pack_source
    source = world.get("ConfigMap.v1", configmap)
    promptpack = world.get(k8s.PROMPT_PACK, world.sample.promptpack)
    assert source is not None
    assert promptpack is not None
    pack = json.loads(source["data"][key])
    pack["version"] = "1.1.0"
    pack["prompts"][world.sample.prompt]["system_template"] = "You are the support agent, v2."
    source["data"][key] = json.dumps(pack)
    promptpack["spec"]["version"] = "1.1.0"
    return [source, promptpack]


def test_promptpack_edit_reaches_running_pods_without_a_restart(
    world: World, llm: fake_llm.FakeLLM
) -> None:
    pod = world.pods()[0]
    deployment = world.get("Deployment.apps/v1", world.sample.agent)
    assert deployment is not None
    old = _ws(world, 0)
    old_session = old.recv()["session_id"]
    old.turn("Hello")

    world.cluster.apply(_edited_pack(world))
    world.cluster.converge()

    after = world.get("Deployment.apps/v1", world.sample.agent)
    assert after is not None
    assert after["spec"] == deployment["spec"], "the pod template must not change"
    assert world.pods()[0] is pod
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
    world: World, llm: fake_llm.FakeLLM
) -> None:
    agent = world.sample.agent
    with _ws(world, 0) as client:
        session = client.recv()["session_id"]
        client.turn("Remember the word teapot.")

    runtime = world.get(AR_KEY, agent)
    assert runtime is not None
    runtime["spec"]["runtime"]["replicas"] = 3
    world.cluster.apply([runtime])
    world.cluster.converge()
    assert _status(world)["replicas"]["ready"] == 3
    assert len(world.pods()) == 3

    with _ws(world, 2, f"&session_id={session}") as client:
        assert client.recv()["connected"]["resumed"] is True
        frames = client.turn("Which word?")
    assert frames[-1]["type"] == "done"
    assert "teapot" in json.dumps(llm.requests[-1]["messages"])

    pods = world.pods()
    world.cluster.delete(AR_KEY, world.sample.namespace, agent)
    world.cluster.converge()
    assert world.get(AR_KEY, agent) is None
    for type_key in ("Deployment.apps/v1", "Service.v1"):
        assert world.get(type_key, agent) is None
    assert world.get("ConfigMap.v1", f"{agent}-config") is None
    assert world.pods() == []
    assert not any(pod.running for pod in pods)
