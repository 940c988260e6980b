"""Fixtures of the PromptPack tests."""

from __future__ import annotations

import jsonschema
import pytest

from tests.unit.promptpack import packs


@pytest.fixture(scope="session")
def official() -> jsonschema.Draft202012Validator:
    """The official v1.4 schema's validator; tests using it skip when the reference is absent."""
    return packs.official_validator()
