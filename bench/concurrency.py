"""Concurrency: idle sockets one agent process holds and their memory; many streams at once.

(a) Idle sockets. For each worker class it starts `omnia agent --worker-class <class>` (openai
provider against the fake LLM, Redis sessions, so a socket's session costs the process
nothing), opens N sockets one after another from this process and keeps them open, makes a
round trip on every one (a bad frame, answered by an `error` frame), and reads the worker's
RSS and threads from /proc before and after, and its CPU while they idle.

(b) Streaming conversations. A load generator in its own process (bench/loadgen.py, gevent)
opens C sockets, waits until all are open, then every conversation runs its turns at once.
The fake LLM streams each answer at a fixed pace (a delta every 40 ms), so the client can tell
how late each chunk is: a chunk whose oldest delta is delta i should arrive i gaps after the
turn's first chunk; its lateness is how much later it came. Added latency is the p99 under load
minus the p99 of one conversation alone, for chunks and for time to first token. The same load
sent straight to the fake LLM measures the harness's own share.

    python -m bench.concurrency [--quick]
"""

from __future__ import annotations

import json
import tempfile
import time
from pathlib import Path
from typing import Any

import websocket

from bench import agent_proc, common, concurrency_report
from tests.support import fake_llm, redis_server

NAME = concurrency_report.NAME

SOCKETS = 1_000
QUICK_SOCKETS = 20
WORKER_CLASSES = ("gevent", "gthread")
IDLE_SAMPLE_S = 5.0
QUICK_IDLE_SAMPLE_S = 0.2
SOCKET_TIMEOUT_S = 30.0
LEVELS = (1, 50, 100, 200)
QUICK_LEVELS = (1, 5)
TURNS = 2
RUN_TIMEOUT_S = 180.0
LITELLM_STREAMS = 3


def idle_sockets(agent: agent_proc.Agent, count: int, idle_s: float) -> dict[str, Any]:
    """Open `count` idle sockets to the agent and report what they cost its worker."""
    worker = agent.worker_pid
    before = common.proc_status(worker)
    held: list[websocket.WebSocket] = []
    try:
        started = time.monotonic()
        for _ in range(count):
            try:
                ws = websocket.create_connection(agent.ws_url(), timeout=SOCKET_TIMEOUT_S)
            except (OSError, websocket.WebSocketException):
                break
            held.append(ws)
            if json.loads(ws.recv())["type"] != "connected":
                break
        open_s = time.monotonic() - started
        cpu_before = agent_proc.cpu_seconds(worker)
        time.sleep(idle_s)  # measuring idle CPU: the wait is the measurement
        idle_cpu = (agent_proc.cpu_seconds(worker) - cpu_before) / idle_s
        answered = 0
        for ws in held:
            ws.send("not json")
            answered += json.loads(ws.recv())["error"]["code"] == "INVALID_MESSAGE"
        after = common.proc_status(worker)
        active = agent_proc.metric(agent, "omnia_agent_connections_active")
        return {
            "open": len(held),
            "answered": answered,
            "gauge": int(active),
            "open_s": open_s,
            "rss_before_kib": before["VmRSS"],
            "rss_after_kib": after["VmRSS"],
            "kib_per_socket": (after["VmRSS"] - before["VmRSS"]) / max(1, len(held)),
            "idle_cpu_pct": idle_cpu * 100,
            "threads_before": before["Threads"],
            "threads_after": after["Threads"],
        }
    finally:
        for ws in held:
            ws.close()


def streams(
    agent: agent_proc.Agent, llm: fake_llm.FakeLLM, conversations: int, turns: int, direct: bool
) -> dict[str, Any]:
    """Run `conversations` streaming conversations at once from the load generator."""
    spec = {
        "url": llm.base_url if direct else agent.ws_url(),
        "direct": direct,
        "conversations": conversations,
        "turns": turns,
        "concurrency": conversations,
        "together": True,
        "content": "Tell me about lighthouses.",
        "delta_chars": concurrency_report.DELTA_CHARS,
        "delta_gap_s": concurrency_report.DELTA_GAP_S,
        "timeout_s": RUN_TIMEOUT_S,
    }
    worker = agent.worker_pid
    cpu_before, started = agent_proc.cpu_seconds(worker), time.monotonic()
    result = agent_proc.run_child("bench.loadgen", spec, RUN_TIMEOUT_S + 30)
    cpu_s = agent_proc.cpu_seconds(worker) - cpu_before
    llm.reset()  # forget the recorded request bodies
    deltas = result["turns"] * -(-concurrency_report.ANSWER_CHARS // concurrency_report.DELTA_CHARS)
    return {
        **result,
        "conversations": conversations,
        "expected": conversations * turns,
        "cpu_s": cpu_s,
        "cpu_pct": cpu_s / (time.monotonic() - started) * 100,
        "cpu_ms_per_delta": cpu_s / max(1, deltas) * 1000,
    }


def litellm_cpu(spec: dict[str, Any]) -> dict[str, float]:
    """In a child: CPU that litellm alone spends on the same paced answer, per stream."""
    import litellm

    litellm.suppress_debug_info = True
    litellm.disable_streaming_logging = True  # as the agent sets it (agent/llm.py)

    def stream() -> None:
        response = litellm.completion(
            model="openai/m1",
            messages=[{"role": "user", "content": "Tell me about lighthouses."}],
            stream=True,
            stream_options={"include_usage": True},
            max_retries=0,
            drop_params=True,
            api_base=spec["base_url"],
            api_key="not-needed",
        )
        for _ in response:
            pass

    stream()
    started = time.process_time()
    for _ in range(spec["streams"]):
        stream()
    return {"cpu_s_per_stream": (time.process_time() - started) / spec["streams"]}


def run(quick: bool = False) -> dict[str, Any]:
    """Measure idle sockets per worker class, then streams at increasing concurrency."""
    count = QUICK_SOCKETS if quick else SOCKETS
    idle_s = QUICK_IDLE_SAMPLE_S if quick else IDLE_SAMPLE_S
    levels = QUICK_LEVELS if quick else LEVELS
    turns = 1 if quick else TURNS
    sockets: dict[str, dict[str, Any]] = {}
    with (
        fake_llm.running(
            agent_proc.answer(
                concurrency_report.ANSWER_CHARS,
                concurrency_report.DELTA_CHARS,
                concurrency_report.DELTA_GAP_S,
            )
        ) as llm,
        redis_server.redis_node() as redis_port,
        tempfile.TemporaryDirectory(prefix="omnia-bench-") as tmp,
    ):
        start = {"llm_url": llm.base_url, "session_url": agent_proc.redis_url(redis_port)}
        for worker_class in WORKER_CLASSES[:1] if quick else WORKER_CLASSES:
            workdir = Path(tmp) / worker_class
            with agent_proc.running_agent(workdir, worker_class=worker_class, **start) as agent:
                sockets[worker_class] = idle_sockets(agent, count, idle_s)
                if worker_class != "gevent":
                    continue
                loads = [streams(agent, llm, level, turns, direct=False) for level in levels]
                harness = [streams(agent, llm, levels[-1], turns, direct=True)]
        alone = agent_proc.run_child(
            "bench.concurrency",
            {"base_url": llm.base_url, "streams": 1 if quick else LITELLM_STREAMS},
            RUN_TIMEOUT_S,
        )
    deltas = -(-concurrency_report.ANSWER_CHARS // concurrency_report.DELTA_CHARS)
    litellm_ms_per_delta = alone["cpu_s_per_stream"] / deltas * 1000
    measured = concurrency_report.Measured(sockets, loads, harness, litellm_ms_per_delta, count)
    return concurrency_report.result(measured, quick)


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark, print its tables and write its result."""
    return common.main("bench.concurrency", __doc__, run, argv, child=litellm_cpu)


if __name__ == "__main__":
    raise SystemExit(main())
