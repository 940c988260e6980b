"""In-process hook cost: sync time against a JSON round trip of the same request, and its growth.

Three things are timed on one request, one call after another on one thread:
- `hook`: the pure function alone (`agentruntime.sync` or `toolregistry.sync` on a parsed request);
- `json`: `json.loads(json.dumps(request))` with the standard library: a yardstick for the
  request's size that any Python program pays to read and write it;
- `bytes`: what the HTTP view does with a body, minus Flask: decode, parse the envelope, sync,
  encode the answer (with the app's codec, hooks/jsontext.py);
- `floor`: decode the request body and encode the answer with the app's codec, nothing
  between: the least the `bytes` path can cost.
"""

from __future__ import annotations

import dataclasses
import gc
import json
import math
import time
from collections.abc import Callable
from typing import Any

from bench import common
from bench import hook_requests as hr
from hooks import agentruntime, envelope, jsontext, routes, toolregistry
from tests.support import hook_scenario as hs

WARMUP_CALLS = 3
# Growth below this share of the smallest case's time over the whole range reads as constant.
CONSTANT_SHARE = 0.1
# A last segment steeper than this many times the first one reads as worse than linear.
SUPERLINEAR_FACTOR = 2.0


@dataclasses.dataclass(frozen=True)
class Budget:
    """How long to time one call: at most `calls` calls and about `seconds` seconds.

    `collect` runs a full garbage collection first (tens of ms on this heap: a smoke run skips
    it), so that no earlier garbage is collected inside the timed calls.
    """

    calls: int
    seconds: float
    collect: bool = True


@dataclasses.dataclass(frozen=True)
class Line:
    """A least-squares line y = fixed + per_item * x, and how well it fits (R squared)."""

    fixed: float
    per_item: float
    r2: float


def time_calls(call: Callable[[], object], budget: Budget) -> list[float]:
    """Return the seconds each call took, after a short warm-up; at least one call."""
    for _ in range(WARMUP_CALLS):
        call()
    if budget.collect:
        gc.collect()
    times: list[float] = []
    deadline = time.perf_counter() + budget.seconds
    for _ in range(budget.calls):
        started = time.perf_counter()
        call()
        ended = time.perf_counter()
        times.append(ended - started)
        if ended > deadline:
            break
    return times


def compact(value: Any) -> bytes:
    """Return JSON bytes as the hook app writes them (no spaces, UTF-8 kept)."""
    return jsontext.dumps(value)


def stdlib_compact(value: Any) -> bytes:
    """Return the same bytes through the standard library, as the app wrote them before."""
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode()


def hook_call(path: str, request: dict[str, Any]) -> Callable[[], dict[str, Any]]:
    """Return the pure sync function of a hook path bound to a parsed request."""
    parsed = envelope.parse_sync(request)
    if path == hr.AR_SYNC:
        return lambda: agentruntime.sync(parsed, hs.SETTINGS, hs.NOW)
    return lambda: toolregistry.sync(parsed, hs.SETTINGS, hs.NOW)


def bytes_call(path: str, request: dict[str, Any]) -> Callable[[], bytes]:
    """Return decode, parse, sync, encode of a request body: the app's work without Flask."""
    handler = routes.handlers()[path]
    body = compact(request)
    return lambda: compact(handler(jsontext.loads(body), hs.SETTINGS, hs.NOW))


def measure(
    path: str, request: dict[str, Any], answer: dict[str, Any], budget: Budget
) -> dict[str, Any]:
    """Time hook, json round trip and bytes-to-bytes on one request; check the answer first.

    Raises:
        AssertionError: when the hook does not answer what the emulator recorded.
    """
    hook = hook_call(path, request)
    assert hook() == answer, f"{path}: the answer differs from the converged one"
    hook_s = time_calls(hook, budget)
    json_s = time_calls(lambda: json.loads(json.dumps(request)), budget)
    bytes_s = time_calls(bytes_call(path, request), budget)
    body = compact(request)
    floor_s = time_calls(lambda: compact(answer) and jsontext.loads(body), budget)
    return {
        "request_kib": len(compact(request)) / 1024,
        "answer_kib": len(compact(answer)) / 1024,
        "hook": common.summarize(hook_s),
        "hook_per_s": len(hook_s) / sum(hook_s),
        "json": common.summarize(json_s),
        "bytes": common.summarize(bytes_s),
        "floor": common.summarize(floor_s),
    }


def fit(xs: list[float], ys: list[float]) -> Line:
    """Return the least-squares line through the points."""
    mean_x, mean_y = sum(xs) / len(xs), sum(ys) / len(ys)
    var_x = sum((x - mean_x) ** 2 for x in xs)
    per_item = sum((x - mean_x) * (y - mean_y) for x, y in zip(xs, ys, strict=True)) / var_x
    fixed = mean_y - per_item * mean_x
    total = sum((y - mean_y) ** 2 for y in ys)
    residual = sum((y - fixed - per_item * x) ** 2 for x, y in zip(xs, ys, strict=True))
    return Line(fixed, per_item, 1.0 - residual / total if total > 0 else 1.0)


def growth(xs: list[float], ys: list[float]) -> str:
    """Say how ys grow with xs: constant, linear, or worse than linear."""
    line = fit(xs, ys)
    if line.per_item * (max(xs) - min(xs)) < CONSTANT_SHARE * min(ys):
        return "constant"
    middle = len(xs) // 2
    low = fit(xs[: middle + 1], ys[: middle + 1]).per_item
    high = fit(xs[middle:], ys[middle:]).per_item
    if high > SUPERLINEAR_FACTOR * max(low, 0.0):
        return f"worse than linear (per item {low * 1e6:.1f} -> {high * 1e6:.1f} us)"
    return "linear"


def fmt_kib(kib: float) -> str:
    """Format KiB with one decimal."""
    return f"{kib:.1f}"


def fmt_ratio(ratio: float) -> str:
    """Format a ratio like 2.31x."""
    return f"{ratio:.2f}x" if math.isfinite(ratio) else "n/a"


def _config_documents(answer: dict[str, Any]) -> list[Any]:
    """Return the decoded agent.json and tools.json of the answer's `<name>-config` ConfigMap."""
    config = next(
        child
        for child in answer["children"]
        if child["kind"] == "ConfigMap" and child["metadata"]["name"].endswith("-config")
    )
    return [json.loads(config["data"][key]) for key in ("agent.json", "tools.json")]


def breakdown(request: dict[str, Any], answer: dict[str, Any], budget: Budget) -> dict[str, Any]:
    """Time the parts of an AgentRuntime sync request's cost, each on its own.

    `decode`, `encode` and `compact` (what `agentruntime.config_map` pays to write agent.json
    and tools.json) use the app's codec, hooks/jsontext.py; the `*_stdlib` parts do the same
    with the standard library's json, as before; `pretty` is what the two documents cost with
    json.dumps(sort_keys=True, indent=2), the pure-Python encoder they were first written with.
    """
    body = compact(request)
    documents = _config_documents(answer)
    hook = hook_call(hr.AR_SYNC, request)
    parts = {
        "decode": lambda: jsontext.loads(body),
        "decode_stdlib": lambda: json.loads(body),
        "encode": lambda: compact(answer),
        "encode_stdlib": lambda: stdlib_compact(answer),
        "parse": lambda: envelope.parse_sync(request),
        "sync": hook,
        "pretty": lambda: [json.dumps(d, sort_keys=True, indent=2) for d in documents],
        "compact": lambda: [jsontext.canonical(d) for d in documents],
        "compact_stdlib": lambda: [
            json.dumps(d, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
            for d in documents
        ],
    }
    return {name: common.summarize(time_calls(call, budget)) for name, call in parts.items()}
