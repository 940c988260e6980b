"""Status conditions: build them, and carry lastTransitionTime over so converged status repeats."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from typing import Any, Literal

from hooks.api import common

ConditionStatus = Literal["True", "False", "Unknown"]
MAX_MESSAGE_CHARS = 2048
READY = "Ready"


def format_time(now: datetime.datetime) -> str:
    """Return an instant in the RFC 3339 form Kubernetes writes: 2025-01-02T03:04:05Z."""
    if now.tzinfo is None:
        raise ValueError("now: a naive datetime; pass an aware one (UTC)")
    return now.astimezone(datetime.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _clip(message: str) -> str:
    if len(message) <= MAX_MESSAGE_CHARS:
        return message
    return message[: MAX_MESSAGE_CHARS - 3] + "..."


def condition(
    type_: str, status: bool | ConditionStatus, reason: str, message: str = ""
) -> common.Condition:
    """Return a condition without its timestamps; `settle` adds them."""
    if isinstance(status, bool):
        status = "True" if status else "False"
    return common.Condition(type=type_, status=status, reason=reason, message=_clip(message))


def _observed(observed_status: dict[str, Any]) -> dict[str, dict[str, Any]]:
    raw = observed_status.get("conditions")
    if not isinstance(raw, list):
        return {}
    return {c["type"]: c for c in raw if isinstance(c, dict) and isinstance(c.get("type"), str)}


def settle(
    new: Iterable[common.Condition],
    observed_status: dict[str, Any],
    now: datetime.datetime,
    generation: int | None,
) -> list[common.Condition]:
    """Stamp conditions: lastTransitionTime carries over while the status stays the same.

    Args:
        new: the conditions computed now, in the order they are reported.
        observed_status: the parent's current status, whose conditions hold the old times.
        now: the instant a condition that changed status transitioned.
        generation: the parent's metadata.generation, recorded as observedGeneration.
    """
    old = _observed(observed_status)
    stamped = []
    for cond in new:
        previous = old.get(cond.type, {})
        carried = previous.get("lastTransitionTime")
        keep = previous.get("status") == cond.status and isinstance(carried, str)
        stamped.append(
            cond.model_copy(
                update={
                    "last_transition_time": carried if keep else format_time(now),
                    "observed_generation": generation,
                }
            )
        )
    return stamped


def ready(
    parts: Sequence[common.Condition], ready_reason: str, ready_message: str
) -> common.Condition:
    """Return the Ready condition: True when every part is True, else the first failing part's."""
    for part in parts:
        if part.status != "True":
            return condition(READY, False, part.reason, f"{part.type}: {part.message}")
    return condition(READY, True, ready_reason, ready_message)


def find(conditions: object, type_: str) -> dict[str, Any] | None:
    """Return the raw condition of a type from an observed status' conditions list."""
    if not isinstance(conditions, list):
        return None
    for cond in conditions:
        if isinstance(cond, dict) and cond.get("type") == type_:
            return cond
    return None


def to_wire(conditions: Sequence[common.Condition]) -> list[dict[str, Any]]:
    """Return conditions as the JSON the status carries."""
    return [c.model_dump(by_alias=True, exclude_none=True) for c in conditions]
