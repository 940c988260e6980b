"""The hook service as `omnia hooks` serves it, plus a baseline route, for the HTTP benchmark.

    python -m bench.hook_serve --port PORT --canned FILE [--workers 1]

The app is the real one (`hooks.app.create_app`) with one route added here, not in product code:
POST /bench/baseline reads the body and answers the canned bytes (the same answer the hook gives
a converged request), so the two differ only by what the hook does between reading and writing.
gunicorn runs with `hooks.serve.gunicorn_options`: the worker class, threads, keep-alive and
timeouts of `omnia hooks`, bound to 127.0.0.1.
"""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path

import flask

from hooks import app as hook_app
from hooks import serve
from hooks.settings import HookSettings
from tests.support import hook_scenario as hs

BASELINE_PATH = "/bench/baseline"


def create_app(settings: HookSettings, canned: bytes) -> flask.Flask:
    """Return the hook app with POST /bench/baseline answering `canned`."""
    app = hook_app.create_app(settings)

    def baseline() -> flask.Response:
        flask.request.get_data(cache=False)  # read the body, as the hooks do, and drop it
        return flask.Response(canned, mimetype=hook_app.JSON_MIMETYPE)

    app.add_url_rule(BASELINE_PATH, endpoint="bench.baseline", view_func=baseline, methods=["POST"])
    return app


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
