"""AgentRuntime hooks: the agent's ConfigMap, Deployment, Service and HPA, and its status."""

from __future__ import annotations

import datetime
from typing import Any

from agent.config import contract
from hooks import agentconfig, agentworkload, conditions, envelope, fields, jsontext, k8s, specs
from hooks.api import agentruntime as api
from hooks.api import common
from hooks.settings import HookSettings

DEPLOYMENT_READY = "DeploymentReady"
SERVICE_READY = "ServiceReady"
# Helm stores release state in Secrets labelled owner=helm; they are large and never ours.
NOT_HELM_SELECTOR = {
    "matchExpressions": [{"key": "owner", "operator": "NotIn", "values": ["helm"]}]
}


def customize(request: envelope.CustomizeRequest) -> dict[str, Any]:
    """Ask for what the AgentRuntime reads but does not own; one rule per type, from spec only."""
    spec, _ = specs.parse(api.AgentRuntimeSpec, request.parent)
    if spec is None:
        return envelope.customize_response([])
    namespace = request.namespace
    pack = spec.prompt_pack_ref.name
    rules: list[dict[str, Any]] = [
        _rule(common.API_VERSION, "promptpacks", namespace, [pack]),
        _rule("v1", "configmaps", namespace, [k8s.published_pack_name(pack)]),
    ]
    if spec.tool_registry_ref is not None:
        ref = spec.tool_registry_ref
        rules.append(
            _rule(common.API_VERSION, "toolregistries", ref.namespace or namespace, [ref.name])
        )
    if spec.provider_ref is not None:
        ref = spec.provider_ref
        rules.append(_rule(common.API_VERSION, "providers", ref.namespace or namespace, [ref.name]))
        # The Secret's name is in the Provider's spec, unknown here, and customize answers are
        # cached per generation: select the namespace's Secrets by label instead of by name.
        rules.append(
            {
                "apiVersion": "v1",
                "resource": "secrets",
                "namespace": namespace,
                "labelSelector": NOT_HELM_SELECTOR,
            }
        )
        return envelope.customize_response(rules)
    names = {ref.name for ref in (_inline_secret(spec), agentconfig.session_store(spec)) if ref}
    if names:
        rules.append(_rule("v1", "secrets", namespace, sorted(names)))
    return envelope.customize_response(rules)


def _inline_secret(spec: api.AgentRuntimeSpec) -> common.SecretKeyReference | None:
    return spec.provider.secret_ref if spec.provider is not None else None


def _rule(api_version: str, resource: str, namespace: str, names: list[str]) -> dict[str, Any]:
    return {"apiVersion": api_version, "resource": resource, "namespace": namespace, "names": names}


def _compact(model: contract.ContractModel) -> str:
    # Compact on purpose: json.dumps with indent falls back to the pure-Python encoder, which
    # was half of a 20-tool sync (bench/hooks.py). `jq .` pretty-prints the ConfigMap's data.
    return jsontext.canonical(model.model_dump(mode="json", by_alias=True)) + "\n"


def config_map(
    request: envelope.SyncRequest,
    pack: agentconfig.PackPart,
    tools: contract.ToolCatalog,
    provider: agentconfig.ProviderPart,
    session: contract.SessionConfig,
) -> dict[str, Any]:
    """Return the `<name>-config` ConfigMap: everything the agent reads that is not secret."""
    agent = contract.AgentConfig(
        agent_name=request.name,
        namespace=request.namespace,
        provider=provider.config,
        session=session,
        promptpack=pack.info,
    )
    meta = k8s.metadata(
        agentworkload.config_map_name(request.name),
        request.namespace,
        k8s.labels(k8s.AGENT_APP, request.name, "config"),
    )
    data = {
        contract.AGENT_CONFIG_FILE: _compact(agent),
        contract.PROMPTPACK_FILE: pack.text,
        contract.TOOLS_FILE: _compact(tools),
    }
    return k8s.config_map(meta, data)


def _observe(request: envelope.SyncRequest) -> agentconfig.Observed:
    config = request.child(k8s.CONFIG_MAP, agentworkload.config_map_name(request.name))
    agent = agentconfig.read_agent(config)
    key_env = agent.provider.api_key_env if agent is not None else None
    secret = agentworkload.observed_secret(request.child(k8s.DEPLOYMENT, request.name), key_env)
    return agentconfig.read_config(config, agent, secret)


def _children(
    request: envelope.SyncRequest,
    settings: HookSettings,
    spec: api.AgentRuntimeSpec,
    parts: tuple[agentconfig.PackPart, contract.ToolCatalog, agentconfig.ProviderPart],
) -> list[dict[str, Any]]:
    pack, tools, provider_part = parts
    session = agentconfig.session_config(spec)
    refs = [r for r in (provider_part.secret, agentconfig.session_store(spec)) if r is not None]
    kept_digest = agentworkload.observed_digest(request.child(k8s.DEPLOYMENT, request.name))
    digest = agentworkload.restart_digest(request, session, refs, kept_digest)
    workload = agentworkload.Workload(request.name, request.namespace, spec, provider_part, digest)
    children = [
        config_map(request, pack, tools, provider_part, session),
        agentworkload.deployment(workload, settings),
        agentworkload.service(workload),
    ]
    autoscaler = agentworkload.hpa(workload)
    return children + ([autoscaler] if autoscaler is not None else [])


def sync(
    request: envelope.SyncRequest, settings: HookSettings, now: datetime.datetime
) -> dict[str, Any]:
    """Return the agent's children and status; a bad source keeps what the agent has."""
    spec, problem = specs.parse(api.AgentRuntimeSpec, request.parent)
    observed = _observe(request)
    if spec is None:
        invalid = conditions.condition(conditions.READY, False, "InvalidSpec", problem)
        parts = [invalid, *_workload_conditions(request, settings)]
        version = observed.pack.info.version if observed.pack else None
        return _respond(
            request, settings, now, "Failed", parts, version, k8s.carry_over_all(request)
        )
    pack = agentconfig.resolve_pack(request, spec, observed.pack)
    tools = agentconfig.resolve_tools(request, spec, observed.tools)
    provider_part = agentconfig.resolve_provider(request, spec, observed.provider)
    session = agentconfig.check_session(request, spec)
    if pack.value is None or provider_part.value is None or tools.value is None:
        children = k8s.carry_over_all(request)
    else:
        children = _children(
            request, settings, spec, (pack.value, tools.value, provider_part.value)
        )
    deps = [pack.condition, tools.condition, provider_part.condition, session]
    workload = _workload_conditions(request, settings)
    version = pack.value.info.version if pack.value else None
    endpoint = _endpoint(request, settings)
    # Dependencies first: when one is missing, it is the reason, not the absent Deployment;
    # and what blocks the agent (pack, provider, session) before what only degrades it (tools).
    blocking_first = [pack.condition, provider_part.condition, session, tools.condition]
    ready = conditions.ready(
        [*blocking_first, *workload], "AgentReady", f"serving version {version} at {endpoint}"
    )
    phase = "Running" if _replicas(request).ready > 0 else "Pending"
    return _respond(request, settings, now, phase, [ready, *workload, *deps], version, children)


def _replicas(request: envelope.SyncRequest) -> api.ReplicaStatus:
    found = request.child(k8s.DEPLOYMENT, request.name)
    if found is None:
        return api.ReplicaStatus()
    # Without spec.replicas (an HPA owns it), the Deployment's status says how many it wants.
    desired = fields.number(found, "spec", "replicas", default=-1)
    return api.ReplicaStatus(
        desired=desired if desired >= 0 else fields.number(found, "status", "replicas"),
        ready=fields.number(found, "status", "readyReplicas"),
        available=fields.number(found, "status", "availableReplicas"),
    )


def _endpoint(request: envelope.SyncRequest, settings: HookSettings) -> str | None:
    found = request.child(k8s.SERVICE, agentworkload.service_name(request.name))
    port = fields.number(found, "spec", "ports", 0, "port", default=-1)
    if found is None or port < 0:
        return None
    name = found["metadata"]["name"]
    return f"{name}.{request.namespace}.svc.{settings.cluster_domain}:{port}"


def _deployment_condition(request: envelope.SyncRequest) -> common.Condition:
    found = request.child(k8s.DEPLOYMENT, request.name)
    if found is None:
        return conditions.condition(
            DEPLOYMENT_READY,
            False,
            "DeploymentNotFound",
            f"Deployment {request.name} does not exist yet",
        )
    stalled = conditions.find(fields.dig(found, "status", "conditions"), "Progressing")
    if fields.text(stalled, "reason") == "ProgressDeadlineExceeded":
        message = fields.text(stalled, "message") or "the rollout made no progress"
        return conditions.condition(DEPLOYMENT_READY, False, "ProgressDeadlineExceeded", message)
    replicas = _replicas(request)
    counts = f"{replicas.ready}/{replicas.desired} replicas ready"
    if replicas.desired == 0:
        return conditions.condition(DEPLOYMENT_READY, True, "ScaledToZero", counts)
    if replicas.ready >= replicas.desired:
        return conditions.condition(DEPLOYMENT_READY, True, "ReplicasReady", counts)
    return conditions.condition(DEPLOYMENT_READY, False, "ReplicasNotReady", counts)


def _workload_conditions(
    request: envelope.SyncRequest, settings: HookSettings
) -> list[common.Condition]:
    endpoint = _endpoint(request, settings)
    if endpoint is None:
        service = conditions.condition(
            SERVICE_READY, False, "ServiceNotFound", "the agent's Service does not exist yet"
        )
    else:
        service = conditions.condition(SERVICE_READY, True, "ServiceCreated", endpoint)
    return [_deployment_condition(request), service]


def _respond(
    request: envelope.SyncRequest,
    settings: HookSettings,
    now: datetime.datetime,
    phase: str,
    parts: list[common.Condition],
    version: str | None,
    children: list[dict[str, Any]],
) -> dict[str, Any]:
    status = api.AgentRuntimeStatus.model_validate(
        {
            "phase": phase,
            "replicas": _replicas(request),
            "activeVersion": version,
            "serviceEndpoint": _endpoint(request, settings),
            "conditions": conditions.settle(
                parts, request.observed_status, now, request.generation
            ),
        }
    )
    return envelope.sync_response(status.model_dump(by_alias=True, exclude_none=True), children)


def finalize(request: envelope.SyncRequest, now: datetime.datetime) -> dict[str, Any]:
    """Tear the children down; report finalized only once none is observed any more."""
    remaining = sorted(
        c["metadata"]["name"] for key in request.children for c in request.children_of(key)
    )
    try:
        status = api.AgentRuntimeStatus.model_validate(request.observed_status)
    except ValueError:
        status = api.AgentRuntimeStatus()
    message = f"waiting for {len(remaining)} children to go" if remaining else "every child is gone"
    ready = conditions.condition(conditions.READY, False, "Deleting", message)
    others = [c for c in status.conditions if c.type != conditions.READY]
    stamped = conditions.settle([ready, *others], request.observed_status, now, request.generation)
    final = status.model_copy(update={"conditions": stamped, "observed_generation": None})
    return envelope.sync_response(
        final.model_dump(by_alias=True, exclude_none=True), [], finalized=not remaining
    )
