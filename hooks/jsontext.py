"""The hook service's JSON text: request bodies in, answers and canonical documents out.

orjson, not the standard library: decoding the request and encoding the answer and the
ConfigMap documents took 0.40 ms of a 20-tool AgentRuntime sync's 1.09 ms with `json`, and
0.10 ms with orjson (docs/benchmarks.md). Metacontroller's JSON comes from Go, so the inputs
orjson refuses and `json` accepts (NaN, Infinity, lone surrogates) never arrive from it; when
they arrive from elsewhere they are a bad request like any other broken body.
"""

from __future__ import annotations

from typing import Any

import orjson

# A subclass of json.JSONDecodeError (and so of ValueError).
DecodeError = orjson.JSONDecodeError


def loads(text: bytes | str) -> Any:
    """Return the value of a JSON text.

    Raises:
        DecodeError: when the text is not JSON (also for invalid UTF-8 and nesting over 1024).
    """
    return orjson.loads(text)


def dumps(value: Any) -> bytes:
    """Return the compact UTF-8 JSON of a value, keys in their order."""
    return orjson.dumps(value)


def canonical(value: Any) -> str:
    """Return the one JSON text of a value: sorted keys, no spaces, UTF-8 kept.

    The same text as json.dumps(value, sort_keys=True, separators=(",", ":"),
    ensure_ascii=False) but for the spelling of float exponents (1e-6, not 1e-06), which only the
    agent's hot-reloaded config files contain: the restart digest, made of strings and integers,
    did not change with the codec.
    """
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()
