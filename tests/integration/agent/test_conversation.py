"""Conversations over a real WebSocket: litellm -> fake LLM, real tool servers, memory sessions."""

from __future__ import annotations

import json
import sys

from tests.support import fake_llm
from tests.support.agent_server import RunningAgent
from tests.support.tool_server import ToolServer
from tests.support.wait import wait_until
from tests.support.ws_client import WsClient, collide, text_of, types_of


def test_original_client_flow_gets_session_in_connected_and_done(
    agent: RunningAgent, llm: fake_llm.FakeLLM
) -> None:
    llm.push(fake_llm.Script(text="Hello from the model"))
    with WsClient(agent.ws_url("agent=test-agent&namespace=tests")) as client:
        connected = client.recv()
        # The original client sends no session_id and reads it from the frames it gets back.
        frames = client.turn("hi there")
    assert connected["type"] == "connected"
    assert connected["connected"]["resumed"] is False
    session_id = connected["session_id"]
    assert all(f["session_id"] == session_id for f in frames)
    assert types_of(frames) == ["chunk", "done"]
    done = frames[-1]
    assert done["content"] == "Hello from the model" == text_of(frames)
    assert done["finish_reason"] == "stop"
    assert done["model"] == "m1"
    assert set(done["usage"]) == {"input_tokens", "output_tokens", "cost_usd"}
    assert all(isinstance(f["timestamp"], str) and f["timestamp"].endswith("Z") for f in frames)


def test_message_with_session_id_continues_the_conversation(
    agent: RunningAgent, llm: fake_llm.FakeLLM
) -> None:
    llm.push(fake_llm.Script(text="first answer"), fake_llm.Script(text="second answer"))
    with WsClient(agent.ws_url()) as first:
        session_id = first.recv()["session_id"]
        first.turn("first question")
    with WsClient(agent.ws_url()) as second:
        second.recv()
        frames = second.turn("second question", session_id=session_id)
    assert frames[-1]["session_id"] == session_id
    sent = llm.requests[-1]["messages"]
    assert [m["role"] for m in sent] == ["system", "user", "assistant", "user"]
    assert [m["content"] for m in sent[1:]] == ["first question", "first answer", "second question"]
    assert sent[0]["content"] == "You are Testy. Be brief."


def test_streaming_order_and_seq(agent: RunningAgent, llm: fake_llm.FakeLLM) -> None:
    text = "one two three four five six seven eight nine ten"
    llm.push(fake_llm.Script(text=text, delta_chars=3, chunk_delay_s=0.04))
    with WsClient(agent.ws_url()) as client:
        connected = client.recv()
        frames = client.turn("count")
    seqs = [f["seq"] for f in frames]
    assert seqs == list(range(connected["seq"] + 1, connected["seq"] + 1 + len(frames)))
    assert len({f["turn_id"] for f in frames}) == 1
    assert frames[-1]["type"] == "done"
    assert text_of(frames) == text
    assert sum(f["type"] == "chunk" for f in frames) > 1, "the answer streamed in pieces"


def test_tool_round_trip(agent: RunningAgent, llm: fake_llm.FakeLLM, tools: ToolServer) -> None:
    llm.push(
        fake_llm.Script(text="Let me look. ", tool_calls=[("weather", {"city": "Paris"})]),
        fake_llm.Script(text="It is sunny in Paris."),
    )
    with WsClient(agent.ws_url()) as client:
        client.recv()
        frames = client.turn("weather in Paris?")
    assert types_of(frames) == ["chunk", "tool_call", "tool_result", "chunk", "done"]
    call = next(f for f in frames if f["type"] == "tool_call")
    result = next(f for f in frames if f["type"] == "tool_result")
    assert call["execution"] == result["execution"] == "server"
    assert call["tool_call"] == {"id": "call_1", "name": "weather", "arguments": {"city": "Paris"}}
    assert result["tool_result"]["result"]["forecast"] == "sunny"
    assert "error" not in result["tool_result"]
    assert tools.calls_to("/weather")[-1] == {"city": "Paris"}
    assert frames[-1]["content"] == "Let me look. It is sunny in Paris."
    second = llm.requests[-1]
    assert [m["role"] for m in second["messages"]][-2:] == ["assistant", "tool"]
    assert json.loads(second["messages"][-1]["content"])["city"] == "Paris"
    offered = sorted(t["function"]["name"] for t in llm.requests[0]["tools"])
    assert offered == ["echo", "fail500", "huge", "slow", "text", "weather"]


def test_replay_after_reconnect(agent: RunningAgent, llm: fake_llm.FakeLLM) -> None:
    llm.push(fake_llm.Script(text="remember this"))
    with WsClient(agent.ws_url()) as client:
        connected = client.recv()
        original = client.turn("hello")
    session_id = connected["session_id"]
    with WsClient(agent.ws_url(f"session_id={session_id}&after_seq=0")) as again:
        resumed = again.recv()
        replayed = [again.recv() for _ in original]
    assert resumed["connected"]["resumed"] is True
    assert resumed["seq"] == original[-1]["seq"]
    assert replayed == original


def test_disconnect_mid_turn_completes_and_reconnect_gets_the_rest(
    agent: RunningAgent, llm: fake_llm.FakeLLM
) -> None:
    script = fake_llm.Script(text="part one, part two, part three", delta_chars=5, pause_after=2)
    llm.push(script)
    client = WsClient(agent.ws_url())
    session_id = client.recv()["session_id"]
    client.send({"type": "message", "content": "tell me"})
    first = client.recv()
    assert first["type"] == "chunk"
    client.close()
    with WsClient(agent.ws_url(f"session_id={session_id}&after_seq={first['seq']}")) as again:
        again.recv()
        script.gate.set()
        rest = again.until_end()
    assert first["content"] + text_of(rest) == "part one, part two, part three"
    assert rest[-1]["type"] == "done"
    assert rest[0]["seq"] == first["seq"] + 1
    # And the whole turn is in the store for a later replay.
    with WsClient(agent.ws_url(f"session_id={session_id}&after_seq=0")) as later:
        later.recv()
        stored = later.until_end()
    assert stored == [first, *rest]


def test_cancel_stops_the_turn(agent: RunningAgent, llm: fake_llm.FakeLLM) -> None:
    script = fake_llm.Script(text="a long answer that never ends", delta_chars=2, pause_after=1)
    llm.push(script, fake_llm.Script(text="after cancel"))
    with WsClient(agent.ws_url()) as client:
        client.recv()
        client.send({"type": "message", "content": "go"})
        chunk = client.recv()
        client.send({"type": "cancel", "turn_id": chunk["turn_id"]})
        wait_until(agent.runtime.hub.find(chunk["session_id"]).cancelled.is_set, 5)
        script.gate.set()
        frames = [chunk, *client.until_end()]
        assert frames[-1]["finish_reason"] == "cancelled"
        assert frames[-1]["content"] == text_of(frames)
        assert client.turn("next")[-1]["content"] == "after cancel"


def test_two_sockets_one_session_never_interleave(
    agent: RunningAgent, llm: fake_llm.FakeLLM
) -> None:
    script = fake_llm.Script(text="slow and steady", pause_after=1)
    llm.push(script)
    both = collide(agent.ws_url(), agent.ws_url(), script.gate.set)
    assert both.second[-1]["error"]["code"] == "SESSION_BUSY"
    assert [f["type"] for f in both.second] == ["error"]
    assert both.first_head["content"] + text_of(both.first_rest) == "slow and steady"
    assert len(llm.requests) == 1


def test_metrics_count_turns_tokens_cost_and_tools(
    agent: RunningAgent, llm: fake_llm.FakeLLM
) -> None:
    llm.push(
        fake_llm.Script(tool_calls=[("echo", {"city": "Oslo"})], usage=(100, 10)),
        fake_llm.Script(text="done", usage=(200, 20)),
    )
    with WsClient(agent.ws_url()) as client:
        client.recv()
        done = client.turn("echo Oslo")[-1]
    assert done["usage"] == {"input_tokens": 300, "output_tokens": 30, "cost_usd": 0.195}
    pack = {"pack_version": "1.0.0"}
    body = agent.http("/metrics").text
    assert "omnia_agent_time_to_first_token_seconds_bucket" in body
    assert agent.metric("omnia_agent_turns_total", **pack, outcome="completed", code="") == 1
    assert agent.metric("omnia_agent_tokens_total", **pack, direction="input") == 300
    assert agent.metric("omnia_agent_cost_usd_total", **pack) == 0.195
    assert agent.metric("omnia_agent_tool_calls_total", **pack, tool="echo", outcome="ok") == 1
    assert agent.metric("omnia_agent_connections_total", **pack) == 1


def test_probes_and_ready_means_warm(agent: RunningAgent) -> None:
    # Ready only once litellm and the provider's client code are imported: the first user
    # must not pay for them. (mcp is not among them: the agent skips litellm's MCP gateway.)
    assert {"litellm", "openai", "httpx"} <= set(sys.modules)
    assert agent.http("/healthz").json() == {"status": "ok"}
    ready = agent.http("/readyz")
    assert ready.status_code == 200
    assert ready.json()["pack_version"] == "1.0.0"
    assert agent.http("/metrics").headers["Content-Type"].startswith("text/plain")
