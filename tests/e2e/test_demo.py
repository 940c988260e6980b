"""`omnia demo` from the outside: it serves a tool-using agent, and Ctrl-C leaves nothing behind."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from hooks.local import process
from tests.support.wait import wait_until

pytestmark = pytest.mark.slow

STARTUP_TIMEOUT_S = 120.0
STOP_TIMEOUT_S = 40.0
OMNIA = [sys.executable, "-m", "hooks.cli"]


class Demo:
    """A running `omnia demo`, its output collected line by line."""

    def __init__(self, workdir: Path) -> None:
        self.workdir = workdir
        self.lines: list[str] = []
        self.proc = subprocess.Popen(
            [*OMNIA, "demo", "--workdir", str(workdir)],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env=os.environ | {"PYTHONUNBUFFERED": "1"},
            # As a non-interactive shell starts a background job: SIGINT inherited ignored.
            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_IGN),  # noqa: PLW1509
        )
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def find(self, pattern: str) -> str:
        match = re.search(pattern, self.output)
        assert match, self.output
        return match.group(1)


def _processes_under(directory: Path) -> list[int]:
    """Pids of live processes whose working directory is inside directory."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                cwd = os.readlink(entry / "cwd")
            except OSError:
                continue
            if cwd.startswith(str(directory)):
                found.append(int(entry.name))
    return found


@pytest.fixture
def demo(tmp_path: Path) -> Iterator[Demo]:
    running = Demo(tmp_path / "demo")
    try:
        wait_until(
            lambda: "Chat with the agent" in running.output or running.proc.poll() is not None,
            STARTUP_TIMEOUT_S,
            "the demo to start",
        )
        assert running.proc.poll() is None, running.output
        yield running
    finally:
        for stop in (signal.SIGINT, signal.SIGTERM, signal.SIGKILL):
            if running.proc.poll() is not None:
                break
            running.proc.send_signal(stop)
            with contextlib.suppress(subprocess.TimeoutExpired):
                running.proc.wait(timeout=STOP_TIMEOUT_S)


def test_demo_serves_a_streamed_tool_using_answer_to_omnia_chat(demo: Demo) -> None:
    url = demo.find(r"agent pod\s+(ws://\S+/ws)")
    chat = subprocess.run(
        [*OMNIA, "chat", url],
        input="What is the weather in Lisbon?\n",
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert chat.returncode == 0, chat.stderr
    assert "[tool call] weather" in chat.stderr
    assert '"city": "Lisbon"' in chat.stdout
    assert "[done]" in chat.stderr
    assert "Ready=True" in demo.output
    assert "AgentRuntime/concierge" in demo.output


def test_demo_ctrl_c_stops_every_process_and_frees_every_port(demo: Demo) -> None:
    hooks = demo.find(r"hooks\s+http://127\.0\.0\.1:(\d+)")
    agent = demo.find(r"agent pod\s+ws://([0-9.]+):8080")
    addresses = [("127.0.0.1", int(hooks)), (agent, 8080), ("127.75.0.1", 8080)]
    assert _processes_under(demo.workdir)

    demo.proc.send_signal(signal.SIGINT)
    assert demo.proc.wait(timeout=STOP_TIMEOUT_S) == 0
    demo._reader.join(timeout=5)
    assert "nothing is left running" in demo.output
    assert _processes_under(demo.workdir) == []
    for host, port in addresses:
        assert not process.tcp_open(host, port), f"{host}:{port} still listening"
