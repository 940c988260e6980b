"""Planning a local pod from a Deployment: env resolution, volumes, probes, localisation."""

from __future__ import annotations

import base64
from pathlib import Path
from typing import Any

import pytest

from hooks.local import podspec


def _deployment(env: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "metadata": {"name": "agent", "namespace": "team"},
        "spec": {
            "template": {
                "spec": {
                    "containers": [
                        {
                            "name": "agent",
                            "command": ["omnia"],
                            "args": ["agent"],
                            "env": env,
                            "ports": [{"name": "facade", "containerPort": 8080}],
                            "readinessProbe": {"httpGet": {"path": "/readyz", "port": "facade"}},
                            "livenessProbe": {"httpGet": {"path": "/healthz", "port": 8080}},
                            "volumeMounts": [
                                {"name": "config", "mountPath": "/etc/omnia/config"},
                                {"name": "tmp", "mountPath": "/tmp"},
                            ],
                        }
                    ],
                    "volumes": [
                        {"name": "config", "configMap": {"name": "agent-config"}},
                        {"name": "tmp", "emptyDir": {}},
                    ],
                }
            }
        },
    }


SECRET = {
    "kind": "Secret",
    "metadata": {"name": "keys", "namespace": "team"},
    "data": {"OPENAI_API_KEY": base64.b64encode(b"sk-1").decode()},
}
OBJECTS = {("Secret", "team", "keys"): SECRET}


def test_plan_pod_resolves_values_secret_refs_and_field_refs() -> None:
    plan = podspec.plan_pod(
        _deployment(
            [
                {"name": "PLAIN", "value": "1"},
                {
                    "name": "OPENAI_API_KEY",
                    "valueFrom": {"secretKeyRef": {"name": "keys", "key": "OPENAI_API_KEY"}},
                },
                {"name": "POD", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
            ]
        ),
        OBJECTS,
        "agent-0",
    )
    assert plan.argv == ("omnia", "agent")
    assert plan.env == {"PLAIN": "1", "OPENAI_API_KEY": "sk-1", "POD": "agent-0"}
    assert plan.readiness == podspec.Probe("/readyz", 8080)
    assert plan.liveness == podspec.Probe("/healthz", 8080)
    assert [v.source_kind for v in plan.volumes] == ["ConfigMap", None]


def test_plan_pod_fails_like_the_kubelet_on_a_missing_secret() -> None:
    env = [{"name": "K", "valueFrom": {"secretKeyRef": {"name": "nope", "key": "k"}}}]
    with pytest.raises(podspec.PodError, match="CreateContainerConfigError: Secret nope"):
        podspec.plan_pod(_deployment(env), OBJECTS, "agent-0")


def test_plan_pod_skips_missing_optional_refs() -> None:
    env = [
        {"name": "K", "valueFrom": {"secretKeyRef": {"name": "keys", "key": "x", "optional": True}}}
    ]
    assert podspec.plan_pod(_deployment(env), OBJECTS, "agent-0").env == {}


def test_localize_env_maps_mount_paths_and_all_interfaces(tmp_path: Path) -> None:
    env = [
        {"name": "OMNIA_CONFIG_PATH", "value": "/etc/omnia/config/agent.json"},
        {"name": "OMNIA_FACADE_HOST", "value": "0.0.0.0"},
        {"name": "OTHER", "value": "/etc/omnia/configuration"},
    ]
    plan = podspec.plan_pod(_deployment(env), OBJECTS, "agent-0")
    dirs = {"config": tmp_path / "config", "tmp": tmp_path / "tmp"}
    local = podspec.localize_env(plan, dirs, "127.1.2.3")
    assert local == {
        "OMNIA_CONFIG_PATH": f"{tmp_path}/config/agent.json",
        "OMNIA_FACADE_HOST": "127.1.2.3",
        "OTHER": "/etc/omnia/configuration",
    }
