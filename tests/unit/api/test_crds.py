"""The generated CRDs: fresh, schema-valid, structural, documented and native-feeling."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest

from hooks.api import crdgen
from tests.support import crd_schema

REPO = Path(__file__).resolve().parents[3]
FORBIDDEN_KEYS = {"$ref", "anyOf", "oneOf", "allOf", "not", "const", "title", "$defs"}


def _walk(node: dict[str, Any], path: str = "") -> list[tuple[str, dict[str, Any]]]:
    found = [(path, node)]
    for name, sub in node.get("properties", {}).items():
        found += _walk(sub, f"{path}.{name}")
    if isinstance(node.get("items"), dict):
        found += _walk(node["items"], f"{path}[]")
    if isinstance(node.get("additionalProperties"), dict):
        found += _walk(node["additionalProperties"], f"{path}{{}}")
    return found


def _root(kind: crdgen.Kind) -> dict[str, Any]:
    root: dict[str, Any] = crdgen.crd(kind)["spec"]["versions"][0]["schema"]["openAPIV3Schema"]
    return root


def test_crds_match_the_checked_in_files() -> None:
    generated = crdgen.render_all()
    on_disk = {p.name: p.read_text() for p in (REPO / "crds").glob("*.yaml")}
    assert sorted(on_disk) == sorted(generated), "run `make generate`"
    for name, text in generated.items():
        assert on_disk[name] == text, f"crds/{name} is stale: run `make generate`"


@pytest.mark.parametrize("k8s_version", ["1.26.0", "1.37.0"])
@pytest.mark.parametrize("kind", crdgen.KINDS, ids=lambda k: k.kind)
def test_crds_pass_kubernetes_validate_strict(kind: crdgen.Kind, k8s_version: str) -> None:
    kubernetes_validate.validate(crdgen.crd(kind), k8s_version, strict=True)


@pytest.mark.parametrize("kind", crdgen.KINDS, ids=lambda k: k.kind)
def test_crds_are_structural_and_documented(kind: crdgen.Kind) -> None:
    for path, node in _walk(_root(kind)):
        assert not FORBIDDEN_KEYS & node.keys(), f"{path}: {FORBIDDEN_KEYS & node.keys()}"
        untyped_ok = node.get("x-kubernetes-int-or-string") or node.get(
            "x-kubernetes-preserve-unknown-fields"
        )
        assert "type" in node or untyped_ok, f"{path}: no type"
        assert not ("properties" in node and "additionalProperties" in node), path
        if path.count(".") >= 2 and not path.endswith(("[]", "}")):
            assert node.get("description"), f"{path}: no description for kubectl explain"
        if "default" in node:
            jsonschema.validate(node["default"], crd_schema.to_jsonschema(node))


@pytest.mark.parametrize("kind", crdgen.KINDS, ids=lambda k: k.kind)
def test_crds_feel_native_in_kubectl(kind: crdgen.Kind) -> None:
    spec = crdgen.crd(kind)["spec"]
    version = spec["versions"][0]
    assert version["subresources"] == {"status": {}}
    assert spec["names"]["categories"] == ["omnia"]
    assert spec["names"]["shortNames"] == list(kind.short_names)
    columns = [c["name"] for c in version["additionalPrinterColumns"]]
    assert {"Phase", "Ready", "Age"} <= set(columns)
    status = _root(kind)["properties"]["status"]["properties"]
    assert status["observedGeneration"]["type"] == "integer"
    assert status["conditions"]["x-kubernetes-list-map-keys"] == ["type"]


def test_crds_short_names_are_the_documented_ones() -> None:
    names = {k.kind: k.short_names for k in crdgen.KINDS}
    assert names == {
        "AgentRuntime": ("ar",),
        "PromptPack": ("pp",),
        "ToolRegistry": ("tr",),
        "Provider": ("prov",),
    }


def test_crds_command_writes_every_output(tmp_path: Path) -> None:
    first, second = tmp_path / "a", tmp_path / "b"
    assert crdgen.main(["--output", str(first), "--output", str(second)]) == 0
    for directory in (first, second):
        assert {p.name: p.read_text() for p in directory.iterdir()} == crdgen.render_all()
