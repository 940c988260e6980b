"""Read a pack document from a JSON or YAML file, within size limits."""

from __future__ import annotations

import json

import yaml

MAX_PACK_BYTES = 8 * 1024 * 1024
# Values after YAML aliases are expanded: validation walks every copy.
MAX_PACK_VALUES = 200_000
YAML_SUFFIXES = (".yaml", ".yml")


class PackFileError(ValueError):
    """A pack file that cannot be read, is too large, or is not well-formed JSON or YAML."""


class _PackLoader(yaml.SafeLoader):
    """YAML's safe loader, less the timestamp rule: a date in a pack is text, as in JSON."""

    yaml_implicit_resolvers = {
        first: [(tag, regex) for tag, regex in resolvers if tag != "tag:yaml.org,2002:timestamp"]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }


def parse_file(path: str) -> object:
    """Return the document in the file at `path`: YAML for .yaml/.yml, JSON otherwise.

    Raises:
        PackFileError: when the file cannot be read, exceeds MAX_PACK_BYTES or
            MAX_PACK_VALUES, or does not parse (JSON's NaN and Infinity included).
    """
    try:
        with open(path, "rb") as stream:
            raw = stream.read(MAX_PACK_BYTES + 1)
    except OSError as error:
        raise PackFileError(f"cannot read the file: {error.strerror or error}") from error
    if len(raw) > MAX_PACK_BYTES:
        raise PackFileError(f"the file is larger than {MAX_PACK_BYTES} bytes")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise PackFileError(f"the file is not UTF-8 text: {error}") from error
    is_yaml = path.lower().endswith(YAML_SUFFIXES)
    data = _parse_yaml(text) if is_yaml else _parse_json(text)
    if _exceeds(data, MAX_PACK_VALUES):
        raise PackFileError(f"the document holds more than {MAX_PACK_VALUES} values")
    return data


def _reject_constant(name: str) -> object:
    raise ValueError(f"{name} is not valid JSON")


def _parse_json(text: str) -> object:
    try:
        return json.loads(text, parse_constant=_reject_constant)
    except json.JSONDecodeError as error:
        raise PackFileError(f"invalid JSON: {error}") from error
    except (ValueError, RecursionError) as error:
        raise PackFileError(f"invalid JSON: {error}") from error


def _parse_yaml(text: str) -> object:
    try:
        return yaml.load(text, Loader=_PackLoader)  # noqa: S506 (a SafeLoader subclass)
    except (yaml.YAMLError, RecursionError) as error:
        raise PackFileError(f"invalid YAML: {error}") from error


def _exceeds(data: object, limit: int) -> bool:
    """Whether the document holds more than `limit` values, counted without recursion."""
    count = 0
    pending = [data]
    while pending:
        count += 1
        if count > limit:
            return True
        node = pending.pop()
        if isinstance(node, dict):
            pending.extend(node.values())
        elif isinstance(node, list):
            pending.extend(node)
    return False
