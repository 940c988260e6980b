"""validate_pack's error messages, validate_file's reading of JSON and YAML, and parse_pack."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from agent.promptpack import model, packfile, validate
from tests.unit.promptpack import packs


def _errors(data: Any) -> list[tuple[str, str]]:
    return [(f.path, f.message) for f in validate.validate_pack(data) if f.severity == "error"]


def test_validate_pack_names_path_value_and_range() -> None:
    data = packs.load_fixture("support")
    data["prompts"]["support"]["parameters"]["temperature"] = 2.5

    assert _errors(data) == [
        (
            "$.prompts.support.parameters.temperature",
            "2.5 is out of range: expected a number from 0 to 2",
        )
    ]


def test_validate_pack_names_wrong_json_type() -> None:
    data = packs.load_fixture("support")
    data["prompts"]["support"]["parameters"]["max_tokens"] = True
    data["prompts"]["support"]["tool_policy"]["max_rounds"] = "3"

    assert _errors(data) == [
        ("$.prompts.support.tool_policy.max_rounds", 'expected an integer ≥ 1, got string "3"'),
        ("$.prompts.support.parameters.max_tokens", "expected an integer ≥ 1, got boolean true"),
    ]


def test_validate_pack_locates_array_items() -> None:
    data = packs.load_fixture("minimal")
    data["prompts"]["main"]["tools"] = [7]

    assert _errors(data) == [("$.prompts.main.tools[0]", "expected a string, got integer 7")]


def test_validate_pack_lists_allowed_keys_for_unknown_key() -> None:
    data = packs.load_fixture("minimal")
    data["prompts"]["main"]["parameters"] = {"temprature": 0.2}

    assert _errors(data) == [
        (
            "$.prompts.main.parameters.temprature",
            'unknown key "temprature"; allowed keys here: temperature, max_tokens, top_p, top_k, '
            'frequency_penalty, presence_penalty; did you mean "temperature"?',
        )
    ]


def test_validate_pack_rejects_top_level_keys_of_other_formats() -> None:
    data = packs.load_fixture("minimal")
    data["variables"] = []

    ((path, message),) = _errors(data)

    assert path == "$.variables"
    assert message.startswith('unknown key "variables"; allowed keys here: $schema, id, name,')


def test_validate_pack_reports_missing_key_at_its_object() -> None:
    data = packs.load_fixture("minimal")
    del data["prompts"]["main"]["system_template"]

    assert _errors(data) == [("$.prompts.main", 'missing required key "system_template"')]


def test_validate_pack_explains_pattern() -> None:
    data = packs.load_fixture("minimal")
    data["version"] = "1.0"
    data["id"] = "My_Pack"

    assert _errors(data) == [
        (
            "$.id",
            "\"My_Pack\" is not valid: expected lowercase letters, digits and '-', starting with "
            "a letter, like customer-support",
        ),
        (
            "$.version",
            "\"1.0\" is not valid: expected a SemVer 2.0.0 version with an optional 'v' prefix, "
            "like 1.0.0, v2.1.3 or 2.0.0-beta.1+build.123",
        ),
    ]


def test_validate_pack_uses_brackets_for_keys_that_are_not_names() -> None:
    data = packs.load_fixture("support")
    data["prompts"]["support"]["model_overrides"]["claude-3.5"]["system_template"] = 3

    assert _errors(data) == [
        (
            "$.prompts.support.model_overrides['claude-3.5'].system_template",
            "expected a string, got integer 3",
        )
    ]


def test_validate_pack_explains_null_and_empty() -> None:
    data = packs.load_fixture("minimal")
    data["description"] = None
    data["name"] = ""
    data["prompts"] = {}

    assert _errors(data) == [
        ("$.name", "must not be empty"),
        ("$.description", "expected a value, got null (omit the key instead)"),
        ("$.prompts", "expected at least 1 key, got an object with 0 keys"),
    ]


def test_validate_pack_shortens_long_values() -> None:
    data = packs.load_fixture("minimal")
    data["id"] = "Z" * 90

    ((_, message),) = _errors(data)

    assert message.startswith('"ZZZZ')
    assert "… (92 characters) is not valid" in message
    assert len(message) < 200


def test_validate_pack_explains_media_one_of() -> None:
    data = packs.load_fixture("media")
    media = data["prompts"]["describe"]["media"]
    media.update(pdf={"max_size_mb": 5}, scan={"max_size_mb": 0, "dpi": 300}, tape="big")

    (pdf, scan, tape) = _errors(data)

    assert pdf[0] == "$.prompts.describe.media.pdf"
    assert pdf[1].startswith("fits more than one media config shape (image, audio, video,")
    assert scan == (
        "$.prompts.describe.media.scan",
        "fits no media config shape (max_size_mb: 0 is out of range: expected an integer ≥ 1)",
    )
    assert tape == ("$.prompts.describe.media.tape", 'expected an object, got string "big"')


def test_validate_pack_explains_skill_shapes() -> None:
    data = packs.load_fixture("crew")
    data["skills"] = [5, {"name": "n", "description": "d"}]

    assert _errors(data) == [
        (
            "$.skills[0]",
            "expected a path string, an object {path, preload} or an inline skill "
            "{name, description, instructions}, got integer 5",
        ),
        ("$.skills[1]", 'missing required key "instructions"'),
    ]


@pytest.mark.parametrize("document", [[], "pack", None, 3])
def test_validate_pack_rejects_non_object_document(document: object) -> None:
    ((path, message),) = _errors(document)

    assert path == "$"
    assert message.startswith("expected an object, got")


def test_validate_pack_rejects_nan() -> None:
    data = packs.load_fixture("support")
    data["prompts"]["support"]["parameters"]["top_p"] = float("nan")

    assert _errors(data) == [
        ("$.prompts.support.parameters.top_p", "expected a finite number from 0 to 1, got nan")
    ]


def test_validate_pack_is_deterministic() -> None:
    data = packs.load_fixture("support")
    data["prompts"]["support"]["parameters"] = {"temperature": 9, "stop": 1, "top_k": 0}
    data["tools"]["refund"]["name"] = "re-fund"

    first = validate.validate_pack(data)

    assert first == validate.validate_pack(json.loads(json.dumps(data)))
    assert len(first) == 4


def test_parse_pack_returns_typed_pack() -> None:
    pack = validate.parse_pack(packs.load_fixture("support"))

    assert isinstance(pack, model.PromptPack)
    assert pack.prompts["billing"].tool_policy.tool_choice == "required"


def test_parse_pack_raises_pack_error_listing_errors() -> None:
    data = packs.load_fixture("minimal")
    data["version"] = "one"
    del data["name"]

    with pytest.raises(validate.PackError) as raised:
        validate.parse_pack(data)

    assert isinstance(raised.value, ValueError)
    assert [f.path for f in raised.value.findings] == ["$", "$.version"]
    assert str(raised.value).splitlines()[:3] == [
        "invalid PromptPack (2 errors):",
        '  $: missing required key "name"',
        "  $.version: \"one\" is not valid: expected a SemVer 2.0.0 version with an optional 'v' "
        "prefix, like 1.0.0, v2.1.3 or 2.0.0-beta.1+build.123",
    ]


def test_parse_pack_caps_listed_errors() -> None:
    data = packs.load_fixture("minimal")
    data["prompts"]["main"]["tools"] = list(range(25))

    with pytest.raises(validate.PackError) as raised:
        validate.parse_pack(data)

    assert len(raised.value.findings) == 25
    assert str(raised.value).endswith("  ... and 5 more")


def test_parse_pack_ignores_semantic_warnings() -> None:
    data = packs.load_fixture("minimal")
    data["prompts"]["main"]["tools"] = ["undefined"]

    assert validate.parse_pack(data).prompts["main"].tools == ["undefined"]


def test_validate_file_reads_json(tmp_path: Path) -> None:
    path = tmp_path / "pack.json"
    path.write_text(json.dumps(packs.load_fixture("crew")), encoding="utf-8")

    assert validate.validate_file(str(path)) == []


def test_validate_file_reads_yaml_with_dates_as_text() -> None:
    path = packs.FIXTURES / "support.yaml"

    assert validate.validate_file(str(path)) == []
    data = packfile.parse_file(str(path))
    assert isinstance(data, dict)
    assert data["compilation"]["created_at"] == "2026-02-01T10:00:00Z"
    assert data["prompts"]["main"]["tested_models"][0]["date"] == "2026-01-15"


def _only_error(path: Path) -> str:
    (finding,) = validate.validate_file(str(path))
    assert (finding.severity, finding.path) == ("error", "$")
    return finding.message


def test_validate_file_reports_missing_file(tmp_path: Path) -> None:
    assert (
        _only_error(tmp_path / "absent.json") == "cannot read the file: No such file or directory"
    )


def test_validate_file_reports_directory(tmp_path: Path) -> None:
    assert _only_error(tmp_path).startswith("cannot read the file:")


@pytest.mark.parametrize(
    ("name", "text", "message"),
    [
        ("pack.json", '{"id": "x",}', "invalid JSON: Expecting property name"),
        ("pack.json", '{"id": NaN}', "invalid JSON: NaN is not valid JSON"),
        ("pack.yml", "id: [unclosed\n", "invalid YAML:"),
        ("pack.yaml", "id: !!python/object/apply:os.system ['true']\n", "invalid YAML:"),
    ],
    ids=["bad-json", "json-nan", "bad-yaml", "unsafe-yaml-tag"],
)
def test_validate_file_reports_unparsable_text(
    tmp_path: Path, name: str, text: str, message: str
) -> None:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")

    assert _only_error(path).startswith(message)


def test_validate_file_reports_non_utf8(tmp_path: Path) -> None:
    path = tmp_path / "pack.json"
    path.write_bytes(b'{"id": "\xff"}')

    assert _only_error(path).startswith("the file is not UTF-8 text")


def test_validate_file_limits_size(tmp_path: Path) -> None:
    path = tmp_path / "pack.json"
    path.write_bytes(b"{}" + b" " * packfile.MAX_PACK_BYTES)

    assert _only_error(path) == f"the file is larger than {packfile.MAX_PACK_BYTES} bytes"


def test_validate_file_limits_expanded_yaml_aliases(tmp_path: Path) -> None:
    # Each level doubles the values: 2**20 after expansion, from a 300-byte file.
    lines = ["a0: &a0 [x, x]"] + [f"a{i}: &a{i} [*a{i - 1}, *a{i - 1}]" for i in range(1, 20)]
    path = tmp_path / "bomb.yaml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")

    assert _only_error(path) == f"the document holds more than {packfile.MAX_PACK_VALUES} values"


def test_validate_file_names_yaml_keys_that_are_not_strings(tmp_path: Path) -> None:
    path = tmp_path / "pack.yaml"
    text = (packs.FIXTURES / "support.yaml").read_text(encoding="utf-8")
    # YAML 1.1 reads `on` as true and `1` as a number.
    path.write_text(text.replace("  main:", "  1:") + "on: true\n", encoding="utf-8")

    assert [(f.path, f.message) for f in validate.validate_file(str(path))] == [
        ("$.prompts['1']", "expected a string key, got integer 1"),
        ("$", "expected string keys only, got boolean true"),
    ]
