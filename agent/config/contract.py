"""The hooks-to-agent contract: env var names, mount paths and the shape of the config files.

The AgentRuntime hook writes a ConfigMap and a Deployment from these names; the agent's loader
reads the same names. Nothing else in either package spells them.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal, get_args

from pydantic import BaseModel, ConfigDict, Field, StringConstraints
from pydantic.alias_generators import to_camel

# --- environment variables -------------------------------------------------------------------
ENV_AGENT_NAME = "OMNIA_AGENT_NAME"
ENV_NAMESPACE = "OMNIA_NAMESPACE"
ENV_FACADE_HOST = "OMNIA_FACADE_HOST"
ENV_FACADE_PORT = "OMNIA_FACADE_PORT"
ENV_CONFIG_PATH = "OMNIA_CONFIG_PATH"
ENV_PROMPTPACK_PATH = "OMNIA_PROMPTPACK_PATH"
ENV_TOOLS_PATH = "OMNIA_TOOLS_PATH"
ENV_SESSION_STORE_URL = "OMNIA_SESSION_STORE_URL"
ENV_LOG_LEVEL = "OMNIA_LOG_LEVEL"
# Optional: the largest client frame the agent accepts, in bytes (default 524288, 512 KiB).
ENV_MAX_FRAME_BYTES = "OMNIA_MAX_FRAME_BYTES"

DEFAULT_FACADE_HOST = "0.0.0.0"
DEFAULT_FACADE_PORT = 8080

# --- files inside the config volume ----------------------------------------------------------
# OMNIA_CONFIG_PATH, OMNIA_PROMPTPACK_PATH and OMNIA_TOOLS_PATH each name one file; a directory is
# accepted too and means the file of the standard name below inside it. Unset: built-in defaults
# (mock provider, memory sessions, the embedded default PromptPack, no tools).
CONFIG_MOUNT_DIR = "/etc/omnia/config"
CONFIG_VOLUME_NAME = "config"
AGENT_CONFIG_FILE = "agent.json"
PROMPTPACK_FILE = "promptpack.json"
TOOLS_FILE = "tools.json"
CONFIG_FILES = (AGENT_CONFIG_FILE, PROMPTPACK_FILE, TOOLS_FILE)

# --- HTTP endpoints the pod serves on the facade port ----------------------------------------
WEBSOCKET_PATH = "/ws"
HEALTH_PATH = "/healthz"
READY_PATH = "/readyz"
METRICS_PATH = "/metrics"

# --- providers -------------------------------------------------------------------------------
ProviderType = Literal["openai", "claude", "anthropic", "gemini", "ollama", "azure", "mock"]
PROVIDER_TYPES: tuple[str, ...] = get_args(ProviderType)

# The variable litellm reads the API key from, per provider type. None: no key is needed.
API_KEY_ENV: dict[str, str | None] = {
    "openai": "OPENAI_API_KEY",
    "claude": "ANTHROPIC_API_KEY",
    "anthropic": "ANTHROPIC_API_KEY",
    "gemini": "GEMINI_API_KEY",
    "azure": "AZURE_API_KEY",
    "ollama": "OLLAMA_API_KEY",
    "mock": None,
}
# Provider types that work without any credentials.
KEYLESS_PROVIDER_TYPES = frozenset({"mock", "ollama"})
# Secret key tried when a provider's secretRef names no key and the canonical one is absent.
FALLBACK_SECRET_KEY = "api-key"  # noqa: S105 - the name of a key, not a secret
# The key of the session store Secret that holds the Redis URL.
SESSION_STORE_URL_KEY = "url"

SessionType = Literal["memory", "redis"]


class ContractModel(BaseModel):
    """Base of the config file models: camelCase JSON, unknown keys rejected."""

    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="forbid", frozen=True
    )


class ProviderDefaults(ContractModel):
    """Sampling defaults applied when the prompt's own parameters leave them unset."""

    temperature: float | None = Field(default=None, ge=0, le=2)
    top_p: float | None = Field(default=None, ge=0, le=1)
    max_tokens: int | None = Field(default=None, ge=1)


class Pricing(ContractModel):
    """Price per 1,000 tokens in US dollars, used to compute each turn's cost."""

    input_cost_per_1k: float = Field(default=0.0, ge=0, alias="inputCostPer1K")
    output_cost_per_1k: float = Field(default=0.0, ge=0, alias="outputCostPer1K")
    cached_cost_per_1k: float = Field(default=0.0, ge=0, alias="cachedCostPer1K")


class ProviderConfig(ContractModel):
    """Which LLM the agent calls and how; the key itself arrives in `api_key_env`'s variable."""

    type: ProviderType = "mock"
    model: str = "mock"
    base_url: str | None = Field(default=None, alias="baseURL")
    defaults: ProviderDefaults = ProviderDefaults()
    pricing: Pricing = Pricing()
    fallbacks: tuple[str, ...] = ()
    api_key_env: str | None = None


class SessionConfig(ContractModel):
    """Where conversations live; the Redis URL arrives in OMNIA_SESSION_STORE_URL."""

    type: SessionType = "memory"
    ttl_seconds: int = Field(default=86400, ge=1)


class PackInfo(ContractModel):
    """Which PromptPack release the pack file holds (the PromptPack resource, not the file)."""

    name: str
    version: str


class AgentConfig(ContractModel):
    """The content of agent.json."""

    agent_name: str = "omnia-agent"
    namespace: str = "default"
    provider: ProviderConfig = ProviderConfig()
    session: SessionConfig = SessionConfig()
    promptpack: PackInfo | None = None


ToolName = Annotated[str, StringConstraints(pattern=r"^[a-zA-Z0-9_-]{1,64}$")]


class ToolSpec(ContractModel):
    """One tool the agent may call: an HTTP endpoint receiving the JSON arguments by POST."""

    name: ToolName
    description: str = ""
    input_schema: dict[str, Any] = Field(default_factory=lambda: {"type": "object"})
    endpoint: str
    timeout_seconds: float = Field(default=30.0, gt=0)
    retries: int = Field(default=0, ge=0, le=10)


class ToolCatalog(ContractModel):
    """The content of tools.json: every available tool, sorted by name."""

    tools: tuple[ToolSpec, ...] = ()
