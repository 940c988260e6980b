"""Which tools a prompt is offered: its pack's list less the blocklist, within the catalog."""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from agent.config import contract
from agent.promptpack import model, model_prompt

TRIVIAL_SCHEMA: dict[str, Any] = {"type": "object"}


@dataclasses.dataclass(frozen=True)
class OfferedTool:
    """A catalog tool resolved for one prompt: what the model is told and where to call it."""

    spec: contract.ToolSpec
    description: str
    input_schema: dict[str, Any]

    @property
    def name(self) -> str:
        """The name the model calls the tool by."""
        return self.spec.name


def normalise_name(name: str) -> str:
    """Return a tool name with `-` and `_` treated alike (packs cannot spell `-`)."""
    return name.replace("-", "_")


def select_tools(
    pack: model.PromptPack, prompt: model_prompt.Prompt, catalog: contract.ToolCatalog
) -> list[OfferedTool]:
    """Return the tools offered to a prompt, in catalog order.

    A prompt that lists tools gets those (less `tool_policy.blocklist`) that the catalog has;
    a prompt that lists none gets the whole catalog, less the blocklist. With
    `tool_choice: none` it gets nothing.
    """
    if prompt.tool_policy.tool_choice == "none":
        return []
    blocked = {normalise_name(name) for name in prompt.tool_policy.blocklist}
    wanted = {normalise_name(name) for name in prompt.tools} - blocked
    chosen = [
        spec
        for spec in catalog.tools
        if normalise_name(spec.name) not in blocked
        and (not prompt.tools or normalise_name(spec.name) in wanted)
    ]
    defined = {normalise_name(name): tool for name, tool in pack.tools.items()}
    return [_resolve(spec, defined.get(normalise_name(spec.name))) for spec in chosen]


def _resolve(spec: contract.ToolSpec, defined: model_prompt.Tool | None) -> OfferedTool:
    # The catalog (the ToolRegistry) is the source of truth; the pack's own definition fills
    # in what a registry entry leaves empty.
    description = spec.description or (defined.description if defined else "") or spec.name
    schema = spec.input_schema
    if schema == TRIVIAL_SCHEMA and defined is not None and defined.parameters is not None:
        schema = defined.parameters.model_dump(exclude_none=True)
    return OfferedTool(spec, description, schema)


def find_tool(offered: list[OfferedTool], name: str) -> OfferedTool | None:
    """Return the offered tool a model's call names, or None."""
    wanted = normalise_name(name)
    return next((tool for tool in offered if normalise_name(tool.name) == wanted), None)


def to_llm_tools(offered: list[OfferedTool]) -> list[dict[str, Any]]:
    """Return the tools in the OpenAI function-calling shape litellm takes."""
    return [
        {
            "type": "function",
            "function": {
                "name": tool.name,
                "description": tool.description,
                "parameters": tool.input_schema,
            },
        }
        for tool in offered
    ]


@dataclasses.dataclass(frozen=True)
class ToolResult:
    """What a tool call gave: a JSON value or text, or an error the model is shown."""

    result: Any = None
    error: str | None = None

    def to_message_content(self) -> str:
        """Return the text of the `tool` message the model reads."""
        if self.error is None:
            return self.result if isinstance(self.result, str) else _json(self.result)
        if self.result is None:
            return _json({"error": self.error})
        return _json({"error": self.error, "partial_result": self.result})


def _json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, default=str)
