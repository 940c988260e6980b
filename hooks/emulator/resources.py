"""The resource types the emulated cluster knows: apiVersion, kind, plural and scope."""

from __future__ import annotations

import dataclasses

from hooks import envelope
from hooks.api import common


@dataclasses.dataclass(frozen=True)
class ResourceType:
    """One served resource type."""

    api_version: str
    kind: str
    plural: str
    namespaced: bool = True

    @property
    def key(self) -> str:
        """The type's key in hook requests: Kind.v1 or Kind.group/version."""
        return envelope.type_key(self.api_version, self.kind)


TYPES: tuple[ResourceType, ...] = (
    ResourceType("v1", "ConfigMap", "configmaps"),
    ResourceType("v1", "Secret", "secrets"),
    ResourceType("v1", "Service", "services"),
    ResourceType("v1", "Namespace", "namespaces", namespaced=False),
    ResourceType("apps/v1", "Deployment", "deployments"),
    ResourceType("autoscaling/v2", "HorizontalPodAutoscaler", "horizontalpodautoscalers"),
    ResourceType("discovery.k8s.io/v1", "EndpointSlice", "endpointslices"),
    ResourceType(common.API_VERSION, "AgentRuntime", "agentruntimes"),
    ResourceType(common.API_VERSION, "PromptPack", "promptpacks"),
    ResourceType(common.API_VERSION, "ToolRegistry", "toolregistries"),
    ResourceType(common.API_VERSION, "Provider", "providers"),
)
_BY_RESOURCE = {(t.api_version, t.plural): t for t in TYPES}
_BY_KIND = {(t.api_version, t.kind): t for t in TYPES}


class UnknownType(LookupError):
    """A type the emulated cluster does not serve."""


def by_resource(api_version: str, plural: str) -> ResourceType:
    """Return the type served as apiVersion + plural resource name.

    Raises:
        UnknownType: when the cluster does not serve it.
    """
    try:
        return _BY_RESOURCE[(api_version, plural)]
    except KeyError:
        raise UnknownType(f"can't find resource {plural!r} in apiVersion {api_version!r}") from None


def by_kind(api_version: str, kind: str) -> ResourceType:
    """Return the type of objects with this apiVersion and kind.

    Raises:
        UnknownType: when the cluster does not serve it.
    """
    try:
        return _BY_KIND[(api_version, kind)]
    except KeyError:
        raise UnknownType(f"no kind {kind!r} is registered for version {api_version!r}") from None


def of(obj: dict[str, object]) -> ResourceType:
    """Return the type of an object by its apiVersion and kind.

    Raises:
        UnknownType: when the cluster does not serve it.
    """
    return by_kind(str(obj.get("apiVersion", "")), str(obj.get("kind", "")))
