"""Every hook fixture: the response equals the golden file, is schema-valid and converges."""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from hooks import envelope, routes
from hooks.api import crdgen
from tests.support import crd_schema
from tests.support import hook_scenario as hs

CASES = sorted(hs.FIXTURES.glob("*/*.request.json"))
IDS = [f"{p.parent.name}/{p.name.removesuffix('.request.json')}" for p in CASES]
KINDS = {kind.kind.lower(): kind for kind in crdgen.KINDS}


def _hook(path: Path) -> tuple[str, str]:
    return path.parent.name, path.name.removesuffix(".request.json").split("-", 1)[0]


def _answer(path: Path, request: dict[str, Any]) -> dict[str, Any]:
    kind, hook = _hook(path)
    return routes.handlers()[routes.path(kind, hook)](request, hs.SETTINGS, hs.NOW)


def _request(path: Path) -> dict[str, Any]:
    loaded: dict[str, Any] = json.loads(path.read_text())
    return loaded


def test_golden_cases_cover_every_hook() -> None:
    covered = {routes.path(*_hook(p)) for p in CASES}
    assert covered == set(routes.handlers())


@pytest.mark.parametrize("path", CASES, ids=IDS)
def test_hook_answer_matches_golden(path: Path, update_golden: bool) -> None:
    answer = _answer(path, _request(path))
    golden = path.with_name(path.name.replace(".request.", ".response."))
    if update_golden:
        golden.write_text(json.dumps(answer, indent=2, ensure_ascii=False) + "\n")
    assert golden.exists(), f"{golden.name} is missing: run pytest tests/unit/hooks --update-golden"
    assert answer == json.loads(golden.read_text())


SYNC_CASES = [p for p in CASES if _hook(p)[1] in ("sync", "finalize")]
SYNC_IDS = [i for p, i in zip(CASES, IDS, strict=True) if p in SYNC_CASES]


@pytest.mark.parametrize("path", SYNC_CASES, ids=SYNC_IDS)
def test_hook_children_are_kubernetes_valid(path: Path) -> None:
    for obj in _answer(path, _request(path))["children"]:
        hs.validate_child(obj)


@pytest.mark.parametrize("path", SYNC_CASES, ids=SYNC_IDS)
def test_hook_status_fits_the_crd(path: Path) -> None:
    crd = crdgen.crd(KINDS[path.parent.name])
    status_schema = crd["spec"]["versions"][0]["schema"]["openAPIV3Schema"]["properties"]["status"]
    validator = crd_schema.jsonschema.Draft7Validator(crd_schema.to_jsonschema(status_schema))
    errors = [e.message for e in validator.iter_errors(_answer(path, _request(path))["status"])]
    assert errors == []


def _observe(request: dict[str, Any], answer: dict[str, Any]) -> dict[str, Any]:
    """Return the next request once Metacontroller applied the answer (children, status)."""
    after = copy.deepcopy(request)
    generation = after["parent"]["metadata"].get("generation")
    after["parent"]["status"] = answer["status"] | {"observedGeneration": generation}
    children: dict[str, dict[str, Any]] = {key: {} for key in after["children"]}
    for child in answer["children"]:
        type_key = envelope.type_key(child["apiVersion"], child["kind"])
        meta = child["metadata"]
        object_key = envelope.object_key(meta["namespace"], meta["name"])
        previous = after["children"].get(type_key, {}).get(object_key, {})
        observed = copy.deepcopy(child)
        if "status" in previous:
            observed["status"] = previous["status"]
        children.setdefault(type_key, {})[object_key] = observed
    after["children"] = children
    return after


@pytest.mark.parametrize("path", SYNC_CASES, ids=SYNC_IDS)
def test_hook_answer_is_a_fixpoint_once_applied(path: Path) -> None:
    request = _observe(_request(path), _answer(path, _request(path)))
    settled = _answer(path, request)
    again = _answer(path, _observe(request, settled))
    assert json.dumps(again) == json.dumps(settled)
