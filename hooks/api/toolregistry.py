"""The ToolRegistry kind: HTTP tools by URL, by Service selector, or discovered from Services."""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from pydantic import Field, StringConstraints, field_validator, model_validator

from hooks.api import common

# Annotations a Service carries to register itself as a whole tool (spec.discovery).
ANNOTATION_PREFIX = "omnia.altairalabs.ai/"
TOOL_NAME_ANNOTATION = ANNOTATION_PREFIX + "tool-name"
TOOL_DESCRIPTION_ANNOTATION = ANNOTATION_PREFIX + "tool-description"
TOOL_PATH_ANNOTATION = ANNOTATION_PREFIX + "tool-path"
TOOL_PORT_ANNOTATION = ANNOTATION_PREFIX + "tool-port"
TOOL_INPUT_SCHEMA_ANNOTATION = ANNOTATION_PREFIX + "tool-input-schema"
TOOL_TIMEOUT_ANNOTATION = ANNOTATION_PREFIX + "tool-timeout"
TOOL_RETRIES_ANNOTATION = ANNOTATION_PREFIX + "tool-retries"

MAX_TOOLS = 256
HttpPath = Annotated[str, StringConstraints(pattern=r"^/[^\s]*$", max_length=1024)]


class ServiceSelector(common.ApiModel):
    """Selects Services by label; every matching Service becomes an endpoint of the tool."""

    match_labels: common.StringMap | None = None
    """Labels a Service must carry."""

    match_expressions: list[common.LabelSelectorRequirement] | None = None
    """Set-based label requirements a Service must meet."""

    namespace: Annotated[str, StringConstraints(pattern=common.DNS_LABEL_PATTERN)] | None = None
    """Namespace to search; defaults to the ToolRegistry's namespace."""

    port: common.IntOrString | None = None
    """Service port by name or number; defaults to the Service's first port."""

    @model_validator(mode="after")
    def _check_nonempty(self) -> ServiceSelector:
        if not self.match_labels and not self.match_expressions:
            raise ValueError("selector: set matchLabels or matchExpressions")
        return self


class ToolEndpoint(common.ApiModel):
    """Where a tool is served: a URL, or Services selected by label."""

    model_config = common.cel_rules(
        ("has(self.url) != has(self.selector)", "set exactly one of url and selector"),
        ("!has(self.path) || has(self.selector)", "path applies only to selector endpoints"),
    )

    url: Annotated[str, StringConstraints(pattern=r"^https?://\S+$", max_length=2048)] | None = None
    """Full URL the agent POSTs the tool arguments to."""

    selector: ServiceSelector | None = None
    """Services implementing the tool; endpoint http://<svc>.<ns>.svc.cluster.local:<port><path>."""

    path: HttpPath | None = None
    """URL path on selected Services; defaults to the Service's tool-path annotation, then /."""

    @model_validator(mode="after")
    def _check_exclusive(self) -> ToolEndpoint:
        if (self.url is None) == (self.selector is None):
            raise ValueError("endpoint: set exactly one of url and selector")
        if self.path is not None and self.selector is None:
            raise ValueError("endpoint.path: applies only to selector endpoints")
        return self


class ToolSchema(common.ApiModel):
    """JSON Schemas of the tool's input and output."""

    input: common.AnyJson | None = None
    """JSON Schema of the arguments object (an object, or the same as a JSON string)."""

    output: common.AnyJson | None = None
    """JSON Schema of the result (informational)."""

    @field_validator("input", "output", mode="before")
    @classmethod
    def _parse_json_string(cls, value: Any) -> Any:
        # The original API carried schemas as JSON strings; accept both spellings.
        if isinstance(value, str):
            try:
                value = json.loads(value)
            except json.JSONDecodeError as err:
                raise ValueError(f"not valid JSON: {err.msg}") from err
        if value is not None and not isinstance(value, dict):
            raise ValueError("must be a JSON Schema object")
        return value


class ToolDefinition(common.ApiModel):
    """One tool of the registry."""

    name: common.DnsLabel
    """Tool name (a DNS label); a PromptPack tool matches it with - and _ treated alike."""

    description: Annotated[str, StringConstraints(max_length=4096)] = ""
    """What the tool does, as the model will read it."""

    type: Literal["http"] = "http"
    """Transport. http: POST of the JSON arguments, JSON result."""

    endpoint: ToolEndpoint
    """Where the tool is served."""

    schema_: ToolSchema | None = Field(default=None, alias="schema")
    """Input and output JSON Schemas."""

    timeout: common.Duration = "30s"
    """Time limit of one call, e.g. 10s."""

    retries: int = Field(default=0, ge=0, le=10)
    """Retries after a connection error, a 429 or a 5xx, with backoff."""


class DiscoveryRule(common.ApiModel):
    """Registers every Service matching the selector that carries a tool-name annotation."""

    selector: ServiceSelector
    """Services to consider; port and namespace as for tool selectors."""


class ToolRegistrySpec(common.ApiModel):
    """Desired state of a ToolRegistry."""

    model_config = common.cel_rules(
        (
            "(has(self.tools) && size(self.tools) > 0) || "
            "(has(self.discovery) && size(self.discovery) > 0)",
            "set at least one tool or discovery rule",
        ),
    )

    tools: Annotated[
        list[ToolDefinition],
        Field(
            max_length=MAX_TOOLS,
            json_schema_extra={
                "x-kubernetes-list-type": "map",
                "x-kubernetes-list-map-keys": ["name"],
            },
        ),
    ] = Field(default_factory=list)
    """Tools defined by URL or Service selector; names are unique."""

    discovery: Annotated[list[DiscoveryRule], Field(max_length=16)] = Field(default_factory=list)
    """Rules that register annotated Services as tools without editing the registry."""

    @model_validator(mode="after")
    def _check_content(self) -> ToolRegistrySpec:
        if not self.tools and not self.discovery:
            raise ValueError("set at least one tool or discovery rule")
        names = [tool.name for tool in self.tools]
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(f"tools: duplicate names {', '.join(duplicates)}")
        return self


class DiscoveredTool(common.ApiModel):
    """A tool as resolved by the last reconcile; one entry per endpoint."""

    name: str
    """Tool name."""

    endpoint: str = ""
    """Resolved URL, empty when unresolved."""

    status: Literal["Available", "Unavailable", "Unknown"]
    """Available when the endpoint resolved and has ready backends."""

    reason: str = ""
    """Why the tool is not Available."""

    source: Literal["url", "selector", "discovery"]
    """How the tool was defined."""

    service: str | None = None
    """The Service (namespace/name) behind the endpoint, for selector and discovery tools."""

    description: str = ""
    """Tool description."""

    input_schema: common.FreeForm | None = None
    """JSON Schema of the arguments."""

    timeout: str = "30s"
    """Time limit of one call."""

    retries: int = 0
    """Retries on transient failures."""


class ToolRegistryStatus(common.StatusBase):
    """Observed state of a ToolRegistry."""

    phase: Literal["Pending", "Ready", "Degraded", "Failed"] | None = None
    """Ready: every tool available; Degraded: some; Failed: none or invalid spec."""

    discovered_tools_count: int = 0
    """Number of Available tool endpoints."""

    discovered_tools: list[DiscoveredTool] = Field(default_factory=list)
    """Every tool endpoint, sorted by name then endpoint."""
