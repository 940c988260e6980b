"""Which tools a prompt is offered, and how results read to the model."""

from __future__ import annotations

from typing import Any

from agent.config import contract
from agent.promptpack import model
from agent.tools import catalog
from tests.support import agent_config

CATALOG = contract.ToolCatalog.model_validate(
    agent_config.tools_json(
        {"get-weather": "http://w", "search_docs": "http://s", "delete-all": "http://d"}
    )
)


def _offered(**prompt: Any) -> list[str]:
    data = agent_config.pack(**prompt)
    data["tools"] = {
        "get_weather": {
            "name": "get_weather",
            "description": "Weather from the pack",
            "parameters": {"type": "object", "properties": {"q": {"type": "string"}}},
        }
    }
    pack = model.PromptPack.model_validate(data)
    return [t.name for t in catalog.select_tools(pack, pack.prompts["default"], CATALOG)]


def test_prompt_without_tools_gets_the_whole_catalog_less_the_blocklist() -> None:
    assert _offered() == ["delete-all", "get-weather", "search_docs"]
    assert _offered(tool_policy={"blocklist": ["delete_all"]}) == ["get-weather", "search_docs"]


def test_prompt_tools_intersect_the_catalog_with_dash_and_underscore_alike() -> None:
    assert _offered(tools=["get_weather", "search-docs", "unknown"]) == [
        "get-weather",
        "search_docs",
    ]
    assert _offered(tools=["get_weather"], tool_policy={"blocklist": ["get-weather"]}) == []


def test_tool_choice_none_offers_nothing() -> None:
    assert _offered(tool_policy={"tool_choice": "none"}) == []


def test_catalog_schema_wins_and_pack_fills_gaps() -> None:
    bare = contract.ToolCatalog.model_validate(
        {"tools": [{"name": "get-weather", "endpoint": "http://w"}]}
    )
    data = agent_config.pack()
    data["tools"] = {
        "get_weather": {
            "name": "get_weather",
            "description": "Weather from the pack",
            "parameters": {"type": "object", "properties": {"q": {"type": "string"}}},
        }
    }
    pack = model.PromptPack.model_validate(data)
    [tool] = catalog.select_tools(pack, pack.prompts["default"], bare)
    assert tool.description == "Weather from the pack"
    assert tool.input_schema["properties"] == {"q": {"type": "string"}}
    [full] = catalog.select_tools(pack, pack.prompts["default"], CATALOG)[1:2]
    assert full.description == "The get-weather tool."
    assert catalog.to_llm_tools([full])[0]["function"]["parameters"]["required"] == ["city"]


def test_find_tool_matches_either_spelling() -> None:
    pack = model.PromptPack.model_validate(agent_config.pack())
    offered = catalog.select_tools(pack, pack.prompts["default"], CATALOG)
    found = catalog.find_tool(offered, "get_weather")
    assert found is not None
    assert found.name == "get-weather"
    assert catalog.find_tool(offered, "nope") is None


def test_tool_result_message_content() -> None:
    assert catalog.ToolResult(result={"a": 1}).to_message_content() == '{"a": 1}'
    assert catalog.ToolResult(result="text").to_message_content() == "text"
    assert catalog.ToolResult(error="boom").to_message_content() == '{"error": "boom"}'
    partial = catalog.ToolResult(result="abc", error="truncated").to_message_content()
    assert partial == '{"error": "truncated", "partial_result": "abc"}'
