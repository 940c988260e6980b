"""Parse a parent's spec into its API model; a bad spec becomes one message, not an exception."""

from __future__ import annotations

from typing import Any, TypeVar

import pydantic

M = TypeVar("M", bound=pydantic.BaseModel)
MAX_LISTED_ERRORS = 10
MAX_VALUE_CHARS = 64


def _location(loc: tuple[int | str, ...]) -> str:
    path = "spec"
    for part in loc:
        path += f"[{part}]" if isinstance(part, int) else f".{part}"
    return path


def _item(item: Any) -> str:
    where = _location(tuple(item["loc"]))
    value = item.get("input")
    shown = ""
    if isinstance(value, bool | int | float | str):
        text = repr(value)
        shown = f", got {text[:MAX_VALUE_CHARS]}{'...' if len(text) > MAX_VALUE_CHARS else ''}"
    if item["type"] == "string_pattern_mismatch":
        return f"{where}: not in the expected form{shown}"
    return f"{where}: {item['msg']}{shown}"


def describe(error: pydantic.ValidationError) -> str:
    """Return 'spec.path: message, got value' for each error (scalar values only).

    Specs hold no secret values (Secrets are referenced by name), so the bad value is shown.
    """
    items = error.errors(include_url=False)
    parts = [_item(item) for item in items[:MAX_LISTED_ERRORS]]
    if len(items) > MAX_LISTED_ERRORS:
        parts.append(f"and {len(items) - MAX_LISTED_ERRORS} more")
    return "; ".join(parts)


def parse(model: type[M], obj: dict[str, Any] | None) -> tuple[M | None, str]:
    """Return (spec, "") for an object whose spec is valid, else (None, what is wrong)."""
    if obj is None:
        return None, "object is missing"
    raw = obj.get("spec")
    if not isinstance(raw, dict):
        return None, "spec: missing or not an object"
    try:
        return model.model_validate(raw), ""
    except pydantic.ValidationError as error:
        return None, describe(error)


def parse_status(model: type[M], obj: dict[str, Any] | None) -> M | None:
    """Return an object's status as the model, or None when it has none or it does not parse."""
    if obj is None:
        return None
    raw = obj.get("status")
    if not isinstance(raw, dict):
        return None
    try:
        return model.model_validate(raw)
    except pydantic.ValidationError:
        return None
