"""Hook cost over HTTP: the AgentRuntime sync against a canned answer, on one gunicorn server.

One `bench.hook_serve` process serves the real hook app as `omnia hooks` does (gthread, one
worker of 8 threads by default) with a baseline route answering the same bytes without doing
the work. At each concurrency level, client processes (bench/hook_load.py) POST the converged
20-tool request to the baseline, then to the hook, on keep-alive connections. A second server
with two workers shows what a second core buys at the highest level.
"""

from __future__ import annotations

import contextlib
import http.client
import os
import signal
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from bench import common, hook_load, hook_serve
from bench import hook_inprocess as hp
from bench import hook_requests as hr
from tests.support.ports import free_port
from tests.support.wait import wait_until

LEVELS = (1, 4, 16, 32)
QUICK_LEVELS = (1, 4)
REQUESTS = 2000
QUICK_REQUESTS = 40
LEVEL_TIME_LIMIT_S = 20.0
QUICK_LEVEL_TIME_LIMIT_S = 5.0
WARMUP_REQUESTS = 50
QUICK_WARMUP_REQUESTS = 4
START_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 15.0
DEFAULT_WORKERS = 1
MORE_WORKERS = 2


def _healthy(port: int) -> bool:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=1.0)
    try:
        connection.request("GET", "/healthz")
        return connection.getresponse().status == 200
    finally:
        connection.close()


@contextlib.contextmanager
def server(canned: bytes, workers: int) -> Iterator[int]:
    """Run bench.hook_serve on a free loopback port; yield the port; stop it by its PID."""
    port = free_port()
    with tempfile.TemporaryDirectory() as scratch, tempfile.TemporaryFile() as log:
        canned_path = Path(scratch) / "canned.json"
        canned_path.write_bytes(canned)
        command = [
            sys.executable,
            "-m",
            "bench.hook_serve",
            "--port",
            str(port),
            "--canned",
            str(canned_path),
            "--workers",
            str(workers),
        ]
        process = subprocess.Popen(
            command, cwd=common.REPO, env=os.environ, stdout=subprocess.DEVNULL, stderr=log
        )
        try:
            try:
                wait_until(
                    lambda: process.poll() is None and _healthy(port), START_TIMEOUT_S, "server"
                )
            except TimeoutError:
                log.seek(0)
                raise RuntimeError(f"bench.hook_serve did not start: {log.read()!r}") from None
            yield port
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _pair(port: int, body: bytes, expected: bytes, clients: int, quick: bool) -> dict[str, Any]:
    """Load the baseline, then the hook, at one level; return both."""
    out = {}
    for name, path in (("baseline", hook_serve.BASELINE_PATH), ("hook", hr.AR_SYNC)):
        job = hook_load.Job(
            port=port,
            path=path,
            body=body,
            expected=expected,
            clients=clients,
            requests=QUICK_REQUESTS if quick else REQUESTS,
            time_limit_s=QUICK_LEVEL_TIME_LIMIT_S if quick else LEVEL_TIME_LIMIT_S,
        )
        out[name] = hook_load.load(job)
    return out


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
        with server(expected, workers) as port:
            _warm(port, body, expected, quick)
            for clients in worker_levels:
                pair = _pair(port, body, expected, clients, quick)
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
