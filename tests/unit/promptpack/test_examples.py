"""The official examples: our verdict equals the official schema's and the file name's label."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator as Validator

from agent.promptpack import validate
from tests.support import reference


def _example_files() -> list[Path]:
    base = reference.reference_dir()
    folder = base / "promptpack" / "examples" if base else None
    return sorted(folder.glob("*.json")) if folder and folder.is_dir() else []


EXAMPLES = _example_files()


def _label(path: Path) -> bool:
    # "03-invalid-learning-assistant.json" -> False; "01-valid-customer-support.json" -> True.
    return path.stem.split("-")[1] == "valid"


def test_examples_folder_is_present_or_skipped() -> None:
    folder = reference.require_reference("promptpack", "examples")

    assert len(EXAMPLES) == len(list(folder.glob("*.json"))) > 0


@pytest.mark.parametrize("path", EXAMPLES, ids=[path.name for path in EXAMPLES])
def test_validate_file_agrees_with_schema_and_label_on_example(
    path: Path, official: Validator
) -> None:
    findings = validate.validate_file(str(path))
    errors = [finding for finding in findings if finding.severity == "error"]
    with path.open(encoding="utf-8") as stream:
        expected = official.is_valid(json.load(stream))

    assert (not errors) is expected
    assert expected is _label(path)
