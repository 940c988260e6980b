"""The hooks package keeps to its imports: agent's pure modules only, no litellm, empty inits."""

from __future__ import annotations

import ast
from pathlib import Path

HOOKS = Path(__file__).resolve().parents[3] / "hooks"
ALLOWED_AGENT = ("agent.config.contract", "agent.promptpack", "agent.tools.catalog")


def _imports(path: Path) -> list[str]:
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module:
            names += [f"{node.module}.{alias.name}" for alias in node.names]
    return names


def test_hooks_import_only_the_agents_pure_modules() -> None:
    for path in sorted(HOOKS.rglob("*.py")):
        for name in _imports(path):
            if name == "agent" or name.startswith("agent."):
                assert name.startswith(ALLOWED_AGENT), f"{path.relative_to(HOOKS)} imports {name}"
            assert not name.startswith("litellm"), path


def test_flask_and_gunicorn_stay_at_the_edges() -> None:
    for path in sorted(HOOKS.rglob("*.py")):
        names = _imports(path)
        if any(n.startswith("flask") for n in names):
            assert path.name == "app.py", path
        if any(n.startswith("gunicorn") for n in names):
            assert path.name == "serve.py", path


def test_init_files_are_empty() -> None:
    for path in HOOKS.rglob("__init__.py"):
        assert path.read_text() == "", path
