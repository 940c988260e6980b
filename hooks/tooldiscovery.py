"""Turn tool definitions and annotated Services into DiscoveredTool entries (pure, per Service)."""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Callable
from typing import Any

import pydantic

from agent.config import contract
from hooks import fields
from hooks.api import common
from hooks.api import toolregistry as api

_PATH = re.compile(r"^/\S*$")
_TOOL_NAME = pydantic.TypeAdapter(contract.ToolName)
MAX_NAME_CHARS = 64
MAX_RETRIES = 10
# A "0s" timeout passes the CRD's duration pattern; the agent needs a positive one.
MIN_TIMEOUT_S = 0.1


@dataclasses.dataclass(frozen=True)
class Context:
    """What resolving a Service needs besides the Service itself."""

    cluster_domain: str
    is_ready: Callable[[dict[str, Any]], bool]


@dataclasses.dataclass(frozen=True)
class Fields:
    """A discovered tool's settings, read from its Service's annotations."""

    description: str
    input_schema: dict[str, Any] | None
    timeout: str
    retries: int


class AnnotationError(ValueError):
    """A tool annotation whose value is malformed; the message names the annotation."""


def label_selector(selector: api.ServiceSelector) -> dict[str, Any]:
    """Return a ServiceSelector as a Kubernetes labelSelector."""
    out: dict[str, Any] = {}
    if selector.match_labels:
        out["matchLabels"] = dict(selector.match_labels)
    if selector.match_expressions:
        out["matchExpressions"] = [
            r.model_dump(by_alias=True, exclude_none=True) for r in selector.match_expressions
        ]
    return out


def url_tool(tool: api.ToolDefinition) -> api.DiscoveredTool:
    """Return the entry of a tool given by URL: Available as written."""
    return api.DiscoveredTool(
        name=tool.name,
        endpoint=tool.endpoint.url or "",
        status="Available",
        source="url",
        description=tool.description,
        input_schema=tool.schema_.input if tool.schema_ else None,
        timeout=tool.timeout,
        retries=tool.retries,
    )


def resolve_port(service: dict[str, Any], wanted: int | str | None) -> int:
    """Return the Service port by name or number (default: the first port).

    Raises:
        LookupError: naming what is missing.
    """
    name = service_key(service)
    ports = [
        (fields.number(p, "port", default=-1), fields.text(p, "name"))
        for p in fields.items(service, "spec", "ports")
    ]
    ports = [(number, port_name) for number, port_name in ports if number >= 0]
    if not ports:
        raise LookupError(f"Service {name} has no ports")
    if wanted is None:
        return ports[0][0]
    if isinstance(wanted, int) or wanted.isdigit():
        if any(number == int(wanted) for number, _ in ports):
            return int(wanted)
        raise LookupError(f"Service {name} has no port {wanted}")
    for number, port_name in ports:
        if port_name == wanted:
            return number
    raise LookupError(f"Service {name} has no port named {wanted}")


def service_key(service: dict[str, Any]) -> str:
    """Return namespace/name of a Service."""
    return f"{fields.text(service, 'metadata', 'namespace') or ''}/{service['metadata']['name']}"


def service_url(service: dict[str, Any], port: int, path: str, domain: str) -> str:
    """Return http://<svc>.<ns>.svc.<domain>:<port><path>."""
    namespace = fields.text(service, "metadata", "namespace") or ""
    return f"http://{service['metadata']['name']}.{namespace}.svc.{domain}:{port}{path}"


def _annotations(service: dict[str, Any]) -> dict[str, str]:
    return fields.strings(service, "metadata", "annotations")


def _path(service: dict[str, Any], explicit: str | None) -> str:
    if explicit is not None:
        return explicit
    path = _annotations(service).get(api.TOOL_PATH_ANNOTATION, "/")
    if not _PATH.match(path):
        raise AnnotationError(
            f"annotation {api.TOOL_PATH_ANNOTATION}: {path!r} is not a path like /search"
        )
    return path


def _endpoint(
    service: dict[str, Any], port: int | str | None, path: str | None, context: Context
) -> tuple[str, str]:
    """Return (endpoint URL, reason it is not Available or "")."""
    try:
        number = resolve_port(service, port)
        url = service_url(service, number, _path(service, path), context.cluster_domain)
    except (LookupError, AnnotationError) as problem:
        return "", str(problem)
    if not context.is_ready(service):
        return url, f"Service {service_key(service)} has no ready endpoints"
    return url, ""


def selector_tools(
    tool: api.ToolDefinition,
    services: list[dict[str, Any]],
    namespace: str,
    context: Context,
) -> list[api.DiscoveredTool]:
    """Return one entry per matching Service; one Unavailable entry when none matches."""
    base = url_tool(tool).model_copy(update={"source": "selector"})
    if not services:
        reason = f"no Service in namespace {namespace} matches the selector"
        return [base.model_copy(update={"endpoint": "", "status": "Unavailable", "reason": reason})]
    selector = tool.endpoint.selector
    assert selector is not None
    entries = []
    for service in services:
        url, reason = _endpoint(service, selector.port, tool.endpoint.path, context)
        entries.append(
            base.model_copy(
                update={
                    "endpoint": url,
                    "status": "Unavailable" if reason else "Available",
                    "reason": reason,
                    "service": service_key(service),
                }
            )
        )
    return entries


def _schema(text: str | None) -> dict[str, Any] | None:
    if text is None:
        return None
    try:
        schema = json.loads(text)
    except json.JSONDecodeError as error:
        raise AnnotationError(
            f"annotation {api.TOOL_INPUT_SCHEMA_ANNOTATION}: not valid JSON ({error.msg})"
        ) from error
    except RecursionError as error:
        raise AnnotationError(
            f"annotation {api.TOOL_INPUT_SCHEMA_ANNOTATION}: nested too deeply"
        ) from error
    if not isinstance(schema, dict):
        raise AnnotationError(f"annotation {api.TOOL_INPUT_SCHEMA_ANNOTATION}: not a JSON object")
    return schema


def read_fields(annotations: dict[str, str]) -> Fields:
    """Return a discovered tool's settings from its annotations.

    Raises:
        AnnotationError: naming the first malformed annotation.
    """
    timeout = annotations.get(api.TOOL_TIMEOUT_ANNOTATION, "30s")
    if not re.fullmatch(common.DURATION_PATTERN, timeout):
        raise AnnotationError(
            f"annotation {api.TOOL_TIMEOUT_ANNOTATION}: {timeout!r} is not a duration like 10s"
        )
    retries_text = annotations.get(api.TOOL_RETRIES_ANNOTATION, "0")
    if not retries_text.isdigit() or int(retries_text) > MAX_RETRIES:
        raise AnnotationError(
            f"annotation {api.TOOL_RETRIES_ANNOTATION}: {retries_text!r} "
            f"is not a number from 0 to {MAX_RETRIES}"
        )
    return Fields(
        description=annotations.get(api.TOOL_DESCRIPTION_ANNOTATION, ""),
        input_schema=_schema(annotations.get(api.TOOL_INPUT_SCHEMA_ANNOTATION)),
        timeout=timeout,
        retries=int(retries_text),
    )


def _name_problem(name: str, reserved: frozenset[str]) -> str:
    try:
        _TOOL_NAME.validate_python(name)
    except pydantic.ValidationError:
        return (
            f"annotation {api.TOOL_NAME_ANNOTATION}: {name[:MAX_NAME_CHARS]!r} is not a tool "
            "name (letters, digits, - and _, at most 64)"
        )
    if name in reserved:
        return f"tool name {name} is already defined in spec.tools"
    return ""


def _discovered(
    service: dict[str, Any],
    rule: api.DiscoveryRule,
    reserved: frozenset[str],
    context: Context,
) -> api.DiscoveredTool:
    annotations = _annotations(service)
    name = annotations[api.TOOL_NAME_ANNOTATION]
    entry = api.DiscoveredTool(
        name=name[:MAX_NAME_CHARS],
        status="Unavailable",
        source="discovery",
        service=service_key(service),
    )
    problem = _name_problem(name, reserved)
    if problem:
        return entry.model_copy(update={"reason": problem})
    try:
        fields = read_fields(annotations)
    except AnnotationError as error:
        return entry.model_copy(update={"reason": str(error)})
    port = annotations.get(api.TOOL_PORT_ANNOTATION) or rule.selector.port
    url, reason = _endpoint(service, port, None, context)
    return entry.model_copy(
        update={
            "endpoint": url,
            "status": "Unavailable" if reason else "Available",
            "reason": reason,
            "description": fields.description,
            "input_schema": fields.input_schema,
            "timeout": fields.timeout,
            "retries": fields.retries,
        }
    )


def discovered_tools(
    rule: api.DiscoveryRule,
    services: list[dict[str, Any]],
    reserved: frozenset[str],
    context: Context,
) -> list[api.DiscoveredTool]:
    """Return an entry per matching Service that carries the tool-name annotation."""
    return [
        _discovered(service, rule, reserved, context)
        for service in services
        if api.TOOL_NAME_ANNOTATION in _annotations(service)
    ]


def _tool_spec(entry: api.DiscoveredTool) -> contract.ToolSpec | None:
    """Return the agent's view of an entry, or None for one no registry hook would write."""
    try:
        timeout_s = max(common.parse_duration(entry.timeout), MIN_TIMEOUT_S)
        schema = entry.input_schema if isinstance(entry.input_schema, dict) else None
        return contract.ToolSpec.model_validate(
            {
                "name": entry.name,
                "description": entry.description,
                "endpoint": entry.endpoint,
                "timeoutSeconds": timeout_s,
                "retries": entry.retries,
                **({"inputSchema": schema} if schema is not None else {}),
            }
        )
    except (ValueError, pydantic.ValidationError):
        return None


def to_catalog(entries: list[api.DiscoveredTool]) -> contract.ToolCatalog:
    """Return the agent's tool catalog: the first Available endpoint of each tool, by name."""
    tools: dict[str, contract.ToolSpec] = {}
    for entry in sorted(entries, key=lambda e: (e.name, e.endpoint)):
        if entry.status != "Available" or entry.name in tools:
            continue
        spec = _tool_spec(entry)
        if spec is not None:
            tools[entry.name] = spec
    return contract.ToolCatalog(tools=tuple(tools[name] for name in sorted(tools)))
