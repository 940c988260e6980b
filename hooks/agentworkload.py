"""Build an agent's workload objects: Deployment, Service and HorizontalPodAutoscaler."""

from __future__ import annotations

import dataclasses
from typing import Any

from agent.config import contract
from hooks import agentconfig, envelope, fields, k8s
from hooks.api import agentruntime as api
from hooks.api import common
from hooks.settings import HookSettings

CONTAINER_NAME = "agent"
PORT_NAME = "facade"
RESTART_DIGEST_ANNOTATION = "omnia.altairalabs.ai/restart-digest"
TMP_VOLUME = "tmp"
TMP_SIZE_LIMIT = "64Mi"
RUN_AS_USER = 65532
AGENT_COMMAND = ("omnia", "agent")


@dataclasses.dataclass(frozen=True)
class Workload:
    """Everything the agent's objects are built from."""

    name: str
    namespace: str
    spec: api.AgentRuntimeSpec
    provider: agentconfig.ProviderPart
    restart_digest: str


def config_map_name(name: str) -> str:
    """Return the name of the agent's configuration ConfigMap."""
    return k8s.child_name(name, "-config")


def service_name(name: str) -> str:
    """Return the name of the agent's Service (a DNS-1035 label)."""
    return k8s.dns_label(name)


def _file(name: str) -> str:
    return f"{contract.CONFIG_MOUNT_DIR}/{name}"


def _secret_env(env_name: str, ref: agentconfig.SecretRef) -> dict[str, Any]:
    return {"name": env_name, "valueFrom": {"secretKeyRef": {"name": ref.name, "key": ref.key}}}


def env(workload: Workload) -> list[dict[str, Any]]:
    """Return the agent container's env: names from the contract, secrets by reference only."""
    values = [
        {"name": contract.ENV_AGENT_NAME, "value": workload.name},
        {"name": contract.ENV_NAMESPACE, "value": workload.namespace},
        {"name": contract.ENV_FACADE_HOST, "value": contract.DEFAULT_FACADE_HOST},
        {"name": contract.ENV_FACADE_PORT, "value": str(workload.spec.facade.port)},
        {"name": contract.ENV_CONFIG_PATH, "value": _file(contract.AGENT_CONFIG_FILE)},
        {"name": contract.ENV_PROMPTPACK_PATH, "value": _file(contract.PROMPTPACK_FILE)},
        {"name": contract.ENV_TOOLS_PATH, "value": _file(contract.TOOLS_FILE)},
        # litellm fetches its model cost map from the internet at import unless told otherwise.
        {"name": "LITELLM_LOCAL_MODEL_COST_MAP", "value": "True"},
    ]
    store = agentconfig.session_store(workload.spec)
    if store is not None:
        values.append(_secret_env(contract.ENV_SESSION_STORE_URL, store))
    key_env = workload.provider.config.api_key_env
    if key_env is not None and workload.provider.secret is not None:
        values.append(_secret_env(key_env, workload.provider.secret))
    return values


def _probe(path: str, period_s: int, failures: int) -> dict[str, Any]:
    return {
        "httpGet": {"path": path, "port": PORT_NAME},
        "periodSeconds": period_s,
        "timeoutSeconds": 2,
        "failureThreshold": failures,
    }


def container(workload: Workload, settings: HookSettings) -> dict[str, Any]:
    """Return the agent container."""
    spec = workload.spec
    out: dict[str, Any] = {
        "name": CONTAINER_NAME,
        "image": settings.agent_image,
        "imagePullPolicy": settings.agent_image_pull_policy,
        "command": list(AGENT_COMMAND),
        "ports": [{"name": PORT_NAME, "containerPort": spec.facade.port, "protocol": "TCP"}],
        "env": env(workload),
        "readinessProbe": _probe(contract.READY_PATH, 5, 3),
        "livenessProbe": _probe(contract.HEALTH_PATH, 10, 6),
        "volumeMounts": [
            {
                "name": contract.CONFIG_VOLUME_NAME,
                "mountPath": contract.CONFIG_MOUNT_DIR,
                "readOnly": True,
            },
            # The root filesystem is read-only; libraries still want a writable /tmp.
            {"name": TMP_VOLUME, "mountPath": "/tmp"},  # noqa: S108 - a per-pod emptyDir
        ],
        "securityContext": {
            "runAsNonRoot": True,
            "runAsUser": RUN_AS_USER,
            "runAsGroup": RUN_AS_USER,
            "readOnlyRootFilesystem": True,
            "allowPrivilegeEscalation": False,
            "capabilities": {"drop": ["ALL"]},
            "seccompProfile": {"type": "RuntimeDefault"},
        },
    }
    if spec.runtime.resources is not None:
        out["resources"] = _quantities(spec.runtime.resources)
    return out


def _quantities(resources: common.ResourceRequirements) -> dict[str, dict[str, str]]:
    """Return requests and limits with every quantity a string, as the API server stores them.

    An integer (cpu: 1) would differ from the stored "1" on every sync and cost an update each
    time. Other spellings the server rewrites ("0.5" becomes "500m") are passed as written.
    """
    dumped = resources.model_dump(by_alias=True, exclude_none=True)
    return {
        kind: {name: str(value) for name, value in amounts.items()}
        for kind, amounts in dumped.items()
    }


def pod_spec(workload: Workload, settings: HookSettings) -> dict[str, Any]:
    """Return the agent pod's spec: hardened, no service account token, scheduling from spec."""
    runtime = workload.spec.runtime
    out: dict[str, Any] = {
        "automountServiceAccountToken": False,
        "securityContext": {
            "runAsNonRoot": True,
            "runAsUser": RUN_AS_USER,
            "runAsGroup": RUN_AS_USER,
            "fsGroup": RUN_AS_USER,
            "seccompProfile": {"type": "RuntimeDefault"},
        },
        "containers": [container(workload, settings)],
        "volumes": [
            {
                "name": contract.CONFIG_VOLUME_NAME,
                "configMap": {"name": config_map_name(workload.name)},
            },
            {"name": TMP_VOLUME, "emptyDir": {"sizeLimit": TMP_SIZE_LIMIT}},
        ],
    }
    if settings.agent_image_pull_secrets:
        out["imagePullSecrets"] = [{"name": n} for n in settings.agent_image_pull_secrets]
    if runtime.node_selector:
        out["nodeSelector"] = dict(runtime.node_selector)
    if runtime.tolerations:
        out["tolerations"] = [
            t.model_dump(by_alias=True, exclude_none=True) for t in runtime.tolerations
        ]
    if runtime.affinity:
        out["affinity"] = runtime.affinity
    return out


def is_autoscaled(spec: api.AgentRuntimeSpec) -> bool:
    """Whether an HPA owns the replica count."""
    return spec.runtime.autoscaling is not None and spec.runtime.autoscaling.enabled


def deployment(workload: Workload, settings: HookSettings) -> dict[str, Any]:
    """Return the agent Deployment; replicas are left out when an HPA owns them."""
    pod_labels = k8s.labels(k8s.AGENT_APP, workload.name, "agent")
    annotations = {
        "prometheus.io/scrape": "true",
        "prometheus.io/port": str(workload.spec.facade.port),
        "prometheus.io/path": contract.METRICS_PATH,
        RESTART_DIGEST_ANNOTATION: workload.restart_digest,
    }
    spec: dict[str, Any] = {
        "selector": {"matchLabels": k8s.selector_labels(k8s.AGENT_APP, workload.name)},
        "template": {
            "metadata": {"labels": pod_labels, "annotations": annotations},
            "spec": pod_spec(workload, settings),
        },
    }
    if not is_autoscaled(workload.spec):
        spec = {"replicas": workload.spec.runtime.replicas, **spec}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": k8s.metadata(workload.name, workload.namespace, pod_labels),
        "spec": spec,
    }


def service(workload: Workload) -> dict[str, Any]:
    """Return the ClusterIP Service in front of the agent pods."""
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": k8s.metadata(
            service_name(workload.name),
            workload.namespace,
            k8s.labels(k8s.AGENT_APP, workload.name, "agent"),
        ),
        "spec": {
            "type": "ClusterIP",
            "selector": k8s.selector_labels(k8s.AGENT_APP, workload.name),
            "ports": [
                {
                    "name": PORT_NAME,
                    "port": workload.spec.facade.port,
                    "targetPort": PORT_NAME,
                    "protocol": "TCP",
                }
            ],
        },
    }


def _metric(resource: str, percent: int) -> dict[str, Any]:
    return {
        "type": "Resource",
        "resource": {
            "name": resource,
            "target": {"type": "Utilization", "averageUtilization": percent},
        },
    }


def hpa(workload: Workload) -> dict[str, Any] | None:
    """Return the HPA when autoscaling is enabled."""
    scaling = workload.spec.runtime.autoscaling
    if scaling is None or not scaling.enabled:
        return None
    metrics = []
    if scaling.target_cpu_utilization_percentage is not None:
        metrics.append(_metric("cpu", scaling.target_cpu_utilization_percentage))
    if scaling.target_memory_utilization_percentage is not None:
        metrics.append(_metric("memory", scaling.target_memory_utilization_percentage))
    spec: dict[str, Any] = {
        "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": workload.name},
        "minReplicas": scaling.min_replicas,
        "maxReplicas": scaling.max_replicas,
    }
    if metrics:
        spec["metrics"] = metrics
    return {
        "apiVersion": "autoscaling/v2",
        "kind": "HorizontalPodAutoscaler",
        "metadata": k8s.metadata(
            workload.name,
            workload.namespace,
            k8s.labels(k8s.AGENT_APP, workload.name, "autoscaler"),
        ),
        "spec": spec,
    }


def _agent_container(deployment_obj: dict[str, Any] | None) -> dict[str, Any]:
    containers = fields.items(deployment_obj, "spec", "template", "spec", "containers")
    return next((c for c in containers if c.get("name") == CONTAINER_NAME), {})


def observed_secret(
    deployment_obj: dict[str, Any] | None, env_name: str | None
) -> agentconfig.SecretRef | None:
    """Return the Secret key an observed Deployment passes in an env var, if it does."""
    for item in fields.items(_agent_container(deployment_obj), "env"):
        name = fields.text(item, "valueFrom", "secretKeyRef", "name")
        key = fields.text(item, "valueFrom", "secretKeyRef", "key")
        if item.get("name") == env_name and name is not None and key is not None:
            return agentconfig.SecretRef(name, key)
    return None


def observed_digest(deployment_obj: dict[str, Any] | None) -> str | None:
    """Return the restart digest on an observed Deployment's pod template."""
    path = ("spec", "template", "metadata", "annotations", RESTART_DIGEST_ANNOTATION)
    return fields.text(deployment_obj, *path)


def restart_digest(
    request: envelope.SyncRequest,
    session: contract.SessionConfig,
    refs: list[agentconfig.SecretRef],
    kept: str | None,
) -> str:
    """Return a digest of what the agent cannot hot-reload: session settings and secret values.

    Values enter only as their own SHA-256. While a referenced Secret key is missing, the kept
    digest stays, so a deleted Secret does not restart pods that could not start again.
    """
    values: dict[str, str | None] = {}
    for ref in sorted(refs, key=lambda r: (r.name, r.key)):
        secret = request.related_object(k8s.SECRET, request.namespace, ref.name)
        value = fields.text(secret, "data", ref.key)
        if value is None and kept is not None:
            return kept
        values[f"{ref.name}/{ref.key}"] = k8s.digest(value) if value is not None else None
    return k8s.digest(
        {"session": session.model_dump(mode="json", by_alias=True), "secrets": values}
    )
