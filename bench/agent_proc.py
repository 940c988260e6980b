"""Run `omnia agent` and the benchmarks' child processes for real, on loopback, and stop them.

Every agent benchmark starts the agent the way a pod does (`omnia agent`: gunicorn, one worker),
with its config in a kubelet-style directory, and talks to it over real sockets. Each process
runs in its own process group and is stopped with SIGTERM, then SIGKILL
(`hooks.local.process.ProcessGroup`). Children that measure (load generators, timed clients)
print one JSON line; `run_child` returns it.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agent.config import contract
from bench import common
from hooks.local import process
from tests.support import agent_config, fake_llm
from tests.support.ports import free_port

START_TIMEOUT_S = 60.0
READY_POLL_S = 0.01
STOP_GRACE_S = 15.0
CHILD_STOP_GRACE_S = 5.0
# Every read loop over a turn's frames stops here (the socket's timeout bounds each read).
MAX_FRAMES_PER_TURN = 10_000
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
# The system prompt the agent renders from agent_config.pack() with its default variables.
SYSTEM_PROMPT = "You are Testy. Be brief."


@dataclass
class Agent:
    """A running `omnia agent`: its process group, port, and how long it took to be ready."""

    group: process.ProcessGroup
    port: int
    forked_s: float
    """Seconds from the start to the worker process existing."""
    ready_s: float
    """Seconds from the start to the first /readyz 200."""

    @property
    def master_pid(self) -> int:
        """The gunicorn master's pid."""
        assert self.group.pid is not None
        return self.group.pid

    @property
    def worker_pid(self) -> int:
        """The pid of the one gunicorn worker, which serves every socket."""
        (worker,) = common.children_of(self.master_pid)
        return worker

    def ws_url(self, query: str = "") -> str:
        """The WebSocket URL, with an optional query string."""
        return f"ws://127.0.0.1:{self.port}{contract.WEBSOCKET_PATH}{'?' + query if query else ''}"

    def http_url(self, path: str) -> str:
        """The URL of an HTTP path."""
        return f"http://127.0.0.1:{self.port}{path}"

    def rss_kib(self) -> int:
        """The worker's resident memory, in KiB."""
        return common.proc_status(self.worker_pid)["VmRSS"]

    def log_text(self) -> str:
        """The end of the agent's log."""
        return self.group.log_tail()


def answer(chars: int, delta_chars: int = 4, gap_s: float = 0.0) -> fake_llm.Script:
    """A scripted answer of `chars` characters that never repeats a delta.

    litellm fails a stream that repeats one chunk many times ("the model is repeating").
    """
    words = " ".join(f"w{index:05d}" for index in range(chars // 7 + 1))
    return fake_llm.Script(text=words[:chars], delta_chars=delta_chars, chunk_delay_s=gap_s)


def cpu_seconds(pid: int) -> float:
    """User plus system CPU seconds a process has used, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def redis_url(port: int) -> str:
    """The session store URL of a loopback redis-server."""
    return f"redis://127.0.0.1:{port}/0"


@contextmanager
def running_agent(
    workdir: Path,
    *,
    llm_url: str | None,
    session_url: str | None = None,
    endpoints: dict[str, str] | None = None,
    worker_class: str = "gevent",
    log_level: str = "WARNING",
) -> Iterator[Agent]:
    """Start `omnia agent` and yield it once /readyz answers 200; stop it when the block exits.

    Args:
        workdir: where its config directory and log go.
        llm_url: the OpenAI-compatible base URL it calls (an `openai` provider, through
            litellm); None for the built-in `mock` provider, which never loads litellm.
        session_url: a Redis URL for Redis sessions; None for the memory store.
        endpoints: tools it offers, name -> endpoint.
        worker_class: gunicorn's worker class, `gevent` (the default) or `gthread`.
        log_level: OMNIA_LOG_LEVEL (the warm-up's duration is logged at INFO).
    """
    workdir.mkdir(parents=True, exist_ok=True)
    files = agent_config.files(
        llm_url,
        endpoints,
        provider_type="openai" if llm_url else "mock",
        model="m1" if llm_url else "mock",
        session_type="redis" if session_url else "memory",
    )
    config = agent_config.KubeletDir(workdir / "config", files)
    port = free_port()
    env = {
        **os.environ,
        **config.env(),
        contract.ENV_FACADE_HOST: "127.0.0.1",
        contract.ENV_FACADE_PORT: str(port),
        contract.ENV_LOG_LEVEL: log_level,
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",
    }
    if session_url:
        env[contract.ENV_SESSION_STORE_URL] = session_url
    argv = [sys.executable, "-m", "hooks.cli", "agent", "--worker-class", worker_class]
    group = process.ProcessGroup(argv, env=env, cwd=common.REPO, log_path=workdir / "agent.log")
    started = time.monotonic()
    group.start()
    try:
        forked_s, ready_s = _wait_ready(group, port, started)
        yield Agent(group, port, forked_s, ready_s)
    finally:
        group.stop(STOP_GRACE_S)


def _wait_ready(group: process.ProcessGroup, port: int, started: float) -> tuple[float, float]:
    """Return (seconds to the worker's fork, seconds to /readyz 200), polling every 10 ms.

    The fork is watched from a thread: a readiness probe can block while the worker starts.
    """
    forked: list[float] = []
    done = threading.Event()
    deadline = started + START_TIMEOUT_S

    def watch_fork() -> None:
        while not done.is_set() and time.monotonic() < deadline:
            if group.pid and common.children_of(group.pid):
                forked.append(time.monotonic() - started)
                return
            time.sleep(READY_POLL_S)

    watcher = threading.Thread(target=watch_fork, name="fork-watch", daemon=True)
    watcher.start()
    url = f"http://127.0.0.1:{port}{contract.READY_PATH}"
    try:
        while time.monotonic() < deadline:
            if not group.running:
                raise process.ProcessError(f"omnia agent exited:\n{group.log_tail()}")
            if process.http_ok(url):
                ready_s = time.monotonic() - started
                watcher.join(timeout=1.0)
                return (forked[0] if forked else ready_s), ready_s
            time.sleep(READY_POLL_S)
    finally:
        done.set()
    message = f"omnia agent not ready after {START_TIMEOUT_S:g}s:\n{group.log_tail()}"
    raise process.ProcessError(message)


def metric(agent: Agent, name: str) -> float:
    """Sum every series of one metric on the agent's /metrics."""
    with urllib.request.urlopen(agent.http_url(contract.METRICS_PATH), timeout=10) as response:
        text = response.read().decode()
    return sum(
        float(line.rsplit(" ", 1)[1])
        for line in text.splitlines()
        if line.startswith((name + "{", name + " "))
    )


def run_child(module: str, spec: dict[str, Any], timeout_s: float) -> dict[str, Any]:
    """Run `python -m <module> --child <spec JSON>` in its own process group; return its JSON.

    The child prints one JSON object as its last line of stdout. It is killed (its whole group)
    if it outlives timeout_s.
    """
    argv = [sys.executable, "-m", module, "--child", json.dumps(spec)]
    env = {**os.environ, "LITELLM_LOCAL_MODEL_COST_MAP": "True"}
    child = subprocess.Popen(
        argv,
        cwd=common.REPO,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )
    try:
        out, err = child.communicate(timeout=timeout_s)
    except subprocess.TimeoutExpired:
        _kill_group(child)
        raise
    finally:
        _kill_group(child)
    if child.returncode != 0:
        raise RuntimeError(f"{module} child failed ({child.returncode}):\n{err.decode()[-3000:]}")
    result: dict[str, Any] = json.loads(out.decode().strip().splitlines()[-1])
    return result


def _kill_group(child: subprocess.Popen[bytes]) -> None:
    """SIGTERM the child's group, SIGKILL it after a grace period, and reap the child."""
    if child.poll() is None:
        _signal_group(child.pid, signal.SIGTERM)
        try:
            child.wait(CHILD_STOP_GRACE_S)
        except subprocess.TimeoutExpired:
            _signal_group(child.pid, signal.SIGKILL)
            child.wait()
    _signal_group(child.pid, signal.SIGKILL)  # stray members of the group


def _signal_group(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)
