"""Render a prompt's system template: `{{fragments.x}}`, then `{{variables}}` with defaults."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any

from agent import errors
from agent.promptpack import model, model_prompt, placeholders

# Longest rendition of a value quoted in an error message.
MAX_QUOTED_CHARS = 60
# The same placeholder syntax `placeholders` finds; substitution needs the positions too.
_PLACEHOLDER = re.compile(r"\{\{(.*?)\}\}", re.DOTALL)
_PATH_PART = re.compile(r"\.([^.\[\]\s]+)|\[([0-9]+)\]")
_ROOT = re.compile(r"\s*[A-Za-z_][A-Za-z0-9_]*")


def select_template(prompt: model_prompt.Prompt, model_name: str) -> str:
    """Return the prompt's system template with the model's override applied, if it has one."""
    override = prompt.model_overrides.get(model_name)
    if override is None:
        return prompt.system_template
    template = override.system_template or prompt.system_template
    return (
        f"{override.system_template_prefix or ''}{template}{override.system_template_suffix or ''}"
    )


def select_parameters(prompt: model_prompt.Prompt, model_name: str) -> dict[str, Any]:
    """Return the prompt's sampling parameters (the model's override wins), unset ones left out."""
    merged = prompt.parameters.model_dump(exclude_none=True)
    override = prompt.model_overrides.get(model_name)
    if override is not None and override.parameters is not None:
        merged.update(override.parameters.model_dump(exclude_none=True))
    return merged


def render_system(
    pack: model.PromptPack,
    prompt: model_prompt.Prompt,
    values: Mapping[str, Any],
    model_name: str = "",
) -> str:
    """Return the rendered system prompt.

    Fragments are inserted first (one level; a placeholder inside a fragment is then filled
    like any other). Declared variables take the given value or their default and must pass
    their validation; a placeholder that names an undeclared variable takes the given value.

    Raises:
        MissingVariable: a required variable, or a placeholder, has no value.
        TemplateError: a value fails its variable's validation, or a placeholder is malformed.
    """
    bound = bind_variables(prompt, values)
    text = _substitute(select_template(prompt, model_name), lambda p: _fragment(pack, p))
    return _substitute(text, lambda p: _variable(p, bound))


def bind_variables(prompt: model_prompt.Prompt, values: Mapping[str, Any]) -> dict[str, Any]:
    """Return the given values plus the declared defaults, each checked against its validation.

    Raises:
        MissingVariable: a required variable has no value. TemplateError: a value is invalid.
    """
    bound = dict(values)
    for variable in prompt.variables:
        if variable.name not in bound:
            if variable.has_default:
                bound[variable.name] = variable.default
                continue
            if variable.required:
                raise errors.MissingVariable(
                    f"variables.{variable.name}: required by prompt {prompt.id!r} and not given"
                )
            continue
        if variable.validation is not None:
            _check(variable.name, bound[variable.name], variable.validation)
    return bound


def _substitute(template: str, value_of: Callable[[placeholders.Placeholder], str | None]) -> str:
    def replace(match: re.Match[str]) -> str:
        replacement = value_of(placeholders.find_placeholders(match.group(0))[0])
        return match.group(0) if replacement is None else replacement

    return _PLACEHOLDER.sub(replace, template)


def _fragment(pack: model.PromptPack, placeholder: placeholders.Placeholder) -> str | None:
    if placeholder.kind != "fragment":
        return None
    if placeholder.name not in pack.fragments:
        raise errors.MissingVariable(
            f"{placeholder.text}: the pack has no fragment {placeholder.name!r}"
        )
    return pack.fragments[placeholder.name]


def _variable(placeholder: placeholders.Placeholder, bound: Mapping[str, Any]) -> str:
    if placeholder.kind == "invalid":
        raise errors.TemplateError(f"{placeholder.text}: not a variable reference")
    if placeholder.kind != "variable" or placeholder.name not in bound:
        raise errors.MissingVariable(f"{placeholder.text}: no value for {placeholder.name!r}")
    value = _follow(placeholder, bound[placeholder.name])
    return value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)


def _follow(placeholder: placeholders.Placeholder, value: Any) -> Any:
    inner = placeholder.text[2:-2].strip()
    root = _ROOT.match(inner)
    tail = inner[root.end() :] if root else ""
    for match in _PATH_PART.finditer(tail):
        key, index = match.group(1), match.group(2)
        if key is not None and isinstance(value, dict) and key in value:
            value = value[key]
        elif index is not None and isinstance(value, list) and int(index) < len(value):
            value = value[int(index)]
        else:
            raise errors.MissingVariable(f"{placeholder.text}: no value at {match.group(0)!r}")
    return value


def _quote(value: Any) -> str:
    text = json.dumps(value, ensure_ascii=False, default=str)
    return text if len(text) <= MAX_QUOTED_CHARS else text[: MAX_QUOTED_CHARS - 3] + "..."


def _check(name: str, value: Any, rules: model_prompt.VariableValidation) -> None:
    problem = _first_problem(value, rules)
    if problem is not None:
        raise errors.TemplateError(f"variables.{name}: {_quote(value)} {problem}")


def _first_problem(value: Any, rules: model_prompt.VariableValidation) -> str | None:
    if rules.enum is not None and value not in rules.enum:
        return f"is not one of {_quote(rules.enum)}"
    if isinstance(value, str):
        return _string_problem(value, rules)
    if isinstance(value, int | float) and not isinstance(value, bool):
        if rules.minimum is not None and value < rules.minimum:
            return f"is below the minimum {rules.minimum}"
        if rules.maximum is not None and value > rules.maximum:
            return f"is above the maximum {rules.maximum}"
    return None


def _string_problem(value: str, rules: model_prompt.VariableValidation) -> str | None:
    if rules.min_length is not None and len(value) < rules.min_length:
        return f"is shorter than {rules.min_length} characters"
    if rules.max_length is not None and len(value) > rules.max_length:
        return f"is longer than {rules.max_length} characters"
    if rules.pattern is not None and re.search(rules.pattern, value) is None:
        return f"does not match the pattern {rules.pattern!r}"
    return None
