"""The agent on a real Redis: TTL on every key, round trips per turn, two agents, one session."""

from __future__ import annotations

import uuid
from collections.abc import Callable

import pytest
import redis

from agent import runtime, server
from agent.config import contract, load
from tests.support import agent_config, fake_llm
from tests.support.agent_server import RunningAgent
from tests.support.ports import free_port
from tests.support.wait import wait_until
from tests.support.ws_client import WsClient, collide, text_of

# Every store operation is one script call; commandstats also counts the commands a script
# runs inside Redis, which are not round trips.
ROUND_TRIP_COMMANDS = frozenset({"evalsha", "eval", "script|load"})


@pytest.fixture
def redis_env(
    redis_url: str,
    config_dir: agent_config.KubeletDir,
    llm: fake_llm.FakeLLM,
    endpoints: dict[str, str],
) -> tuple[dict[str, str], str]:
    """Env for an agent on Redis with a key prefix of its own, and that prefix."""
    prefix = f"t{uuid.uuid4().hex[:8]}:"
    config_dir.swap(agent_config.files(llm.base_url, endpoints, session_type="redis"))
    env = {**config_dir.env(), contract.ENV_SESSION_STORE_URL: f"{redis_url}?prefix={prefix}"}
    return env, prefix


def _round_trips(client: redis.Redis) -> int:
    stats = client.info("commandstats")
    return sum(
        value["calls"]
        for name, value in stats.items()
        if name.removeprefix("cmdstat_") in ROUND_TRIP_COMMANDS
    )


def test_conversation_on_redis_sets_ttl_on_every_key_and_costs_one_trip_per_step(
    start_agent: Callable[..., RunningAgent],
    redis_env: tuple[dict[str, str], str],
    redis_url: str,
    llm: fake_llm.FakeLLM,
) -> None:
    env, prefix = redis_env
    agent = start_agent(env)
    client = redis.Redis.from_url(redis_url)
    llm.push(
        fake_llm.Script(text="warm-up"),
        fake_llm.Script(tool_calls=[("echo", {"city": "Lima"})]),
        fake_llm.Script(text="echoed"),
        fake_llm.Script(text="plain"),
    )
    with WsClient(agent.ws_url()) as ws:
        ws.recv()
        ws.turn("load the scripts once")
    before_connect = _round_trips(client)
    with WsClient(agent.ws_url()) as ws:
        session_id = ws.recv()["session_id"]
        after_connect = _round_trips(client)
        ws.turn("echo Lima")
        after_tool_turn = _round_trips(client)
        ws.turn("thanks")
        after_plain_turn = _round_trips(client)
    # create = 1; a turn = begin + end, plus one append per tool round.
    assert after_connect - before_connect == 1
    assert after_tool_turn - after_connect == 3
    assert after_plain_turn - after_tool_turn == 2
    keys = [key.decode() for key in client.scan_iter(f"{prefix}*")]
    assert sum(session_id in key for key in keys) >= 3, keys
    assert all(client.ttl(key) > 0 for key in keys), {key: client.ttl(key) for key in keys}


@pytest.fixture
def two_agents(
    start_agent: Callable[..., RunningAgent], redis_env: tuple[dict[str, str], str]
) -> tuple[RunningAgent, RunningAgent]:
    """Two agent processes on one Redis: two pods of one AgentRuntime."""
    env, _ = redis_env
    return start_agent(env), start_agent(env)


def test_two_agents_share_sessions_through_redis(
    two_agents: tuple[RunningAgent, RunningAgent], llm: fake_llm.FakeLLM
) -> None:
    first, second = two_agents
    llm.push(fake_llm.Script(text="from one"), fake_llm.Script(text="from two"))
    with WsClient(first.ws_url()) as ws:
        session_id = ws.recv()["session_id"]
        one = ws.turn("on the first pod")
    with WsClient(second.ws_url(f"session_id={session_id}&after_seq=0")) as ws:
        assert ws.recv()["connected"]["resumed"] is True
        assert ws.until_end() == one, "replayed from Redis by the other pod"
        two = ws.turn("on the second pod")
    assert text_of(two) == "from two"
    sent = [m["content"] for m in llm.requests[-1]["messages"][1:]]
    assert sent == ["on the first pod", "from one", "on the second pod"]


def test_concurrent_turns_across_agents_are_rejected_by_the_lease(
    two_agents: tuple[RunningAgent, RunningAgent], llm: fake_llm.FakeLLM
) -> None:
    first, second = two_agents
    script = fake_llm.Script(text="holding the lease", pause_after=1)
    llm.push(script)
    both = collide(first.ws_url(), second.ws_url(), script.gate.set)
    assert both.second[-1]["error"]["code"] == "SESSION_BUSY"
    assert both.first_head["content"] + text_of(both.first_rest) == "holding the lease"


def test_not_ready_while_redis_is_unreachable(
    config_dir: agent_config.KubeletDir, llm: fake_llm.FakeLLM, endpoints: dict[str, str]
) -> None:
    config_dir.swap(agent_config.files(llm.base_url, endpoints, session_type="redis"))
    env = {
        **config_dir.env(),
        contract.ENV_SESSION_STORE_URL: f"redis://127.0.0.1:{free_port()}/0",
    }
    rt = runtime.build_runtime(load.Settings.from_env(env))
    try:
        client = server.create_app(rt).test_client()
        wait_until(rt.warm.is_set, 30, "warm")
        ready = client.get("/readyz")
        assert ready.status_code == 503
        assert ready.json["reason"].startswith("session store:")
        assert client.get("/healthz").status_code == 200
    finally:
        rt.close()
