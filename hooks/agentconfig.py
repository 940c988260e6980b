"""Resolve an agent's configuration parts (pack, tools, provider, session) from related objects.

Each part is taken fresh when its source is valid; otherwise the part the agent already has
(read back from the observed `<name>-config` ConfigMap and Deployment) is carried over, so a bad
edit to one source never takes a running agent down.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Generic, TypeVar

import pydantic

from agent.config import contract
from hooks import conditions, envelope, fields, k8s, provider, specs, tooldiscovery, toolregistry
from hooks.api import agentruntime as api
from hooks.api import common
from hooks.api import promptpack as promptpack_api
from hooks.api import provider as provider_api
from hooks.api import toolregistry as toolregistry_api

PROMPTPACK_READY = "PromptPackReady"
TOOLREGISTRY_READY = "ToolRegistryReady"
PROVIDER_READY = "ProviderReady"
SESSION_READY = "SessionReady"

T = TypeVar("T")


@dataclasses.dataclass(frozen=True)
class SecretRef:
    """A key of a Secret in the agent's namespace."""

    name: str
    key: str


@dataclasses.dataclass(frozen=True)
class PackPart:
    """The pack the agent serves: the published JSON text and which release it is."""

    text: str
    info: contract.PackInfo


@dataclasses.dataclass(frozen=True)
class ProviderPart:
    """The provider settings and where the pod reads the API key from."""

    config: contract.ProviderConfig
    secret: SecretRef | None


@dataclasses.dataclass(frozen=True)
class Resolved(Generic[T]):
    """A part (None when there is neither a fresh nor a carried one) and its condition."""

    value: T | None
    condition: common.Condition


@dataclasses.dataclass(frozen=True)
class Observed:
    """What the agent has now, read back from the observed children."""

    pack: PackPart | None = None
    tools: contract.ToolCatalog | None = None
    provider: ProviderPart | None = None


def read_agent(config_map: dict[str, Any] | None) -> contract.AgentConfig | None:
    """Return the agent.json an observed `<name>-config` ConfigMap holds, when it is valid."""
    text = k8s.config_data(config_map, contract.AGENT_CONFIG_FILE)
    if text is None:
        return None
    try:
        return contract.AgentConfig.model_validate_json(text)
    except pydantic.ValidationError:
        return None


def read_config(
    config_map: dict[str, Any] | None,
    agent: contract.AgentConfig | None,
    secret: SecretRef | None,
) -> Observed:
    """Return the parts an observed `<name>-config` ConfigMap holds, per key, where valid.

    Args:
        config_map: the observed ConfigMap, if any.
        agent: its agent.json, as `read_agent` returns it.
        secret: the API key's Secret key that the observed Deployment passes to the agent.
    """
    pack_text = k8s.config_data(config_map, contract.PROMPTPACK_FILE)
    pack = None
    if agent is not None and agent.promptpack is not None and pack_text is not None:
        pack = PackPart(pack_text, agent.promptpack)
    tools_text = k8s.config_data(config_map, contract.TOOLS_FILE)
    try:
        tools = None if tools_text is None else contract.ToolCatalog.model_validate_json(tools_text)
    except pydantic.ValidationError:
        tools = None
    keyless = agent is not None and agent.provider.api_key_env is None
    provider_part = None
    if agent is not None and (keyless or secret is not None):
        provider_part = ProviderPart(agent.provider, None if keyless else secret)
    return Observed(pack=pack, tools=tools, provider=provider_part)


def _kept(kept: T | None, type_: str, reason: str, message: str, note: str) -> Resolved[T]:
    """Return the kept part (or None) with a False condition saying what the agent keeps."""
    suffix = f"; the agent keeps {note}" if kept is not None and note else ""
    return Resolved(kept, conditions.condition(type_, False, reason, message + suffix))


def resolve_pack(
    request: envelope.SyncRequest, spec: api.AgentRuntimeSpec, kept: PackPart | None
) -> Resolved[PackPart]:
    """Return the published pack of the referenced PromptPack, or the kept one."""
    ref = spec.prompt_pack_ref
    note = f"version {kept.info.version}" if kept else ""
    pack = request.related_object(k8s.PROMPT_PACK, request.namespace, ref.name)
    if pack is None:
        message = f"PromptPack {ref.name} not found in namespace {request.namespace}"
        return _kept(kept, PROMPTPACK_READY, "PromptPackNotFound", message, note)
    published = request.related_object(
        k8s.CONFIG_MAP, request.namespace, k8s.published_pack_name(ref.name)
    )
    text = k8s.config_data(published, contract.PROMPTPACK_FILE)
    version = k8s.annotation(published, k8s.ANNOTATION_PACK_VERSION)
    status = specs.parse_status(promptpack_api.PromptPackStatus, pack)
    detail = _ready_message(status.conditions if status else [])
    if text is None or version is None:
        message = f"PromptPack {ref.name} has published no valid version yet{detail}"
        return _kept(kept, PROMPTPACK_READY, "PromptPackNotPublished", message, note)
    if ref.version is not None and ref.version != version:
        message = f"pinned to version {ref.version}, PromptPack {ref.name} publishes {version}"
        return _kept(kept, PROMPTPACK_READY, "VersionMismatch", message, note)
    part = PackPart(text, contract.PackInfo(name=ref.name, version=version))
    if status is not None and status.phase == "Failed":
        message = (
            f"PromptPack {ref.name} is Failed{detail}; serving its last published version {version}"
        )
        return Resolved(
            part, conditions.condition(PROMPTPACK_READY, False, "PromptPackFailed", message)
        )
    message = f"serving PromptPack {ref.name} version {version}"
    return Resolved(part, conditions.condition(PROMPTPACK_READY, True, "Published", message))


def _ready_message(found: list[common.Condition]) -> str:
    ready = next((c for c in found if c.type == conditions.READY), None)
    return f" ({ready.message})" if ready is not None and ready.message else ""


def resolve_tools(
    request: envelope.SyncRequest, spec: api.AgentRuntimeSpec, kept: contract.ToolCatalog | None
) -> Resolved[contract.ToolCatalog]:
    """Return the available tools of the referenced ToolRegistry (never blocking the agent)."""
    ref = spec.tool_registry_ref
    if ref is None:
        message = "no ToolRegistry is referenced; the agent has no tools"
        return Resolved(
            contract.ToolCatalog(),
            conditions.condition(TOOLREGISTRY_READY, True, "NoToolRegistry", message),
        )
    namespace = ref.namespace or request.namespace
    # Tools never block the agent: without any kept, it runs with none until the registry works.
    kept_or_none = kept or contract.ToolCatalog()
    note = f"its {len(kept.tools)} tools" if kept is not None else "no tools"
    registry = request.related_object(k8s.TOOL_REGISTRY, namespace, ref.name)
    if registry is None:
        message = f"ToolRegistry {ref.name} not found in namespace {namespace}"
        return _kept(kept_or_none, TOOLREGISTRY_READY, "ToolRegistryNotFound", message, note)
    status = specs.parse_status(toolregistry_api.ToolRegistryStatus, registry)
    if status is None or not toolregistry.is_usable(status):
        invalid = status is not None and status.phase == "Failed"
        reason = "ToolRegistryInvalid" if invalid else "ToolRegistryPending"
        detail = _ready_message(status.conditions if status else [])
        state = "has an invalid spec" if invalid else "has not reported its tools yet"
        message = f"ToolRegistry {namespace}/{ref.name} {state}{detail}"
        return _kept(kept_or_none, TOOLREGISTRY_READY, reason, message, note)
    catalog = tooldiscovery.to_catalog(list(status.discovered_tools))
    count = f"{len(catalog.tools)} tool{'' if len(catalog.tools) == 1 else 's'}"
    if status.phase == "Ready":
        message = f"{count} from ToolRegistry {namespace}/{ref.name}"
        return Resolved(
            catalog, conditions.condition(TOOLREGISTRY_READY, True, "ToolsAvailable", message)
        )
    detail = _ready_message(list(status.conditions))
    message = (
        f"ToolRegistry {namespace}/{ref.name} is {status.phase}{detail}; "
        f"the agent gets the {count} available"
    )
    return Resolved(
        catalog,
        conditions.condition(TOOLREGISTRY_READY, False, f"ToolRegistry{status.phase}", message),
    )


def _provider_spec(
    request: envelope.SyncRequest, spec: api.AgentRuntimeSpec
) -> tuple[provider_api.ProviderSpec | None, str, str, str]:
    """Return (provider spec, where it comes from, reason, problem) for either form."""
    ref = spec.provider_ref
    if ref is None:
        return spec.provider, "inline provider", "", ""
    namespace = ref.namespace or request.namespace
    where = f"Provider {namespace}/{ref.name}"
    found = request.related_object(k8s.PROVIDER, namespace, ref.name)
    if found is None:
        return (
            None,
            where,
            "ProviderNotFound",
            f"Provider {ref.name} not found in namespace {namespace}",
        )
    parsed, problem = specs.parse(provider_api.ProviderSpec, found)
    return parsed, where, "ProviderInvalid", f"{where} has an invalid spec: {problem}"


def _missing_secret(request: envelope.SyncRequest, spec: api.AgentRuntimeSpec, name: str) -> str:
    message = f"Secret {name} not found in namespace {request.namespace}"
    ref = spec.provider_ref
    if ref is not None and (ref.namespace or request.namespace) != request.namespace:
        message += (
            f"; pods read Secrets only from their own namespace, so namespace {request.namespace}"
            f" needs a copy of the Secret {name} of Provider {ref.namespace}/{ref.name}"
        )
    return message


def resolve_provider(
    request: envelope.SyncRequest, spec: api.AgentRuntimeSpec, kept: ProviderPart | None
) -> Resolved[ProviderPart]:
    """Return the provider settings and where the API key is (by name only), or the kept ones."""
    note = f"{kept.config.type} {kept.config.model}" if kept else ""
    provider_spec, where, reason, problem = _provider_spec(request, spec)
    if provider_spec is None:
        return _kept(kept, PROVIDER_READY, reason, problem, note)
    env_name = contract.API_KEY_ENV.get(provider_spec.type)
    if provider_spec.secret_ref is None or env_name is None:
        part = ProviderPart(provider.to_config(provider_spec, None), None)
        message = f"{where}: {provider_spec.type} {part.config.model}, no API key"
        return Resolved(part, conditions.condition(PROVIDER_READY, True, "Resolved", message))
    secret_name = provider_spec.secret_ref.name
    secret = request.related_object(k8s.SECRET, request.namespace, secret_name)
    if secret is None:
        return _kept(
            kept,
            PROVIDER_READY,
            "SecretNotFound",
            _missing_secret(request, spec, secret_name),
            note,
        )
    choice = provider.select_secret_key(provider_spec, secret)
    if choice.key is None:
        return _kept(kept, PROVIDER_READY, choice.reason, choice.message, note)
    part = ProviderPart(
        provider.to_config(provider_spec, env_name), SecretRef(secret_name, choice.key)
    )
    message = (
        f"{where}: {provider_spec.type} {part.config.model}, "
        f"API key from key {choice.key} of Secret {secret_name}"
    )
    return Resolved(part, conditions.condition(PROVIDER_READY, True, "Resolved", message))


def session_config(spec: api.AgentRuntimeSpec) -> contract.SessionConfig:
    """Return the contract's session settings for an AgentRuntime spec."""
    ttl_s = int(common.parse_duration(spec.session.ttl))
    return contract.SessionConfig(type=spec.session.type, ttl_seconds=max(ttl_s, 1))


def session_store(spec: api.AgentRuntimeSpec) -> SecretRef | None:
    """Return the Secret key holding the Redis URL, for a redis session."""
    if spec.session.type != "redis" or spec.session.store_ref is None:
        return None
    return SecretRef(spec.session.store_ref.name, contract.SESSION_STORE_URL_KEY)


def check_session(request: envelope.SyncRequest, spec: api.AgentRuntimeSpec) -> common.Condition:
    """Return SessionReady: whether a redis session's Secret holds the URL key."""
    store = session_store(spec)
    if store is None:
        message = "conversations live in each pod's memory and are lost on restart"
        return conditions.condition(SESSION_READY, True, "Memory", message)
    secret = request.related_object(k8s.SECRET, request.namespace, store.name)
    if secret is None:
        message = f"Secret {store.name} not found in namespace {request.namespace}"
        return conditions.condition(SESSION_READY, False, "SecretNotFound", message)
    if not fields.text(secret, "data", store.key):
        message = f"Secret {store.name} has no non-empty key {store.key}"
        return conditions.condition(SESSION_READY, False, "SecretKeyNotFound", message)
    message = f"Redis URL from key {store.key} of Secret {store.name}"
    return conditions.condition(SESSION_READY, True, "Redis", message)
