"""The agent's Flask app in a thread-based WSGI server on loopback, for integration tests."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import requests
from werkzeug.serving import make_server

from agent import runtime, server
from agent.config import load
from agent.sessions import store as session_store
from tests.support import http_thread
from tests.support.wait import wait_until

FAST_RELOAD_S = 0.05
# The dev server logs every request; readiness polling alone would flood the output.
logging.getLogger("werkzeug").setLevel(logging.WARNING)


@dataclass
class RunningAgent:
    """An agent serving on 127.0.0.1:port."""

    port: int
    runtime: runtime.Runtime

    def ws_url(self, query: str = "") -> str:
        """The WebSocket URL, with an optional query string."""
        return f"ws://127.0.0.1:{self.port}/ws{'?' + query if query else ''}"

    def http(self, path: str) -> requests.Response:
        """GET a path."""
        return requests.get(f"http://127.0.0.1:{self.port}{path}", timeout=10)

    def metric(self, name: str, **labels: str) -> float:
        """The value of one series from /metrics (0 when absent)."""
        value = self.runtime.metrics.registry.get_sample_value(name, labels)
        return value or 0.0


@contextmanager
def serving(
    env: dict[str, str],
    *,
    session_store: session_store.SessionStore | None = None,
    sleep: object = None,
    ping_interval_s: float = server.PING_INTERVAL_S,
) -> Iterator[RunningAgent]:
    """Build the runtime from env (as `omnia agent` would) and serve it until the block exits."""
    settings = load.Settings.from_env(env)
    rt = runtime.build_runtime(
        settings,
        session_store=session_store,
        reload_interval_s=FAST_RELOAD_S,
        sleep=sleep if callable(sleep) else time.sleep,
    )
    app = server.create_app(rt, ping_interval_s=ping_interval_s)
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    httpd.daemon_threads = True
    httpd.block_on_close = False
    agent = RunningAgent(httpd.server_port, rt)
    try:
        with http_thread.running(httpd, "agent-wsgi"):
            wait_until(lambda: agent.http("/readyz").status_code == 200, 30, "agent ready")
            yield agent
    finally:
        rt.close()
