"""Turn pydantic's validation errors on a pack into error Findings that read like the spec."""

from __future__ import annotations

import difflib
import types
import typing
from collections.abc import Callable, Sequence
from typing import Any

import pydantic
from pydantic_core import ErrorDetails

from agent.promptpack import findings, jsontypes, jsonvalues, model

Path = list[str | int]


def from_validation_error(error: pydantic.ValidationError, data: object) -> list[findings.Finding]:
    """Return one error Finding per distinct problem pydantic found in `data`, in its order.

    Args:
        error: what `PromptPack.model_validate(data)` raised.
        data: the document that was validated; its shape tells real keys from the union tags
            pydantic adds to error locations.
    """
    result: list[findings.Finding] = []
    for detail in error.errors(include_url=False):
        path = _data_path(detail["loc"], data)
        finding = _finding(detail, path)
        if finding not in result:
            result.append(finding)
    return result


def _data_path(loc: Sequence[str | int], data: object) -> Path:
    """Follow `loc` through `data`, dropping the parts that are not keys or indexes in it.

    pydantic puts union tags (and validator names) into locations; they never name a key of
    the data at that point, except as the last part of a `missing` error's location.
    """
    path: Path = []
    node = data
    for position, part in enumerate(loc):
        child = _child(node, part)
        if child is not _ABSENT:
            # A YAML key can be a number or a boolean; the path names it as the text it is.
            path.append(str(part) if isinstance(node, dict) and not isinstance(part, str) else part)
            node = child
        elif position == len(loc) - 1 and part != _KEY_PART:
            path.append(part)
    return path


# The last part of the location of an error in a mapping's key rather than its value.
_KEY_PART = "[key]"


_ABSENT = object()


def _child(node: object, part: str | int) -> object:
    if isinstance(node, dict):
        return node.get(part, _ABSENT)
    if isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
        return node[part]
    return _ABSENT


def unpaired_surrogates(data: object) -> list[findings.Finding]:
    r"""Return an error for each key or string in `data` that is not valid Unicode.

    JSON's `\ud800` escapes can smuggle lone UTF-16 surrogates into Python strings. pydantic
    rejects them only in constrained strings, so this check makes every string agree.
    """
    result: list[findings.Finding] = []
    pending: list[tuple[Path, object]] = [([], data)]
    while pending:
        path, node = pending.pop()
        if isinstance(node, str) and not _is_unicode(node):
            result.append(findings.error(path, _NOT_UNICODE))
        elif isinstance(node, dict):
            for key in node:
                if isinstance(key, str) and not _is_unicode(key):
                    result.append(findings.error(path, f"a key {_NOT_UNICODE}"))
            pending.extend(reversed([([*path, key], value) for key, value in node.items()]))
        elif isinstance(node, list):
            pending.extend(reversed([([*path, index], item) for index, item in enumerate(node)]))
    return result


def _is_unicode(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


_NOT_UNICODE = "is not valid Unicode text (it holds an unpaired surrogate)"


def _finding(detail: ErrorDetails, path: Path) -> findings.Finding:
    kind = detail["type"]
    if kind == "missing":
        return findings.error(path[:-1], f"missing required key {jsonvalues.show(path[-1])}")
    if kind == "extra_forbidden":
        return findings.error(path, _unknown_key(path))
    if detail["loc"][-1:] == (_KEY_PART,):
        return findings.error(path, f"expected a string key, got {_got(detail)}")
    if kind == "invalid_key":
        # pydantic locates a non-string key of an object by the key itself: name its parent.
        return findings.error(path[:-1], f"expected string keys only, got {_got(detail)}")
    handler = _MESSAGES.get(kind)
    message = handler(detail) if handler else f"{detail['msg']}, got {_got(detail)}"
    return findings.error(path, message)


def _got(detail: ErrorDetails) -> str:
    return jsonvalues.describe(detail["input"])


def _ctx(detail: ErrorDetails, key: str) -> Any:
    return (detail.get("ctx") or {}).get(key)


def _unknown_key(path: Path) -> str:
    key = str(path[-1])
    message = f"unknown key {jsonvalues.show(key)}"
    allowed = _allowed_keys(path[:-1])
    if not allowed:
        return message + " is not allowed here"
    close = difflib.get_close_matches(key, allowed, n=1)
    hint = f"; did you mean {jsonvalues.show(close[0])}?" if close else ""
    return f"{message}; allowed keys here: {', '.join(allowed)}{hint}"


def _allowed_keys(path: Path) -> list[str]:
    """Return the wire names of the keys the closed object at `path` allows ([] if unknown)."""
    node: Any = model.PromptPack
    for part in path:
        node = _step(_unwrap(node), part)
    node = _unwrap(node)
    if isinstance(node, type) and issubclass(node, pydantic.BaseModel):
        return [info.alias or name for name, info in node.model_fields.items()]
    return []


def _step(annotation: Any, part: str | int) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, pydantic.BaseModel):
        fields = {info.alias or name: info for name, info in annotation.model_fields.items()}
        return fields[part].annotation if part in fields else None
    args = typing.get_args(annotation)
    origin = typing.get_origin(annotation)
    if origin is list and isinstance(part, int):
        return args[0]
    if origin is dict and isinstance(part, str):
        return args[1]
    return None


def _unwrap(annotation: Any) -> Any:
    """Strip Annotated metadata and `| None`; a real union (of several shapes) gives None."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            members = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
            if len(members) != 1:
                return None
            annotation = members[0]
        else:
            return annotation


def _pattern(detail: ErrorDetails) -> str:
    regex = str(_ctx(detail, "pattern"))
    expected = jsontypes.PATTERN_HINTS.get(regex, f"text matching {regex}")
    return f"{jsonvalues.show(detail['input'])} is not valid: expected {expected}"


def _too_short(detail: ErrorDetails) -> str:
    minimum = _ctx(detail, "min_length")
    what = "key" if isinstance(detail["input"], dict) else "item"
    plural = "" if minimum == 1 else "s"
    return f"expected at least {minimum} {what}{plural}, got {jsonvalues.show(detail['input'])}"


def _string_too_short(detail: ErrorDetails) -> str:
    minimum = _ctx(detail, "min_length")
    if minimum == 1:
        return "must not be empty"
    return (
        f"{jsonvalues.show(detail['input'])} is too short: expected at least {minimum} characters"
    )


def _string_too_long(detail: ErrorDetails) -> str:
    text = detail["input"]
    size = len(text) if isinstance(text, str) else "?"
    return f"has {size} characters: expected at most {_ctx(detail, 'max_length')}"


def _expected(what: str) -> Callable[[ErrorDetails], str]:
    return lambda detail: f"expected {what}, got {_got(detail)}"


_MESSAGES: dict[str, Callable[[ErrorDetails], str]] = {
    "string_type": _expected("a string"),
    "bool_type": _expected("a boolean (true or false)"),
    "list_type": _expected("an array"),
    "dict_type": _expected("an object"),
    "model_type": _expected("an object"),
    "model_attributes_type": _expected("an object"),
    "literal_error": lambda d: f"expected {_ctx(d, 'expected')}, got {_got(d)}",
    "string_pattern_mismatch": _pattern,
    "string_too_short": _string_too_short,
    "string_too_long": _string_too_long,
    "too_short": _too_short,
    "string_unicode": lambda _: _NOT_UNICODE,
    "json_null": lambda d: str(_ctx(d, "detail")),
    "json_type": lambda d: str(_ctx(d, "detail")),
    "json_range": lambda d: str(_ctx(d, "detail")),
    "media_one_of": lambda d: str(_ctx(d, "detail")),
    "skill_source": lambda d: f"{d['msg']}, got {_got(d)}",
}
