"""`omnia hooks`: serve the hook app with gunicorn (threaded workers, no access log)."""

from __future__ import annotations

import argparse
import dataclasses
import logging
import os
from collections.abc import Mapping
from typing import Any
from wsgiref.types import WSGIApplication

from gunicorn.app.base import BaseApplication

from hooks import app as hook_app
from hooks import settings as settings_module
from hooks.settings import HookSettings

DEFAULT_WORKERS = 1
DEFAULT_THREADS = 8
MAX_WORKERS = 32
MAX_THREADS = 64
LOG_LEVELS = ("debug", "info", "warning", "error")
GRACEFUL_TIMEOUT_S = 10
WORKER_TIMEOUT_S = 30
KEEPALIVE_S = 5


@dataclasses.dataclass(frozen=True)
class ServeOptions:
    """How gunicorn runs the app (not the hooks' business, so not in HookSettings)."""

    workers: int = DEFAULT_WORKERS
    threads: int = DEFAULT_THREADS
    log_level: str = "info"
    host: str = "0.0.0.0"

    @classmethod
    def from_env(cls, env: Mapping[str, str]) -> ServeOptions:
        """Read OMNIA_HOOKS_HOST, OMNIA_HOOKS_WORKERS, OMNIA_HOOKS_THREADS, OMNIA_LOG_LEVEL.

        Raises:
            ValueError: naming the variable, when a value is malformed.
        """
        level = (env.get("OMNIA_LOG_LEVEL") or "info").lower()
        if level not in LOG_LEVELS:
            raise ValueError(f"OMNIA_LOG_LEVEL: {level!r} is not one of {', '.join(LOG_LEVELS)}")
        return cls(
            workers=settings_module.int_from_env(
                env, "OMNIA_HOOKS_WORKERS", DEFAULT_WORKERS, 1, MAX_WORKERS
            ),
            threads=settings_module.int_from_env(
                env, "OMNIA_HOOKS_THREADS", DEFAULT_THREADS, 1, MAX_THREADS
            ),
            log_level=level,
            host=env.get("OMNIA_HOOKS_HOST") or "0.0.0.0",
        )


def gunicorn_options(settings: HookSettings, options: ServeOptions) -> dict[str, Any]:
    """Return the gunicorn settings of the hook service.

    One worker by default: the hooks are cheap pure functions, and a single process keeps the
    /metrics counters whole (prometheus-client counts per process, so with several workers a
    scrape sees one worker's share).
    """
    return {
        "bind": f"{options.host}:{settings.port}",
        "workers": options.workers,
        "worker_class": "gthread",
        "threads": options.threads,
        "accesslog": None,
        "loglevel": options.log_level,
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
            "OMNIA_CLUSTER_DOMAIN (cluster.local), OMNIA_HOOKS_WORKERS (1), "
            "OMNIA_HOOKS_THREADS (8), OMNIA_LOG_LEVEL (info)."
        ),
    )
    parser.parse_args(argv)
    try:
        settings = HookSettings.from_env()
        options = ServeOptions.from_env(os.environ)
    except ValueError as error:
        parser.error(str(error))
    logging.basicConfig(
        level=options.log_level.upper(), format="%(levelname)s %(name)s: %(message)s"
    )
    HookServer(hook_app.create_app(settings), gunicorn_options(settings, options)).run()
    return 0
