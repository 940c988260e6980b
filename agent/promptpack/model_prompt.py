"""One PromptPack prompt: its template, variables, tools, parameters and guardrails."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import pydantic

from agent.promptpack import jsontypes, model_eval, model_media


class VariableValidation(jsontypes.Closed):
    """Checks a variable's value must pass when the prompt is rendered."""

    pattern: jsontypes.Opt[str] = None
    min_length: jsontypes.Opt[jsontypes.NonNegativeInt] = None
    max_length: jsontypes.Opt[jsontypes.PositiveInt] = None
    minimum: jsontypes.Opt[jsontypes.Number] = None
    maximum: jsontypes.Opt[jsontypes.Number] = None
    enum: jsontypes.Opt[list[Any]] = None


class VariableBinding(jsontypes.Closed):
    """Where the runtime takes a variable's value from (context, session, env, header, ...)."""

    kind: jsontypes.Opt[str] = None
    field: jsontypes.Opt[str] = None
    auto_populate: bool = False
    filter: jsontypes.Opt[str] = None


class Variable(jsontypes.Closed):
    """A template variable: `{{name}}` in the prompt's templates."""

    name: jsontypes.Identifier
    type: str
    required: bool
    # Any JSON value, null included; `has_default` tells an absent default from a null one.
    default: Any = None
    description: jsontypes.Opt[str] = None
    example: Any = None
    validation: jsontypes.Opt[VariableValidation] = None
    binding: jsontypes.Opt[VariableBinding] = None

    @property
    def has_default(self) -> bool:
        """Whether the pack sets `default` (a null default counts as set)."""
        return "default" in self.model_fields_set


class Parameters(jsontypes.Closed):
    """LLM sampling parameters; an unset one is left to the provider's default."""

    temperature: jsontypes.Opt[jsontypes.Temperature] = None
    max_tokens: jsontypes.Opt[jsontypes.PositiveInt] = None
    top_p: jsontypes.Opt[jsontypes.Fraction] = None
    # The only key where the schema allows an explicit null.
    top_k: jsontypes.PositiveInt | None = None
    frequency_penalty: jsontypes.Opt[jsontypes.Penalty] = None
    presence_penalty: jsontypes.Opt[jsontypes.Penalty] = None


class ToolParameters(jsontypes.Open):
    """A tool's arguments as a JSON Schema object (the OpenAI function-calling shape)."""

    type: Literal["object"]
    properties: dict[str, dict[str, Any]]
    required: list[str] = pydantic.Field(default_factory=list)


class Tool(jsontypes.Closed):
    """A tool the LLM may call; its name has no hyphens (Omnia maps registry names onto it)."""

    name: jsontypes.Identifier
    description: jsontypes.NonEmptyStr
    parameters: jsontypes.Opt[ToolParameters] = None


class ToolPolicy(jsontypes.Closed):
    """How a prompt may use its tools; every key has a default."""

    tool_choice: Literal["auto", "required", "none"] = "auto"
    max_rounds: jsontypes.PositiveInt = 5
    max_tool_calls_per_turn: jsontypes.PositiveInt = 10
    # Names the prompt may not call, even when `tools` lists them.
    blocklist: list[str] = pydantic.Field(default_factory=list)


class Validator(jsontypes.Closed):
    """A guardrail on responses; `type` is free (banned_words, max_length, ...), `params` open."""

    type: jsontypes.NonEmptyStr
    enabled: bool = True
    message: jsontypes.Opt[str] = None
    # False means a violation is only logged.
    fail_on_violation: bool = False
    params: dict[str, Any] = pydantic.Field(default_factory=dict)


class Middleware(jsontypes.Closed):
    """One middleware of a pipeline, with its free-form configuration."""

    type: str
    config: dict[str, Any] = pydantic.Field(default_factory=dict)


class Pipeline(jsontypes.Closed):
    """Processing stages and middleware around a prompt's turns."""

    stages: list[str]
    middleware: list[Middleware] = pydantic.Field(default_factory=list)


class TestedModel(jsontypes.Closed):
    """A record of how well one model did with the prompt."""

    __test__ = False  # not a pytest test class, despite the name

    provider: str
    model: str
    date: str
    success_rate: jsontypes.Opt[jsontypes.Fraction] = None
    avg_tokens: jsontypes.Opt[jsontypes.NonNegativeNumber] = None
    avg_cost: jsontypes.Opt[jsontypes.NonNegativeNumber] = None
    avg_latency_ms: jsontypes.Opt[jsontypes.NonNegativeNumber] = None
    notes: jsontypes.Opt[str] = None


class ModelOverride(jsontypes.Closed):
    """Template and parameter changes for one model."""

    system_template_prefix: jsontypes.Opt[str] = None
    system_template_suffix: jsontypes.Opt[str] = None
    system_template: jsontypes.Opt[str] = None
    parameters: jsontypes.Opt[Parameters] = None


class Prompt(jsontypes.Closed):
    """One task type of the pack, versioned on its own."""

    id: Annotated[str, pydantic.Field(pattern=jsontypes.PROMPT_ID_PATTERN)]
    name: jsontypes.NonEmptyStr
    description: jsontypes.Opt[str] = None
    version: jsontypes.SemVer
    system_template: jsontypes.NonEmptyStr
    variables: list[Variable] = pydantic.Field(default_factory=list)
    # Names of pack-level tools this prompt may call.
    tools: list[str] = pydantic.Field(default_factory=list)
    tool_policy: ToolPolicy = pydantic.Field(default_factory=ToolPolicy)
    pipeline: jsontypes.Opt[Pipeline] = None
    parameters: Parameters = pydantic.Field(default_factory=Parameters)
    validators: list[Validator] = pydantic.Field(default_factory=list)
    evals: list[model_eval.Eval] = pydantic.Field(default_factory=list)
    tested_models: list[TestedModel] = pydantic.Field(default_factory=list)
    model_overrides: dict[str, ModelOverride] = pydantic.Field(default_factory=dict)
    media: jsontypes.Opt[model_media.MediaConfig] = None
