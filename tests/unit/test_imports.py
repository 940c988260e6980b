"""The house import rules, checked on the source: who may import what, and empty __init__ files."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
PRODUCT = sorted((REPO / "hooks").rglob("*.py")) + sorted((REPO / "agent").rglob("*.py"))
# Which product module may import each edge library (ruff's banned-api says the same per file).
EDGE_LIBRARIES = {
    "flask": {"hooks/app.py", "agent/server.py"},
    "flask_sock": {"agent/server.py"},
    "redis": {"agent/sessions/redis.py"},
    "litellm": {"agent/llm.py"},
    "orjson": {"hooks/jsontext.py"},
    "gunicorn": {"hooks/serve.py", "agent/server.py"},
}
# The agent modules the hooks may use: the contract and the pure PromptPack code.
HOOKS_MAY_IMPORT = ("agent.config.contract", "agent.promptpack.", "agent.tools.catalog")


def _imports(path: Path) -> list[tuple[str, bool]]:
    """Return (module, at module level) for every absolute import in a file."""
    tree = ast.parse(path.read_text())
    top = {id(node) for node in tree.body}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, id(node) in top) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{path}: relative import"
            module = node.module or ""
            found += [(f"{module}.{alias.name}", id(node) in top) for alias in node.names]
    return found


def _rel(path: Path) -> str:
    return str(path.relative_to(REPO))


@pytest.mark.parametrize("path", PRODUCT, ids=_rel)
def test_imports_follow_the_house_rules(path: Path) -> None:
    where = _rel(path)
    for module, at_top in _imports(path):
        root = module.split(".")[0]
        if root in EDGE_LIBRARIES:
            assert where in EDGE_LIBRARIES[root], f"{where} imports {root}"
        if root == "litellm":
            assert not at_top, f"{where} imports litellm at module level"
        if where.startswith("agent/"):
            assert root != "hooks", f"{where} imports {module}: agent never imports hooks"
        if where.startswith("hooks/") and root == "agent":
            assert module.startswith(HOOKS_MAY_IMPORT), f"{where} imports {module}"
        assert root not in ("tests", "bench"), f"{where} imports {module}"


def test_every_init_file_is_empty() -> None:
    for init in sorted(REPO.glob("*/**/__init__.py")):
        if ".venv" not in init.parts:
            assert init.read_text() == "", _rel(init)


def test_the_hook_service_never_loads_litellm() -> None:
    probe = (
        "import sys, hooks.app, hooks.cli, hooks.emulator.manager; print('litellm' in sys.modules)"
    )
    answer = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=REPO
    )
    assert answer.stdout.strip() == "False"
