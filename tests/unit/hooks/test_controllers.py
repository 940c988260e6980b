"""The CompositeControllers: fresh on disk, valid for Metacontroller, wired to every hook."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from hooks import controllers, routes
from hooks.api import crdgen
from tests.support import crd_schema
from tests.support.reference import require_reference

REPO = Path(__file__).resolve().parents[3]


def test_controllers_match_the_checked_in_files() -> None:
    on_disk = {p.name: p.read_text() for p in (REPO / "metacontroller").glob("*.yaml")}
    assert on_disk == controllers.render_files(), "run `omnia controllers --output metacontroller`"


def test_controllers_command_writes_every_output(tmp_path: Path) -> None:
    assert controllers.main(["--output", str(tmp_path), "--service-url", "http://h.ns:8080"]) == 0
    written = yaml.safe_load((tmp_path / "provider.yaml").read_text())
    assert (
        written["spec"]["hooks"]["sync"]["webhook"]["url"] == "http://h.ns:8080/hooks/provider/sync"
    )


@pytest.mark.parametrize("controller", controllers.render(), ids=lambda c: c["metadata"]["name"])
def test_controllers_validate_against_metacontrollers_crd(controller: dict[str, object]) -> None:
    path = require_reference("metacontroller", "metacontroller-crds-v1.yaml")
    crds = {doc["spec"]["names"]["kind"]: doc for doc in crd_schema.load_yaml_documents(path)}
    validator = crd_schema.validator(crds["CompositeController"])
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in validator.iter_errors(controller)]
    assert errors == []


def test_controllers_cover_every_kind_and_every_hook_route() -> None:
    rendered = controllers.render()
    parents = {c["spec"]["parentResource"]["resource"] for c in rendered}
    assert parents == {kind.plural for kind in crdgen.KINDS}
    urls = {
        hook["webhook"]["url"].removeprefix(controllers.DEFAULT_SERVICE_URL)
        for c in rendered
        for hook in c["spec"]["hooks"].values()
    }
    assert urls == set(routes.handlers())
    for controller in rendered:
        spec = controller["spec"]
        assert spec["generateSelector"] is True
        assert {h["version"] for h in spec["hooks"].values()} == {"v2"}
        assert "resyncPeriodSeconds" not in spec
        assert {c["updateStrategy"]["method"] for c in spec.get("childResources", [])} <= {
            "InPlace"
        }


def test_controllers_yaml_parses_back_to_the_definitions() -> None:
    for name, text in controllers.render_files().items():
        parsed = yaml.safe_load(text)
        assert parsed in controllers.render(), name
