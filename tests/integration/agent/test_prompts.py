"""What the pack decides per turn: variables, parameters, tool policy and validators."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from agent.config import contract
from tests.support import agent_config, fake_llm
from tests.support.agent_server import RunningAgent
from tests.support.ws_client import WsClient, types_of


@pytest.fixture
def agent_with_prompt(
    start_agent: Callable[..., RunningAgent],
    config_dir: agent_config.KubeletDir,
    llm: fake_llm.FakeLLM,
    endpoints: dict[str, str],
) -> Callable[..., RunningAgent]:
    """Return a starter of agents whose pack's one prompt has the given fields."""

    def start(**prompt: Any) -> RunningAgent:
        files = agent_config.files(llm.base_url, endpoints)
        files[contract.PROMPTPACK_FILE] = agent_config.pack(**prompt)
        config_dir.swap(files)
        return start_agent(config_dir.env())

    return start


def test_variables_come_from_metadata_and_variables_with_defaults(
    agent_with_prompt: Callable[..., RunningAgent], llm: fake_llm.FakeLLM
) -> None:
    variables = [
        {"name": "user", "type": "string", "required": True},
        {"name": "tone", "type": "string", "required": False, "default": "calm"},
    ]
    agent = agent_with_prompt(
        system="Help {{user}} in a {{tone}} tone. {{fragments.rules}}",
        variables=variables,
    )
    with WsClient(agent.ws_url()) as client:
        client.recv()
        client.turn("hi", metadata={"user": "Ada"})
        client.turn("hi", metadata={"user": "Ada"}, variables={"tone": "cheerful"})
    systems = [r["messages"][0]["content"] for r in llm.requests]
    assert systems == [
        "Help Ada in a calm tone. Be brief.",
        "Help Ada in a cheerful tone. Be brief.",
    ]


def test_missing_required_variable_is_an_error_frame_naming_it(
    agent_with_prompt: Callable[..., RunningAgent], llm: fake_llm.FakeLLM
) -> None:
    agent = agent_with_prompt(
        system="Hello {{user}}, about {{topic}}",
        variables=[{"name": "user", "type": "string", "required": True}],
    )
    with WsClient(agent.ws_url()) as client:
        client.recv()
        missing = client.turn("hi")
        unfilled = client.turn("hi", metadata={"user": "Ada"})
    assert missing[-1]["error"]["code"] == "MISSING_VARIABLE"
    assert "variables.user" in missing[-1]["error"]["message"]
    assert unfilled[-1]["error"]["code"] == "MISSING_VARIABLE"
    assert "{{topic}}" in unfilled[-1]["error"]["message"]
    assert llm.requests == [], "nothing reached the model"


def test_parameters_and_tool_list_less_blocklist(
    agent_with_prompt: Callable[..., RunningAgent], llm: fake_llm.FakeLLM
) -> None:
    agent = agent_with_prompt(
        parameters={"temperature": 0.3, "max_tokens": 50},
        tools=["weather", "echo", "not_in_catalog"],
        tool_policy={"blocklist": ["echo"]},
    )
    with WsClient(agent.ws_url()) as client:
        client.recv()
        client.turn("hi")
    sent = llm.requests[0]
    assert (sent["temperature"], sent["max_tokens"]) == (0.3, 50)
    assert [t["function"]["name"] for t in sent["tools"]] == ["weather"]


def test_max_rounds_then_the_model_must_answer(
    agent_with_prompt: Callable[..., RunningAgent], llm: fake_llm.FakeLLM
) -> None:
    agent = agent_with_prompt(
        tool_policy={"max_rounds": 2, "max_tool_calls_per_turn": 3},
    )
    calls = [("echo", {"city": "A"}), ("echo", {"city": "B"})]
    llm.push(
        fake_llm.Script(tool_calls=calls),
        fake_llm.Script(tool_calls=calls),
        # Told tool_choice "none", a model may still ask: the calls are ignored.
        fake_llm.Script(text="final", tool_calls=[("echo", {"city": "C"})]),
    )
    with WsClient(agent.ws_url()) as client:
        client.recv()
        frames = client.turn("loop")
    results = [f["tool_result"] for f in frames if f["type"] == "tool_result"]
    assert len(results) == 4
    assert "tool call limit reached (3 per turn)" in results[3]["error"]
    assert [r.get("tool_choice") for r in llm.requests] == ["auto", "auto", "none"]
    assert frames[-1]["content"] == "final"
    assert frames[-1]["finish_reason"] == "stop"


def test_validators_reject_or_count(
    agent_with_prompt: Callable[..., RunningAgent], llm: fake_llm.FakeLLM
) -> None:
    validators = [
        {"type": "banned_words", "params": {"words": ["forbidden"]}, "fail_on_violation": True},
        {"type": "max_length", "params": {"max_characters": 10}},
    ]
    agent = agent_with_prompt(validators=validators)
    llm.push(fake_llm.Script(text="this is Forbidden"), fake_llm.Script(text="fine but long"))
    with WsClient(agent.ws_url()) as client:
        client.recv()
        rejected = client.turn("one")
        logged = client.turn("two")
    assert types_of(rejected) == ["chunk", "error"]
    assert rejected[-1]["error"]["code"] == "OUTPUT_REJECTED"
    assert "banned words: forbidden" in rejected[-1]["error"]["message"]
    assert logged[-1]["type"] == "done"
    pack = "1.0.0"
    count = agent.metric
    assert (
        count(
            "omnia_agent_validator_violations_total",
            pack_version=pack,
            validator="max_length",
            action="log",
        )
        == 2
    )
    assert (
        count(
            "omnia_agent_validator_violations_total",
            pack_version=pack,
            validator="banned_words",
            action="reject",
        )
        == 1
    )
    history = [m["role"] for m in llm.requests[-1]["messages"][1:]]
    assert history == ["user", "user"], "a rejected answer is not kept"
