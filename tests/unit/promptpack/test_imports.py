"""The promptpack package stays pure: stdlib, pydantic, pyyaml and its own modules only."""

from __future__ import annotations

import ast
import sys

from tests.support import reference

PACKAGE = reference.REPO_ROOT / "agent" / "promptpack"
ALLOWED = {"pydantic", "pydantic_core", "yaml", "agent"}


def _imported_roots(source: str) -> set[str]:
    roots = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, "imports are absolute"
            roots.add((node.module or "").split(".")[0])
    return roots


def test_promptpack_modules_import_only_pure_dependencies() -> None:
    foreign = {}
    for path in sorted(PACKAGE.glob("*.py")):
        roots = _imported_roots(path.read_text(encoding="utf-8"))
        extra = roots - ALLOWED - set(sys.stdlib_module_names) - {"__future__"}
        if extra:
            foreign[path.name] = sorted(extra)

    assert foreign == {}


def test_promptpack_imports_only_its_own_agent_modules() -> None:
    for path in sorted(PACKAGE.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("agent"):
                # agent.errors is pure too: render.py raises its TemplateError (protocol codes).
                names = {alias.name for alias in node.names}
                is_errors = node.module == "agent" and names <= {"errors"}
                assert node.module == "agent.promptpack" or is_errors, path.name


def test_promptpack_init_is_empty() -> None:
    assert (PACKAGE / "__init__.py").read_text(encoding="utf-8") == ""
