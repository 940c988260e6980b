"""The small pure parts: names, labels, selectors, conditions, carry-over, settings, envelope."""

from __future__ import annotations

import dataclasses
import datetime
import json

import kubernetes_validate
import pytest

from hooks import agentruntime, conditions, envelope, jsontext, k8s, labels, serve
from hooks.settings import HookSettings
from tests.support import hook_scenario as hs


def test_child_name_keeps_short_names_and_hashes_long_ones() -> None:
    assert k8s.published_pack_name("travel") == "travel-omnia-pack"
    long_name = "p" * 250
    published = k8s.published_pack_name(long_name)
    assert len(published) == 253
    assert published.endswith("-omnia-pack")
    assert published != k8s.published_pack_name("p" * 249 + "q")


@pytest.mark.parametrize(
    ("name", "expected"),
    [("travel-agent", "travel-agent"), ("a.b", None), ("1st", None), ("x" * 64, None)],
)
def test_dns_label_sanitizes_what_is_not_a_label(name: str, expected: str | None) -> None:
    found = k8s.dns_label(name)
    assert len(found) <= 63
    assert found[0].isalpha()
    if expected is not None:
        assert found == expected
    else:
        assert found != name
        assert k8s.dns_label(name) == found


def test_carry_over_prefers_the_last_applied_object() -> None:
    desired = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "a", "namespace": "n"},
        "data": {"k": "v"},
    }
    observed = json.loads(json.dumps(desired))
    observed["metadata"] |= {
        "uid": "u",
        "resourceVersion": "9",
        "annotations": {k8s.LAST_APPLIED_ANNOTATION: jsontext.canonical(desired)},
    }
    observed["data"]["server-added"] = "x"
    assert k8s.carry_over(observed) == desired


def test_carry_over_strips_server_fields_without_last_applied() -> None:
    observed = {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": "a",
            "namespace": "n",
            "uid": "u",
            "generation": 3,
            "labels": {"x": "y"},
        },
        "spec": {"replicas": 1},
        "status": {"readyReplicas": 1},
    }
    assert k8s.carry_over(observed) == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {"name": "a", "namespace": "n", "labels": {"x": "y"}},
        "spec": {"replicas": 1},
    }


@pytest.mark.parametrize(
    ("selector", "matches"),
    [
        ({}, True),
        (None, False),
        ({"matchLabels": {"app": "a"}}, True),
        ({"matchLabels": {"app": "b"}}, False),
        ({"matchExpressions": [{"key": "tier", "operator": "In", "values": ["gold"]}]}, True),
        ({"matchExpressions": [{"key": "tier", "operator": "NotIn", "values": ["gold"]}]}, False),
        ({"matchExpressions": [{"key": "zone", "operator": "NotIn", "values": ["x"]}]}, True),
        ({"matchExpressions": [{"key": "zone", "operator": "Exists"}]}, False),
        ({"matchExpressions": [{"key": "zone", "operator": "DoesNotExist"}]}, True),
    ],
)
def test_label_selectors_match_like_kubernetes(
    selector: dict[str, object] | None, matches: bool
) -> None:
    assert labels.is_match(selector, {"app": "a", "tier": "gold"}) is matches


def test_label_selector_rejects_unknown_operators() -> None:
    with pytest.raises(ValueError, match="operator"):
        labels.is_match({"matchExpressions": [{"key": "a", "operator": "Gt"}]}, {})


def test_settle_carries_the_transition_time_while_status_holds() -> None:
    old = {
        "conditions": [
            {"type": "Ready", "status": "True", "lastTransitionTime": "2020-01-01T00:00:00Z"}
        ]
    }
    later = hs.NOW + datetime.timedelta(hours=1)
    (same,) = conditions.settle([conditions.condition("Ready", True, "Fine")], old, later, 4)
    (flipped,) = conditions.settle([conditions.condition("Ready", False, "Broken")], old, later, 4)
    assert same.last_transition_time == "2020-01-01T00:00:00Z"
    assert flipped.last_transition_time == "2025-01-02T04:04:05Z"
    assert flipped.observed_generation == 4


def test_conditions_refuse_naive_times_and_clip_long_messages() -> None:
    with pytest.raises(ValueError, match="naive"):
        conditions.format_time(datetime.datetime(2025, 1, 1))  # noqa: DTZ001
    long = conditions.condition("Ready", True, "R", "x" * 10_000)
    assert len(long.message) == conditions.MAX_MESSAGE_CHARS


def test_settings_read_the_environment_with_defaults() -> None:
    settings = HookSettings.from_env({})
    assert settings.agent_image.startswith("ghcr.io/altairalabs/omnia:")
    assert (settings.agent_image_pull_policy, settings.cluster_domain, settings.port) == (
        "IfNotPresent",
        "cluster.local",
        8080,
    )
    custom = HookSettings.from_env(
        {
            "OMNIA_AGENT_IMAGE": "registry/agent:1",
            "OMNIA_AGENT_IMAGE_PULL_POLICY": "Always",
            "OMNIA_CLUSTER_DOMAIN": "corp.example.",
            "PORT": "9090",
            "OMNIA_AGENT_IMAGE_PULL_SECRETS": "regcred, mirror,",
        }
    )
    assert custom == HookSettings(
        "registry/agent:1", "Always", "corp.example", 9090, ("regcred", "mirror")
    )


def test_agent_pods_get_the_configured_image_pull_secrets() -> None:
    body = json.loads((hs.FIXTURES / "agentruntime" / "sync-converged.request.json").read_text())
    request = envelope.parse_sync(body)
    settings = dataclasses.replace(hs.SETTINGS, agent_image_pull_secrets=("regcred",))
    deployment = next(
        c
        for c in agentruntime.sync(request, settings, hs.NOW)["children"]
        if c["kind"] == "Deployment"
    )
    pod = deployment["spec"]["template"]["spec"]
    assert pod["imagePullSecrets"] == [{"name": "regcred"}]
    kubernetes_validate.validate(deployment, hs.K8S_VERSION, strict=True)


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"PORT": "0"}, "PORT"),
        ({"PORT": "x"}, "PORT"),
        ({"OMNIA_AGENT_IMAGE_PULL_POLICY": "Sometimes"}, "PULL_POLICY"),
    ],
)
def test_settings_name_the_bad_variable(env: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        HookSettings.from_env(env)


def test_envelope_reads_v1_and_v2_keys() -> None:
    body = {
        "parent": {"metadata": {"name": "p", "namespace": "ns", "generation": 2}},
        "children": {
            "ConfigMap.v1": {
                "c1": {"metadata": {"name": "c1"}},
                "ns/c2": {"metadata": {"name": "c2"}},
            }
        },
        "related": {
            "Secret.v1": {"s": {"metadata": {"name": "s"}}, "other/t": {"metadata": {"name": "t"}}}
        },
    }
    request = envelope.parse_sync(body)
    assert request.child("ConfigMap.v1", "c1") is not None
    assert request.child("ConfigMap.v1", "c2") is not None
    assert request.related_object("Secret.v1", "ns", "s") is not None
    assert request.related_object("Secret.v1", "other", "t") is not None
    assert request.related_object("Secret.v1", "other", "s") is None
    assert request.generation == 2
    assert envelope.sync_response({}, [], finalized=True, resync_after_s=1.5) == {
        "status": {},
        "children": [],
        "finalized": True,
        "resyncAfterSeconds": 1.5,
    }


def test_serve_options_read_the_charts_variables() -> None:
    options = serve.ServeOptions.from_env(
        {"OMNIA_HOOKS_WORKERS": "2", "OMNIA_HOOKS_THREADS": "16", "OMNIA_LOG_LEVEL": "DEBUG"}
    )
    assert options == serve.ServeOptions(workers=2, threads=16, log_level="debug")
    gunicorn = serve.gunicorn_options(hs.SETTINGS, serve.ServeOptions.from_env({}))
    assert gunicorn["bind"] == "0.0.0.0:8080"
    assert (gunicorn["workers"], gunicorn["threads"], gunicorn["worker_class"]) == (1, 8, "gthread")
    assert gunicorn["accesslog"] is None
    assert gunicorn["control_socket_disable"] is True
    with pytest.raises(ValueError, match="OMNIA_HOOKS_THREADS"):
        serve.ServeOptions.from_env({"OMNIA_HOOKS_THREADS": "0"})
    with pytest.raises(ValueError, match="OMNIA_LOG_LEVEL"):
        serve.ServeOptions.from_env({"OMNIA_LOG_LEVEL": "loud"})
