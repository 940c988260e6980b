"""Serve a socketserver-based HTTP server from a daemon thread for the length of a block."""

from __future__ import annotations

import socketserver
import threading
from collections.abc import Iterator
from contextlib import contextmanager

JOIN_TIMEOUT_S = 5.0


@contextmanager
def running(server: socketserver.BaseServer, name: str) -> Iterator[None]:
    """Run server.serve_forever in a thread; shut it down and close it when the block exits."""
    thread = threading.Thread(target=server.serve_forever, name=name, daemon=True)
    thread.start()
    try:
        yield
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=JOIN_TIMEOUT_S)
