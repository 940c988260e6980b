"""Check that every `{{...}}` in a pack's templates and fragments refers to something declared.

A `{{name}}` must be a variable of the prompt whose template it is in. A fragment is rendered
inside the prompts that include it (directly or through other fragments), so its variables must
be declared by each of them; a fragment no prompt includes needs them declared by some prompt.
`{{fragments.x}}` must name a fragment of the pack; any `{{artifacts.x}}` is accepted, since
workflow artifacts are filled in at run time.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from agent.promptpack import findings, jsonvalues, model, model_prompt, placeholders

# Says why a variable name is undeclared in a scope, or None when it is declared.
Explain = Callable[[str], str | None]
Location = list[str | int]


def validate_templates(pack: model.PromptPack) -> list[findings.Finding]:
    """Return a warning for each placeholder that refers to an undeclared variable or fragment.

    Only packs whose template syntax is `{{variable}}` are checked; other syntaxes leave
    double braces as plain text.
    """
    if "{{" not in pack.template_engine.syntax:
        return []
    declared = {
        key: {variable.name for variable in prompt.variables}
        for key, prompt in pack.prompts.items()
    }
    result: list[findings.Finding] = []
    for key, prompt in pack.prompts.items():
        explain = _prompt_scope(key, declared[key])
        for location, text in _templates(key, prompt):
            result.extend(_check(location, text, pack.fragments, explain))
    users = _fragment_users(pack)
    for name, text in pack.fragments.items():
        explain = _fragment_scope(declared, users[name])
        result.extend(_check(["fragments", name], text, pack.fragments, explain))
    return result


def _templates(key: str, prompt: model_prompt.Prompt) -> Iterator[tuple[Location, str]]:
    yield ["prompts", key, "system_template"], prompt.system_template
    for model_name, override in prompt.model_overrides.items():
        at: Location = ["prompts", key, "model_overrides", model_name]
        texts = {
            "system_template_prefix": override.system_template_prefix,
            "system_template": override.system_template,
            "system_template_suffix": override.system_template_suffix,
        }
        for field, text in texts.items():
            if text is not None:
                yield [*at, field], text


def _prompt_scope(key: str, declared: set[str]) -> Explain:
    def explain(name: str) -> str | None:
        if name in declared:
            return None
        return f"which prompt {jsonvalues.show(key)} does not declare in its variables"

    return explain


def _fragment_scope(declared: dict[str, set[str]], users: list[str]) -> Explain:
    def explain(name: str) -> str | None:
        if not users:
            if any(name in names for names in declared.values()):
                return None
            return "which no prompt declares"
        lacking = [key for key in users if name not in declared[key]]
        if not lacking:
            return None
        shown = ", ".join(jsonvalues.show(key) for key in lacking)
        return f"which the prompts including this fragment do not all declare (missing in {shown})"

    return explain


def _check(
    location: Location, text: str, fragments: dict[str, str], explain: Explain
) -> Iterator[findings.Finding]:
    seen: set[str] = set()
    for placeholder in placeholders.find_placeholders(text):
        if placeholder.text in seen:
            continue
        seen.add(placeholder.text)
        problem = _problem(placeholder, fragments, explain)
        if problem is not None:
            yield findings.warning(location, f"placeholder {placeholder.text} {problem}")


def _problem(
    placeholder: placeholders.Placeholder, fragments: dict[str, str], explain: Explain
) -> str | None:
    name = jsonvalues.show(placeholder.name)
    if placeholder.kind == "invalid":
        return "is not a reference to a variable, fragments.<name> or artifacts.<name>"
    if placeholder.kind == "fragment":
        return (
            None if placeholder.name in fragments else f"names fragment {name}, not in $.fragments"
        )
    if placeholder.kind == "artifact":
        return None
    reason = explain(placeholder.name)
    if reason is None:
        return None
    hint = (
        f"; did you mean {{{{fragments.{placeholder.name}}}}}?"
        if placeholder.name in fragments
        else ""
    )
    return f"uses variable {name}, {reason}{hint}"


def _fragment_refs(text: str) -> set[str]:
    return {
        placeholder.name
        for placeholder in placeholders.find_placeholders(text)
        if placeholder.kind == "fragment"
    }


def _fragment_users(pack: model.PromptPack) -> dict[str, list[str]]:
    """Map each fragment to the keys of the prompts that include it, directly or not."""
    refs = {name: _fragment_refs(text) for name, text in pack.fragments.items()}
    users: dict[str, list[str]] = {name: [] for name in pack.fragments}
    for key, prompt in pack.prompts.items():
        pending = [name for _, text in _templates(key, prompt) for name in _fragment_refs(text)]
        reached: set[str] = set()
        # Each fragment is expanded at most once, so cycles end and the walk is bounded.
        while pending:
            name = pending.pop()
            if name in reached or name not in refs:
                continue
            reached.add(name)
            pending.extend(refs[name])
        for name in pack.fragments:
            if name in reached:
                users[name].append(key)
    return users
