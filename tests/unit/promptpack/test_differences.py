"""Where we differ from Python's jsonschema on purpose, pinned so the difference stays deliberate.

Python's `re` lets `$` match before a final newline and `\\d` match any Unicode digit; JSON
Schema patterns use ECMA-262, where neither holds (Go and JavaScript validators, PromptKit's
included, agree with us). Python's json module reads NaN and Infinity, which JSON does not have,
and unpaired surrogates are not Unicode text.
"""

from __future__ import annotations

from typing import Any

import pytest
from jsonschema import Draft202012Validator as Validator

from tests.unit.promptpack import mutations, packs

DIFFERENCES: dict[str, tuple[str, mutations.Path, Any]] = {
    "id-trailing-newline": ("minimal", ("id",), "minimal-pack\n"),
    "version-trailing-newline": ("minimal", ("version",), "1.0.0\n"),
    "version-arabic-digit": ("minimal", ("version",), "1.1\u0660.0"),
    "temperature-nan": (
        "support",
        ("prompts", "support", "parameters", "temperature"),
        float("nan"),
    ),
    "avg_cost-infinity": (
        "support",
        ("prompts", "support", "tested_models", 0, "avg_cost"),
        float("inf"),
    ),
    "description-lone-surrogate": ("support", ("description",), "caf\ud800"),
}


@pytest.mark.parametrize("name", list(DIFFERENCES))
def test_validate_pack_rejects_where_python_jsonschema_accepts(
    name: str, official: Validator
) -> None:
    fixture, path, value = DIFFERENCES[name]
    mutant = mutations.replaced(packs.load_fixture(fixture), path, value)

    assert not packs.is_valid(mutant)
    assert official.is_valid(mutant)
