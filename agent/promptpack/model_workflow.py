"""PromptPack orchestration (spec v1.3+): the workflow state machine, agents and skills."""

from __future__ import annotations

from typing import Annotated, Literal

import pydantic

from agent.promptpack import jsontypes


class ArtifactDef(jsontypes.Closed):
    """A named slot of small structured data carried across state visits (`{{artifacts.x}}`)."""

    type: str  # a MIME type
    description: jsontypes.Opt[str] = None
    mode: Literal["replace", "append"] = "replace"


class WorkflowState(jsontypes.Closed):
    """One state: the prompt it runs and the events that leave it."""

    prompt_task: str
    description: jsontypes.Opt[str] = None
    # Event name -> target state.
    on_event: dict[str, str] = pydantic.Field(default_factory=dict)
    persistence: jsontypes.Opt[str] = None
    orchestration: jsontypes.Opt[str] = None
    skills: jsontypes.Opt[str] = None
    terminal: bool = False
    max_visits: jsontypes.Opt[jsontypes.PositiveInt] = None
    on_max_visits: jsontypes.Opt[str] = None
    artifacts: dict[str, ArtifactDef] = pydantic.Field(default_factory=dict)


class WorkflowBudget(jsontypes.Closed):
    """Limits for one workflow run; an unset limit means none."""

    max_total_visits: jsontypes.Opt[jsontypes.PositiveInt] = None
    max_tool_calls: jsontypes.Opt[jsontypes.PositiveInt] = None
    max_wall_time_sec: jsontypes.Opt[jsontypes.PositiveInt] = None


class WorkflowEngine(jsontypes.Open):
    """Engine settings: the budget, plus runtime-specific hints kept as they are."""

    budget: jsontypes.Opt[WorkflowBudget] = None


class Workflow(jsontypes.Closed):
    """A state machine over the pack's prompts."""

    version: jsontypes.PositiveInt
    entry: str
    states: dict[str, WorkflowState] = pydantic.Field(min_length=1)
    engine: jsontypes.Opt[WorkflowEngine] = None


class AgentDef(jsontypes.Closed):
    """A2A agent-card metadata for one prompt."""

    description: jsontypes.Opt[str] = None
    tags: list[str] = pydantic.Field(default_factory=list)
    input_modes: list[str] = pydantic.Field(default_factory=lambda: ["text/plain"])
    output_modes: list[str] = pydantic.Field(default_factory=lambda: ["text/plain"])


class Agents(jsontypes.Closed):
    """The prompts published as agents, keyed by prompt key, and the one that takes requests."""

    entry: str
    members: dict[str, AgentDef] = pydantic.Field(min_length=1)


class SkillPathSource(jsontypes.Closed):
    """Skills loaded from a path or package reference."""

    path: str
    preload: bool = False


class InlineSkill(jsontypes.Closed):
    """A skill written in the pack itself."""

    name: jsontypes.NonEmptyStr
    description: jsontypes.NonEmptyStr
    instructions: jsontypes.NonEmptyStr


def _skill_shape(value: object) -> str | None:
    # The three shapes never overlap (a string; an object with `path`; a closed object
    # without it), so choosing by shape gives the schema's oneOf verdict with precise errors.
    if isinstance(value, str):
        return "string"
    if isinstance(value, dict):
        return "path-source" if "path" in value else "inline-skill"
    return None


SkillSource = Annotated[
    Annotated[str, pydantic.Tag("string")]
    | Annotated[SkillPathSource, pydantic.Tag("path-source")]
    | Annotated[InlineSkill, pydantic.Tag("inline-skill")],
    pydantic.Discriminator(
        _skill_shape,
        custom_error_type="skill_source",
        custom_error_message=(
            "expected a path string, an object {path, preload} or an inline skill "
            "{name, description, instructions}"
        ),
    ),
]
