"""The PromptPack rules the JSON Schema cannot state (spec §1.4), checked on a schema-valid pack.

Each rule yields warnings in document order, and the rules run in a fixed order, so the same
pack always gives the same list.
"""

from __future__ import annotations

from collections.abc import Iterator

from agent.promptpack import findings, jsonvalues, model, semantics_templates


def validate_semantics(pack: model.PromptPack) -> list[findings.Finding]:
    """Return a warning for every cross-reference in the pack that does not resolve."""
    return [
        *_prompt_ids(pack),
        *_tool_names(pack),
        *_prompt_tools(pack),
        *_required_defaults(pack),
        *_workflow(pack),
        *_agents(pack),
        *semantics_templates.validate_templates(pack),
    ]


def _q(value: str) -> str:
    return jsonvalues.show(value)


def _prompt_ids(pack: model.PromptPack) -> Iterator[findings.Finding]:
    for key, prompt in pack.prompts.items():
        if prompt.id != key:
            yield findings.warning(
                ["prompts", key, "id"],
                f"prompt id {_q(prompt.id)} differs from its key {_q(key)} in $.prompts",
            )


def _tool_names(pack: model.PromptPack) -> Iterator[findings.Finding]:
    for key, tool in pack.tools.items():
        if tool.name != key:
            yield findings.warning(
                ["tools", key, "name"],
                f"tool name {_q(tool.name)} differs from its key {_q(key)} in $.tools",
            )


def _prompt_tools(pack: model.PromptPack) -> Iterator[findings.Finding]:
    # In a multi-agent pack a prompt may also call another member agent as a tool (the
    # specification's own research-crew and content-team examples do).
    agents = set(pack.agents.members) if pack.agents else set()
    for key, prompt in pack.prompts.items():
        for index, name in enumerate(prompt.tools):
            if name not in pack.tools and name not in agents:
                yield findings.warning(
                    ["prompts", key, "tools", index],
                    f"tool {_q(name)} is not defined in $.tools"
                    + (" nor an agent of $.agents.members" if agents else ""),
                )


def _required_defaults(pack: model.PromptPack) -> Iterator[findings.Finding]:
    for key, prompt in pack.prompts.items():
        for index, variable in enumerate(prompt.variables):
            if variable.required and variable.has_default:
                yield findings.warning(
                    ["prompts", key, "variables", index, "default"],
                    f"required variable {_q(variable.name)} has a default, which is never used; "
                    "drop the default or set required: false",
                )


def _workflow(pack: model.PromptPack) -> Iterator[findings.Finding]:
    workflow = pack.workflow
    if workflow is None:
        return
    states = workflow.states
    if workflow.entry not in states:
        yield findings.warning(
            ["workflow", "entry"],
            f"entry state {_q(workflow.entry)} is not a key of $.workflow.states",
        )
    for name, state in states.items():
        at = ["workflow", "states", name]
        if state.prompt_task not in pack.prompts:
            yield findings.warning(
                [*at, "prompt_task"],
                f"prompt_task {_q(state.prompt_task)} is not a key of $.prompts",
            )
        if state.terminal and state.on_event:
            yield findings.warning(
                [*at, "on_event"],
                "a terminal state ends the workflow, so it must not declare on_event transitions",
            )
        for event, target in state.on_event.items():
            if target not in states:
                yield findings.warning(
                    [*at, "on_event", event],
                    f"event {_q(event)} goes to {_q(target)}, which is not a key of "
                    "$.workflow.states",
                )
        if state.on_max_visits is not None and state.on_max_visits not in states:
            yield findings.warning(
                [*at, "on_max_visits"],
                f"on_max_visits target {_q(state.on_max_visits)} is not a key of $.workflow.states",
            )


def _agents(pack: model.PromptPack) -> Iterator[findings.Finding]:
    agents = pack.agents
    if agents is None:
        return
    if agents.entry not in pack.prompts:
        yield findings.warning(
            ["agents", "entry"], f"entry agent {_q(agents.entry)} is not a key of $.prompts"
        )
    for key in agents.members:
        if key not in pack.prompts:
            yield findings.warning(
                ["agents", "members", key], f"member {_q(key)} is not a key of $.prompts"
            )
