"""docs/hooks.md stays true to the code: contract names, routes, controllers, annotations."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent.config import contract
from hooks import controllers, routes
from hooks.api import toolregistry
from hooks.emulator import cluster
from tests.support import hook_scenario as hs

REPO = Path(__file__).resolve().parents[3]
DOC = (REPO / "docs" / "hooks.md").read_text()
README = (REPO / "README.md").read_text()
ENV_NAMES = sorted(value for name, value in vars(contract).items() if name.startswith("ENV_"))


@pytest.mark.parametrize("name", ENV_NAMES)
def test_docs_list_every_contract_env_var(name: str) -> None:
    assert f"`{name}`" in DOC
    assert f"`{name}`" in README


def test_docs_list_the_contract_files_and_paths() -> None:
    for name in (*contract.CONFIG_FILES, contract.CONFIG_MOUNT_DIR, contract.CONFIG_VOLUME_NAME):
        assert f"`{name}`" in DOC or f"{name}`" in DOC, name
    for path in (
        contract.WEBSOCKET_PATH,
        contract.HEALTH_PATH,
        contract.READY_PATH,
        contract.METRICS_PATH,
    ):
        assert f"`{path}`" in DOC, path
    for file in contract.CONFIG_FILES:
        assert f"`{contract.CONFIG_MOUNT_DIR}/{file}`" in DOC, file


def test_docs_list_every_route_and_controller() -> None:
    for path in routes.handlers():
        assert f"`{path}`" in DOC, path
    for definition in controllers.DEFINITIONS:
        assert f"`{definition.name}`" in DOC, definition.name


def test_docs_list_every_tool_annotation() -> None:
    annotations = [v for k, v in vars(toolregistry).items() if k.endswith("_ANNOTATION")]
    for annotation in annotations:
        assert f"`{annotation}`" in DOC, annotation


def test_docs_name_every_condition_and_reason_the_fixtures_show() -> None:
    fixtures = Path(__file__).resolve().parents[2] / "fixtures" / "hooks"
    seen: set[str] = set()
    for path in fixtures.glob("*/*.response.json"):
        for cond in json.loads(path.read_text()).get("status", {}).get("conditions", []):
            seen |= {cond["type"], cond["reason"]}
    missing = sorted(name for name in seen if name not in DOC)
    assert missing == []


def test_docs_emulator_example_runs() -> None:
    code = DOC.split("```python\n", 1)[1].split("```", 1)[0]
    manifests = [obj for group in hs.GROUPS for obj in hs.group(group)]
    namespace: dict[str, object] = {"my_manifests": manifests}
    exec(compile(code, "docs/hooks.md", "exec"), namespace)
    store = namespace["store"]
    assert isinstance(store, cluster.Cluster)
    assert store.list(hs.AR) == []
    assert store.list("Deployment.apps/v1") == []
    assert isinstance(namespace["rounds"], int)
