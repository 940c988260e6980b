"""Types shared by the four Omnia API kinds: base model, references, selectors, conditions."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, WithJsonSchema
from pydantic.alias_generators import to_camel

GROUP = "omnia.altairalabs.ai"
VERSION = "v1alpha1"
API_VERSION = f"{GROUP}/{VERSION}"

DNS_LABEL_PATTERN = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?$"
DNS_SUBDOMAIN_PATTERN = r"^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$"
# A Go duration as Kubernetes APIs spell them: "30s", "5m", "1h30m", "250ms".
DURATION_PATTERN = r"^([0-9]+(\.[0-9]+)?(ns|us|ms|s|m|h))+$"
DECIMAL_PATTERN = r"^[0-9]+(\.[0-9]+)?$"

_DURATION_PART = re.compile(r"([0-9]+(?:\.[0-9]+)?)(ns|us|ms|s|m|h)")
_DURATION_UNIT_S = {"ns": 1e-9, "us": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}

DnsLabel = Annotated[str, StringConstraints(pattern=DNS_LABEL_PATTERN, min_length=1, max_length=63)]
ObjectName = Annotated[
    str, StringConstraints(pattern=DNS_SUBDOMAIN_PATTERN, min_length=1, max_length=253)
]
Duration = Annotated[str, StringConstraints(pattern=DURATION_PATTERN, max_length=64)]
DecimalString = Annotated[str, StringConstraints(pattern=DECIMAL_PATTERN, max_length=32)]
# Kubernetes' int-or-string: the CRD generator turns the marker into x-kubernetes-int-or-string.
IntOrString = Annotated[
    int | str,
    WithJsonSchema({"x-kubernetes-int-or-string": True}),
]
# Arbitrary JSON kept as written (JSON Schemas, Kubernetes core types we pass through).
FreeForm = Annotated[
    Any,
    WithJsonSchema({"type": "object", "x-kubernetes-preserve-unknown-fields": True}),
]
# Any JSON value, kept as written (a JSON Schema may be spelled as an object or a JSON string).
AnyJson = Annotated[Any, WithJsonSchema({"x-kubernetes-preserve-unknown-fields": True})]
StringMap = dict[str, str]


def parse_duration(text: str) -> float:
    """Return the seconds in a Go-style duration such as "1h30m" or "250ms".

    Raises:
        ValueError: when text is not a duration.
    """
    if not re.fullmatch(DURATION_PATTERN, text):
        raise ValueError(f"{text!r} is not a duration like 30s, 5m or 1h30m")
    return sum(float(n) * _DURATION_UNIT_S[unit] for n, unit in _DURATION_PART.findall(text))


def cel_rules(*rules: tuple[str, str]) -> ConfigDict:
    """Return a model config carrying CRD CEL rules, each (rule, message).

    fieldPath is left out on purpose: Kubernetes 1.26 and 1.27 reject it, so each message names
    its field instead.

    The model that uses it must enforce the same rules in a validator, so that `omnia render`
    and the hooks reject what the API server would.
    """
    validations = [{"rule": rule, "message": message} for rule, message in rules]
    extra: dict[str, Any] = {"x-kubernetes-validations": validations}
    return ConfigDict(json_schema_extra=extra)


class ApiModel(BaseModel):
    """Base of the API models: camelCase on the wire, unknown fields rejected, docstring docs."""

    model_config = ConfigDict(
        alias_generator=to_camel,
        extra="forbid",
        populate_by_name=True,
        use_attribute_docstrings=True,
        frozen=True,
    )


class LocalObjectReference(ApiModel):
    """A reference to an object in the same namespace."""

    name: ObjectName
    """Name of the referenced object."""


class NamespacedObjectReference(ApiModel):
    """A reference to an object that may live in another namespace."""

    name: ObjectName
    """Name of the referenced object."""

    namespace: (
        Annotated[str, StringConstraints(pattern=DNS_LABEL_PATTERN, max_length=63)] | None
    ) = None
    """Namespace of the referenced object; defaults to the namespace of the referring resource."""


class SecretKeyReference(ApiModel):
    """A key of a Secret in the same namespace."""

    name: ObjectName
    """Name of the Secret."""

    key: Annotated[str, StringConstraints(min_length=1, max_length=253)] | None = None
    """Key within the Secret; when unset, a conventional key is used (see the referring field)."""


class LabelSelectorRequirement(ApiModel):
    """One set-based label requirement, as in Kubernetes label selectors."""

    key: Annotated[str, StringConstraints(min_length=1, max_length=317)]
    """The label key the requirement applies to."""

    operator: Literal["In", "NotIn", "Exists", "DoesNotExist"]
    """How the key relates to the values."""

    values: list[str] | None = None
    """Values for In and NotIn; must be empty for Exists and DoesNotExist."""


class Condition(ApiModel):
    """A Kubernetes-style status condition."""

    type: Annotated[str, StringConstraints(min_length=1, max_length=316)]
    """Condition type in PascalCase, e.g. Ready."""

    status: Literal["True", "False", "Unknown"]
    """Whether the condition holds."""

    reason: Annotated[str, StringConstraints(max_length=1024)] = ""
    """One-word PascalCase reason for the condition's last transition."""

    message: Annotated[str, StringConstraints(max_length=32768)] = ""
    """Human-readable detail about the condition."""

    last_transition_time: str | None = None
    """When the condition last changed status (RFC 3339)."""

    observed_generation: int | None = Field(default=None, ge=0)
    """The metadata.generation the condition was computed from."""


class ResourceRequirements(ApiModel):
    """Compute resources of the agent container, as in a Kubernetes container spec."""

    limits: dict[str, IntOrString] | None = None
    """Maximum resources, e.g. cpu: 500m, memory: 512Mi."""

    requests: dict[str, IntOrString] | None = None
    """Guaranteed resources, e.g. cpu: 100m, memory: 128Mi."""


class Toleration(ApiModel):
    """A Kubernetes toleration for the agent pods."""

    key: str | None = None
    """Taint key the toleration applies to; empty matches all keys."""

    operator: Literal["Exists", "Equal"] | None = None
    """Exists or Equal (default Equal)."""

    value: str | None = None
    """Taint value the toleration matches."""

    effect: Literal["NoSchedule", "PreferNoSchedule", "NoExecute"] | None = None
    """Taint effect to match; empty matches all effects."""

    toleration_seconds: int | None = None
    """How long a NoExecute taint is tolerated."""


class StatusBase(ApiModel):
    """Fields every Omnia status carries."""

    observed_generation: int | None = None
    """The metadata.generation this status describes (written by Metacontroller)."""

    conditions: list[Condition] = Field(default_factory=list)
    """Current conditions of the resource."""
