"""Generate the CustomResourceDefinitions from the API models (the kubebuilder way)."""

from __future__ import annotations

import argparse
import copy
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel

from hooks.api import agentruntime, common, promptpack, provider, toolregistry

_READY_COLUMN = {
    "name": "Ready",
    "type": "string",
    "jsonPath": '.status.conditions[?(@.type=="Ready")].status',
    "description": "Whether the resource is ready.",
}
_PHASE_COLUMN = {"name": "Phase", "type": "string", "jsonPath": ".status.phase"}
_AGE_COLUMN = {"name": "Age", "type": "date", "jsonPath": ".metadata.creationTimestamp"}


@dataclass(frozen=True)
class Kind:
    """Everything the CRD of one kind needs beyond its models."""

    kind: str
    plural: str
    short_names: tuple[str, ...]
    description: str
    spec: type[BaseModel]
    status: type[BaseModel]
    columns: tuple[dict[str, Any], ...]

    @property
    def crd_name(self) -> str:
        """The CRD's metadata.name: <plural>.<group>."""
        return f"{self.plural}.{common.GROUP}"


KINDS: tuple[Kind, ...] = (
    Kind(
        kind="AgentRuntime",
        plural="agentruntimes",
        short_names=("ar",),
        description=(
            "An AI agent: a Deployment serving a PromptPack over WebSocket, with tools and an LLM."
        ),
        spec=agentruntime.AgentRuntimeSpec,
        status=agentruntime.AgentRuntimeStatus,
        columns=(
            _PHASE_COLUMN,
            _READY_COLUMN,
            {"name": "Replicas", "type": "integer", "jsonPath": ".status.replicas.ready"},
            {"name": "Version", "type": "string", "jsonPath": ".status.activeVersion"},
            {
                "name": "Endpoint",
                "type": "string",
                "jsonPath": ".status.serviceEndpoint",
                "priority": 1,
            },
            _AGE_COLUMN,
        ),
    ),
    Kind(
        kind="PromptPack",
        plural="promptpacks",
        short_names=("pp",),
        description="A versioned PromptPack, validated and published from a ConfigMap.",
        spec=promptpack.PromptPackSpec,
        status=promptpack.PromptPackStatus,
        columns=(
            {"name": "Version", "type": "string", "jsonPath": ".spec.version"},
            {"name": "Active", "type": "string", "jsonPath": ".status.activeVersion"},
            _PHASE_COLUMN,
            _READY_COLUMN,
            {"name": "Strategy", "type": "string", "jsonPath": ".spec.rollout.type"},
            _AGE_COLUMN,
        ),
    ),
    Kind(
        kind="ToolRegistry",
        plural="toolregistries",
        short_names=("tr",),
        description="HTTP tools agents may call, given by URL or discovered from Services.",
        spec=toolregistry.ToolRegistrySpec,
        status=toolregistry.ToolRegistryStatus,
        columns=(
            {"name": "Tools", "type": "integer", "jsonPath": ".status.discoveredToolsCount"},
            _PHASE_COLUMN,
            _READY_COLUMN,
            _AGE_COLUMN,
        ),
    ),
    Kind(
        kind="Provider",
        plural="providers",
        short_names=("prov",),
        description="A reusable LLM provider: vendor, model, credentials, defaults and pricing.",
        spec=provider.ProviderSpec,
        status=provider.ProviderStatus,
        columns=(
            {"name": "Type", "type": "string", "jsonPath": ".spec.type"},
            {"name": "Model", "type": "string", "jsonPath": ".spec.model"},
            _PHASE_COLUMN,
            _READY_COLUMN,
            _AGE_COLUMN,
        ),
    ),
)


def _unwrap(node: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    """Inline a $ref and collapse Optional (anyOf with null) into the one real variant."""
    node = dict(node)
    ref = node.pop("$ref", None)
    if ref is not None:
        # The field's own description and default win over the referenced model's.
        node = copy.deepcopy(defs[ref.rsplit("/", 1)[-1]]) | node
    any_of = node.pop("anyOf", None)
    if any_of is not None:
        variants = [v for v in any_of if v != {"type": "null"}]
        if len(variants) != 1:
            raise ValueError(f"unsupported union in the API models: {any_of}")
        node = _unwrap(variants[0], defs) | node
    if "const" in node:
        node["enum"] = [node.pop("const")]
    return node


def _default(value: Any) -> Any:
    """Object defaults become {} so the API server fills in the nested defaults itself."""
    return {} if isinstance(value, dict) else value


def _resolve(node: Any, defs: dict[str, Any]) -> Any:
    """Rewrite a pydantic JSON Schema node into a structural OpenAPI v3 schema node."""
    if isinstance(node, list):
        return [_resolve(item, defs) for item in node]
    if not isinstance(node, dict):
        return node
    node = _unwrap(node, defs)
    ordered = {k: node[k] for k in ("type", "description") if k in node} | node
    out: dict[str, Any] = {}
    for key, value in ordered.items():
        if key == "title" or (key == "additionalProperties" and value is False):
            continue
        if key == "default" and value in (None, []):
            continue
        if key == "description":
            out[key] = " ".join(value.split())  # docstrings wrap; kubectl explain re-wraps
        elif key == "properties":
            out[key] = {name: _resolve(sub, defs) for name, sub in value.items()}
        elif key == "default":
            out[key] = _default(value)
        else:
            out[key] = _resolve(value, defs)
    return out


def openapi_schema(model: type[BaseModel]) -> dict[str, Any]:
    """Return the structural openAPIV3Schema of a model, every $ref inlined."""
    schema = model.model_json_schema(by_alias=True, mode="validation")
    defs = schema.pop("$defs", {})
    resolved: dict[str, Any] = _resolve(schema, defs)
    return resolved


def _list_of_conditions(schema: dict[str, Any]) -> None:
    conditions = schema["properties"].get("conditions")
    if conditions is not None:
        conditions["x-kubernetes-list-type"] = "map"
        conditions["x-kubernetes-list-map-keys"] = ["type"]


def crd(kind: Kind) -> dict[str, Any]:
    """Return the CustomResourceDefinition of one kind."""
    spec_schema = openapi_schema(kind.spec)
    status_schema = openapi_schema(kind.status)
    _list_of_conditions(status_schema)
    root = {
        "type": "object",
        "description": kind.description,
        "required": ["spec"],
        "properties": {
            "apiVersion": {"type": "string", "description": "Versioned schema of this object."},
            "kind": {"type": "string", "description": "REST resource this object represents."},
            "metadata": {"type": "object"},
            "spec": spec_schema,
            "status": status_schema,
        },
    }
    return {
        "apiVersion": "apiextensions.k8s.io/v1",
        "kind": "CustomResourceDefinition",
        "metadata": {
            "name": kind.crd_name,
            "labels": {"app.kubernetes.io/part-of": "omnia"},
        },
        "spec": {
            "group": common.GROUP,
            "names": {
                "kind": kind.kind,
                "listKind": f"{kind.kind}List",
                "plural": kind.plural,
                "singular": kind.kind.lower(),
                "shortNames": list(kind.short_names),
                "categories": ["omnia"],
            },
            "scope": "Namespaced",
            "versions": [
                {
                    "name": common.VERSION,
                    "served": True,
                    "storage": True,
                    "subresources": {"status": {}},
                    "additionalPrinterColumns": list(kind.columns),
                    "schema": {"openAPIV3Schema": root},
                }
            ],
        },
    }


class _Dumper(yaml.SafeDumper):
    """A YAML dumper that writes multi-line strings as literal blocks."""


def _str_presenter(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str_presenter)


def render_crd(kind: Kind) -> str:
    """Return the YAML text of one kind's CRD, as checked into crds/."""
    header = "# Generated by `omnia crds` from hooks/api; do not edit.\n"
    return header + yaml.dump(crd(kind), Dumper=_Dumper, sort_keys=False, width=100)


def file_name(kind: Kind) -> str:
    """Return the file name of a kind's CRD: <group>_<plural>.yaml."""
    return f"{common.GROUP}_{kind.plural}.yaml"


def render_all() -> dict[str, str]:
    """Return every CRD file, file name to YAML text."""
    return {file_name(kind): render_crd(kind) for kind in KINDS}


def main(argv: list[str]) -> int:
    """`omnia crds`: write the CRDs into each --output directory."""
    parser = argparse.ArgumentParser(prog="omnia crds", description=__doc__)
    parser.add_argument(
        "--output", action="append", metavar="DIR", help="directory to write (repeatable)"
    )
    args = parser.parse_args(argv)
    for directory in args.output or ["crds"]:
        target = Path(directory)
        target.mkdir(parents=True, exist_ok=True)
        for name, text in render_all().items():
            (target / name).write_text(text)
    return 0
