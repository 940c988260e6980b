"""HTTP load for the hook benchmark: client processes of keep-alive threads POSTing one body.

`load` spreads `clients` threads over up to LOAD_PROCESSES spawned processes (so the clients
are not all behind one GIL), each thread on its own keep-alive `http.client` connection. Every
thread of every process starts at one barrier; they share the requests until the count or the
time limit runs out. Each answer must be 200 with exactly the expected bytes.
"""

from __future__ import annotations

import dataclasses
import http.client
import itertools
import multiprocessing
import queue
import threading
import time
from typing import Any

LOAD_PROCESSES = 2
SOCKET_TIMEOUT_S = 30.0
START_TIMEOUT_S = 30.0
# Past the level's time limit, how long the requests still in flight may take.
DRAIN_S = SOCKET_TIMEOUT_S + 5.0
HEADERS = {"Content-Type": "application/json"}


@dataclasses.dataclass(frozen=True)
class Job:
    """What one client process does."""

    port: int
    path: str
    body: bytes
    expected: bytes
    clients: int
    requests: int
    time_limit_s: float


@dataclasses.dataclass
class _Tally:
    latencies: list[float] = dataclasses.field(default_factory=list)
    ok: int = 0
    bad: int = 0
    problem: str = ""
    lock: threading.Lock = dataclasses.field(default_factory=threading.Lock)

    def record(self, seconds: float, problem: str) -> None:
        with self.lock:
            self.latencies.append(seconds)
            if problem:
                self.bad += 1
                self.problem = self.problem or problem
            else:
                self.ok += 1


def _post(connection: http.client.HTTPConnection, job: Job) -> str:
    """POST once; return "" when the answer is right, else what is wrong."""
    connection.request("POST", job.path, body=job.body, headers=HEADERS)
    answer = connection.getresponse()
    data = answer.read()
    if answer.status != 200:
        return f"status {answer.status}: {data[:200]!r}"
    if data != job.expected:
        return f"unexpected body of {len(data)} bytes: {data[:200]!r}"
    return ""


def _client(
    job: Job, barrier: Any, taken: itertools.count[int], tally: _Tally, ends: list[float]
) -> None:
    connection = http.client.HTTPConnection("127.0.0.1", job.port, timeout=SOCKET_TIMEOUT_S)
    connection.connect()
    try:
        barrier.wait(START_TIMEOUT_S)
        deadline = time.monotonic() + job.time_limit_s
        while next(taken) < job.requests and time.monotonic() < deadline:
            started = time.perf_counter()
            try:
                problem = _post(connection, job)
            except (OSError, http.client.HTTPException) as error:
                problem = f"{type(error).__name__}: {error}"
                connection.close()  # reconnects on the next request
            tally.record(time.perf_counter() - started, problem)
    finally:
        connection.close()
        ends.append(time.monotonic())


def client_process(job: Job, barrier: Any, results: Any) -> None:
    """Run job.clients threads against the server and put the tally on `results`."""
    taken = itertools.count()
    tally = _Tally()
    ends: list[float] = []
    threads = [
        threading.Thread(target=_client, args=(job, barrier, taken, tally, ends), daemon=True)
        for _ in range(job.clients)
    ]
    for thread in threads:
        thread.start()
    barrier.wait(START_TIMEOUT_S)  # this process's own party: the start time of the level
    started = time.monotonic()
    cpu = time.process_time()
    for thread in threads:
        thread.join(job.time_limit_s + DRAIN_S)
    results.put(
        {
            "latencies": tally.latencies,
            "ok": tally.ok,
            "bad": tally.bad,
            "problem": tally.problem,
            "started": started,
            "ended": max(ends, default=time.monotonic()),
            "cpu_s": time.process_time() - cpu,
        }
    )


def load(job: Job) -> dict[str, Any]:
    """Run job.clients clients (over several processes) and return what they saw.

    Returns:
        latencies (seconds per request), ok and bad answers, problem (the first bad one),
        wall_s (first start to last end) and client_cpu_s (CPU the client processes used).
    """
    # fork, not spawn: a spawned child re-imports the parent's __main__ (bench.hooks and all
    # the hooks), which costs more than a quick run's whole load.
    context = multiprocessing.get_context("fork")
    processes = min(job.clients, LOAD_PROCESSES)
    shares = [job.clients // processes + (i < job.clients % processes) for i in range(processes)]
    barrier = context.Barrier(job.clients + processes)
    results = context.Queue()
    workers = []
    for i, clients in enumerate(shares):
        requests = job.requests // processes + (i < job.requests % processes)
        share = dataclasses.replace(job, clients=clients, requests=requests)
        workers.append(context.Process(target=client_process, args=(share, barrier, results)))
    for worker in workers:
        worker.start()
    try:
        limit = START_TIMEOUT_S + job.time_limit_s + DRAIN_S
        parts = [results.get(timeout=limit) for _ in workers]
    except queue.Empty as error:
        raise RuntimeError(f"a load process gave no result within {limit} s") from error
    finally:
        for worker in workers:
            worker.join(5.0)
            if worker.is_alive():
                worker.kill()
                worker.join()
    return {
        "latencies": [s for part in parts for s in part["latencies"]],
        "ok": sum(p["ok"] for p in parts),
        "bad": sum(p["bad"] for p in parts),
        "problem": next((p["problem"] for p in parts if p["problem"]), ""),
        "wall_s": max(p["ended"] for p in parts) - min(p["started"] for p in parts),
        "client_cpu_s": sum(p["cpu_s"] for p in parts),
    }
