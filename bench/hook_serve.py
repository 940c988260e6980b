"""The HTTP benchmark's server: `omnia hooks` plus a baseline route, started and read from /proc.

    python -m bench.hook_serve --port PORT --canned FILE [--workers 1]

The app is the real one (`hooks.app.create_app`) with one route added here, not in product code:
POST /bench/baseline reads the body and answers the canned bytes (the same answer the hook gives
a converged request), so the two differ only by what the hook does between reading and writing.
gunicorn runs with `hooks.serve.gunicorn_options`: the worker class, threads, keep-alive and
timeouts of `omnia hooks`, bound to 127.0.0.1. `server()` runs it as a child process.
"""

from __future__ import annotations

import argparse
import contextlib
import dataclasses
import os
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import flask

from bench import common
from hooks import app as hook_app
from hooks import serve
from hooks.local import process
from hooks.settings import HookSettings
from tests.support import hook_scenario as hs
from tests.support.ports import free_port

BASELINE_PATH = "/bench/baseline"
START_TIMEOUT_S = 30.0
STOP_TIMEOUT_S = 15.0
HEALTH_TIMEOUT_S = 1.0
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
# /proc/stat's cpu line: user nice system idle iowait irq softirq steal; idle, iowait are not busy.
BUSY_FIELDS = (0, 1, 2, 5, 6, 7)


def create_app(settings: HookSettings, canned: bytes) -> flask.Flask:
    """Return the hook app with POST /bench/baseline answering `canned`."""
    app = hook_app.create_app(settings)

    def baseline() -> flask.Response:
        flask.request.get_data(cache=False)  # read the body, as the hooks do, and drop it
        return flask.Response(canned, mimetype=hook_app.JSON_MIMETYPE)

    app.add_url_rule(BASELINE_PATH, endpoint="bench.baseline", view_func=baseline, methods=["POST"])
    return app


def cpu_seconds(pid: int) -> float:
    """Return the user + system CPU seconds of a process and its live children, from /proc."""
    total = 0.0
    for each in (pid, *common.children_of(pid)):
        fields = Path(f"/proc/{each}/stat").read_text().rsplit(")", 1)[1].split()
        total += (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
    return total


def busy_seconds() -> float:
    """Return the CPU seconds every process of the machine has spent so far (all cores)."""
    fields = Path("/proc/stat").read_text().splitlines()[0].split()[1:]
    return sum(int(fields[i]) for i in BUSY_FIELDS) / CLOCK_TICKS


@contextlib.contextmanager
def server(canned: bytes, workers: int) -> Iterator[tuple[int, int]]:
    """Run this module's server on a free loopback port; yield (port, PID); stop its group."""
    port = free_port()
    with tempfile.TemporaryDirectory() as scratch:
        canned_path = Path(scratch) / "canned.json"
        canned_path.write_bytes(canned)
        command = [sys.executable, "-m", "bench.hook_serve", "--port", str(port)]
        command += ["--canned", str(canned_path), "--workers", str(workers)]
        group = process.ProcessGroup(
            command, env=os.environ, cwd=common.REPO, log_path=Path(scratch) / "server.log"
        )
        group.start()
        try:
            health = f"http://127.0.0.1:{port}/healthz"
            group.wait_until(lambda: process.http_ok(health), START_TIMEOUT_S, "bench.hook_serve")
            assert group.pid is not None
            yield port, group.pid
        finally:
            group.stop()


def main(argv: list[str] | None = None) -> int:
    """Serve until SIGTERM."""
    parser = argparse.ArgumentParser(prog="python -m bench.hook_serve")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--canned", type=Path, required=True, help="the baseline's answer")
    parser.add_argument("--workers", type=int, default=serve.DEFAULT_WORKERS)
    args = parser.parse_args(argv)
    settings = dataclasses.replace(hs.SETTINGS, port=args.port)
    options = serve.ServeOptions(workers=args.workers, log_level="warning", host="127.0.0.1")
    application = create_app(settings, args.canned.read_bytes())
    serve.HookServer(application, serve.gunicorn_options(settings, options)).run()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
