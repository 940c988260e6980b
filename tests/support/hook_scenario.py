"""The hook tests' shared world: the scenario resources, a fixed clock, settings, an emulator."""

from __future__ import annotations

import copy
import datetime
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import kubernetes_validate
import yaml

from hooks import controllers, k8s
from hooks.emulator import cluster, manager, transport
from hooks.settings import HookSettings

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "hooks"
SCENARIO = FIXTURES / "scenario"
GROUPS = ("provider", "promptpack", "toolregistry", "agentruntime")
NAMESPACE = "agents"
NOW = datetime.datetime(2025, 1, 2, 3, 4, 5, tzinfo=datetime.UTC)
SETTINGS = HookSettings(
    agent_image="ghcr.io/altairalabs/omnia:test",
    agent_image_pull_policy="IfNotPresent",
    cluster_domain="cluster.local",
    port=8080,
)
# Values of the fixture Secrets; no hook output may ever contain them.
SECRET_VALUES = ("sk-fixture-openai-LEAKCHECK-0001", "fixture-redis-LEAKCHECK-0002")
K8S_VERSION = "1.30.0"
ROUND_LIMIT = 8

AR = k8s.AGENT_RUNTIME
PP = k8s.PROMPT_PACK
TR = k8s.TOOL_REGISTRY
PROV = k8s.PROVIDER


def load_yaml(path: Path) -> list[dict[str, Any]]:
    """Return the non-empty documents of a YAML file."""
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]


def group(name: str) -> list[dict[str, Any]]:
    """Return the objects of one scenario group."""
    return load_yaml(SCENARIO / f"{name}.yaml")


def key(type_key: str, name: str, namespace: str = NAMESPACE) -> cluster.Key:
    """Return a store key."""
    return (type_key, namespace, name)


def new_store() -> cluster.Cluster:
    """Return an empty cluster on a clock stopped at NOW."""
    return cluster.Cluster(cluster.Clock(NOW))


def in_process(store: cluster.Cluster) -> transport.InProcess:
    """Return the in-process hook transport on the store's clock."""
    return transport.InProcess(SETTINGS, store.clock)


def new_emulator(
    store: cluster.Cluster,
    wire: transport.Transport | None = None,
    *,
    base_url: str = controllers.DEFAULT_SERVICE_URL,
    informer_warmup: bool = True,
) -> manager.Emulator:
    """Return an emulator running Omnia's controllers on the store."""
    return manager.Emulator(
        store,
        controllers.render(base_url),
        wire or in_process(store),
        informer_warmup=informer_warmup,
    )


def create(store: cluster.Cluster, objects: Iterable[dict[str, Any]]) -> None:
    """Create (or update) objects in the store."""
    for obj in objects:
        store.apply(copy.deepcopy(obj))


def status(store: cluster.Cluster, type_key: str, name: str) -> dict[str, Any]:
    """Return an object's status ({} when it has none)."""
    obj = store.get(key(type_key, name))
    assert obj is not None, f"{type_key} {name} does not exist"
    found: dict[str, Any] = obj.get("status") or {}
    return found


def condition(store: cluster.Cluster, type_key: str, name: str, cond: str) -> dict[str, Any]:
    """Return one condition of an object's status."""
    for found in status(store, type_key, name).get("conditions", []):
        if found["type"] == cond:
            return dict(found)
    raise AssertionError(f"{type_key} {name} has no condition {cond}")


def child(store: cluster.Cluster, type_key: str, name: str) -> dict[str, Any]:
    """Return a child object, which must exist."""
    obj = store.get(key(type_key, name))
    assert obj is not None, f"{type_key} {name} does not exist"
    return obj


def validate_child(obj: dict[str, Any]) -> None:
    """Validate a child against the Kubernetes schemas, strictly (no unknown fields)."""
    kubernetes_validate.validate(obj, K8S_VERSION, strict=True)
