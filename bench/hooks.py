"""Hook cost: in-process sync time, HTTP through gunicorn against a baseline, and scaling curves.

    python -m bench.hooks [--quick]

1. In-process: `agentruntime.sync` on converged requests with 1, 20 and 200 tools, against
   `json.loads(json.dumps(request))` of the same request, and where the 20-tool time goes
   (bench/hook_inprocess.py).
2. HTTP: the 20-tool sync through one gunicorn server at 1, 4, 16 and 32 clients, against a
   route on the same server answering the same bytes, and the CPU each answer costs
   (bench/hook_http.py).
3. Scaling: sync time versus tools and versus unrelated objects in the namespace, with a
   least-squares line per curve and docs/img/hook-scaling.png (bench/hook_scaling.py).
Targets and their notes: bench/hook_targets.py.
"""

from __future__ import annotations

from typing import Any

from bench import common, hook_http, hook_scaling, hook_targets
from bench import hook_inprocess as hp
from bench import hook_requests as hr

CASES = (1, 20, 200)
QUICK_CASES = (1, 5, 20)
BUDGET = hp.Budget(calls=3000, seconds=1.5)
QUICK_BUDGET = hp.Budget(calls=5, seconds=0.02, collect=False)


def _inprocess(quick: bool) -> tuple[dict[int, dict[str, Any]], dict[str, Any]]:
    """Return the figures of each case, and the breakdown of the typical one."""
    budget = QUICK_BUDGET if quick else BUDGET
    found = {tools: hr.build(tools) for tools in (QUICK_CASES if quick else CASES)}
    cases = {
        tools: hp.measure(hr.AR_SYNC, r.agentruntime, r.agentruntime_answer, budget)
        for tools, r in found.items()
    }
    typical = found[hook_targets.TYPICAL_TOOLS]
    parts = hp.breakdown(typical.agentruntime, typical.agentruntime_answer, budget)
    return cases, parts


def _inprocess_section(cases: dict[int, dict[str, Any]]) -> dict[str, Any]:
    rows = [
        [
            tools,
            hp.fmt_kib(case["request_kib"]),
            hp.fmt_kib(case["answer_kib"]),
            common.fmt_ms(case["hook"]["p50"]),
            common.fmt_ms(case["hook"]["p99"]),
            f"{case['hook_per_s']:.0f}",
            common.fmt_ms(case["json"]["p50"]),
            hp.fmt_ratio(case["hook"]["p50"] / case["json"]["p50"]),
            common.fmt_ms(case["bytes"]["p50"]),
            f"{1 / case['bytes']['mean']:.0f}",
            common.fmt_ms(case["floor"]["p50"]),
        ]
        for tools, case in cases.items()
    ]
    return {
        "heading": "In-process: AgentRuntime sync versus a JSON round trip of its request",
        "text": (
            "A converged AgentRuntime (providerRef, Redis sessions, a ToolRegistry with n "
            "discovered tools) as the emulated Metacontroller sends it; one thread, "
            "back-to-back calls. `sync` is `agentruntime.sync(request, settings, now)` on the "
            "parsed request; `JSON` is `json.loads(json.dumps(request))`, the least any hook "
            "pays to read its input; `bytes` is decode, parse, sync and encode, the app's work "
            "without Flask; `floor` is decoding the request and encoding the answer alone. "
            "Rates are 1 / mean, on one core."
        ),
        "columns": [
            "tools",
            "request KiB",
            "answer KiB",
            "sync p50 ms",
            "sync p99 ms",
            "syncs/s",
            "JSON p50 ms",
            "sync / JSON",
            "bytes p50 ms",
            "bytes/s",
            "floor p50 ms",
        ],
        "rows": rows,
    }


BREAKDOWN = (
    ("decode", "decode the request body (jsontext.loads: orjson)"),
    ("decode_stdlib", "the same with the standard library's json.loads (as before)"),
    ("parse", "envelope.parse_sync (checks the envelope, copies nothing)"),
    ("sync", "agentruntime.sync"),
    ("compact", "of which: agent.json + tools.json (jsontext.canonical: orjson)"),
    ("compact_stdlib", "the same two documents with json.dumps, compact (as before)"),
    ("pretty", "the same two documents with json.dumps, indent=2 (as at first)"),
    ("encode", "encode the answer (jsontext.dumps, as the app writes it)"),
    ("encode_stdlib", "the same with the standard library's json.dumps (as before)"),
)


def _breakdown_section(parts: dict[str, Any], http: list[dict[str, Any]]) -> dict[str, Any]:
    rows = [[what, common.fmt_ms(parts[key]["p50"])] for key, what in BREAKDOWN]
    single = next(e for e in http if e["clients"] == 1)
    rows += [
        ["HTTP baseline at 1 client (gunicorn, Flask, loopback, same bytes)",
         common.fmt_ms(single["baseline"]["latency"]["p50"])],
        ["HTTP hook at 1 client", common.fmt_ms(single["hook"]["latency"]["p50"])],
    ]  # fmt: skip
    return {
        "heading": f"Where the time goes: AgentRuntime sync, {hook_targets.TYPICAL_TOOLS} tools",
        "text": "Each part timed on its own, p50 on one thread (the HTTP rows: per request).",
        "columns": ["part", "p50 ms"],
        "rows": rows,
    }


def run(quick: bool = False) -> dict[str, Any]:
    """Run the hook benchmarks and return the result (bench/common.py)."""
    cases, parts = _inprocess(quick)
    typical = cases[hook_targets.TYPICAL_TOOLS]
    http = hook_http.measure(quick)
    scaling, _, plots = hook_scaling.run(quick)
    sections = [
        _inprocess_section(cases),
        hook_http.section(http, typical["request_kib"], typical["answer_kib"]),
        hook_http.cpu_section(http),
        _breakdown_section(parts, http),
        *scaling,
    ]
    return {
        "name": "hooks",
        "title": "Hook cost",
        "command": "python -m bench.hooks",
        "sections": sections,
        "targets": hook_targets.targets(http, typical, parts),
        "plots": plots,
    }


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark, print its tables and write its result."""
    return common.main("bench.hooks", __doc__, run, argv)


if __name__ == "__main__":
    raise SystemExit(main())
