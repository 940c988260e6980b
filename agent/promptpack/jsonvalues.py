"""Name and show JSON values in messages, briefly enough for one line."""

from __future__ import annotations

import json

MAX_SHOWN_CHARS = 60

# bool before int: True is an int to Python but a boolean to JSON.
_KINDS: tuple[tuple[type, str], ...] = (
    (type(None), "null"),
    (bool, "boolean"),
    (int, "integer"),
    (float, "number"),
    (str, "string"),
    (list, "array"),
    (dict, "object"),
)


def kind(value: object) -> str:
    """Return the JSON Schema type name of a value: string, integer, number, boolean, ...

    Args:
        value: a value decoded from JSON or YAML.

    Returns:
        One of "null", "boolean", "integer", "number", "string", "array", "object", or the
        Python type name for anything JSON cannot hold.
    """
    for python_type, name in _KINDS:
        if isinstance(value, python_type):
            return name
    return type(value).__name__


def show(value: object) -> str:
    """Return the value as compact JSON, cut to MAX_SHOWN_CHARS characters.

    Objects and arrays are shown only by their size, so a message never dumps a large
    subtree (or a long template) into a log line.
    """
    if isinstance(value, dict):
        return f"an object with {len(value)} key{'' if len(value) == 1 else 's'}"
    if isinstance(value, list):
        return f"an array of {len(value)} item{'' if len(value) == 1 else 's'}"
    try:
        text = json.dumps(value, ensure_ascii=False)
    except (TypeError, ValueError):
        text = repr(value)
    if len(text) > MAX_SHOWN_CHARS:
        return f"{text[: MAX_SHOWN_CHARS - 1]}… ({len(text)} characters)"
    return text


def describe(value: object) -> str:
    """Return "<kind> <value>" for a message, such as `string "1"` or `boolean true`."""
    if value is None or isinstance(value, dict | list):
        return show(value)
    return f"{kind(value)} {show(value)}"
