"""The HTTP edge: the Flask app (/ws, /healthz, /readyz, /metrics) and `omnia agent` (gunicorn).

`omnia agent` runs one gevent worker: bench/concurrency.py measures gevent holding 1,000 idle
sockets in one process with less memory than gthread, which needs an OS thread per socket (two,
counting simple-websocket's reader). Scale out with replicas, not workers.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import flask
import flask_sock
import gunicorn.app.base
import simple_websocket
from flask.typing import ResponseReturnValue

from agent import connection, errors, protocol
from agent.config import contract, load

if TYPE_CHECKING:
    from agent import runtime

LOG = logging.getLogger(__name__)

WORKER_CLASS = "gevent"
WORKER_CLASSES = ("gevent", "gthread")
# gevent: sockets per worker. gthread: threads per worker, one per socket plus headroom.
MAX_CONNECTIONS = 10_000
GTHREAD_THREADS = 1_100
# The server pings idle sockets so that proxies keep them; a missed pong closes the socket.
PING_INTERVAL_S = 25.0
# A send blocked this long (a client that stopped reading) closes the socket.
SEND_TIMEOUT_S = 10.0
# Longer than the runtime's drain (turns finishing), so sockets close before the worker dies.
GRACEFUL_TIMEOUT_S = 12
DRAIN_POLL_S = 0.2
WORKER_TIMEOUT_S = 30
# Heartbeat files go to memory, which also works under a read-only root filesystem.
SHM_DIR = "/dev/shm"  # noqa: S108 - gunicorn creates private files in it


class FlaskSocket:
    """Adapts flask-sock's socket to `connection.Socket`."""

    def __init__(self, ws: Any) -> None:
        self._ws = ws
        self._closed = False
        raw = getattr(ws, "sock", None)
        if raw is not None:
            # With ping_interval set, simple-websocket only reads when select says so, so this
            # timeout bounds blocked sends and never an idle read.
            raw.settimeout(SEND_TIMEOUT_S)

    def send(self, text: str) -> None:
        """Send a text frame."""
        try:
            self._ws.send(text)
        except (simple_websocket.ConnectionClosed, OSError) as error:
            raise connection.SocketClosed from error

    def receive(self) -> str | bytes:
        """Wait for the next frame, until the socket closes from either side."""
        try:
            data = self._ws.receive()
        except (simple_websocket.ConnectionClosed, OSError) as error:
            raise connection.SocketClosed from error
        if data is None or self._closed:
            raise connection.SocketClosed
        return data  # type: ignore[no-any-return]

    def close(self, code: int, reason: str) -> None:
        """Close with a code, ignoring a socket already gone."""
        self._closed = True
        try:
            self._ws.close(code, reason)
        except (simple_websocket.ConnectionClosed, OSError):
            LOG.debug("socket already closed")
        # simple-websocket wakes a waiting receive() only for the peer's close; wake it for
        # ours too (its `event` attribute is what receive() waits on), instead of polling.
        wake = getattr(self._ws, "event", None)
        if wake is not None:
            wake.set()


def create_app(rt: runtime.Runtime, *, ping_interval_s: float = PING_INTERVAL_S) -> flask.Flask:
    """Return the agent's Flask app serving the runtime's sockets, probes and metrics."""
    app = flask.Flask("omnia-agent")
    app.config["SOCK_SERVER_OPTIONS"] = {
        "ping_interval": ping_interval_s,
        "max_message_size": rt.settings.max_frame_bytes * protocol.TRANSPORT_FRAME_FACTOR,
    }
    sock = flask_sock.Sock(app)

    def websocket(ws: Any) -> None:
        query = flask.request.args.to_dict()
        connection.Connection(FlaskSocket(ws), rt, query).serve()

    def healthz() -> flask.Response:
        return flask.jsonify(status="ok")

    def readyz() -> tuple[flask.Response, int]:
        reason = rt.readiness()
        if reason is not None:
            return flask.jsonify(status="not ready", reason=reason), 503
        return flask.jsonify(status="ready", pack_version=rt.reloader.current.pack_version), 200

    def metrics() -> flask.Response:
        return flask.Response(rt.metrics.render(), mimetype=rt.metrics.content_type)

    sock.route(contract.WEBSOCKET_PATH)(websocket)
    routes: dict[str, Callable[[], ResponseReturnValue]] = {
        contract.HEALTH_PATH: healthz,
        contract.READY_PATH: readyz,
        contract.METRICS_PATH: metrics,
    }
    for path, view in routes.items():
        app.add_url_rule(path, view.__name__, view, methods=["GET"])
    return app


def _worker_started(worker: Any) -> None:
    # Ctrl-C sends SIGINT to the whole process group; the master then stops the workers
    # itself. A worker that also handles SIGINT can re-enter its quit handler and hang
    # (gunicorn 27), keeping the port, so workers leave SIGINT to the master.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    threading.Thread(target=_drain_when_stopping, args=(worker,), daemon=True).start()


def _drain_when_stopping(worker: Any) -> None:
    # gunicorn stops accepting on SIGTERM and waits for open requests; open WebSockets never
    # end by themselves, so let running turns finish and close the sockets in time.
    while worker.alive:
        time.sleep(DRAIN_POLL_S)
    rt = getattr(worker.app, "runtime", None)
    if rt is not None:
        rt.drain()


def gunicorn_options(settings: load.Settings, worker_class: str) -> dict[str, Any]:
    """Return the gunicorn settings `omnia agent` runs with."""
    options: dict[str, Any] = {
        "bind": f"{settings.host}:{settings.port}",
        "workers": 1,
        "worker_class": worker_class,
        "worker_connections": MAX_CONNECTIONS,
        "timeout": WORKER_TIMEOUT_S,
        "graceful_timeout": GRACEFUL_TIMEOUT_S,
        "control_socket_disable": True,
        "worker_tmp_dir": SHM_DIR if os.access(SHM_DIR, os.W_OK) else tempfile.gettempdir(),
        "accesslog": None,
        "errorlog": "-",
        "loglevel": settings.log_level.lower(),
        "post_worker_init": _worker_started,
    }
    if worker_class == "gthread":
        options["threads"] = GTHREAD_THREADS
    return options


class AgentServer(gunicorn.app.base.BaseApplication):  # type: ignore[misc]
    """gunicorn running the agent app; the runtime is built in the worker, after the fork."""

    def __init__(self, settings: load.Settings, options: dict[str, Any]) -> None:
        self._settings = settings
        self._options = options
        self.runtime: runtime.Runtime | None = None
        super().__init__()

    def load_config(self) -> None:
        """Apply the options."""
        for key, value in self._options.items():
            self.cfg.set(key, value)

    def load(self) -> flask.Flask:
        """Build the runtime and the app (in the worker process, after gevent patched it)."""
        from agent import runtime

        self.runtime = runtime.build_runtime(self._settings)
        return create_app(self.runtime)


def build_parser() -> argparse.ArgumentParser:
    """Return the parser of `omnia agent`."""
    parser = argparse.ArgumentParser(
        prog="omnia agent",
        description=(
            "Serve the agent: WebSocket chat on /ws, probes on /healthz and /readyz, metrics "
            f"on /metrics. Configured by env: {contract.ENV_FACADE_HOST}, "
            f"{contract.ENV_FACADE_PORT}, {contract.ENV_CONFIG_PATH}, "
            f"{contract.ENV_PROMPTPACK_PATH}, {contract.ENV_TOOLS_PATH}, "
            f"{contract.ENV_SESSION_STORE_URL}; with none set it runs on built-in defaults."
        ),
    )
    parser.add_argument(
        "--worker-class",
        choices=WORKER_CLASSES,
        default=WORKER_CLASS,
        help=f"gunicorn worker class (default {WORKER_CLASS}; gthread holds a thread per socket)",
    )
    return parser


def main(argv: list[str]) -> int:
    """Run `omnia agent` until it is stopped; return the exit code."""
    args = build_parser().parse_args(argv)
    try:
        settings = load.Settings.from_env(os.environ)
        load.load_snapshot(settings)
    except errors.ConfigError as error:
        print(f"omnia agent: {error}", file=sys.stderr)  # noqa: T201 - a CLI reporting why
        return 2
    logging.basicConfig(level=settings.log_level, format="%(levelname)s %(name)s: %(message)s")
    AgentServer(settings, gunicorn_options(settings, args.worker_class)).run()
    return 0
