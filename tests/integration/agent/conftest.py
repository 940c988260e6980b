"""Real servers for the agent's integration tests: a fake LLM, tool servers, the agent itself."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path
from typing import Any

import pytest

from tests.support import agent_config, agent_server, fake_llm, tool_server

ENDPOINTS = ("echo", "weather", "slow", "fail500", "text", "huge")


@pytest.fixture(scope="session")
def llm_server() -> Iterator[fake_llm.FakeLLM]:
    with fake_llm.running() as server:
        yield server


@pytest.fixture
def llm(llm_server: fake_llm.FakeLLM) -> Iterator[fake_llm.FakeLLM]:
    """The fake LLM, with nothing queued and no requests recorded."""
    llm_server.reset()
    yield llm_server
    llm_server.reset()


@pytest.fixture(scope="session")
def tools() -> Iterator[tool_server.ToolServer]:
    with tool_server.running() as server:
        yield server


@pytest.fixture
def endpoints(tools: tool_server.ToolServer) -> dict[str, str]:
    """Tool name -> endpoint on the tool server, one tool per behaviour."""
    return {name: tools.url(f"/{name}") for name in ENDPOINTS}


@pytest.fixture
def config_dir(
    tmp_path: Path, llm: fake_llm.FakeLLM, endpoints: dict[str, str]
) -> agent_config.KubeletDir:
    """A kubelet-style config volume: openai at the fake LLM, the test pack, every tool."""
    return agent_config.KubeletDir(tmp_path / "config", agent_config.files(llm.base_url, endpoints))


def _no_sleep(seconds: float) -> None:
    """Backoff waits are recorded by the tests that care; the rest skip them."""


@pytest.fixture
def start_agent() -> Iterator[Callable[..., agent_server.RunningAgent]]:
    """Start agents (stopped at teardown): start_agent(env, session_store=None, sleep=None)."""
    with ExitStack() as stack:

        def start(env: dict[str, str], **kwargs: Any) -> agent_server.RunningAgent:
            kwargs.setdefault("sleep", _no_sleep)
            return stack.enter_context(agent_server.serving(env, **kwargs))

        yield start


@pytest.fixture
def agent(
    start_agent: Callable[..., agent_server.RunningAgent],
    config_dir: agent_config.KubeletDir,
) -> agent_server.RunningAgent:
    """An agent on the kubelet config dir, with memory sessions."""
    return start_agent(config_dir.env())
