"""AgentRuntime sync: what restarts pods, what is hot-reloaded, what a bad input keeps."""

from __future__ import annotations

import base64
import copy
import json
import re
from typing import Any

from hooks import agentruntime, envelope, k8s, routes
from tests.support import hook_scenario as hs

CONVERGED = json.loads((hs.FIXTURES / "agentruntime" / "sync-converged.request.json").read_text())
PUBLISHED = "agents/travel-omnia-pack"


def _sync(request: dict[str, Any]) -> dict[str, Any]:
    return agentruntime.sync(envelope.parse_sync(request), hs.SETTINGS, hs.NOW)


def _children(answer: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["kind"]: c for c in answer["children"]}


def _digest(answer: dict[str, Any]) -> str:
    template = _children(answer)["Deployment"]["spec"]["template"]
    return str(template["metadata"]["annotations"]["omnia.altairalabs.ai/restart-digest"])


def test_sync_leaves_the_pod_template_alone_for_hot_reloaded_changes() -> None:
    before = _children(_sync(CONVERGED))
    request = copy.deepcopy(CONVERGED)
    published = request["related"][k8s.CONFIG_MAP][PUBLISHED]
    published["metadata"]["annotations"][k8s.ANNOTATION_PACK_VERSION] = "1.0.1"
    published["data"]["promptpack.json"] = published["data"]["promptpack.json"].replace(
        "You plan", "You book"
    )
    request["related"][hs.PROV]["agents/openai"]["spec"]["model"] = "gpt-4.1"
    registry = request["related"][hs.TR]["agents/travel-tools"]["status"]
    registry["discoveredTools"] = [t for t in registry["discoveredTools"] if t["name"] != "flights"]
    after = _children(_sync(request))
    assert after["Deployment"] == before["Deployment"]
    assert after["Service"] == before["Service"]
    data = after["ConfigMap"]["data"]
    assert "You book" in data["promptpack.json"]
    assert json.loads(data["agent.json"])["provider"]["model"] == "gpt-4.1"
    assert json.loads(data["agent.json"])["promptpack"]["version"] == "1.0.1"
    assert "flights" not in data["tools.json"]


def test_sync_restarts_pods_for_new_secret_values_and_session_settings() -> None:
    base = _digest(_sync(CONVERGED))
    rotated = copy.deepcopy(CONVERGED)
    secret = rotated["related"][k8s.SECRET]["agents/openai-credentials"]
    secret["data"]["OPENAI_API_KEY"] = base64.b64encode(b"sk-new").decode()
    assert _digest(_sync(rotated)) != base
    unrelated = copy.deepcopy(CONVERGED)
    unrelated["related"][k8s.SECRET]["agents/openai-credentials"]["data"]["other"] = "eA=="
    assert _digest(_sync(unrelated)) == base
    ttl = copy.deepcopy(CONVERGED)
    ttl["parent"]["spec"]["session"]["ttl"] = "3h"
    assert _digest(_sync(ttl)) != base


def test_sync_keyless_mock_provider_passes_no_key() -> None:
    request = copy.deepcopy(CONVERGED)
    request["parent"]["spec"].pop("providerRef")
    request["parent"]["spec"]["provider"] = {"type": "mock"}
    request["parent"]["spec"]["session"] = {"type": "memory"}
    children = _children(_sync(request))
    env = children["Deployment"]["spec"]["template"]["spec"]["containers"][0]["env"]
    assert [e for e in env if "valueFrom" in e] == []
    provider = json.loads(children["ConfigMap"]["data"]["agent.json"])["provider"]
    assert (provider["type"], provider["model"], provider["apiKeyEnv"]) == ("mock", "mock", None)


def test_sync_keeps_children_when_provider_is_deleted() -> None:
    before = _sync(CONVERGED)["children"]
    request = copy.deepcopy(CONVERGED)
    request["related"][hs.PROV] = {}
    answer = _sync(request)
    assert answer["children"] == before
    ready = {c["type"]: c for c in answer["status"]["conditions"]}["ProviderReady"]
    assert (ready["status"], ready["reason"]) == ("False", "ProviderNotFound")


def test_sync_names_children_validly_for_long_and_dotted_names() -> None:
    request = copy.deepcopy(CONVERGED)
    name = "team.travel-" + "a" * 70
    request["parent"]["metadata"]["name"] = name
    request["children"] = {key: {} for key in request["children"]}
    children = _children(_sync(request))
    label = re.compile(r"^[a-z]([-a-z0-9]*[a-z0-9])?$")
    assert label.match(children["Service"]["metadata"]["name"])
    assert len(children["Service"]["metadata"]["name"]) <= 63
    for child in children.values():
        for value in child["metadata"]["labels"].values():
            assert len(value) <= 63
        hs.validate_child(child)
    assert children["Deployment"]["metadata"]["name"] == name
    volumes = children["Deployment"]["spec"]["template"]["spec"]["volumes"]
    assert volumes[0]["configMap"]["name"] == children["ConfigMap"]["metadata"]["name"]


def test_sync_answers_a_finalizing_request_by_finalizing() -> None:
    request = copy.deepcopy(CONVERGED)
    request["finalizing"] = True
    answer = routes.handlers()[routes.path("agentruntime", "sync")](request, hs.SETTINGS, hs.NOW)
    assert answer["children"] == []
    assert answer["finalized"] is False


def test_sync_writes_quantities_as_the_api_server_stores_them() -> None:
    request = copy.deepcopy(CONVERGED)
    request["parent"]["spec"]["runtime"]["resources"] = {"limits": {"cpu": 1, "memory": "1Gi"}}
    container = _children(_sync(request))["Deployment"]["spec"]["template"]["spec"]["containers"][0]
    assert container["resources"] == {"limits": {"cpu": "1", "memory": "1Gi"}}
