"""The AgentRuntime kind: one deployed agent and everything it is wired to."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints, model_validator

from hooks.api import common
from hooks.api import provider as provider_api


class PromptPackRef(common.ApiModel):
    """Which PromptPack the agent serves."""

    name: common.ObjectName
    """Name of the PromptPack in the agent's namespace."""

    version: Annotated[str, StringConstraints(min_length=1, max_length=128)] | None = None
    """Pin: serve only this version. While the PromptPack's active version differs, the agent
    keeps serving what it has and PromptPackReady is False."""

    track: Literal["stable"] = "stable"
    """Rollout track to follow; stable serves the PromptPack's active version."""


class Facade(common.ApiModel):
    """How clients reach the agent."""

    type: Literal["websocket"] = "websocket"
    """Client protocol. websocket: the Omnia WebSocket protocol on /ws."""

    port: int = Field(default=8080, ge=1, le=65535)
    """Container and Service port of the facade."""


class SessionSpec(common.ApiModel):
    """Where conversations are stored."""

    model_config = common.cel_rules(
        ("self.type != 'redis' || has(self.storeRef)", "storeRef is required for redis"),
    )

    type: Literal["memory", "redis"] = "memory"
    """memory: per pod, lost on restart (development). redis: shared by all replicas."""

    store_ref: common.LocalObjectReference | None = None
    """Secret whose key url holds the Redis URL (redis://, rediss:// or redis+cluster://)."""

    ttl: common.Duration = "24h"
    """How long an idle conversation is kept, e.g. 30m or 24h."""

    @model_validator(mode="after")
    def _check_store(self) -> SessionSpec:
        if self.type == "redis" and self.store_ref is None:
            raise ValueError("storeRef: required when type is redis")
        return self


class Autoscaling(common.ApiModel):
    """A HorizontalPodAutoscaler for the agent Deployment."""

    model_config = common.cel_rules(
        (
            "!has(self.minReplicas) || !has(self.maxReplicas) "
            "|| self.minReplicas <= self.maxReplicas",
            "minReplicas must not exceed maxReplicas",
        ),
    )

    enabled: bool = False
    """Create an HPA; the Deployment's replicas are then left to it."""

    min_replicas: int = Field(default=1, ge=1, le=1000)
    """Fewest replicas the HPA keeps."""

    max_replicas: int = Field(default=10, ge=1, le=1000)
    """Most replicas the HPA creates."""

    target_cpu_utilization_percentage: int | None = Field(
        default=90, ge=1, le=100, alias="targetCPUUtilizationPercentage"
    )
    """Average CPU utilization to aim for, in percent of the CPU request."""

    target_memory_utilization_percentage: int | None = Field(default=70, ge=1, le=100)
    """Average memory utilization to aim for, in percent of the memory request."""

    @model_validator(mode="after")
    def _check_bounds(self) -> Autoscaling:
        if self.min_replicas > self.max_replicas:
            raise ValueError(
                f"minReplicas: {self.min_replicas} exceeds maxReplicas {self.max_replicas}"
            )
        return self


class RuntimeSpec(common.ApiModel):
    """Pod-level settings of the agent Deployment."""

    replicas: int = Field(default=1, ge=0, le=1000)
    """Number of agent pods when autoscaling is off."""

    resources: common.ResourceRequirements | None = None
    """CPU and memory requests and limits of the agent container."""

    node_selector: common.StringMap | None = None
    """Node labels the agent pods must be scheduled on."""

    tolerations: list[common.Toleration] | None = None
    """Taints the agent pods tolerate."""

    affinity: common.FreeForm | None = None
    """Kubernetes affinity rules for the agent pods (core/v1 Affinity)."""

    autoscaling: Autoscaling | None = None
    """Horizontal autoscaling; when enabled, replicas is ignored."""


class AgentRuntimeSpec(common.ApiModel):
    """Desired state of an AgentRuntime."""

    model_config = common.cel_rules(
        (
            "has(self.providerRef) != has(self.provider)",
            "exactly one of providerRef and provider must be set",
        ),
    )

    prompt_pack_ref: PromptPackRef
    """The PromptPack whose prompts the agent serves."""

    facade: Facade = Facade()
    """Client-facing protocol and port."""

    tool_registry_ref: common.NamespacedObjectReference | None = None
    """The ToolRegistry whose available tools the agent may call."""

    session: SessionSpec = SessionSpec()
    """Conversation storage."""

    runtime: RuntimeSpec = RuntimeSpec()
    """Replicas, resources, scheduling and autoscaling."""

    provider_ref: common.NamespacedObjectReference | None = None
    """A Provider to use. In another namespace, this namespace must hold a Secret of the same
    name as the Provider's, because pods read only their own namespace's Secrets."""

    provider: provider_api.ProviderSpec | None = None
    """An inline provider, same fields as a Provider's spec; exclusive with providerRef."""

    @model_validator(mode="after")
    def _check_provider(self) -> AgentRuntimeSpec:
        if (self.provider_ref is None) == (self.provider is None):
            raise ValueError("exactly one of providerRef and provider must be set")
        return self


class ReplicaStatus(common.ApiModel):
    """Replica counts of the agent Deployment."""

    desired: int = 0
    """Replicas the Deployment asks for."""

    ready: int = 0
    """Replicas passing their readiness probe."""

    available: int = 0
    """Replicas available for at least minReadySeconds."""


class AgentRuntimeStatus(common.StatusBase):
    """Observed state of an AgentRuntime."""

    phase: Literal["Pending", "Running", "Failed"] | None = None
    """Pending until a replica is ready, Running after, Failed when the spec cannot be served."""

    replicas: ReplicaStatus | None = None
    """Replica counts observed on the Deployment."""

    active_version: str | None = None
    """The PromptPack version the agent's configuration holds."""

    service_endpoint: str | None = None
    """In-cluster address of the agent: <name>.<namespace>.svc.cluster.local:<port>."""
