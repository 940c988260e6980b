"""Free loopback ports for the servers tests start."""

from __future__ import annotations

import random
import socket

from hooks.local import process

# Redis Cluster listens on port + 10000 for its bus, so cluster nodes take ports from a low range.
LOW_RANGE = (20_000, 30_000)
MAX_ATTEMPTS = 200


def _bindable(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def free_port() -> int:
    """Return a TCP port on 127.0.0.1 that is free right now."""
    return process.free_port()


def free_port_pair(offset: int = 10_000) -> int:
    """Return a free port p in a low range such that p + offset is free too."""
    rng = random.Random()
    for _ in range(MAX_ATTEMPTS):
        port = rng.randrange(*LOW_RANGE)
        if _bindable(port) and _bindable(port + offset):
            return port
    raise RuntimeError("no free port pair on 127.0.0.1")
