"""The hook service's HTTP edge: a Flask app serving the hook table, /healthz and /metrics."""

from __future__ import annotations

import datetime
import logging
import time
from collections.abc import Callable, Mapping
from typing import Any

import flask
import prometheus_client
from werkzeug import exceptions

from hooks import envelope, jsontext, routes
from hooks.settings import HookSettings

LOG = logging.getLogger("omnia.hooks")
# Metacontroller sends every related object; a namespace with many Secrets makes big bodies.
MAX_REQUEST_BYTES = 32 * 1024 * 1024
LATENCY_BUCKETS_S = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
JSON_MIMETYPE = "application/json"

Clock = Callable[[], datetime.datetime]


def utc_now() -> datetime.datetime:
    """Return the current instant in UTC (the production clock)."""
    return datetime.datetime.now(datetime.UTC)


class _Metrics:
    """The hook metrics, in a registry of their own so that each app counts separately."""

    def __init__(self) -> None:
        self.registry = prometheus_client.CollectorRegistry()
        self.latency = prometheus_client.Histogram(
            "omnia_hook_duration_seconds",
            "Time to answer a Metacontroller hook call.",
            ["kind", "hook"],
            buckets=LATENCY_BUCKETS_S,
            registry=self.registry,
        )
        self.errors = prometheus_client.Counter(
            "omnia_hook_errors_total",
            "Hook calls answered with an error: bad_request (400) or exception (500).",
            ["kind", "hook", "type"],
            registry=self.registry,
        )


def _json(payload: Any, status: int = 200) -> flask.Response:
    return flask.Response(jsontext.dumps(payload), status=status, mimetype=JSON_MIMETYPE)


def _decode(raw: bytes) -> object:
    try:
        return jsontext.loads(raw)
    except jsontext.DecodeError as error:
        raise envelope.BadRequest(f"body: not JSON ({error})") from error


def _view(
    hook_path: str, handler: routes.Handler, settings: HookSettings, clock: Clock, metrics: _Metrics
) -> Callable[[], flask.Response]:
    kind, hook = routes.split(hook_path)

    def view() -> flask.Response:
        started = time.perf_counter()
        try:
            body = _decode(flask.request.get_data(cache=False))
            return _json(handler(body, settings, clock()))
        except envelope.BadRequest as error:
            metrics.errors.labels(kind, hook, "bad_request").inc()
            return _json({"error": str(error)}, 400)
        except exceptions.HTTPException:
            metrics.errors.labels(kind, hook, "bad_request").inc()
            raise  # e.g. 413 for a body over MAX_REQUEST_BYTES: answered by _http_error
        except Exception:
            LOG.exception("hook %s %s failed", kind, hook)
            metrics.errors.labels(kind, hook, "exception").inc()
            return _json({"error": f"internal error in the {kind} {hook} hook"}, 500)
        finally:
            metrics.latency.labels(kind, hook).observe(time.perf_counter() - started)

    return view


def _http_error(error: exceptions.HTTPException) -> flask.Response:
    return _json({"error": error.description or error.name}, error.code or 500)


def create_app(
    settings: HookSettings,
    clock: Clock = utc_now,
    table: Mapping[str, routes.Handler] | None = None,
) -> flask.Flask:
    """Return the hook service: POST /hooks/<kind>/<hook>, GET /healthz and GET /metrics.

    Args:
        settings: what the hooks need besides the request.
        clock: where the hooks' `now` comes from.
        table: hook path -> handler; `routes.handlers()` unless a test serves others.
    """
    app = flask.Flask("omnia-hooks")
    app.config["MAX_CONTENT_LENGTH"] = MAX_REQUEST_BYTES
    metrics = _Metrics()
    for hook_path, handler in (routes.handlers() if table is None else table).items():
        kind, hook = routes.split(hook_path)
        view = _view(hook_path, handler, settings, clock, metrics)
        app.add_url_rule(hook_path, endpoint=f"{kind}.{hook}", view_func=view, methods=["POST"])
        metrics.latency.labels(kind, hook)  # export every series from the start

    def healthz() -> flask.Response:
        return _json({"status": "ok"})

    def metrics_view() -> flask.Response:
        text = prometheus_client.generate_latest(metrics.registry)
        return flask.Response(text, mimetype=prometheus_client.CONTENT_TYPE_LATEST)

    app.add_url_rule("/healthz", endpoint="healthz", view_func=healthz, methods=["GET"])
    app.add_url_rule("/metrics", endpoint="metrics", view_func=metrics_view, methods=["GET"])
    app.register_error_handler(exceptions.HTTPException, _http_error)
    return app
