"""How many idle WebSockets one `omnia agent` process holds, and what each costs, per worker class.

For each worker class it starts `omnia agent --worker-class <class>` (mock provider, memory
sessions), opens N sockets one after another from this process, keeps them all open, makes a
round trip on every one of them (a bad frame answered by an `error` frame), and reads the
worker's RSS and thread count from /proc before and after, and its CPU use while they idle.

    python -m bench.sockets [--sockets 1000] [--worker-class gevent gthread]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import requests
import websocket

from tests.support.ports import free_port

REPO = Path(__file__).resolve().parents[1]
START_TIMEOUT_S = 60.0
IDLE_SAMPLE_S = 10.0
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
SOCKET_TIMEOUT_S = 30.0


def _proc_status(pid: int) -> dict[str, int]:
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "Threads"):
            fields[name] = int(value.split()[0])
    return fields


def _cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def _worker_pid(master: int) -> int:
    children = Path(f"/proc/{master}/task/{master}/children").read_text().split()
    return int(children[0])


def _start(worker_class: str, port: int) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "OMNIA_FACADE_HOST": "127.0.0.1",
        "OMNIA_FACADE_PORT": str(port),
        "OMNIA_LOG_LEVEL": "WARNING",
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "hooks.cli", "agent", "--worker-class", worker_class],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        try:
            if requests.get(f"http://127.0.0.1:{port}/readyz", timeout=1).ok:
                return process
        except requests.RequestException:
            time.sleep(0.1)
    _stop(process)
    raise RuntimeError(f"omnia agent --worker-class {worker_class} did not become ready")


def _stop(process: subprocess.Popen[bytes]) -> None:
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(15)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()


def measure(worker_class: str, sockets: int) -> dict[str, Any]:
    """Open `sockets` idle WebSockets to one worker and report what they cost."""
    port = free_port()
    process = _start(worker_class, port)
    held: list[websocket.WebSocket] = []
    try:
        worker = _worker_pid(process.pid)
        before = _proc_status(worker)
        started = time.monotonic()
        for _ in range(sockets):
            try:
                ws = websocket.create_connection(
                    f"ws://127.0.0.1:{port}/ws", timeout=SOCKET_TIMEOUT_S
                )
                if json.loads(ws.recv())["type"] == "connected":
                    held.append(ws)
            except (OSError, websocket.WebSocketException):
                break
        open_s = time.monotonic() - started
        after = _proc_status(worker)
        cpu_before = _cpu_seconds(worker)
        time.sleep(IDLE_SAMPLE_S)
        idle_cpu = (_cpu_seconds(worker) - cpu_before) / IDLE_SAMPLE_S
        answered = 0
        for ws in held:
            ws.send("not json")
            answered += json.loads(ws.recv())["error"]["code"] == "INVALID_MESSAGE"
        gauge = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
        active = next(
            float(line.split()[-1])
            for line in gauge.splitlines()
            if line.startswith("omnia_agent_connections_active{")
        )
        return {
            "worker_class": worker_class,
            "sockets_asked": sockets,
            "sockets_open": len(held),
            "round_trips_ok": answered,
            "server_active_gauge": int(active),
            "open_seconds": round(open_s, 2),
            "rss_before_mib": round(before["VmRSS"] / 1024, 1),
            "rss_after_mib": round(after["VmRSS"] / 1024, 1),
            "rss_per_socket_kib": round((after["VmRSS"] - before["VmRSS"]) / max(1, len(held)), 1),
            "idle_cpu_percent": round(idle_cpu * 100, 1),
            "threads_before": before["Threads"],
            "threads_after": after["Threads"],
        }
    finally:
        for ws in held:
            ws.close()
        _stop(process)


def main(argv: list[str] | None = None) -> int:
    """Run the measurement and print one JSON line per worker class."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sockets", type=int, default=1000)
    parser.add_argument("--worker-class", nargs="+", default=["gevent", "gthread"])
    args = parser.parse_args(argv)
    for worker_class in args.worker_class:
        print(json.dumps(measure(worker_class, args.sockets)), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
