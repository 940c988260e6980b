"""PromptPack hooks: validate the source ConfigMap and publish the pack as a child ConfigMap."""

from __future__ import annotations

import dataclasses
import datetime
import json
from typing import Any

import yaml

from agent.config import contract
from agent.promptpack import validate
from hooks import conditions, envelope, jsontext, k8s, specs
from hooks.api import agentruntime as agentruntime_api
from hooks.api import common
from hooks.api import promptpack as api

SOURCE_VALID = "SourceValid"
SCHEMA_VALID = "SchemaValid"
MAX_LISTED_FINDINGS = 10
YAML_KEY_SUFFIXES = (".yaml", ".yml")


@dataclasses.dataclass(frozen=True)
class Source:
    """The decoded pack document, or the SourceValid condition saying why there is none."""

    data: object | None
    valid: common.Condition


def customize(request: envelope.CustomizeRequest) -> dict[str, Any]:
    """Ask for the source ConfigMap by name and every AgentRuntime in the namespace."""
    rules: list[dict[str, Any]] = []
    spec, _ = specs.parse(api.PromptPackSpec, request.parent)
    if spec is not None and spec.source.config_map_ref is not None:
        rules.append(
            {
                "apiVersion": "v1",
                "resource": "configmaps",
                "namespace": request.namespace,
                "names": [spec.source.config_map_ref.name],
            }
        )
    rules.append(
        {
            "apiVersion": common.API_VERSION,
            "resource": "agentruntimes",
            "namespace": request.namespace,
        }
    )
    return envelope.customize_response(rules)


def _decode(text: str, key: str) -> object:
    if key.lower().endswith(YAML_KEY_SUFFIXES):
        return yaml.safe_load(text)
    return json.loads(text, parse_constant=_reject)


def _reject(name: str) -> object:
    raise ValueError(f"{name} is not valid JSON")


def read_source(request: envelope.SyncRequest, spec: api.PromptPackSpec) -> Source:
    """Return the pack document of the source ConfigMap (SourceValid False when unusable)."""
    ref = spec.source.config_map_ref
    assert ref is not None  # the model requires it for the only source type
    source = request.related_object(k8s.CONFIG_MAP, request.namespace, ref.name)
    if source is None:
        message = f"ConfigMap {ref.name} not found in namespace {request.namespace}"
        return Source(None, conditions.condition(SOURCE_VALID, False, "SourceNotFound", message))
    keys = (spec.source.key,) if spec.source.key else api.DEFAULT_KEYS
    key = next((k for k in keys if k8s.config_data(source, k) is not None), None)
    if key is None:
        message = f"ConfigMap {ref.name} has no key {' or '.join(keys)}"
        return Source(None, conditions.condition(SOURCE_VALID, False, "KeyNotFound", message))
    text = k8s.config_data(source, key) or ""
    try:
        data = _decode(text, key)
    except (ValueError, yaml.YAMLError, RecursionError) as error:
        message = f"ConfigMap {ref.name} key {key}: cannot be decoded: {error}"
        return Source(None, conditions.condition(SOURCE_VALID, False, "InvalidJSON", message))
    found = conditions.condition(SOURCE_VALID, True, "Found", f"ConfigMap {ref.name} key {key}")
    return Source(data, found)


def check_schema(data: object) -> common.Condition:
    """Return SchemaValid from the PromptPack validator: errors fail it, warnings are listed."""
    findings = validate.validate_pack(data)
    errors = [f for f in findings if f.severity == "error"]
    shown = errors or findings
    listed = "; ".join(f"{f.path}: {f.message}" for f in shown[:MAX_LISTED_FINDINGS])
    if len(shown) > MAX_LISTED_FINDINGS:
        listed += f"; and {len(shown) - MAX_LISTED_FINDINGS} more"
    if errors:
        message = f"{len(errors)} schema error{'s' if len(errors) > 1 else ''}: {listed}"
        return conditions.condition(SCHEMA_VALID, False, "SchemaInvalid", message)
    if findings:
        message = f"valid, {len(findings)} warning{'s' if len(findings) > 1 else ''}: {listed}"
        return conditions.condition(SCHEMA_VALID, True, "ValidWithWarnings", message)
    return conditions.condition(SCHEMA_VALID, True, "Valid", "valid PromptPack")


def published(
    request: envelope.SyncRequest, spec: api.PromptPackSpec, data: dict[str, Any]
) -> dict[str, Any]:
    """Return the child ConfigMap that publishes a validated pack to the agents."""
    annotations = {
        k8s.ANNOTATION_PACK_NAME: request.name,
        k8s.ANNOTATION_PACK_VERSION: spec.version,
        k8s.ANNOTATION_PACK_ID: str(data.get("id", "")),
    }
    meta = k8s.metadata(
        k8s.published_pack_name(request.name),
        request.namespace,
        k8s.labels(k8s.PROMPTPACK_APP, request.name, "pack"),
        annotations,
    )
    return k8s.config_map(meta, {contract.PROMPTPACK_FILE: jsontext.canonical(data)})


def referencing_agents(request: envelope.SyncRequest) -> list[str]:
    """Return the names of the AgentRuntimes in the namespace that reference this PromptPack."""
    names = []
    for agent in request.related_of(k8s.AGENT_RUNTIME):
        spec, _ = specs.parse(agentruntime_api.AgentRuntimeSpec, agent)
        if spec is not None and spec.prompt_pack_ref.name == request.name:
            names.append(agent["metadata"]["name"])
    return sorted(names)


def _rollout_note(spec: api.PromptPackSpec) -> str:
    if spec.rollout.type != "canary":
        return ""
    return (
        "; rollout type canary is not implemented yet, so this version went to every agent at once"
    )


def sync(request: envelope.SyncRequest, now: datetime.datetime) -> dict[str, Any]:
    """Validate the source and publish it; an invalid source keeps the last published pack."""
    kept = request.child(k8s.CONFIG_MAP, k8s.published_pack_name(request.name))
    spec, problem = specs.parse(api.PromptPackSpec, request.parent)
    if spec is None:
        invalid = conditions.condition(SOURCE_VALID, "Unknown", "InvalidSpec", problem)
        schema = conditions.condition(SCHEMA_VALID, "Unknown", "InvalidSpec", problem)
        return _failed(request, now, kept, [invalid, schema])
    source = read_source(request, spec)
    if source.data is None:
        schema = conditions.condition(
            SCHEMA_VALID, "Unknown", "SourceInvalid", source.valid.message
        )
        return _failed(request, now, kept, [source.valid, schema])
    schema = check_schema(source.data)
    if schema.status != "True" or not isinstance(source.data, dict):
        return _failed(request, now, kept, [source.valid, schema])
    child = published(request, spec, source.data)
    message = f"version {spec.version} published as ConfigMap {child['metadata']['name']}"
    ready = conditions.condition(conditions.READY, True, "Published", message + _rollout_note(spec))
    status = api.PromptPackStatus(
        phase="Active",
        active_version=spec.version,
        pack_id=k8s.annotation(child, k8s.ANNOTATION_PACK_ID),
        agent_runtimes=referencing_agents(request),
        conditions=conditions.settle(
            [ready, source.valid, schema], request.observed_status, now, request.generation
        ),
    )
    return envelope.sync_response(status.model_dump(by_alias=True, exclude_none=True), [child])


def _failed(
    request: envelope.SyncRequest,
    now: datetime.datetime,
    kept: dict[str, Any] | None,
    parts: list[common.Condition],
) -> dict[str, Any]:
    """Report the problem and keep the last published pack, so running agents keep it."""
    problem = next(p for p in parts if p.status != "True")
    version = k8s.annotation(kept, k8s.ANNOTATION_PACK_VERSION)
    note = f"; agents keep version {version}" if version else "; nothing is published yet"
    ready = conditions.condition(conditions.READY, False, problem.reason, problem.message + note)
    never_published = kept is None and problem.reason == "SourceNotFound"
    status = api.PromptPackStatus(
        phase="Pending" if never_published else "Failed",
        active_version=version,
        pack_id=k8s.annotation(kept, k8s.ANNOTATION_PACK_ID),
        agent_runtimes=referencing_agents(request),
        conditions=conditions.settle(
            [ready, *parts], request.observed_status, now, request.generation
        ),
    )
    children = [k8s.carry_over(kept)] if kept is not None else []
    return envelope.sync_response(status.model_dump(by_alias=True, exclude_none=True), children)
