"""The Finding record that every pack check returns, located by a JSON path."""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterable
from typing import Literal

Severity = Literal["error", "warning"]

# RFC 9535 member-name shorthand: other keys (hyphens, dots, "$schema") use bracket notation.
_SHORTHAND = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


@dataclasses.dataclass(frozen=True)
class Finding:
    """One problem in a pack.

    Attributes:
        severity: "error" when the pack breaks the PromptPack schema (it is invalid);
            "warning" when it passes the schema but breaks a rule the specification states
            in prose (an undefined tool, a dangling workflow transition, ...).
        path: where the problem is, as a JSON path such as `$.prompts.support.tools[0]`.
        message: what is wrong and what was expected, in one line.
    """

    severity: Severity
    path: str
    message: str


def json_path(parts: Iterable[str | int]) -> str:
    """Return the JSON path of a location given as keys and array indexes.

    >>> json_path(["prompts", "support", "tools", 0])
    '$.prompts.support.tools[0]'
    >>> json_path(["model_overrides", "gpt-4"])
    "$.model_overrides['gpt-4']"
    """
    text = "$"
    for part in parts:
        if isinstance(part, int):
            text += f"[{part}]"
        elif _SHORTHAND.fullmatch(part):
            text += f".{part}"
        else:
            escaped = json.dumps(part, ensure_ascii=False)[1:-1]
            quoted = escaped.replace('\\"', '"').replace("'", "\\'")
            text += f"['{quoted}']"
    return text


def error(parts: Iterable[str | int], message: str) -> Finding:
    """Return an error finding at the location `parts`."""
    return Finding("error", json_path(parts), message)


def warning(parts: Iterable[str | int], message: str) -> Finding:
    """Return a warning finding at the location `parts`."""
    return Finding("warning", json_path(parts), message)
