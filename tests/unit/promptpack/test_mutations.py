"""Agreement with the official schema on mutants of valid packs: systematic and random."""

from __future__ import annotations

import json
import string
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator as Validator

from agent.promptpack import model, validate
from tests.unit.promptpack import mutations, packs

# Replacements tried at each node; the window rotates, so all of them are used in each pack.
REPLACEMENTS_PER_NODE = 6


@pytest.mark.parametrize("name", packs.FIXTURE_NAMES)
def test_fixture_packs_are_valid_and_clean(name: str) -> None:
    data = packs.load_fixture(name)

    assert validate.validate_pack(data) == []
    assert model.PromptPack.model_validate(data).id == data["id"]


@pytest.mark.parametrize("name", packs.FIXTURE_NAMES)
def test_fixture_packs_are_valid_for_official_schema(name: str, official: Validator) -> None:
    assert official.is_valid(packs.load_fixture(name))


@pytest.mark.parametrize("name", packs.FIXTURE_NAMES)
def test_validate_pack_agrees_with_schema_on_systematic_mutants(
    name: str, official: Validator
) -> None:
    doc = packs.load_fixture(name)
    disagreements = []
    count = 0
    for label, mutant in mutations.systematic(doc, REPLACEMENTS_PER_NODE):
        count += 1
        expected = official.is_valid(mutant)
        if packs.is_valid(mutant) != expected:
            disagreements.append(f"{label}: schema says {'valid' if expected else 'invalid'}")

    assert count > 80
    assert disagreements == []


# Strings for random mutations. Newlines and non-ASCII digits are left out on purpose: they
# are where we differ from Python's jsonschema by design (see test_differences.py).
_TEXT = st.text(
    alphabet=string.ascii_letters + string.digits + "-_.:+ {}/éß中", min_size=0, max_size=12
)
_INTERESTING_TEXT = st.sampled_from(
    [
        "",
        "1",
        "1.0",
        "1.0.0",
        "v1.0.0",
        "1.0.0-rc.1",
        "a-b",
        "a_b",
        "A",
        "en",
        "object",
        "auto",
        "image",
        "replace",
        "gauge",
        "x" * 101,
        "x" * 201,
        "x" * 5001,
    ]
)
_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-3, max_value=120)
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.sampled_from([0.5, 1.0, 2.0, -2.0, 2.5, 100.0, 1e300])
    | _TEXT
    | _INTERESTING_TEXT
)


def _keys(doc: Any) -> list[str]:
    return sorted(
        {part for path, _ in mutations.nodes(doc) for part in path[-1:] if isinstance(part, str)}
    )


_KNOWN_KEYS = sorted(
    {key for name in packs.FIXTURE_NAMES for key in _keys(packs.load_fixture(name))}
)
_KEYS = st.sampled_from(_KNOWN_KEYS) | _TEXT
_VALUES = st.recursive(
    _SCALARS,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_KEYS, inner, max_size=3),
    max_leaves=6,
)


@st.composite
def _mutant(draw: st.DrawFn) -> Any:
    doc = packs.load_fixture(draw(st.sampled_from(packs.FIXTURE_NAMES)))
    for _ in range(draw(st.integers(min_value=1, max_value=3))):
        path, value = draw(st.sampled_from(list(mutations.nodes(doc))))
        operation = draw(st.sampled_from(["replace", "replace", "delete", "add", "append"]))
        if operation == "add" and isinstance(value, dict):
            doc = mutations.with_key(doc, path, draw(_KEYS), draw(_VALUES))
        elif operation == "append" and isinstance(value, list):
            doc = mutations.appended(doc, path, draw(_VALUES))
        elif operation == "delete" and path:
            doc = mutations.deleted(doc, path)
        elif path:
            doc = mutations.replaced(doc, path, draw(_VALUES))
    return doc


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutant=_mutant())
def test_validate_pack_agrees_with_schema_on_random_mutants(
    official: Validator, mutant: Any
) -> None:
    assert packs.is_valid(mutant) == official.is_valid(mutant), json.dumps(mutant)[:2000]
