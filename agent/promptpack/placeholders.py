"""Find the `{{...}}` placeholders of a PromptPack template and what each one refers to."""

from __future__ import annotations

import dataclasses
import re
from typing import Literal

# `{{ name }}`, `{{customer.contact.email}}`, `{{items[0].title}}`, `{{fragments.x}}`, ...
# The inside holds no brace, which keeps the scan linear even on a long run of `{{`.
_PLACEHOLDER = re.compile(r"\{\{([^{}]*)\}\}")
_ROOT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_MEMBER = re.compile(r"\.([^.\[\]\s]+)")

Kind = Literal["variable", "fragment", "artifact", "invalid"]


@dataclasses.dataclass(frozen=True)
class Placeholder:
    """One placeholder of a template.

    Attributes:
        text: the placeholder as written, braces included.
        kind: "variable" (`{{name}}`, `{{name.field}}`, `{{name[0]}}`), "fragment"
            (`{{fragments.x}}`), "artifact" (`{{artifacts.x}}`), or "invalid" when the inside
            is not a reference at all.
        name: the variable, fragment or artifact name ("" when invalid).
    """

    text: str
    kind: Kind
    name: str


def find_placeholders(template: str) -> list[Placeholder]:
    """Return the template's placeholders in order of appearance (repeats included)."""
    return [
        _classify(match.group(0), match.group(1).strip())
        for match in _PLACEHOLDER.finditer(template)
    ]


def _classify(text: str, inner: str) -> Placeholder:
    root = _ROOT.match(inner)
    if root is None:
        return Placeholder(text, "invalid", "")
    rest = inner[root.end() :]
    if not _is_path_tail(rest):
        return Placeholder(text, "invalid", "")
    name = root.group(0)
    if name in ("fragments", "artifacts"):
        member = _MEMBER.match(rest)
        if member is None:
            return Placeholder(text, "invalid", "")
        kind: Kind = "fragment" if name == "fragments" else "artifact"
        return Placeholder(text, kind, member.group(1))
    return Placeholder(text, "variable", name)


_PATH_TAIL = re.compile(r"(?:\.[^.\[\]\s]+|\[[0-9]+\])*")


def _is_path_tail(rest: str) -> bool:
    return _PATH_TAIL.fullmatch(rest) is not None
