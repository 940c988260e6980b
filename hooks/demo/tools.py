"""The demo's tool service: deterministic weather and flights over HTTP (stdlib only).

`python -m hooks.demo.tools --host 127.0.0.1 --port 8080` serves POST /weather {"city"} and
POST /flights {"destination"} with JSON answers derived from the input alone, and GET /healthz.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import logging
import signal
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

MAX_BODY_BYTES = 64 * 1024
FORECASTS = ("sunny", "partly cloudy", "light rain", "windy", "clear skies")
CARRIERS = ("Omnia Air", "Helm Airways", "Pod Express")
LOG = logging.getLogger("omnia.demo.tools")


def _seed(text: str) -> int:
    return int(hashlib.sha256(text.lower().encode()).hexdigest()[:8], 16)


def weather(arguments: dict[str, Any]) -> dict[str, Any]:
    """Return the (made-up, stable) weather of arguments["city"]."""
    city = str(arguments.get("city") or "").strip() or "Paris"
    seed = _seed(city)
    return {"city": city, "forecast": FORECASTS[seed % len(FORECASTS)], "temp_c": 8 + seed % 20}


def flights(arguments: dict[str, Any]) -> dict[str, Any]:
    """Return two (made-up, stable) flights to arguments["destination"]."""
    destination = str(arguments.get("destination") or "").strip() or "Lisbon"
    seed = _seed(destination)
    options = [
        {
            "carrier": CARRIERS[(seed + i) % len(CARRIERS)],
            "departs": f"{7 + (seed + 5 * i) % 12:02d}:{(seed >> i) % 6}0",
            "price_eur": 80 + (seed + 37 * i) % 220,
        }
        for i in range(2)
    ]
    return {"destination": destination, "flights": options}


TOOLS: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "/weather": weather,
    "/flights": flights,
}


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        LOG.debug(format, *args)

    def _reply(self, status: int, value: Any) -> None:
        body = json.dumps(value).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        if self.path == "/healthz":
            self._reply(200, {"status": "ok"})
        else:
            self._reply(404, {"error": "not found"})

    def do_POST(self) -> None:
        tool = TOOLS.get(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        if tool is None:
            self._reply(404, {"error": f"no tool at {self.path}"})
            return
        if length > MAX_BODY_BYTES:
            self._reply(413, {"error": "body too large"})
            return
        try:
            arguments = json.loads(self.rfile.read(length) or b"{}")
        except json.JSONDecodeError:
            self._reply(400, {"error": "body is not JSON"})
            return
        if not isinstance(arguments, dict):
            self._reply(400, {"error": "arguments must be a JSON object"})
            return
        self._reply(200, tool(arguments))


def main(argv: list[str] | None = None) -> int:
    """Serve the tools until SIGTERM or SIGINT."""
    parser = argparse.ArgumentParser(prog="python -m hooks.demo.tools", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8080)
    args = parser.parse_args(argv)
    server = ThreadingHTTPServer((args.host, args.port), _Handler)
    server.daemon_threads = True

    def stop(signum: int, frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
