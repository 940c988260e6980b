"""Kubernetes label selectors: does a set of labels satisfy matchLabels and matchExpressions."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


def _requirement_holds(requirement: Mapping[str, Any], labels: Mapping[str, str]) -> bool:
    key = str(requirement.get("key", ""))
    operator = requirement.get("operator")
    values = requirement.get("values") or []
    present = key in labels
    if operator == "In":
        return present and labels[key] in values
    if operator == "NotIn":
        return not present or labels[key] not in values
    if operator == "Exists":
        return present
    if operator == "DoesNotExist":
        return not present
    raise ValueError(
        f"matchExpressions.operator: {operator!r} is not In, NotIn, Exists or DoesNotExist"
    )


def is_match(selector: Mapping[str, Any] | None, labels: Mapping[str, str] | None) -> bool:
    """Whether labels satisfy the selector.

    As in Kubernetes, an empty selector ({}) matches everything and a null one (None) nothing.

    Raises:
        ValueError: on an unknown matchExpressions operator.
    """
    if selector is None:
        return False
    if not isinstance(labels, Mapping):
        labels = {}
    match_labels = selector.get("matchLabels") or {}
    if any(labels.get(key) != value for key, value in match_labels.items()):
        return False
    expressions = selector.get("matchExpressions") or []
    return all(_requirement_holds(req, labels) for req in expressions)
