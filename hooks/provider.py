"""Provider hooks: check the spec, and that its Secret holds the API key (never its value)."""

from __future__ import annotations

import dataclasses
import datetime
from typing import Any

from agent.config import contract
from hooks import conditions, envelope, fields, k8s, specs
from hooks.api import common
from hooks.api import provider as api

SECRET_FOUND = "SecretFound"  # noqa: S105 - a condition type, not a secret


@dataclasses.dataclass(frozen=True)
class KeyChoice:
    """Which key of a Secret holds the API key, or why none does."""

    key: str | None
    reason: str
    message: str


def candidate_keys(spec: api.ProviderSpec) -> tuple[str, ...]:
    """Return the Secret keys tried for the API key, in order."""
    if spec.secret_ref is not None and spec.secret_ref.key:
        return (spec.secret_ref.key,)
    canonical = contract.API_KEY_ENV.get(spec.type)
    keys = [canonical] if canonical else []
    if contract.FALLBACK_SECRET_KEY not in keys:
        keys.append(contract.FALLBACK_SECRET_KEY)
    return tuple(keys)


def select_secret_key(spec: api.ProviderSpec, secret: dict[str, Any]) -> KeyChoice:
    """Return the first candidate key with a non-empty value in the Secret (names only)."""
    data = fields.strings(secret, "data")
    name = fields.text(secret, "metadata", "name") or ""
    tried = candidate_keys(spec)
    for key in tried:
        if data.get(key):
            return KeyChoice(key, "KeyFound", f"Secret {name} holds key {key}")
    listed = ", ".join(tried)
    return KeyChoice(None, "SecretKeyNotFound", f"Secret {name} has no non-empty key {listed}")


def to_config(spec: api.ProviderSpec, api_key_env: str | None) -> contract.ProviderConfig:
    """Return the contract's provider settings for a Provider spec (no secret in it)."""
    defaults = spec.defaults or api.ProviderDefaults()
    pricing = spec.pricing or api.ProviderPricing()
    return contract.ProviderConfig(
        type=spec.type,
        model=spec.model or "mock",
        base_url=spec.base_url,
        defaults=contract.ProviderDefaults(
            temperature=float(defaults.temperature) if defaults.temperature else None,
            top_p=float(defaults.top_p) if defaults.top_p else None,
            max_tokens=defaults.max_tokens,
        ),
        pricing=contract.Pricing(
            input_cost_per_1k=float(pricing.input_cost_per_1k or 0),
            output_cost_per_1k=float(pricing.output_cost_per_1k or 0),
            cached_cost_per_1k=float(pricing.cached_cost_per_1k or 0),
        ),
        fallbacks=tuple(spec.fallbacks or ()),
        api_key_env=api_key_env,
    )


def customize(request: envelope.CustomizeRequest) -> dict[str, Any]:
    """Ask for the Provider's Secret, by name, in its namespace."""
    spec, _ = specs.parse(api.ProviderSpec, request.parent)
    if spec is None or spec.secret_ref is None:
        return envelope.customize_response([])
    rule = {
        "apiVersion": "v1",
        "resource": "secrets",
        "namespace": request.namespace,
        "names": [spec.secret_ref.name],
    }
    return envelope.customize_response([rule])


def _secret_check(
    request: envelope.SyncRequest, spec: api.ProviderSpec
) -> tuple[KeyChoice, bool | None]:
    """Return the key choice and whether the Secret exists (None: no Secret is needed)."""
    if spec.secret_ref is None:
        return KeyChoice(None, "NotRequired", f"provider type {spec.type} needs no key"), None
    secret = request.related_object(k8s.SECRET, request.namespace, spec.secret_ref.name)
    if secret is None:
        message = f"Secret {spec.secret_ref.name} not found in namespace {request.namespace}"
        return KeyChoice(None, "SecretNotFound", message), False
    return select_secret_key(spec, secret), True


def sync(request: envelope.SyncRequest, now: datetime.datetime) -> dict[str, Any]:
    """Report whether the Provider is usable: phase Ready or Error, SecretFound and Ready."""
    spec, problem = specs.parse(api.ProviderSpec, request.parent)
    if spec is None:
        found = conditions.condition(SECRET_FOUND, "Unknown", "InvalidSpec", problem)
        ready = conditions.condition(conditions.READY, False, "InvalidSpec", problem)
        return _response(request, now, [ready, found], None)
    choice, exists = _secret_check(request, spec)
    usable = exists is None or choice.key is not None
    ready = conditions.condition(
        conditions.READY,
        usable,
        "Ready" if usable else choice.reason,
        _describe(spec) if usable else choice.message,
    )
    return _response(request, now, [ready, _secret_found(spec, choice, exists)], choice.key)


def _secret_found(
    spec: api.ProviderSpec, choice: KeyChoice, exists: bool | None
) -> common.Condition:
    if exists is None or spec.secret_ref is None:
        return conditions.condition(
            SECRET_FOUND, True, "NotRequired", f"provider type {spec.type} needs no Secret"
        )
    if not exists:
        return conditions.condition(SECRET_FOUND, False, choice.reason, choice.message)
    return conditions.condition(
        SECRET_FOUND, True, "Found", f"Secret {spec.secret_ref.name} exists"
    )


def _describe(spec: api.ProviderSpec) -> str:
    model = spec.model or "any model"
    return f"{spec.type} {model}" + (f" at {spec.base_url}" if spec.base_url else "")


def _response(
    request: envelope.SyncRequest,
    now: datetime.datetime,
    parts: list[common.Condition],
    secret_key: str | None,
) -> dict[str, Any]:
    stamped = conditions.settle(parts, request.observed_status, now, request.generation)
    status = api.ProviderStatus(
        phase="Ready" if parts[0].status == "True" else "Error",
        secret_key=secret_key,
        conditions=stamped,
    )
    return envelope.sync_response(status.model_dump(by_alias=True, exclude_none=True), [])
