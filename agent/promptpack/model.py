"""The PromptPack v1.4 document as typed pydantic models, read with `PromptPack.model_validate`.

The models follow the specification's JSON Schema (draft 2020-12) key for key: objects the
schema closes forbid unknown keys, open ones keep them; types, patterns, lengths and bounds
match, and `format` is not checked (the schema's own validators do not check it either). The
checks the specification states only in prose live in `semantics`.
"""

from __future__ import annotations

from typing import Annotated, Literal

import pydantic

from agent.promptpack import jsontypes, model_eval, model_prompt, model_workflow

TemplateFeature = Literal["basic_substitution", "fragments", "conditionals", "loops", "filters"]


class TemplateEngine(jsontypes.Closed):
    """How templates are written: engine version ("v1") and syntax ("{{variable}}")."""

    version: str
    syntax: str
    features: list[TemplateFeature] = pydantic.Field(default_factory=list)


class CostEstimate(jsontypes.Open):
    """Cost per execution, in US dollars."""

    min_cost_usd: jsontypes.Opt[jsontypes.NonNegativeNumber] = None
    max_cost_usd: jsontypes.Opt[jsontypes.NonNegativeNumber] = None
    avg_cost_usd: jsontypes.Opt[jsontypes.NonNegativeNumber] = None


class Metadata(jsontypes.Open):
    """Pack metadata for discovery; keys beyond the known ones are kept as they are."""

    domain: jsontypes.Opt[str] = None
    language: jsontypes.Opt[Annotated[str, pydantic.Field(pattern=jsontypes.LANGUAGE_PATTERN)]] = (
        None
    )
    tags: list[str] = pydantic.Field(default_factory=list)
    cost_estimate: jsontypes.Opt[CostEstimate] = None


class Compilation(jsontypes.Open):
    """Written by the packc compiler: which version built the pack, when, from what."""

    compiled_with: str
    created_at: str  # a date-time by format, which JSON Schema validators do not enforce
    schema_: str = pydantic.Field(alias="schema")
    source: jsontypes.Opt[str] = None


class PromptPack(jsontypes.Closed):
    """A PromptPack: versioned prompts with their tools, fragments and orchestration."""

    schema_uri: jsontypes.Opt[str] = pydantic.Field(default=None, alias="$schema")
    id: Annotated[
        str, pydantic.Field(pattern=jsontypes.PACK_ID_PATTERN, min_length=1, max_length=100)
    ]
    name: Annotated[str, pydantic.Field(min_length=1, max_length=200)]
    version: jsontypes.SemVer
    description: jsontypes.Opt[Annotated[str, pydantic.Field(max_length=5000)]] = None
    template_engine: TemplateEngine
    # Task type -> prompt; at least one.
    prompts: dict[str, model_prompt.Prompt] = pydantic.Field(min_length=1)
    fragments: dict[str, str] = pydantic.Field(default_factory=dict)
    tools: dict[str, model_prompt.Tool] = pydantic.Field(default_factory=dict)
    metadata: jsontypes.Opt[Metadata] = None
    compilation: jsontypes.Opt[Compilation] = None
    evals: list[model_eval.Eval] = pydantic.Field(default_factory=list)
    workflow: jsontypes.Opt[model_workflow.Workflow] = None
    agents: jsontypes.Opt[model_workflow.Agents] = None
    skills: list[model_workflow.SkillSource] = pydantic.Field(default_factory=list)

    def tools_of(self, prompt_key: str) -> list[model_prompt.Tool]:
        """Return the definitions of the tools a prompt may call, in the prompt's order.

        These are the prompt's `tools` that the pack defines, less its policy's blocklist.

        Raises:
            KeyError: when the pack has no prompt `prompt_key`.
        """
        prompt = self.prompts[prompt_key]
        blocked = set(prompt.tool_policy.blocklist)
        names = [name for name in prompt.tools if name not in blocked]
        return [self.tools[name] for name in names if name in self.tools]
