"""Config reload while serving: kubelet swaps the volume's `..data` symlink under the agent."""

from __future__ import annotations

from agent.config import contract
from tests.support import agent_config, fake_llm
from tests.support.agent_server import RunningAgent
from tests.support.wait import wait_until
from tests.support.ws_client import WsClient


def _new_pack_files(base_url: str, endpoints: dict[str, str]) -> dict[str, object]:
    files = agent_config.files(base_url, endpoints, pack_version="2.0.0")
    files[contract.PROMPTPACK_FILE] = agent_config.pack(version="2.0.0", system="New prompt.")
    files[contract.TOOLS_FILE] = agent_config.tools_json({"echo": endpoints["echo"]})
    return files


def test_new_sessions_get_the_new_pack_and_old_ones_keep_theirs(
    agent: RunningAgent,
    config_dir: agent_config.KubeletDir,
    llm: fake_llm.FakeLLM,
    endpoints: dict[str, str],
) -> None:
    old = WsClient(agent.ws_url())
    assert old.recv()["connected"]["pack_version"] == "1.0.0"
    old.turn("before")
    config_dir.swap(_new_pack_files(llm.base_url, endpoints))
    wait_until(lambda: agent.runtime.reloader.current.pack_version == "2.0.0", 10, "reload")
    with WsClient(agent.ws_url()) as new:
        assert new.recv()["connected"]["pack_version"] == "2.0.0"
        new.turn("new session")
    old.turn("after, same socket")
    old.close()
    systems = [r["messages"][0]["content"] for r in llm.requests]
    assert systems == ["You are Testy. Be brief.", "New prompt.", "You are Testy. Be brief."]
    # Tools are not pinned: both sessions now see the new catalog.
    assert [t["function"]["name"] for t in llm.requests[2]["tools"]] == ["echo"]
    assert agent.http("/readyz").json()["pack_version"] == "2.0.0"


def test_broken_config_keeps_the_old_one_and_is_counted(
    agent: RunningAgent,
    config_dir: agent_config.KubeletDir,
    llm: fake_llm.FakeLLM,
    endpoints: dict[str, str],
) -> None:
    broken = agent_config.files(llm.base_url, endpoints)
    broken[contract.PROMPTPACK_FILE] = {"id": "Not Valid", "prompts": {}}
    config_dir.swap(broken)
    failures = "omnia_agent_config_reload_failures_total"
    wait_until(lambda: agent.metric(failures, pack_version="1.0.0") == 1, 10, "failure counted")
    with WsClient(agent.ws_url()) as client:
        assert client.recv()["connected"]["pack_version"] == "1.0.0"
        assert client.turn("still works")[-1]["type"] == "done"
    config_dir.swap(_new_pack_files(llm.base_url, endpoints))
    wait_until(lambda: agent.runtime.reloader.current.pack_version == "2.0.0", 10, "recovered")
    assert agent.metric(failures, pack_version="1.0.0") == 1, "counted once per change"
