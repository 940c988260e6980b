"""Shared test data: the fixture packs, the official schema's verdict and ours."""

from __future__ import annotations

import copy
import functools
import json
from typing import Any

import jsonschema

from agent.promptpack import validate
from tests.support import reference

FIXTURES = reference.REPO_ROOT / "tests" / "fixtures" / "packs"
FIXTURE_NAMES = ("minimal", "support", "codegen-loop", "crew", "media")


@functools.cache
def _fixture_text(name: str) -> str:
    return (FIXTURES / f"{name}.json").read_text(encoding="utf-8")


def load_fixture(name: str) -> dict[str, Any]:
    """Return a fresh copy of a fixture pack (tests may change it)."""
    data: dict[str, Any] = json.loads(_fixture_text(name))
    return data


def official_validator() -> jsonschema.Draft202012Validator:
    """Return the official v1.4 schema's validator, skipping the test when it is absent."""
    path = reference.require_reference("promptpack", "promptpack.schema.json")
    return _validator(str(path))


@functools.cache
def _validator(path: str) -> jsonschema.Draft202012Validator:
    with open(path, encoding="utf-8") as stream:
        schema = json.load(stream)
    jsonschema.Draft202012Validator.check_schema(schema)
    return jsonschema.Draft202012Validator(schema)


def is_valid(data: object) -> bool:
    """Our verdict: valid exactly when there are no error findings."""
    return not [f for f in validate.validate_pack(data) if f.severity == "error"]


def errors_of(data: object) -> list[validate.Finding]:
    """Return only the error findings of a document."""
    return [f for f in validate.validate_pack(data) if f.severity == "error"]


def deep(data: Any) -> Any:
    """Return a deep copy (mutations never touch the cached fixtures)."""
    return copy.deepcopy(data)
