"""Rendering system templates: fragments, variables, defaults, validation, missing values."""

from __future__ import annotations

from typing import Any

import pytest

from agent import errors
from agent.promptpack import model, render
from tests.support import agent_config


def _pack(system: str, variables: list[dict[str, Any]], **prompt: Any) -> model.PromptPack:
    data = agent_config.pack(system=system, variables=variables, **prompt)
    data["fragments"]["nested"] = "Dear {{name}}."
    return model.PromptPack.model_validate(data)


def _render(system: str, variables: list[dict[str, Any]], values: dict[str, Any], **kw: Any) -> str:
    pack = _pack(system, variables, **kw)
    return render.render_system(pack, pack.prompts["default"], values, kw.get("model", ""))


NAME = {"name": "name", "type": "string", "required": True}


def test_variables_fragments_and_defaults() -> None:
    tone = {"name": "tone", "type": "string", "required": False, "default": "calm"}
    text = "Hi {{ name }}, be {{tone}}. {{fragments.rules}} {{fragments.nested}}"
    assert _render(text, [NAME, tone], {"name": "Ada"}) == "Hi Ada, be calm. Be brief. Dear Ada."


def test_given_value_beats_the_default_and_non_text_is_json() -> None:
    count = {"name": "n", "type": "number", "required": False, "default": 1}
    assert (
        _render(
            "{{n}} {{obj.a}} {{items[1]}}",
            [count],
            {"n": 2.5, "obj": {"a": [1]}, "items": ["x", True]},
        )
        == "2.5 [1] true"
    )


def test_missing_required_variable_names_it() -> None:
    with pytest.raises(errors.MissingVariable, match=r"variables\.name: required") as caught:
        _render("Hi {{name}}", [NAME], {})
    assert caught.value.code == "MISSING_VARIABLE"


@pytest.mark.parametrize(
    ("template", "says"),
    [
        ("{{topic}}", "{{topic}}: no value for 'topic'"),
        ("{{fragments.nope}}", "the pack has no fragment 'nope'"),
        ("{{artifacts.plan}}", "{{artifacts.plan}}: no value"),
        ("{{name.missing}}", "no value at '.missing'"),
    ],
)
def test_placeholder_left_without_a_value_names_it(template: str, says: str) -> None:
    with pytest.raises(errors.MissingVariable, match=rf"{__import__('re').escape(says)}"):
        _render(template, [NAME], {"name": "Ada"})


def test_malformed_placeholder_is_a_template_error() -> None:
    with pytest.raises(errors.TemplateError, match="not a variable reference"):
        _render("{{ 1bad }}", [], {})


@pytest.mark.parametrize(
    ("validation", "value", "says"),
    [
        ({"enum": ["a", "b"]}, "c", 'variables.name: "c" is not one of ["a", "b"]'),
        ({"pattern": "^[A-Z]"}, "ada", "does not match the pattern '^[A-Z]'"),
        ({"min_length": 3}, "ab", "is shorter than 3 characters"),
        ({"max_length": 2}, "abc", "is longer than 2 characters"),
        ({"minimum": 1}, 0, "is below the minimum 1"),
        ({"maximum": 1}, 2, "is above the maximum 1"),
    ],
)
def test_values_are_checked_against_their_validation(
    validation: dict[str, Any], value: Any, says: str
) -> None:
    variable = {**NAME, "validation": validation}
    with pytest.raises(errors.TemplateError, match=__import__("re").escape(says)) as caught:
        _render("{{name}}", [variable], {"name": value})
    assert caught.value.code == "INVALID_MESSAGE"


def test_model_override_changes_template_and_parameters() -> None:
    pack = _pack(
        "Base {{name}}.",
        [NAME],
        parameters={"temperature": 0.5, "max_tokens": 10},
        model_overrides={
            "m2": {
                "system_template_prefix": "[",
                "system_template_suffix": "]",
                "parameters": {"temperature": 0.1},
            }
        },
    )
    prompt = pack.prompts["default"]
    assert render.render_system(pack, prompt, {"name": "A"}, "m2") == "[Base A.]"
    assert render.render_system(pack, prompt, {"name": "A"}, "m1") == "Base A."
    assert render.select_parameters(prompt, "m2") == {"temperature": 0.1, "max_tokens": 10}
    assert render.select_parameters(prompt, "m1") == {"temperature": 0.5, "max_tokens": 10}
