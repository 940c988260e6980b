"""Real HTTP tool servers on loopback, one path per behaviour.

POST /echo        200, the JSON arguments back: {"echo": <arguments>}
POST /weather     200, {"city": ..., "forecast": "sunny", "temp_c": 21}
POST /slow        sleeps SLOW_S (past any short timeout), then 200
POST /fail500     500 with a short text body
POST /text        200, text/plain (not JSON)
POST /huge        200, a JSON body of HUGE_BYTES
POST /flaky/<key>/<n>   503 for the first n calls of <key>, then 200 {"ok": true, "attempt": k}
POST /limited     429 with Retry-After: 0
Every call is recorded as (path, arguments).
"""

from __future__ import annotations

import json
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.support import http_thread

SLOW_S = 3.0
HUGE_BYTES = 300_000


class ToolServer:
    """What the server saw."""

    def __init__(self) -> None:
        self.port = 0
        self.calls: list[tuple[str, Any]] = []
        self.attempts: Counter[str] = Counter()
        self.lock = threading.Lock()

    def url(self, path: str) -> str:
        """The endpoint of a behaviour, e.g. url("/echo")."""
        return f"http://127.0.0.1:{self.port}{path}"

    def calls_to(self, path: str) -> list[Any]:
        """The arguments of every call to a path."""
        with self.lock:
            return [arguments for seen, arguments in self.calls if seen == path]


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet."""

    def _reply(self, status: int, body: bytes, content_type: str, **headers: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in headers.items():
            self.send_header(name.replace("_", "-"), value)
        self.end_headers()
        try:
            self.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            return

    def _json(self, status: int, value: Any, **headers: str) -> None:
        self._reply(status, json.dumps(value).encode(), "application/json", **headers)

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        raw = self.rfile.read(length)
        arguments = json.loads(raw) if raw else None
        tools = self.server.tools
        with tools.lock:
            tools.calls.append((self.path, arguments))
            tools.attempts[self.path] += 1
            attempt = tools.attempts[self.path]
        if self.path == "/echo":
            self._json(200, {"echo": arguments})
        elif self.path == "/weather":
            city = (arguments or {}).get("city")
            self._json(200, {"city": city, "forecast": "sunny", "temp_c": 21})
        elif self.path == "/slow":
            time.sleep(SLOW_S)
            self._json(200, {"slow": True})
        elif self.path == "/fail500":
            self._reply(500, b"internal tool failure", "text/plain")
        elif self.path == "/text":
            self._reply(200, b"plain text, not JSON", "text/plain")
        elif self.path == "/huge":
            self._json(200, {"blob": "x" * HUGE_BYTES})
        elif self.path.startswith("/flaky/"):
            failures = int(self.path.rsplit("/", 1)[1])
            if attempt <= failures:
                self._reply(503, b"try again", "text/plain")
            else:
                self._json(200, {"ok": True, "attempt": attempt})
        elif self.path == "/limited":
            self._reply(429, b"slow down", "text/plain", Retry_After="0")
        else:
            self._reply(404, b"no such tool", "text/plain")


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    tools: ToolServer


@contextmanager
def running(host: str = "127.0.0.1", port: int = 0) -> Iterator[ToolServer]:
    """Run the tool server (on a free loopback port by default) until the block exits."""
    tools = ToolServer()
    server = _Server((host, port), _Handler)
    server.tools = tools
    tools.port = server.server_address[1]
    with http_thread.running(server, "tool-server"):
        yield tools
