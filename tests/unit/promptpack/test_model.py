"""The typed pack the agent reads: defaults applied, open objects kept, values typed."""

from __future__ import annotations

import pydantic
import pytest

from agent.promptpack import findings, jsonvalues, model, model_media, model_workflow
from tests.unit.promptpack import packs


def _pack(name: str) -> model.PromptPack:
    return model.PromptPack.model_validate(packs.load_fixture(name))


def test_prompt_tool_policy_applies_defaults() -> None:
    policy = _pack("minimal").prompts["main"].tool_policy

    assert (policy.tool_choice, policy.max_rounds, policy.max_tool_calls_per_turn) == (
        "auto",
        5,
        10,
    )
    assert policy.blocklist == []


def test_prompt_tool_policy_keeps_set_values_and_defaults_the_rest() -> None:
    policy = _pack("crew").prompts["fact_check"].tool_policy

    assert (policy.tool_choice, policy.max_rounds, policy.max_tool_calls_per_turn) == (
        "auto",
        1,
        10,
    )


def test_prompt_parameters_are_typed() -> None:
    parameters = _pack("support").prompts["support"].parameters

    assert parameters.temperature == 0.3
    assert parameters.max_tokens == 800
    assert parameters.top_k is None
    assert parameters.presence_penalty == 2


def test_prompt_parameters_turn_integral_float_into_int() -> None:
    max_tokens = _pack("media").prompts["describe"].parameters.max_tokens

    assert max_tokens == 1
    assert type(max_tokens) is int


def test_prompt_parameters_default_to_unset() -> None:
    parameters = _pack("minimal").prompts["main"].parameters

    assert parameters.model_dump() == dict.fromkeys(
        ["temperature", "max_tokens", "top_p", "top_k", "frequency_penalty", "presence_penalty"]
    )


def test_prompt_variables_tell_null_default_from_none() -> None:
    variables = {v.name: v for v in _pack("support").prompts["support"].variables}

    assert variables["company"].has_default
    assert variables["company"].default == "Acme"
    assert variables["orders"].has_default
    assert variables["orders"].default is None
    assert not variables["customer"].has_default
    assert variables["customer"].binding is not None
    assert variables["customer"].binding.auto_populate is True
    assert variables["company"].validation is not None
    assert variables["company"].validation.enum == ["Acme", "Acme EU"]


def test_prompt_validators_apply_defaults() -> None:
    first, second = _pack("support").prompts["support"].validators

    assert (first.type, first.enabled, first.fail_on_violation) == ("banned_words", True, False)
    assert first.params == {"words": ["guarantee"]}
    assert (second.enabled, second.fail_on_violation) == (False, True)


def test_pack_tools_of_drops_blocked_and_undefined_tools() -> None:
    pack = _pack("support")

    assert [tool.name for tool in pack.tools_of("support")] == ["lookup_order", "escalate"]
    assert [tool.name for tool in _pack("crew").tools_of("lead")] == ["web_search"]


def test_pack_keeps_keys_of_open_objects() -> None:
    pack = _pack("support")

    assert pack.metadata is not None
    assert pack.metadata.model_extra == {"owner": {"team": "cx"}}
    assert pack.compilation is not None
    assert pack.compilation.schema_ == "v1"
    assert pack.schema_uri == "https://promptpack.org/schema/v1.4.0/promptpack.schema.json"
    parameters = pack.tools["lookup_order"].parameters
    assert parameters is not None
    assert parameters.model_extra == {"additionalProperties": False}


def test_pack_types_skills_by_shape() -> None:
    skills = _pack("crew").skills

    assert skills[0] == "./skills/citations"
    assert isinstance(skills[1], model_workflow.SkillPathSource)
    assert skills[1].preload
    assert isinstance(skills[2], model_workflow.SkillPathSource)
    assert not skills[2].preload
    assert isinstance(skills[3], model_workflow.InlineSkill)


def test_pack_types_extra_media_configs() -> None:
    media = _pack("media").prompts["describe"].media

    assert media is not None
    extra = (media.model_extra or {})["model_3d"]
    assert isinstance(extra, model_media.GenericMediaTypeConfig)
    assert extra.validation_params == {"max_polygons": 100000}
    assert media.document is not None
    assert media.document.extraction_mode == "structured"


def test_pack_applies_workflow_and_agent_defaults() -> None:
    pack = _pack("codegen-loop")
    assert pack.workflow is not None
    states = pack.workflow.states

    assert (states["plan"].terminal, states["review"].terminal) == (False, True)
    assert states["implement"].artifacts["commit_sha"].mode == "replace"
    assert pack.evals[1].sample_percentage == 100
    assert pack.prompts["implement"].evals[0].sample_percentage == 5
    agents = _pack("crew").agents
    assert agents is not None
    assert agents.members["fact_check"].input_modes == ["text/plain"]


def test_pack_is_immutable() -> None:
    pack = _pack("minimal")

    with pytest.raises(pydantic.ValidationError):
        pack.prompts["main"].name = "Other"  # type: ignore[misc]


def test_pack_rejects_python_only_values() -> None:
    data = packs.load_fixture("minimal")
    data["prompts"]["main"]["tools"] = ("a", "b")

    with pytest.raises(pydantic.ValidationError):
        model.PromptPack.model_validate(data)


@pytest.mark.parametrize(
    ("parts", "expected"),
    [
        ([], "$"),
        (["prompts", "support", "tools", 0], "$.prompts.support.tools[0]"),
        (["$schema"], "$['$schema']"),
        (["a b", "it's", 'say "hi"'], "$['a b']['it\\'s']['say \"hi\"']"),
        (["_x1", "1x"], "$._x1['1x']"),
    ],
)
def test_json_path_follows_rfc9535(parts: list[str | int], expected: str) -> None:
    assert findings.json_path(parts) == expected


def test_jsonvalues_describe_names_kind_and_value() -> None:
    assert jsonvalues.describe(True) == "boolean true"
    assert jsonvalues.describe(None) == "null"
    assert jsonvalues.describe("1") == 'string "1"'
    assert jsonvalues.describe(1.5) == "number 1.5"
    assert jsonvalues.describe({"a": 1}) == "an object with 1 key"
    assert jsonvalues.describe([1, 2]) == "an array of 2 items"
