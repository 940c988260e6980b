"""Read the agent's settings from env and its three config files into an immutable snapshot.

With no env set, everything has a default (mock provider, memory sessions, the embedded
default PromptPack, no tools), so `omnia agent` runs the same outside Kubernetes.
"""

from __future__ import annotations

import dataclasses
import importlib.resources
import os
import types
from collections.abc import Mapping
from typing import TypeVar

import pydantic

from agent import errors, protocol
from agent.config import contract
from agent.promptpack import model, packfile, validate

MAX_CONFIG_BYTES = 4 * 1024 * 1024
DEFAULT_PACK_RESOURCE = "default_pack.json"
# A file's identity for change detection: (resolved path, mtime in ns, size); None if absent.
M = TypeVar("M", bound=pydantic.BaseModel)
FileStamp = tuple[str, int, int] | None
Fingerprint = tuple[FileStamp, ...]


@dataclasses.dataclass(frozen=True)
class Settings:
    """What the process reads from its environment once, at start."""

    host: str = contract.DEFAULT_FACADE_HOST
    port: int = contract.DEFAULT_FACADE_PORT
    config_path: str | None = None
    promptpack_path: str | None = None
    tools_path: str | None = None
    session_store_url: str | None = dataclasses.field(default=None, repr=False)
    max_frame_bytes: int = protocol.MAX_FRAME_BYTES
    log_level: str = "INFO"
    # API keys are looked up here by the variable name the provider config gives.
    environ: Mapping[str, str] = dataclasses.field(
        default_factory=lambda: types.MappingProxyType({}), repr=False
    )

    @classmethod
    def from_env(cls, environ: Mapping[str, str]) -> Settings:
        """Return the settings an environment describes.

        Raises:
            ConfigError: a numeric variable is not a positive number.
        """
        return cls(
            host=environ.get(contract.ENV_FACADE_HOST) or contract.DEFAULT_FACADE_HOST,
            port=_positive(environ, contract.ENV_FACADE_PORT, contract.DEFAULT_FACADE_PORT),
            config_path=_file(environ, contract.ENV_CONFIG_PATH, contract.AGENT_CONFIG_FILE),
            promptpack_path=_file(environ, contract.ENV_PROMPTPACK_PATH, contract.PROMPTPACK_FILE),
            tools_path=_file(environ, contract.ENV_TOOLS_PATH, contract.TOOLS_FILE),
            session_store_url=environ.get(contract.ENV_SESSION_STORE_URL) or None,
            max_frame_bytes=_positive(
                environ, contract.ENV_MAX_FRAME_BYTES, protocol.MAX_FRAME_BYTES
            ),
            log_level=(environ.get(contract.ENV_LOG_LEVEL) or "INFO").upper(),
            environ=types.MappingProxyType(dict(environ)),
        )

    @property
    def paths(self) -> tuple[str | None, str | None, str | None]:
        """The config, PromptPack and tools files, None where the default applies."""
        return (self.config_path, self.promptpack_path, self.tools_path)


def _positive(environ: Mapping[str, str], name: str, default: int) -> int:
    raw = environ.get(name)
    if not raw:
        return default
    try:
        value = int(raw)
    except ValueError as error:
        raise errors.ConfigError(f"{name}: {raw!r} is not an integer") from error
    if value < 1:
        raise errors.ConfigError(f"{name}: {value} is below 1")
    return value


def _file(environ: Mapping[str, str], name: str, default_file: str) -> str | None:
    raw = environ.get(name)
    if not raw:
        return None
    return os.path.join(raw, default_file) if os.path.isdir(raw) else raw


@dataclasses.dataclass(frozen=True)
class Snapshot:
    """One consistent reading of the three config files."""

    agent: contract.AgentConfig
    pack: model.PromptPack
    pack_version: str
    catalog: contract.ToolCatalog
    fingerprint: Fingerprint


def stamp(path: str | None) -> FileStamp:
    """Return a file's change-detection stamp; kubelet's symlink swap changes the real path."""
    if path is None:
        return None
    real = os.path.realpath(path)
    try:
        info = os.stat(real)
    except OSError:
        return (real, -1, -1)
    return (real, info.st_mtime_ns, info.st_size)


def fingerprint(settings: Settings) -> Fingerprint:
    """Return the stamps of the three config files."""
    return tuple(stamp(path) for path in settings.paths)


def load_snapshot(settings: Settings) -> Snapshot:
    """Read and check the three files (or their defaults).

    Raises:
        ConfigError: a file is missing, too large, or not valid; the message names it.
    """
    before = fingerprint(settings)
    agent = _model(settings.config_path, contract.AgentConfig) or contract.AgentConfig()
    catalog = _model(settings.tools_path, contract.ToolCatalog) or contract.ToolCatalog()
    pack = load_pack(settings.promptpack_path)
    version = agent.promptpack.version if agent.promptpack else pack.version
    return Snapshot(agent, pack, version, catalog, before)


def load_pack(path: str | None) -> model.PromptPack:
    """Return the pack in a file, or the embedded default pack when path is None.

    Raises:
        ConfigError: the file cannot be read or is not a valid PromptPack.
    """
    try:
        if path is None:
            resource = importlib.resources.files("agent").joinpath(DEFAULT_PACK_RESOURCE)
            with importlib.resources.as_file(resource) as default_path:
                return validate.parse_pack(packfile.parse_file(str(default_path)))
        return validate.parse_pack(packfile.parse_file(path))
    except (packfile.PackFileError, validate.PackError) as error:
        raise errors.ConfigError(f"{path or DEFAULT_PACK_RESOURCE}: {error}") from error


def _model(path: str | None, kind: type[M]) -> M | None:
    if path is None:
        return None
    try:
        with open(path, "rb") as stream:
            raw = stream.read(MAX_CONFIG_BYTES + 1)
    except OSError as error:
        raise errors.ConfigError(f"{path}: cannot read: {error.strerror or error}") from error
    if len(raw) > MAX_CONFIG_BYTES:
        raise errors.ConfigError(f"{path}: larger than {MAX_CONFIG_BYTES} bytes")
    try:
        return kind.model_validate_json(raw)
    except pydantic.ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "document"
        count = error.error_count()
        more = f" (and {count - 1} more)" if count > 1 else ""
        raise errors.ConfigError(f"{path}: {where}: {first['msg']}{more}") from error
