"""Resources against the CRD schemas, their CEL rules and the API models: all three agree."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pydantic
import pytest

from hooks.api import agentruntime, common, promptpack, provider, toolregistry
from tests.support import crd_schema
from tests.support.reference import require_reference

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "resources"
SPEC_MODELS: dict[str, type[pydantic.BaseModel]] = {
    "AgentRuntime": agentruntime.AgentRuntimeSpec,
    "PromptPack": promptpack.PromptPackSpec,
    "ToolRegistry": toolregistry.ToolRegistrySpec,
    "Provider": provider.ProviderSpec,
}
CRDS = crd_schema.load_crds()


def _omnia_documents(path: Path) -> list[dict[str, Any]]:
    return [
        doc
        for doc in crd_schema.load_yaml_documents(path)
        if doc.get("apiVersion") == common.API_VERSION
    ]


def _verdicts(obj: dict[str, Any]) -> tuple[list[str], list[str], str | None]:
    """Return (schema errors, CEL failures, model error) for one resource."""
    crd = CRDS[obj["kind"]]
    schema = crd_schema.schema_errors(crd, obj)
    cel = crd_schema.cel_errors(crd, obj) if not schema else []
    try:
        SPEC_MODELS[obj["kind"]].model_validate(obj["spec"])
        model_error = None
    except pydantic.ValidationError as err:
        model_error = str(err)
    return schema, cel, model_error


def _reference_samples() -> list[Path]:
    folder = require_reference("omnia-v1alpha1-samples")
    return sorted(folder.glob("*.yaml"))


def test_reference_samples_validate_unchanged() -> None:
    documents = [doc for path in _reference_samples() for doc in _omnia_documents(path)]
    assert {doc["kind"] for doc in documents} == set(SPEC_MODELS)
    for doc in documents:
        assert _verdicts(doc) == ([], [], None), doc["metadata"]["name"]


def test_fixture_resources_cover_every_kind_and_validate() -> None:
    documents = _omnia_documents(FIXTURES / "valid.yaml")
    assert {doc["kind"] for doc in documents} == set(SPEC_MODELS)
    for doc in documents:
        assert _verdicts(doc) == ([], [], None), doc["metadata"]["name"]


def _fixture(kind: str, name: str) -> dict[str, Any]:
    for doc in _omnia_documents(FIXTURES / "valid.yaml"):
        if doc["kind"] == kind and doc["metadata"]["name"] == name:
            return copy.deepcopy(doc)
    raise LookupError(name)


def _set(obj: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """Set (or, with value ..., delete) a dotted path; digits index lists."""
    *parents, last = path.split(".")
    node: Any = obj
    for part in parents:
        node = node[int(part)] if part.isdigit() else node[part]
    if value is ...:
        del node[int(last) if last.isdigit() else last]
    else:
        node[int(last) if last.isdigit() else last] = value
    return obj


# (kind, fixture, path, new value or ... to delete, text the schema/CEL message must name)
SCHEMA_BREAKS = [
    ("AgentRuntime", "travel-agent", "spec.runtime.replicas", -1, "spec.runtime.replicas"),
    ("AgentRuntime", "travel-agent", "spec.facade.port", 70000, "spec.facade.port"),
    ("AgentRuntime", "travel-agent", "spec.facade.type", "grpc", "spec.facade.type"),
    ("AgentRuntime", "travel-agent", "spec.session.type", "postgres", "spec.session.type"),
    ("AgentRuntime", "travel-agent", "spec.session.ttl", "a day", "spec.session.ttl"),
    ("AgentRuntime", "travel-agent", "spec.promptPackRef", ..., "promptPackRef"),
    ("AgentRuntime", "travel-agent", "spec.promptPackRef.name", "Not_A_Name", "promptPackRef.name"),
    ("AgentRuntime", "travel-agent", "spec.runtime.autoscaling.maxReplicas", 0, "maxReplicas"),
    ("AgentRuntime", "travel-agent", "spec.runtime.tolerations.0.effect", "Sometimes", "effect"),
    ("AgentRuntime", "travel-agent", "spec.replicaz", 2, "replicaz"),
    ("PromptPack", "travel", "spec.version", "1.0", "spec.version"),
    ("PromptPack", "travel", "spec.rollout.canary.weight", 101, "canary.weight"),
    ("PromptPack", "travel", "spec.rollout.type", "bluegreen", "rollout.type"),
    ("PromptPack", "travel", "spec.source.type", "git", "source.type"),
    ("ToolRegistry", "travel-tools", "spec.tools.0.name", "Weather_Tool", "tools.0.name"),
    ("ToolRegistry", "travel-tools", "spec.tools.0.retries", 11, "tools.0.retries"),
    ("ToolRegistry", "travel-tools", "spec.tools.0.timeout", "soon", "tools.0.timeout"),
    ("ToolRegistry", "travel-tools", "spec.tools.0.type", "grpc", "tools.0.type"),
    ("ToolRegistry", "travel-tools", "spec.tools.0.endpoint.url", "ftp://x", "endpoint.url"),
    ("Provider", "openai-mini", "spec.type", "watson", "spec.type"),
    ("Provider", "openai-mini", "spec.defaults.temperature", "2.5", "defaults.temperature"),
    ("Provider", "openai-mini", "spec.defaults.topP", "1.5", "defaults.topP"),
    ("Provider", "openai-mini", "spec.pricing.inputCostPer1K", "-1", "inputCostPer1K"),
    ("Provider", "openai-mini", "spec.defaults.maxTokens", 0, "maxTokens"),
]


@pytest.mark.parametrize(
    ("kind", "name", "path", "value", "names"), SCHEMA_BREAKS, ids=[b[2] for b in SCHEMA_BREAKS]
)
def test_broken_resource_rejected_naming_the_field(
    kind: str, name: str, path: str, value: Any, names: str
) -> None:
    obj = _set(_fixture(kind, name), path, value)
    schema, _, model_error = _verdicts(obj)
    assert schema, "the CRD schema accepted it"
    field = names.rsplit(".", maxsplit=1)[-1]
    assert any(field in err for err in schema), schema
    assert model_error is not None, "the model accepted it"
    assert field in model_error


# Cross-field rules: (kind, fixture, [(path, value)], expected CEL message or None when valid)
CEL_CASES = [
    ("AgentRuntime", "minimal-agent", [("spec.provider", {"type": "mock"})], "exactly one of"),
    ("AgentRuntime", "minimal-agent", [("spec.providerRef", ...)], "exactly one of"),
    ("AgentRuntime", "travel-agent", [("spec.session.storeRef", ...)], "storeRef is required"),
    (
        "AgentRuntime",
        "travel-agent",
        [("spec.runtime.autoscaling.minReplicas", 9)],
        "minReplicas must not exceed",
    ),
    ("AgentRuntime", "travel-agent", [("spec.provider.secretRef", ...)], "secretRef is required"),
    ("PromptPack", "travel", [("spec.rollout.type", "immediate")], "only with type canary"),
    ("PromptPack", "travel", [("spec.rollout.canary", ...)], None),
    ("PromptPack", "travel", [("spec.source.configMapRef", ...)], "configMapRef is required"),
    (
        "ToolRegistry",
        "travel-tools",
        [("spec.tools.0.endpoint.selector", {"matchLabels": {"a": "b"}})],
        "exactly one of url and selector",
    ),
    ("ToolRegistry", "travel-tools", [("spec.tools.1.endpoint.selector", ...)], "exactly one"),
    ("ToolRegistry", "travel-tools", [("spec.tools.0.endpoint.path", "/x")], "path applies only"),
    (
        "ToolRegistry",
        "travel-tools",
        [("spec.tools", []), ("spec.discovery", [])],
        "at least one tool or discovery",
    ),
    ("ToolRegistry", "travel-tools", [("spec.discovery", ...)], None),
    ("Provider", "openai-mini", [("spec.model", ...)], "model is required"),
    ("Provider", "openai-mini", [("spec.secretRef", ...)], "secretRef is required"),
    ("Provider", "offline", [("spec.model", "anything")], None),
    ("Provider", "openai-mini", [("spec.type", "ollama"), ("spec.secretRef", ...)], None),
]


@pytest.mark.parametrize(
    ("kind", "name", "edits", "message"), CEL_CASES, ids=[str(c[2]) for c in CEL_CASES]
)
def test_cel_rules_and_model_validators_agree(
    kind: str, name: str, edits: list[tuple[str, Any]], message: str | None
) -> None:
    obj = _fixture(kind, name)
    for path, value in edits:
        _set(obj, path, value)
    schema, cel, model_error = _verdicts(obj)
    assert schema == []
    if message is None:
        assert (cel, model_error) == ([], None)
    else:
        assert any(message in failure for failure in cel), cel
        assert model_error is not None


def test_duplicate_tool_names_rejected_by_model() -> None:
    obj = _fixture("ToolRegistry", "travel-tools")
    obj["spec"]["tools"][1]["name"] = "weather"
    with pytest.raises(pydantic.ValidationError, match="duplicate names weather"):
        toolregistry.ToolRegistrySpec.model_validate(obj["spec"])


def test_model_defaults_match_crd_defaults() -> None:
    spec = agentruntime.AgentRuntimeSpec.model_validate(
        {"promptPackRef": {"name": "p"}, "provider": {"type": "mock"}}
    )
    assert spec.facade.port == 8080
    assert spec.session.type == "memory"
    assert spec.session.ttl == "24h"
    assert spec.runtime.replicas == 1
    assert spec.prompt_pack_ref.track == "stable"


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("30s", 30), ("5m", 300), ("1h30m", 5400), ("250ms", 0.25), ("24h", 86400)],
)
def test_parse_duration_reads_go_durations(text: str, seconds: float) -> None:
    assert common.parse_duration(text) == seconds


def test_parse_duration_rejects_text() -> None:
    with pytest.raises(ValueError, match="not a duration"):
        common.parse_duration("a day")
