"""Cold start: process start to /readyz OK, what that time is made of, and whether ready is warm.

Each repeat starts `omnia agent` (openai provider against the fake LLM, memory sessions) and
times the start to the worker's fork and to the first /readyz 200 (polled every 10 ms). Then it
times send-to-first-chunk of the first turn after ready and of warm turns after it, each on a
fresh socket. The agent logs how long its warm-up took. The same server with the built-in
mock provider (which never loads litellm) shows what the server itself costs. A fresh
interpreter times `import litellm`, then calls the LLM adapter with no warm-up: what the first
user would wait without it.

    python -m bench.coldstart [--quick]
"""

from __future__ import annotations

import re
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from bench import agent_proc, common
from tests.support import fake_llm
from tests.support.ws_client import WsClient

NAME = "coldstart"
REPEATS = 3
WARM_TURNS = 5
QUICK_WARM_TURNS = 2
CHILD_TIMEOUT_S = 120.0
TURN_TIMEOUT_S = 30.0
TARGET_READY_S = 3.0
TARGET_FIRST_TURN_MS = 50.0
WARM_LOG = re.compile(r"LLM client for \w+ warm in ([0-9.]+)s")


def _ttft(agent: agent_proc.Agent) -> float:
    """Seconds from sending a message (on a fresh socket) to its first chunk."""
    with WsClient(agent.ws_url(), timeout_s=TURN_TIMEOUT_S) as client:
        client.recv()
        started = time.perf_counter()
        client.send({"type": "message", "content": "hello"})
        first = None
        for _ in range(agent_proc.MAX_FRAMES_PER_TURN):
            frame = client.recv()
            if frame["type"] == "chunk" and first is None:
                first = time.perf_counter() - started
            if frame["type"] in ("done", "error"):
                break
    if first is None:
        raise RuntimeError(f"the turn ended without a chunk: {frame}")
    return first


def start_once(workdir: Path, llm_url: str | None, warm_turns: int) -> dict[str, Any]:
    """Start the agent once; return its start timings and the first and warm TTFTs."""
    with agent_proc.running_agent(workdir, llm_url=llm_url, log_level="INFO") as agent:
        first = _ttft(agent)
        warm = [_ttft(agent) for _ in range(warm_turns)]
        logged = WARM_LOG.search(agent.log_text())
    return {
        "forked_s": agent.forked_s,
        "ready_s": agent.ready_s,
        "warm_up_s": float(logged.group(1)) if logged else None,
        "first_ms": first * 1000,
        "warm_ms": statistics.median(warm) * 1000,
    }


def measure(spec: dict[str, Any]) -> dict[str, Any]:
    """In a fresh interpreter: time `import litellm`, then adapter calls with no warm-up."""
    from agent import completion, llm
    from agent.config import contract

    started = time.perf_counter()
    import litellm  # noqa: F401 - the import is what is timed

    import_s = time.perf_counter() - started
    provider = contract.ProviderConfig(type="openai", model="m1", baseURL=spec["base_url"])
    adapter = llm.for_provider(provider, {})
    request = completion.Request([{"role": "user", "content": "hello"}])
    times = []
    for _ in range(3):
        started = time.perf_counter()
        for event in adapter.stream(request):
            if isinstance(event, completion.TextDelta):
                times.append(time.perf_counter() - started)
                break
    return {"import_s": import_s, "first_ms": times[0] * 1000, "next_ms": times[-1] * 1000}


def run(quick: bool = False) -> dict[str, Any]:
    """Start the agent a few times; return the result."""
    repeats = 1 if quick else REPEATS
    warm_turns = QUICK_WARM_TURNS if quick else WARM_TURNS
    with (
        fake_llm.running(agent_proc.answer(40)) as llm,
        tempfile.TemporaryDirectory(prefix="omnia-bench-") as tmp,
    ):
        starts = [
            start_once(Path(tmp) / f"openai-{n}", llm.base_url, warm_turns) for n in range(repeats)
        ]
        mock = [start_once(Path(tmp) / f"mock-{n}", None, 1) for n in range(repeats)]
        fresh = agent_proc.run_child("bench.coldstart", {"base_url": llm.base_url}, CHILD_TIMEOUT_S)
    return _result(starts, mock, fresh, quick)


def _result(
    starts: list[dict[str, Any]], mock: list[dict[str, Any]], fresh: dict[str, Any], quick: bool
) -> dict[str, Any]:
    rows = [
        [
            f"openai #{n + 1}",
            f"{s['forked_s']:.2f}",
            f"{s['ready_s']:.2f}",
            f"{s['warm_up_s']:.2f}" if s["warm_up_s"] is not None else "-",
            f"{s['first_ms']:.1f}",
            f"{s['warm_ms']:.1f}",
            f"{s['first_ms'] - s['warm_ms']:+.1f}",
        ]
        for n, s in enumerate(starts)
    ]
    rows += [
        [f"mock #{n + 1}", f"{s['forked_s']:.2f}", f"{s['ready_s']:.2f}", "-", "-", "-", "-"]
        for n, s in enumerate(mock)
    ]
    ready = statistics.median(s["ready_s"] for s in starts)
    mock_ready = statistics.median(s["ready_s"] for s in mock)
    forked = statistics.median(s["forked_s"] for s in starts)
    warm_up = statistics.median(s["warm_up_s"] or 0.0 for s in starts)
    penalty = max(s["first_ms"] - s["warm_ms"] for s in starts)
    breakdown = [
        ["start to the worker's fork (interpreter, imports, gunicorn master)", f"{forked:.2f}"],
        [
            "the same server with the mock provider (no litellm): start to ready",
            f"{mock_ready:.2f}",
        ],
        ["the worker's LLM warm-up, as it logs it", f"{warm_up:.2f}"],
        ["of which `import litellm` (timed in a fresh interpreter)", f"{fresh['import_s']:.2f}"],
        ["openai provider: start to ready (median)", f"{ready:.2f}"],
    ]
    why = (
        f"litellm dominates: the warm-up takes {warm_up:.2f} s of the {ready:.2f} s, "
        f"{fresh['import_s']:.2f} s of it importing litellm and the rest in two offline calls "
        "that import what a first turn would (the streaming wrapper, the OpenAI SDK's client "
        f"and chat types). The server without litellm is ready in {mock_ready:.2f} s."
    )
    targets = [
        {
            "what": "Cold start: process start to /readyz OK (openai provider)",
            "target": f"<= {TARGET_READY_S:g} s",
            "measured": f"{ready:.2f} s (median of {len(starts)})",
            "met": ready <= TARGET_READY_S,
            "note": "" if ready <= TARGET_READY_S else why + NOT_MET_FIX,
        },
        {
            "what": "Cold start: first turn after ready, slower to first token than a warm turn",
            "target": f"<= {TARGET_FIRST_TURN_MS:g} ms",
            "measured": f"{penalty:+.1f} ms (worst of {len(starts)} starts)",
            "met": penalty <= TARGET_FIRST_TURN_MS,
            "note": "",
        },
    ]
    return {
        "name": NAME,
        "title": "Cold start",
        "command": "python -m bench.coldstart",
        "sections": [
            {
                "heading": "Start to ready, and the first turn after ready",
                "text": (
                    "Seconds from starting `omnia agent` to its worker's fork and to the first "
                    "/readyz 200; the warm-up's duration as the agent logs it; then time to "
                    "first token (ms) of the first turn after ready and the median of "
                    "the warm turns after it, each on a fresh socket."
                    + (" Quick run." if quick else "")
                ),
                "columns": [
                    "start",
                    "forked s",
                    "ready s",
                    "warm-up s",
                    "first ms",
                    "warm ms",
                    "first - warm",
                ],
                "rows": rows,
            },
            {
                "heading": "What the start is made of (s)",
                "text": why,
                "columns": ["part", "s"],
                "rows": breakdown,
            },
            {
                "heading": "Without the warm-up",
                "text": (
                    "A fresh interpreter importing litellm "
                    f"({fresh['import_s']:.2f} s), then calling the LLM adapter with no warm-up: "
                    f"the first call reaches its first token after {fresh['first_ms']:.0f} ms, "
                    f"the third after {fresh['next_ms']:.1f} ms. Import and first call are what "
                    "the first user of a pod would wait if ready did not mean warm."
                ),
                "columns": [],
                "rows": [],
            },
        ],
        "targets": targets,
        "plots": [],
    }


NOT_MET_FIX = (
    " Already cut: the warm-up no longer imports the mcp package, which litellm loaded for "
    "every call with tools (median ready 3.91 s before, on the same machine). What would meet "
    "the target: less to import before ready. litellm's own import is most of the budget here "
    "and the OpenAI SDK's chat types come on top; calling OpenAI-compatible providers through "
    "a small SSE client instead of litellm would leave the server's own start."
)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark, print its tables and write its result."""
    return common.main("bench.coldstart", __doc__, run, argv, child=measure)


if __name__ == "__main__":
    raise SystemExit(main())
