"""The Provider kind: a reusable LLM provider configuration."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints, model_validator

from agent.config import contract
from hooks.api import common


class ProviderDefaults(common.ApiModel):
    """Default sampling parameters; a prompt's own parameters take precedence."""

    temperature: (
        Annotated[str, StringConstraints(pattern=r"^(([01](\.[0-9]+)?)|(2(\.0+)?))$")] | None
    ) = None
    """Sampling temperature from 0 to 2, as a decimal string such as "0.7"."""

    top_p: Annotated[str, StringConstraints(pattern=r"^((0(\.[0-9]+)?)|(1(\.0+)?))$")] | None = None
    """Nucleus sampling probability from 0 to 1, as a decimal string such as "0.9"."""

    max_tokens: int | None = Field(default=None, ge=1, le=1_000_000)
    """Maximum number of tokens to generate per completion."""


class ProviderPricing(common.ApiModel):
    """Prices in US dollars per 1,000 tokens, used for the cost reported with every turn."""

    input_cost_per_1k: common.DecimalString | None = Field(default=None, alias="inputCostPer1K")
    """Price of 1,000 prompt tokens, as a decimal string such as "0.003"."""

    output_cost_per_1k: common.DecimalString | None = Field(default=None, alias="outputCostPer1K")
    """Price of 1,000 completion tokens, as a decimal string such as "0.015"."""

    cached_cost_per_1k: common.DecimalString | None = Field(default=None, alias="cachedCostPer1K")
    """Price of 1,000 cached prompt tokens, as a decimal string such as "0.0003"."""


ModelName = Annotated[str, StringConstraints(min_length=1, max_length=256)]

KEYED_TYPES_CEL = ", ".join(
    f"'{t}'" for t in contract.PROVIDER_TYPES if t not in contract.KEYLESS_PROVIDER_TYPES
)


class ProviderSpec(common.ApiModel):
    """Desired state of a Provider: which LLM to call, with which credentials and defaults."""

    model_config = common.cel_rules(
        ("self.type == 'mock' || has(self.model)", "model is required unless type is mock"),
        (
            f"!(self.type in [{KEYED_TYPES_CEL}]) || has(self.secretRef)",
            "secretRef is required for this provider type",
        ),
    )

    type: contract.ProviderType
    """LLM vendor: openai, claude (alias anthropic), gemini, ollama, azure, or mock (no network)."""

    model: ModelName | None = None
    """Model name as the vendor spells it, e.g. gpt-4o or claude-sonnet-4-20250514."""

    base_url: (
        Annotated[str, StringConstraints(pattern=r"^https?://\S+$", max_length=2048)] | None
    ) = Field(default=None, alias="baseURL")
    """Base URL of an OpenAI-compatible or self-hosted endpoint, e.g. http://ollama:11434."""

    secret_ref: common.SecretKeyReference | None = None
    """Secret holding the API key. Without key, the provider's conventional name (OPENAI_API_KEY,
    ANTHROPIC_API_KEY, GEMINI_API_KEY, ...) is used, or api-key when the Secret has only that."""

    defaults: ProviderDefaults | None = None
    """Default sampling parameters."""

    pricing: ProviderPricing | None = None
    """Token prices for cost accounting."""

    fallbacks: Annotated[list[ModelName], Field(max_length=8)] | None = None
    """Other models of the same provider to try, in order, when this model keeps failing."""

    @model_validator(mode="after")
    def _check_cross_fields(self) -> ProviderSpec:
        # Mirrors the CRD's x-kubernetes-validations rules above.
        if self.type != "mock" and self.model is None:
            raise ValueError("model: required unless type is mock")
        if self.type not in contract.KEYLESS_PROVIDER_TYPES and self.secret_ref is None:
            raise ValueError(f"secretRef: required for provider type {self.type}")
        return self


class ProviderStatus(common.StatusBase):
    """Observed state of a Provider."""

    phase: Literal["Ready", "Error"] | None = None
    """Ready when the spec is valid and its Secret holds the key; Error otherwise."""

    secret_key: str | None = None
    """The key of the Secret that holds the API key (never the value)."""
