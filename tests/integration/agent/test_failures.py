"""Bad input, unknown sessions, failing tools and a failing LLM: errors as frames, sockets kept."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from agent import protocol
from agent.config import contract
from agent.sessions import memory, store
from tests.support import agent_config, fake_llm
from tests.support.agent_server import RunningAgent
from tests.support.tool_server import ToolServer
from tests.support.ws_client import WsClient, types_of

BAD_FRAMES: list[tuple[str, Any, str]] = [
    ("non-JSON", "this is not json", "not JSON"),
    ("not an object", "[1, 2]", "JSON object"),
    ("unknown type", {"type": "subscribe", "content": "x"}, "unknown frame type"),
    ("missing content", {"type": "message"}, "content"),
    ("empty content", {"type": "message", "content": ""}, "content"),
    ("content not text", {"type": "message", "content": 42}, "content"),
    ("binary", b"\x00\x01binary", "binary"),
    ("oversized", "x" * (protocol.MAX_FRAME_BYTES + 1), "exceeds the limit"),
]


@pytest.mark.parametrize(("case", "frame", "says"), BAD_FRAMES, ids=[c[0] for c in BAD_FRAMES])
def test_bad_frame_gets_invalid_message_and_socket_stays_usable(
    agent: RunningAgent, llm: fake_llm.FakeLLM, case: str, frame: Any, says: str
) -> None:
    llm.push(fake_llm.Script(text="still here"))
    with WsClient(agent.ws_url()) as client:
        connected = client.recv()
        client.send(frame)
        error = client.recv()
        assert error["type"] == "error"
        assert error["error"]["code"] == "INVALID_MESSAGE"
        assert says in error["error"]["message"]
        assert "turn_id" not in error
        assert error["seq"] == connected["seq"], "transient frames do not take a seq"
        assert client.turn("hello")[-1]["content"] == "still here"


def test_frame_limit_is_configurable(
    start_agent: Callable[..., RunningAgent], config_dir: agent_config.KubeletDir
) -> None:
    agent = start_agent({**config_dir.env(), contract.ENV_MAX_FRAME_BYTES: "100"})
    with WsClient(agent.ws_url()) as client:
        assert client.recv()["connected"]["max_frame_bytes"] == 100
        client.send({"type": "message", "content": "y" * 100})
        assert "exceeds the limit of 100" in client.recv()["error"]["message"]


def test_unknown_session_is_not_found_never_a_new_one(agent: RunningAgent) -> None:
    with WsClient(agent.ws_url("session_id=never-issued")) as client:
        frame = client.recv()
    assert frame["error"]["code"] == "SESSION_NOT_FOUND"
    with WsClient(agent.ws_url()) as client:
        mine = client.recv()["session_id"]
        frames = client.turn("hi", session_id="never-issued")
        assert frames[-1]["error"]["code"] == "SESSION_NOT_FOUND"
        assert client.turn("hi again")[-1]["session_id"] == mine


def test_expired_session_is_expired(
    start_agent: Callable[..., RunningAgent], config_dir: agent_config.KubeletDir
) -> None:
    clock = [1000.0]
    sessions = memory.MemoryStore(store.StoreLimits(ttl_s=60), clock=lambda: clock[0])
    agent = start_agent(config_dir.env(), session_store=sessions)
    with WsClient(agent.ws_url()) as client:
        session_id = client.recv()["session_id"]
    clock[0] += 61
    with WsClient(agent.ws_url(f"session_id={session_id}")) as client:
        assert client.recv()["error"]["code"] == "SESSION_EXPIRED"
    with WsClient(agent.ws_url()) as client:
        client.recv()
        assert client.turn("x", session_id=session_id)[-1]["error"]["code"] == "SESSION_EXPIRED"


@pytest.mark.parametrize(
    ("tool", "error_says", "result_check"),
    [
        ("slow", "timed out after 0.3s", None),
        ("fail500", "HTTP 500: internal tool failure", None),
        ("text", None, "plain text, not JSON"),
        ("huge", "exceeded 65536 bytes; truncated", 65536),
    ],
)
def test_failing_tool_gives_the_model_an_error_and_the_turn_completes(
    start_agent: Callable[..., RunningAgent],
    config_dir: agent_config.KubeletDir,
    llm: fake_llm.FakeLLM,
    endpoints: dict[str, str],
    tool: str,
    error_says: str | None,
    result_check: Any,
) -> None:
    files = agent_config.files(llm.base_url, endpoints)
    files[contract.TOOLS_FILE] = agent_config.tools_json(
        endpoints, slow={"timeoutSeconds": 0.3}, fail500={"retries": 1}
    )
    config_dir.swap(files)
    agent = start_agent(config_dir.env())
    llm.push(
        fake_llm.Script(tool_calls=[(tool, {"city": "Rome"})]),
        fake_llm.Script(text="Sorry, the tool did not help."),
    )
    with WsClient(agent.ws_url()) as client:
        client.recv()
        frames = client.turn("use the tool")
    assert types_of(frames) == ["tool_call", "tool_result", "chunk", "done"]
    result = frames[1]["tool_result"]
    if error_says:
        assert error_says in result["error"]
    else:
        assert "error" not in result
    if isinstance(result_check, str):
        assert result["result"] == result_check
    elif isinstance(result_check, int):
        assert len(result["result"]) == result_check
    told = llm.requests[-1]["messages"][-1]
    assert told["role"] == "tool"
    assert error_says or result_check
    assert (error_says or "plain text") in told["content"]
    outcome = "error" if error_says else "ok"
    assert agent.metric(
        "omnia_agent_tool_calls_total", pack_version="1.0.0", tool=tool, outcome=outcome
    )


def test_tool_arguments_are_checked_before_the_call(
    agent: RunningAgent, llm: fake_llm.FakeLLM, tools: ToolServer
) -> None:
    before = len(tools.calls_to("/echo"))
    llm.push(fake_llm.Script(tool_calls=[("echo", {"town": "Rome"})]), fake_llm.Script(text="ok"))
    with WsClient(agent.ws_url()) as client:
        client.recv()
        frames = client.turn("echo")
    assert "'city' is a required property" in frames[1]["tool_result"]["error"]
    assert len(tools.calls_to("/echo")) == before


def test_flaky_tool_is_retried_with_backoff(
    start_agent: Callable[..., RunningAgent],
    config_dir: agent_config.KubeletDir,
    llm: fake_llm.FakeLLM,
    tools: ToolServer,
) -> None:
    key = "/flaky/conversation/2"
    config_dir.swap(
        {
            **agent_config.files(llm.base_url),
            contract.TOOLS_FILE: agent_config.tools_json(
                {"flaky": tools.url(key)}, flaky={"retries": 3}
            ),
        }
    )
    agent = start_agent(config_dir.env())
    llm.push(fake_llm.Script(tool_calls=[("flaky", {"city": "Rome"})]), fake_llm.Script(text="k"))
    with WsClient(agent.ws_url()) as client:
        client.recv()
        frames = client.turn("flaky please")
    assert frames[1]["tool_result"]["result"] == {"ok": True, "attempt": 3}
    assert len(tools.calls_to(key)) == 3


def test_llm_failure_after_retries_and_fallbacks_is_an_error_with_history_intact(
    start_agent: Callable[..., RunningAgent],
    config_dir: agent_config.KubeletDir,
    llm: fake_llm.FakeLLM,
) -> None:
    config_dir.swap(agent_config.files(llm.base_url, fallbacks=("m2",)))
    waits: list[float] = []
    agent = start_agent(config_dir.env(), sleep=waits.append)
    limited = fake_llm.Script(status=429, headers={"Retry-After": "7"}, model="m1")
    broken = fake_llm.Script(status=500, model="m2")
    llm.push(limited, limited, limited, broken, broken, broken)
    with WsClient(agent.ws_url()) as client:
        client.recv()
        frames = client.turn("will this work?")
        assert [f["type"] for f in frames] == ["error"]
        assert frames[0]["error"]["code"] == "LLM_ERROR"
        assert "InternalServerError HTTP 500" in frames[0]["error"]["message"]
        assert [r["model"] for r in llm.requests] == ["m1"] * 3 + ["m2"] * 3
        assert waits == [7.0, 7.0, 0.5, 1.0], "Retry-After honoured, then exponential backoff"
        llm.push(fake_llm.Script(text="now it works"))
        done = client.turn("try again")[-1]
    assert done["content"] == "now it works"
    assert done["model"] == "m1"
    history = [m["content"] for m in llm.requests[-1]["messages"][1:]]
    assert history == ["will this work?", "try again"]
    assert agent.metric(
        "omnia_agent_turns_total", pack_version="1.0.0", outcome="error", code="LLM_ERROR"
    )


def test_fallback_model_answers_and_done_names_it(
    start_agent: Callable[..., RunningAgent],
    config_dir: agent_config.KubeletDir,
    llm: fake_llm.FakeLLM,
) -> None:
    config_dir.swap(agent_config.files(llm.base_url, fallbacks=("m2", "m3")))
    agent = start_agent(config_dir.env())
    failing = fake_llm.Script(status=503, model="m1")
    llm.push(failing, failing, failing, fake_llm.Script(text="fallback here", model="m2"))
    with WsClient(agent.ws_url()) as client:
        client.recv()
        done = client.turn("hello")[-1]
    assert (done["content"], done["model"]) == ("fallback here", "m2")
