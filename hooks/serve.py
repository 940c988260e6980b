"""`omnia hooks`: serve the hook app with gunicorn (threaded workers, no access log)."""

from __future__ import annotations

import argparse
from typing import Any
from wsgiref.types import WSGIApplication

from gunicorn.app.base import BaseApplication  # type: ignore[import-untyped]

from hooks import app as hook_app
from hooks.settings import HookSettings

THREADS = 8
GRACEFUL_TIMEOUT_S = 10
WORKER_TIMEOUT_S = 30
KEEPALIVE_S = 5


def gunicorn_options(settings: HookSettings, workers: int = 1) -> dict[str, Any]:
    """Return the gunicorn settings of the hook service.

    One worker by default: the hooks are cheap pure functions, and a single process keeps the
    /metrics counters whole (prometheus-client counts per process).
    """
    return {
        "bind": f"0.0.0.0:{settings.port}",
        "workers": workers,
        "worker_class": "gthread",
        "threads": THREADS,
        "accesslog": None,
        "graceful_timeout": GRACEFUL_TIMEOUT_S,
        "timeout": WORKER_TIMEOUT_S,
        "keepalive": KEEPALIVE_S,
        "control_socket_disable": True,
        "proc_name": "omnia-hooks",
    }


class HookServer(BaseApplication):  # type: ignore[misc]
    """gunicorn running one prepared WSGI app with fixed options (argv is not read)."""

    def __init__(self, application: WSGIApplication, options: dict[str, Any]) -> None:
        self.application = application
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        """Apply the options to gunicorn's config."""
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> WSGIApplication:
        """Return the app gunicorn serves."""
        return self.application


def main(argv: list[str]) -> int:
    """Serve the hooks on 0.0.0.0:$PORT until gunicorn is told to stop."""
    parser = argparse.ArgumentParser(
        prog="omnia hooks",
        description=(
            "Serve the Metacontroller hooks with gunicorn. Environment: PORT (8080), "
            "OMNIA_AGENT_IMAGE, OMNIA_AGENT_IMAGE_PULL_POLICY (IfNotPresent), "
            "OMNIA_CLUSTER_DOMAIN (cluster.local)."
        ),
    )
    parser.add_argument("--workers", type=int, default=1, help="worker processes (default 1)")
    args = parser.parse_args(argv)
    try:
        settings = HookSettings.from_env()
    except ValueError as error:
        parser.error(str(error))
    HookServer(hook_app.create_app(settings), gunicorn_options(settings, args.workers)).run()
    return 0
