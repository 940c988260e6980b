"""The offline mock model: deterministic streams and schema-built tool calls."""

from __future__ import annotations

import json
from typing import Any

from agent import completion, mock_llm
from tests.support import agent_config

WEATHER = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "Current weather for a city",
        "parameters": {
            "type": "object",
            "properties": {
                "city": {"type": "string"},
                "days": {"type": "integer"},
                "unit": {"type": "string", "enum": ["celsius", "fahrenheit"]},
                "detailed": {"type": "boolean"},
            },
            "required": ["city", "days", "unit", "detailed"],
        },
    },
}
SEARCH = {
    "type": "function",
    "function": {
        "name": "search_docs",
        "description": "Search the documentation",
        "parameters": {"type": "object", "properties": {"query": {"type": "string"}}},
    },
}


def _events(messages: list[dict[str, Any]], **kw: Any) -> list[completion.Event]:
    sleeps: list[float] = []
    llm = mock_llm.MockLLM(sleep=sleeps.append)
    events = list(llm.stream(completion.Request(messages, **kw)))
    assert len(sleeps) == max(0, sum(isinstance(e, completion.TextDelta) for e in events) - 1)
    return events


def test_streams_the_same_answer_word_by_word() -> None:
    messages = [{"role": "user", "content": "hello there"}]
    first, second = _events(messages), _events(messages)
    assert first == second
    text = "".join(e.text for e in first if isinstance(e, completion.TextDelta))
    assert text.endswith("You said: hello there")
    assert sum(isinstance(e, completion.TextDelta) for e in first) > 5
    assert first[-1] == completion.Finish("stop", "mock")


def test_calls_the_best_matching_tool_with_schema_built_arguments() -> None:
    messages = [
        {"role": "user", "content": "What is the weather in Paris for 3 days in fahrenheit?"}
    ]
    call, usage, finish = _events(messages, tools=[SEARCH, WEATHER])
    assert isinstance(call, completion.ToolCall)
    assert call.name == "get_weather"
    assert json.loads(call.arguments) == {
        "city": "Paris",
        "days": 3,
        "unit": "fahrenheit",
        "detailed": True,
    }
    assert isinstance(usage, completion.Usage)
    assert finish == completion.Finish("tool_calls", "mock")


def test_whole_message_for_query_like_properties() -> None:
    messages = [{"role": "user", "content": "search the docs for install steps"}]
    call = _events(messages, tools=[WEATHER, SEARCH])[0]
    assert isinstance(call, completion.ToolCall)
    assert call.name == "search_docs"
    assert json.loads(call.arguments) == {"query": "search the docs for install steps"}


def test_no_match_or_tool_choice_none_answers_in_text() -> None:
    unrelated = [{"role": "user", "content": "tell me a joke"}]
    assert isinstance(_events(unrelated, tools=[WEATHER])[0], completion.TextDelta)
    weather = [{"role": "user", "content": "weather in Oslo"}]
    assert isinstance(
        _events(weather, tools=[WEATHER], tool_choice="none")[0], completion.TextDelta
    )
    assert isinstance(
        _events(unrelated, tools=[WEATHER], tool_choice="required")[0], completion.ToolCall
    )


def test_answers_with_the_tool_result() -> None:
    messages = [
        {"role": "user", "content": "weather in Oslo"},
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": "c",
                    "type": "function",
                    "function": {"name": "get_weather", "arguments": "{}"},
                }
            ],
        },
        {"role": "tool", "tool_call_id": "c", "content": '{"forecast": "rain"}'},
    ]
    text = "".join(e.text for e in _events(messages) if isinstance(e, completion.TextDelta))
    assert text == 'The get_weather tool returned: {"forecast": "rain"}'


def test_the_default_pack_parses() -> None:
    from agent.config import load

    pack = load.load_pack(None)
    assert pack.id == "omnia-default"
    assert "default" in pack.prompts
    assert agent_config.pack()["id"] == "test-pack"
