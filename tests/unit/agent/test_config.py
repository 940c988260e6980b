"""Settings from env, snapshots from files, and reloads on kubelet's symlink swap."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from agent import errors
from agent.config import contract, load, reload
from tests.support import agent_config


def test_settings_default_to_running_outside_kubernetes() -> None:
    settings = load.Settings.from_env({})
    assert (settings.host, settings.port) == ("0.0.0.0", 8080)
    assert settings.paths == (None, None, None)
    snapshot = load.load_snapshot(settings)
    assert snapshot.agent.provider.type == "mock"
    assert snapshot.agent.session.type == "memory"
    assert snapshot.pack.id == "omnia-default"
    assert snapshot.pack_version == "1.0.0"
    assert snapshot.catalog.tools == ()


def test_settings_read_every_variable_and_accept_a_directory(tmp_path: Path) -> None:
    settings = load.Settings.from_env(
        {
            contract.ENV_FACADE_HOST: "127.0.0.1",
            contract.ENV_FACADE_PORT: "9000",
            contract.ENV_CONFIG_PATH: str(tmp_path),
            contract.ENV_PROMPTPACK_PATH: str(tmp_path / "pack.yaml"),
            contract.ENV_SESSION_STORE_URL: "redis://r:6379/0",
            contract.ENV_MAX_FRAME_BYTES: "1024",
            contract.ENV_LOG_LEVEL: "debug",
            "OPENAI_API_KEY": "sk-secret",
        }
    )
    assert settings.config_path == str(tmp_path / contract.AGENT_CONFIG_FILE)
    assert settings.promptpack_path == str(tmp_path / "pack.yaml")
    assert (settings.port, settings.max_frame_bytes, settings.log_level) == (9000, 1024, "DEBUG")
    assert "sk-secret" not in repr(settings)
    assert "redis://" not in repr(settings)


@pytest.mark.parametrize("value", ["x", "0", "-5"])
def test_bad_numbers_in_env_are_config_errors(value: str) -> None:
    with pytest.raises(errors.ConfigError, match=contract.ENV_FACADE_PORT):
        load.Settings.from_env({contract.ENV_FACADE_PORT: value})


def test_snapshot_from_kubelet_files(tmp_path: Path) -> None:
    volume = agent_config.KubeletDir(
        tmp_path, agent_config.files("http://llm/v1", {"echo": "http://t/echo"}, pack_version="7")
    )
    snapshot = load.load_snapshot(load.Settings.from_env(volume.env()))
    assert snapshot.agent.provider.base_url == "http://llm/v1"
    assert snapshot.pack_version == "7", "the PromptPack resource's version wins"
    assert [t.name for t in snapshot.catalog.tools] == ["echo"]


@pytest.mark.parametrize(
    ("name", "content", "says"),
    [
        (contract.AGENT_CONFIG_FILE, "{not json", "agent.json: document: Invalid JSON"),
        (contract.AGENT_CONFIG_FILE, {"provider": {"type": "nope"}}, "agent.json: provider.type"),
        (contract.PROMPTPACK_FILE, {"id": "x"}, "promptpack.json: invalid PromptPack"),
        (contract.TOOLS_FILE, {"tools": [{"name": "a b"}]}, "tools.json: tools.0.name"),
    ],
)
def test_invalid_files_name_themselves(
    tmp_path: Path, name: str, content: object, says: str
) -> None:
    files = agent_config.files(None)
    files[name] = content if isinstance(content, str) else json.dumps(content)
    volume = agent_config.KubeletDir(tmp_path, files)
    with pytest.raises(errors.ConfigError, match=says):
        load.load_snapshot(load.Settings.from_env(volume.env()))


def test_reload_swaps_on_change_keeps_old_on_failure_and_old_packs_stay(tmp_path: Path) -> None:
    volume = agent_config.KubeletDir(tmp_path, agent_config.files(None))
    failures: list[errors.ConfigError] = []
    changes: list[str] = []
    reloader = reload.Reloader(
        load.Settings.from_env(volume.env()),
        on_failure=failures.append,
        on_change=lambda s: changes.append(s.pack_version),
    )
    assert reloader.check() is False
    new = agent_config.files(None)
    new[contract.PROMPTPACK_FILE] = agent_config.pack(version="2.0.0", system="Two.")
    volume.swap(new)
    assert reloader.check() is True
    assert reloader.current.pack_version == "2.0.0"
    assert reloader.pack_for("1.0.0")[1].prompts["default"].system_template.startswith("You are")
    assert reloader.pack_for("9.9.9")[0] == "2.0.0", "an unknown version gets the current pack"
    broken = agent_config.files(None)
    broken[contract.PROMPTPACK_FILE] = "{}"
    volume.swap(broken)
    assert reloader.check() is False
    assert reloader.check() is False, "the same broken files are reported once"
    assert reloader.current.pack_version == "2.0.0"
    assert len(failures) == 1
    assert changes == ["2.0.0"]


def test_reload_keeps_a_bounded_number_of_pack_versions(tmp_path: Path) -> None:
    volume = agent_config.KubeletDir(tmp_path, agent_config.files(None))
    reloader = reload.Reloader(load.Settings.from_env(volume.env()))
    for minor in range(1, reload.MAX_PACK_VERSIONS + 2):
        files = agent_config.files(None)
        files[contract.PROMPTPACK_FILE] = agent_config.pack(version=f"1.{minor}.0")
        volume.swap(files)
        assert reloader.check()
    assert reloader.pack_for("1.0.0")[0] != "1.0.0", "the oldest version was dropped"
    assert reloader.pack_for("1.2.0")[0] == "1.2.0"
