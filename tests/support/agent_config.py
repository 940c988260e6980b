"""Agent config directories laid out the way kubelet mounts a ConfigMap, and sample contents.

Kubelet writes each version of the files into a fresh `..<timestamp>` directory, points the
`..data` symlink at it with an atomic rename, and the visible files are symlinks through
`..data`. `KubeletDir.swap` does exactly that.
"""

from __future__ import annotations

import itertools
import json
import os
import shutil
from pathlib import Path
from typing import Any

from agent.config import contract

_versions = itertools.count(1)


class KubeletDir:
    """A ConfigMap-style volume holding agent.json, promptpack.json and tools.json."""

    def __init__(self, root: Path, files: dict[str, Any]) -> None:
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        self._current: Path | None = None
        self.swap(files)
        for name in files:
            os.symlink(f"..data/{name}", root / name)

    def path(self, name: str) -> str:
        """The visible path of one file."""
        return str(self.root / name)

    def env(self) -> dict[str, str]:
        """The env vars that point the agent at the three files."""
        return {
            contract.ENV_CONFIG_PATH: self.path(contract.AGENT_CONFIG_FILE),
            contract.ENV_PROMPTPACK_PATH: self.path(contract.PROMPTPACK_FILE),
            contract.ENV_TOOLS_PATH: self.path(contract.TOOLS_FILE),
        }

    def swap(self, files: dict[str, Any]) -> None:
        """Publish a new version of the files atomically, like kubelet."""
        version = self.root / f"..2026_11_24_00_00_{next(_versions):02d}.{os.getpid()}"
        version.mkdir()
        for name, content in files.items():
            text = content if isinstance(content, str) else json.dumps(content, indent=1)
            (version / name).write_text(text)
        link = self.root / "..data_tmp"
        os.symlink(version.name, link)
        os.replace(link, self.root / "..data")
        if self._current is not None:
            shutil.rmtree(self._current)
        self._current = version


def agent_json(
    base_url: str | None,
    *,
    provider_type: str = "openai",
    model: str = "m1",
    fallbacks: tuple[str, ...] = (),
    session_type: str = "memory",
    pack_version: str | None = None,
) -> dict[str, Any]:
    """An agent.json for an OpenAI-compatible provider at base_url."""
    provider: dict[str, Any] = {
        "type": provider_type,
        "model": model,
        "pricing": {"inputCostPer1K": 0.5, "outputCostPer1K": 1.5},
        "fallbacks": list(fallbacks),
    }
    if base_url:
        provider["baseURL"] = base_url
    config: dict[str, Any] = {
        "agentName": "test-agent",
        "namespace": "tests",
        "provider": provider,
        "session": {"type": session_type, "ttlSeconds": 3600},
    }
    if pack_version:
        config["promptpack"] = {"name": "test-pack", "version": pack_version}
    return config


def pack(
    version: str = "1.0.0",
    system: str = "You are {{name}}. {{fragments.rules}}",
    **prompt_fields: Any,
) -> dict[str, Any]:
    """A PromptPack with one `default` prompt whose template uses a variable and a fragment."""
    prompt: dict[str, Any] = {
        "id": "default",
        "name": "Default",
        "version": "1.0.0",
        "system_template": system,
        "variables": [{"name": "name", "type": "string", "required": False, "default": "Testy"}],
    }
    prompt.update(prompt_fields)
    return {
        "id": "test-pack",
        "name": "Test pack",
        "version": version,
        "template_engine": {"version": "v1", "syntax": "{{variable}}"},
        "fragments": {"rules": "Be brief."},
        "prompts": {"default": prompt},
    }


def tools_json(endpoints: dict[str, str], **overrides: Any) -> dict[str, Any]:
    """A tools.json offering one tool per (name -> endpoint); every tool takes a string `city`."""
    tools = []
    for name, endpoint in sorted(endpoints.items()):
        tool: dict[str, Any] = {
            "name": name,
            "description": f"The {name} tool.",
            "inputSchema": {
                "type": "object",
                "properties": {"city": {"type": "string"}},
                "required": ["city"],
            },
            "endpoint": endpoint,
            "timeoutSeconds": 2.0,
        }
        tool.update(overrides.get(name, {}))
        tools.append(tool)
    return {"tools": tools}


def files(
    base_url: str | None, endpoints: dict[str, str] | None = None, **agent: Any
) -> dict[str, Any]:
    """The three files: agent.json (openai at base_url), a pack, and tools for `endpoints`."""
    return {
        contract.AGENT_CONFIG_FILE: agent_json(base_url, **agent),
        contract.PROMPTPACK_FILE: pack(),
        contract.TOOLS_FILE: tools_json(endpoints or {}),
    }
