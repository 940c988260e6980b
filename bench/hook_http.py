"""Hook cost over HTTP: the AgentRuntime sync against a canned answer, on one gunicorn server.

One `bench.hook_serve` process serves the real hook app as `omnia hooks` does (gthread, one
worker of 8 threads by default) with a baseline route answering the same bytes without doing
the work. At each concurrency level, client processes (bench/hook_load.py) POST the converged
20-tool request to the baseline and to the hook in alternating rounds, on keep-alive
connections. A second server with two workers shows what a second core buys at the highest
level. The CPU the server, the clients and the rest of the machine spend is read from /proc.
"""

from __future__ import annotations

from typing import Any

from bench import common, hook_load, hook_serve
from bench import hook_inprocess as hp
from bench import hook_requests as hr

LEVELS = (1, 4, 16, 32)
QUICK_LEVELS = (1, 4)
REQUESTS = 2000
QUICK_REQUESTS = 40
LEVEL_TIME_LIMIT_S = 20.0
QUICK_LEVEL_TIME_LIMIT_S = 5.0
ROUNDS = 4
QUICK_ROUNDS = 2
WARMUP_REQUESTS = 50
QUICK_WARMUP_REQUESTS = 4
START_TIMEOUT_S = 30.0
SUMMED = ("ok", "bad", "wall_s", "client_cpu_s", "server_cpu_s", "other_cpu_s")
DEFAULT_WORKERS = 1
MORE_WORKERS = 2
CORES = 2  # the target is per 2 cores


def _run(server_id: tuple[int, int], job: hook_load.Job) -> dict[str, Any]:
    """Load the server once; add its CPU and the rest of the machine's to the figures."""
    pid = server_id[1]
    server_before, busy_before = hook_serve.cpu_seconds(pid), hook_serve.busy_seconds()
    figures = hook_load.load(job)
    figures["server_cpu_s"] = hook_serve.cpu_seconds(pid) - server_before
    ours = figures["server_cpu_s"] + figures["client_cpu_s"]
    figures["other_cpu_s"] = max(0.0, hook_serve.busy_seconds() - busy_before - ours)
    return figures


def _merge(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Return the figures of several runs of one endpoint as one."""
    latencies = [s for run in runs for s in run["latencies"]]
    merged = {key: sum(run[key] for run in runs) for key in SUMMED}
    return merged | {
        "n": len(latencies),
        "problem": next((run["problem"] for run in runs if run["problem"]), ""),
        "per_s": merged["ok"] / merged["wall_s"] if merged["wall_s"] > 0 else 0.0,
        "latency": common.summarize(latencies),
    }


def _pair(
    server_id: tuple[int, int], body: bytes, expected: bytes, clients: int, quick: bool
) -> dict[str, Any]:
    """Load the baseline and the hook in alternating rounds at one level; return both.

    Alternating (baseline, hook, hook, baseline, ...) spreads whatever else the machine does
    over both endpoints rather than over one of them.
    """
    rounds = QUICK_ROUNDS if quick else ROUNDS
    requests = (QUICK_REQUESTS if quick else REQUESTS) // rounds
    limit_s = (QUICK_LEVEL_TIME_LIMIT_S if quick else LEVEL_TIME_LIMIT_S) / rounds
    runs: dict[str, list[dict[str, Any]]] = {"baseline": [], "hook": []}
    order = [("baseline", hook_serve.BASELINE_PATH), ("hook", hr.AR_SYNC)]
    for _ in range(rounds):
        for name, path in order:
            job = hook_load.Job(server_id[0], path, body, expected, clients, requests, limit_s)
            runs[name].append(_run(server_id, job))
        order.reverse()
    return {name: _merge(found) for name, found in runs.items()}


def _warm(port: int, body: bytes, expected: bytes, quick: bool) -> None:
    for path in (hook_serve.BASELINE_PATH, hr.AR_SYNC):
        requests = QUICK_WARMUP_REQUESTS if quick else WARMUP_REQUESTS
        hook_load.load(hook_load.Job(port, path, body, expected, 1, requests, START_TIMEOUT_S))


def measure(quick: bool) -> list[dict[str, Any]]:
    """Return one entry per (workers, clients): the baseline's and the hook's figures."""
    found = hr.build(hr_tools := 20)
    body = hp.compact(found.agentruntime)
    expected = hp.compact(found.agentruntime_answer)
    levels = QUICK_LEVELS if quick else LEVELS
    runs: list[tuple[int, tuple[int, ...]]] = [(DEFAULT_WORKERS, levels)]
    if not quick:
        runs.append((MORE_WORKERS, levels[-1:]))
    entries = []
    for workers, worker_levels in runs:
        with hook_serve.server(expected, workers) as server_id:
            _warm(server_id[0], body, expected, quick)
            for clients in worker_levels:
                pair = _pair(server_id, body, expected, clients, quick)
                entries.append({"workers": workers, "clients": clients, "tools": hr_tools} | pair)
    return entries


def section(entries: list[dict[str, Any]], request_kib: float, answer_kib: float) -> dict[str, Any]:
    """Return the HTTP table: throughput and latency of hook and baseline, and their ratios."""
    rows = []
    for entry in entries:
        base, hook = entry["baseline"], entry["hook"]
        rows.append(
            [
                f"{entry['workers']}x8",
                entry["clients"],
                f"{base['per_s']:.0f}",
                f"{hook['per_s']:.0f}",
                hp.fmt_ratio(base["per_s"] / hook["per_s"] if hook["per_s"] else float("nan")),
                common.fmt_ms(base["latency"]["p50"]),
                common.fmt_ms(hook["latency"]["p50"]),
                hp.fmt_ratio(hook["latency"]["p50"] / base["latency"]["p50"]),
                common.fmt_ms(base["latency"]["p99"]),
                common.fmt_ms(hook["latency"]["p99"]),
                hp.fmt_ratio(hook["latency"]["p99"] / base["latency"]["p99"]),
                f"{base['ok'] + hook['ok']}/{base['n'] + hook['n']}",
            ]
        )
    return {
        "heading": "HTTP through gunicorn: AgentRuntime sync versus a canned answer",
        "text": (
            f"One gunicorn server as `omnia hooks` runs it (gthread; workers x 8 threads), "
            f"converged request of 20 tools ({request_kib:.1f} KiB compact JSON), answer "
            f"{answer_kib:.1f} KiB. `baseline` is a route on the same server that reads the "
            "body and answers the same bytes without doing anything. Clients are threads "
            "spread over two processes, each on its own keep-alive connection, on the same "
            "2 cores as the server. `ok` counts answers that were 200 with the expected bytes."
        ),
        "columns": [
            "workers",
            "clients",
            "baseline /s",
            "hook /s",
            "throughput ratio",
            "baseline p50 ms",
            "hook p50 ms",
            "p50 ratio",
            "baseline p99 ms",
            "hook p99 ms",
            "p99 ratio",
            "ok",
        ],
        "rows": rows,
    }


def _per_request_ms(figures: dict[str, Any], key: str) -> float:
    return float(figures[key]) / max(int(figures["ok"]), 1) * 1000


def cpu_section(entries: list[dict[str, Any]]) -> dict[str, Any]:
    """Return CPU per answer: the server's for hook and baseline, and the clients'."""
    rows = []
    for entry in entries:
        base, hook = entry["baseline"], entry["hook"]
        hook_ms = _per_request_ms(hook, "server_cpu_s")
        base_ms = _per_request_ms(base, "server_cpu_s")
        others = (base["other_cpu_s"] + hook["other_cpu_s"]) / (base["wall_s"] + hook["wall_s"])
        rows.append(
            [
                f"{entry['workers']}x8",
                entry["clients"],
                f"{base_ms:.2f}",
                f"{hook_ms:.2f}",
                f"{hook_ms - base_ms:.2f}",
                f"{_per_request_ms(hook, 'client_cpu_s'):.2f}",
                f"{others:.2f}",
                f"{CORES * 1000 / hook_ms:.0f}" if hook_ms > 0 else "n/a",
            ]
        )
    return {
        "heading": "HTTP through gunicorn: CPU per answer",
        "text": (
            "CPU seconds (user + system, from /proc) the server's processes and the client "
            "processes spent during each run, per answer. `others` is how many cores the rest "
            "of the machine kept busy meanwhile (CPU of every other process over wall time): "
            f"what the figures of that row competed with. `{CORES} cores / CPU` is how many syncs "
            f"per second {CORES} fully used cores would answer at the server's CPU cost, with "
            "the clients elsewhere and enough workers to use them."
        ),
        "columns": [
            "workers",
            "clients",
            "baseline server CPU ms",
            "hook server CPU ms",
            "difference ms",
            "hook client CPU ms",
            "others (cores)",
            f"{CORES} cores / CPU",
        ],
        "rows": rows,
    }
