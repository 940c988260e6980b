"""Validate custom resources against a CRD's openAPIV3Schema, the way the API server would.

kubernetes-validate skips custom kinds, so the CRD schema is turned into a JSON Schema
(Draft 7): x-kubernetes-int-or-string becomes integer-or-string, nullable becomes a null type,
and closed objects reject unknown fields (like `kubectl --validate=strict`; the API server would
prune them instead). CEL rules are evaluated separately with cel-python.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import celpy
import jsonschema
import yaml

from hooks.api import crdgen


def to_jsonschema(node: Any) -> Any:
    """Convert an openAPIV3Schema node into JSON Schema."""
    if isinstance(node, list):
        return [to_jsonschema(item) for item in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key.startswith("x-kubernetes-") or key == "nullable":
            continue
        if key == "properties":
            out[key] = {name: to_jsonschema(sub) for name, sub in value.items()}
        else:
            out[key] = to_jsonschema(value)
    if node.get("x-kubernetes-int-or-string"):
        out.pop("type", None)
        out["anyOf"] = [{"type": "integer"}, {"type": "string"}]
    if node.get("nullable") and "type" in out:
        out["type"] = [out["type"], "null"]
    closed = not node.get("x-kubernetes-preserve-unknown-fields")
    if out.get("type") == "object" and "properties" in out and closed:
        out.setdefault("additionalProperties", False)
    return out


def load_crds() -> dict[str, dict[str, Any]]:
    """Return the generated CRDs by kind."""
    return {kind.kind: crdgen.crd(kind) for kind in crdgen.KINDS}


def validator(crd: dict[str, Any]) -> jsonschema.Draft7Validator:
    """Return a validator for objects of the CRD's first version."""
    schema = copy.deepcopy(crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"])
    schema["properties"]["metadata"] = {"type": "object"}
    converted = to_jsonschema(schema)
    jsonschema.Draft7Validator.check_schema(converted)
    return jsonschema.Draft7Validator(converted)


def schema_errors(crd: dict[str, Any], obj: dict[str, Any]) -> list[str]:
    """Return 'path: message' for every schema violation of obj, sorted."""
    found = validator(crd).iter_errors(obj)
    return sorted(f"{'.'.join(str(p) for p in e.absolute_path)}: {e.message}" for e in found)


def cel_rules(schema: dict[str, Any], path: str = "") -> list[tuple[str, dict[str, Any]]]:
    """Return (JSON path, rule) for every x-kubernetes-validations rule in a schema."""
    found = [(path, rule) for rule in schema.get("x-kubernetes-validations", [])]
    for name, sub in schema.get("properties", {}).items():
        found += cel_rules(sub, f"{path}.{name}")
    if "items" in schema:
        found += cel_rules(schema["items"], f"{path}[]")
    return found


def _select(obj: Any, path: str) -> list[Any]:
    """Return the values at a dotted path where `[]` descends into every list item."""
    values = [obj]
    for part in [p for p in path.replace("[]", ".[]").split(".") if p]:
        nxt: list[Any] = []
        for value in values:
            if part == "[]" and isinstance(value, list):
                nxt += value
            elif isinstance(value, dict) and part in value:
                nxt.append(value[part])
        values = nxt
    return values


def cel_errors(crd: dict[str, Any], obj: dict[str, Any]) -> list[str]:
    """Evaluate every CEL rule of the CRD on obj; return the messages of the rules that fail."""
    schema = crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
    env = celpy.Environment()
    failures = []
    for path, rule in cel_rules(schema):
        program = env.program(env.compile(rule["rule"]))
        for value in _select(obj, path):
            if not program.evaluate({"self": celpy.json_to_cel(value)}):
                failures.append(f"{path}: {rule['message']}")
    return sorted(failures)


def load_yaml_documents(path: Path) -> list[dict[str, Any]]:
    """Return the non-empty YAML documents of a file."""
    return [doc for doc in yaml.safe_load_all(path.read_text()) if doc]
