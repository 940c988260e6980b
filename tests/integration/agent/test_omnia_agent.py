"""`omnia agent` for real: gunicorn with its gevent worker, Redis, the fake LLM, tool servers."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import requests
import websocket

from agent.config import contract
from tests.support import agent_config, fake_llm, tool_server
from tests.support.ports import free_port
from tests.support.reference import REPO_ROOT
from tests.support.wait import wait_until
from tests.support.ws_client import WsClient, text_of, types_of

START_TIMEOUT_S = 60.0
STOP_TIMEOUT_S = 15.0


@dataclass
class Process:
    """An `omnia agent` process in its own process group."""

    process: subprocess.Popen[bytes]
    port: int
    log: Path

    def url(self, path: str = "/ws", query: str = "") -> str:
        scheme = "ws" if path == "/ws" else "http"
        return f"{scheme}://127.0.0.1:{self.port}{path}{'?' + query if query else ''}"

    def is_ready(self) -> bool:
        if self.process.poll() is not None:
            raise RuntimeError(f"omnia agent exited: {self.log.read_text()[-2000:]}")
        return requests.get(self.url("/readyz"), timeout=2).status_code == 200

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


def start(env: dict[str, str], log: Path) -> Process:
    port = free_port()
    full_env = {
        **os.environ,
        **env,
        contract.ENV_FACADE_HOST: "127.0.0.1",
        contract.ENV_FACADE_PORT: str(port),
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",
    }
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "hooks.cli", "agent"],
            cwd=REPO_ROOT,
            env=full_env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    agent = Process(process, port, log)
    try:
        wait_until(agent.is_ready, START_TIMEOUT_S, "omnia agent ready")
    except BaseException:
        agent.stop()
        raise
    return agent


@pytest.fixture(scope="module")
def omnia_agent(
    tmp_path_factory: pytest.TempPathFactory,
    llm_server: fake_llm.FakeLLM,
    tools: tool_server.ToolServer,
    redis_url: str,
) -> Iterator[Process]:
    root = tmp_path_factory.mktemp("omnia-agent")
    endpoints = {"weather": tools.url("/weather")}
    config = agent_config.KubeletDir(
        root / "config", agent_config.files(llm_server.base_url, endpoints, session_type="redis")
    )
    env = {**config.env(), contract.ENV_SESSION_STORE_URL: f"{redis_url}?prefix=gunicorn:"}
    agent = start(env, root / "agent.log")
    yield agent
    agent.stop()


def test_omnia_agent_serves_a_tool_using_conversation_that_survives_reconnects(
    omnia_agent: Process, llm: fake_llm.FakeLLM, tools: tool_server.ToolServer
) -> None:
    answer = fake_llm.Script(text="Sunny in Paris, 21 degrees.", delta_chars=4, pause_after=2)
    llm.push(fake_llm.Script(tool_calls=[("weather", {"city": "Paris"})]), answer)
    client = WsClient(omnia_agent.url())
    session_id = client.recv()["session_id"]
    client.send({"type": "message", "content": "weather in Paris?"})
    seen = [client.recv() for _ in range(3)]
    assert types_of(seen) == ["tool_call", "tool_result", "chunk"]
    client.close()
    query = f"session_id={session_id}&after_seq={seen[-1]['seq']}"
    with WsClient(omnia_agent.url(query=query)) as again:
        assert again.recv()["connected"]["resumed"] is True
        answer.gate.set()
        rest = again.until_end()
    assert text_of(seen + rest) == "Sunny in Paris, 21 degrees."
    assert rest[-1]["type"] == "done"
    assert tools.calls_to("/weather")[-1] == {"city": "Paris"}
    metrics = requests.get(omnia_agent.url("/metrics"), timeout=5).text
    assert 'omnia_agent_tool_calls_total{outcome="ok",pack_version="1.0.0",tool="weather"}' in (
        metrics
    )


def test_omnia_chat_streams_and_scripts_from_stdin(
    omnia_agent: Process, llm: fake_llm.FakeLLM
) -> None:
    llm.push(
        fake_llm.Script(text="first reply", usage=(10, 2)),
        fake_llm.Script(tool_calls=[("weather", {"city": "Oslo"})]),
        fake_llm.Script(text="second reply"),
    )
    result = subprocess.run(
        [sys.executable, "-m", "hooks.cli", "chat", f"127.0.0.1:{omnia_agent.port}"],
        input=b"hello\n\nweather in Oslo\n",
        capture_output=True,
        cwd=REPO_ROOT,
        timeout=60,
        check=False,
    )
    out, err = result.stdout.decode(), result.stderr.decode()
    assert result.returncode == 0, err
    assert out == "first reply\nsecond reply\n"
    assert "[connected] started session" in err
    assert '[tool call] weather {"city": "Oslo"}' in err
    assert "[tool result]" in err
    assert '"forecast": "sunny"' in err
    assert "tokens in 10 out 2 · cost $0.008000" in err
    session_id = err.split("started session ")[1].split()[0]
    resumed = subprocess.run(
        [
            sys.executable,
            "-m",
            "hooks.cli",
            "chat",
            omnia_agent.url(),
            "--session",
            session_id,
            "--after-seq",
            "0",
        ],
        input=b"",
        capture_output=True,
        cwd=REPO_ROOT,
        timeout=60,
        check=False,
    )
    assert resumed.returncode == 0, resumed.stderr
    assert resumed.stdout.decode() == out, "the replay shows the same conversation"


def test_omnia_chat_exits_non_zero_on_a_terminal_error(
    omnia_agent: Process, llm: fake_llm.FakeLLM
) -> None:
    llm.push(*[fake_llm.Script(status=400, error_body='{"error": {"message": "bad"}}')] * 3)
    result = subprocess.run(
        [sys.executable, "-m", "hooks.cli", "chat", omnia_agent.url()],
        input=b"this fails\nnever sent\n",
        capture_output=True,
        cwd=REPO_ROOT,
        timeout=60,
        check=False,
    )
    assert result.returncode == 1
    assert "LLM_ERROR" in result.stderr.decode()
    assert len(llm.requests) == 1, "a 400 is not retried, and the second line is never sent"


def test_ctrl_c_stops_omnia_agent_promptly_and_frees_the_port(tmp_path: Path) -> None:
    agent = start({}, tmp_path / "agent.log")
    with WsClient(agent.url()) as client:
        client.recv()
        os.killpg(agent.process.pid, signal.SIGINT)
        try:
            agent.process.wait(STOP_TIMEOUT_S)
        finally:
            agent.stop()
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", agent.port))


def test_sigterm_lets_the_running_turn_finish_then_closes_sockets_with_1001(
    tmp_path: Path, llm: fake_llm.FakeLLM
) -> None:
    config = agent_config.KubeletDir(tmp_path / "config", agent_config.files(llm.base_url))
    agent = start(config.env(), tmp_path / "agent.log")
    answer = fake_llm.Script(text="finishing my answer", delta_chars=4, pause_after=1)
    llm.push(answer)
    try:
        busy, idle = WsClient(agent.url()), WsClient(agent.url())
        busy.recv()
        idle.recv()
        busy.send({"type": "message", "content": "long question"})
        first = busy.recv()
        os.killpg(agent.process.pid, signal.SIGTERM)
        answer.gate.set()
        rest = busy.until_end()
        assert first["content"] + text_of(rest) == "finishing my answer"
        for client in (busy, idle):
            opcode, frame = client.ws.recv_data_frame(True)
            assert opcode == websocket.ABNF.OPCODE_CLOSE
            assert int.from_bytes(frame.data[:2], "big") == 1001
        agent.process.wait(STOP_TIMEOUT_S)
        assert "Worker graceful timeout" not in agent.log.read_text()
    finally:
        agent.stop()
