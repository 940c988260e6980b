"""A local process in its own process group: started with a log file, stopped for sure.

Each server runs in its own session so that a terminal's Ctrl-C reaches only the launcher, which
then stops every group itself: SIGTERM to the group, SIGKILL after a grace period. (gunicorn 27
can deadlock when SIGINT reaches both its master and its workers, keeping its port.)
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import IO

STOP_GRACE_S = 10.0
LOG_TAIL_BYTES = 4000
PROBE_TIMEOUT_S = 2.0
PROBE_INTERVAL_S = 0.05


class ProcessError(Exception):
    """A process could not start, exited early, or never became ready."""


class ProcessGroup:
    """One command running as the leader of its own process group."""

    def __init__(
        self, argv: Sequence[str], *, env: Mapping[str, str], cwd: Path, log_path: Path
    ) -> None:
        self.argv = tuple(argv)
        self.env = dict(env)
        self.cwd = cwd
        self.log_path = log_path
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def pid(self) -> int | None:
        """The group leader's pid, once started."""
        return None if self._process is None else self._process.pid

    @property
    def running(self) -> bool:
        """Whether the process is alive."""
        return self._process is not None and self._process.poll() is None

    def start(self) -> None:
        """Start the command, its output going to log_path.

        Raises:
            ProcessError: the executable is not on the PATH of env.
        """
        executable = shutil.which(self.argv[0], path=self.env.get("PATH"))
        if executable is None:
            raise ProcessError(f"executable {self.argv[0]!r} not found")
        self.cwd.mkdir(parents=True, exist_ok=True)
        self._log = self.log_path.open("ab")
        self._process = subprocess.Popen(  # noqa: S603 - our own commands and pod specs
            [executable, *self.argv[1:]],
            env=self.env,
            cwd=self.cwd,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def log_tail(self) -> str:
        """Return the end of the log."""
        if not self.log_path.exists():
            return ""
        return self.log_path.read_bytes()[-LOG_TAIL_BYTES:].decode(errors="replace")

    def wait_until(self, probe: Callable[[], bool], timeout_s: float, what: str) -> None:
        """Block until probe() is true.

        Raises:
            ProcessError: the process exited, or timeout_s passed; with the log's tail.
        """
        deadline = time.monotonic() + timeout_s
        while not probe():
            if not self.running:
                raise ProcessError(f"{what} exited:\n{self.log_tail()}")
            if time.monotonic() > deadline:
                raise ProcessError(f"{what} not ready after {timeout_s:.0f}s:\n{self.log_tail()}")
            time.sleep(PROBE_INTERVAL_S)

    def stop(self, grace_s: float = STOP_GRACE_S) -> None:
        """SIGTERM the group; SIGKILL it after grace_s; close the log."""
        process = self._process
        if process is not None:
            if process.poll() is None:
                _signal_group(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=grace_s)
                except subprocess.TimeoutExpired:
                    _signal_group(process.pid, signal.SIGKILL)
                    process.wait()
            _signal_group(process.pid, signal.SIGKILL)  # stray children of the group
        if self._log is not None:
            self._log.close()
            self._log = None


def _signal_group(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, sig)


def http_ok(url: str) -> bool:
    """Return whether a GET of url answers 2xx right now."""
    try:
        with urllib.request.urlopen(url, timeout=PROBE_TIMEOUT_S) as response:  # noqa: S310
            status: int = response.status
            return 200 <= status < 300
    except (urllib.error.URLError, OSError):
        return False


def tcp_open(host: str, port: int) -> bool:
    """Return whether a TCP connection to host:port succeeds right now."""
    try:
        with socket.create_connection((host, port), timeout=PROBE_TIMEOUT_S):
            return True
    except OSError:
        return False


def require_free(host: str, port: int) -> None:
    """Fail unless host:port can be bound now, so a server cannot be mistaken for another's.

    Raises:
        ProcessError: the address is taken.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # As servers do: connections in TIME_WAIT don't block a new listener, a listener does.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
            sock.listen(1)
        except OSError as error:
            raise ProcessError(f"{host}:{port} is already in use ({error.strerror})") from error


def free_port(host: str = "127.0.0.1") -> int:
    """Return a TCP port on host that is free right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port
