"""The PromptPack kind: a versioned, validated PromptPack published from a ConfigMap."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints, model_validator

from hooks.api import common

# SemVer 2.0.0 with an optional leading v, as the PromptPack specification writes versions.
SEMVER_PATTERN = (
    r"^v?(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)\.(0|[1-9][0-9]*)"
    r"(-((0|[1-9][0-9]*|[0-9]*[a-zA-Z-][0-9a-zA-Z-]*)"
    r"(\.(0|[1-9][0-9]*|[0-9]*[a-zA-Z-][0-9a-zA-Z-]*))*))?"
    r"(\+([0-9a-zA-Z-]+(\.[0-9a-zA-Z-]+)*))?$"
)
DEFAULT_KEYS = ("pack.json", "promptpack.json")


class PromptPackSource(common.ApiModel):
    """Where the compiled PromptPack JSON comes from."""

    model_config = common.cel_rules(
        (
            "self.type != 'configmap' || has(self.configMapRef)",
            "configMapRef is required when type is configmap",
        ),
    )

    type: Literal["configmap"] = "configmap"
    """Source kind. configmap: a ConfigMap in the PromptPack's namespace."""

    config_map_ref: common.LocalObjectReference | None = None
    """The ConfigMap holding the compiled PromptPack JSON."""

    key: Annotated[str, StringConstraints(pattern=r"^[-._a-zA-Z0-9]+$", max_length=253)] | None = (
        None
    )
    """Key of the ConfigMap that holds the pack; default pack.json, then promptpack.json."""

    @model_validator(mode="after")
    def _check_ref(self) -> PromptPackSource:
        if self.type == "configmap" and self.config_map_ref is None:
            raise ValueError("configMapRef: required when type is configmap")
        return self


class Canary(common.ApiModel):
    """Canary rollout parameters."""

    weight: int = Field(default=10, ge=0, le=100)
    """Percentage of new sessions that get the new version at first."""

    step_weight: int = Field(default=10, ge=1, le=100)
    """Percentage points added at each step."""

    interval: common.Duration = "5m"
    """Time between steps, e.g. 5m."""


class Rollout(common.ApiModel):
    """How a new version reaches agents."""

    model_config = common.cel_rules(
        (
            "self.type == 'canary' || !has(self.canary)",
            "canary settings are allowed only with type canary",
        ),
    )

    type: Literal["immediate", "canary"] = "immediate"
    """immediate: every agent switches at once. canary: a share of sessions first."""

    canary: Canary | None = None
    """Canary parameters; only with type canary."""

    @model_validator(mode="after")
    def _check_canary(self) -> Rollout:
        if self.type != "canary" and self.canary is not None:
            raise ValueError("canary: allowed only when type is canary")
        return self


class PromptPackSpec(common.ApiModel):
    """Desired state of a PromptPack."""

    source: PromptPackSource
    """Where the compiled pack JSON is read from."""

    version: Annotated[str, StringConstraints(pattern=SEMVER_PATTERN, max_length=128)]
    """SemVer version of this release, e.g. 1.2.0 or v2.0.0-beta.1."""

    rollout: Rollout = Rollout()
    """Rollout strategy for new versions."""


class PromptPackStatus(common.StatusBase):
    """Observed state of a PromptPack."""

    phase: Literal["Pending", "Active", "Canary", "Superseded", "Failed"] | None = None
    """Active once a valid version is published; Failed while the source is invalid."""

    active_version: str | None = None
    """The version agents are served."""

    canary_version: str | None = None
    """The version under canary, if a canary is in progress."""

    canary_weight: int | None = None
    """Percentage of new sessions routed to the canary version."""

    pack_id: str | None = None
    """The id field of the published pack."""

    agent_runtimes: list[str] = Field(default_factory=list)
    """AgentRuntimes in this namespace that reference the PromptPack."""
