"""`omnia hooks` as a real gunicorn process on a free loopback port, stopped by PID."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager

from tests.support.ports import free_port
from tests.support.wait import wait_until

START_TIMEOUT_S = 20.0
STOP_TIMEOUT_S = 15.0


def _healthy(base_url: str) -> bool:
    with urllib.request.urlopen(f"{base_url}/healthz", timeout=1) as answer:
        return bool(answer.status == 200)


@contextmanager
def hook_server(**env: str) -> Iterator[str]:
    """Run `omnia hooks` (gunicorn) on 127.0.0.1; yield its base URL, e.g. http://127.0.0.1:PORT.

    gunicorn binds 0.0.0.0 as in a pod; tests talk to it over loopback.
    """
    port = free_port()
    environ = os.environ | {
        "PORT": str(port),
        "OMNIA_AGENT_IMAGE": "ghcr.io/altairalabs/omnia:test",
    }
    command = [sys.executable, "-m", "hooks.cli", "hooks"]
    base_url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            command, env=environ | env, stdout=subprocess.DEVNULL, stderr=log
        )
        try:
            try:
                wait_until(
                    lambda: process.poll() is None and _healthy(base_url),
                    START_TIMEOUT_S,
                    "omnia hooks",
                )
            except TimeoutError:
                log.seek(0)
                output = log.read().decode(errors="replace")
                raise TimeoutError(f"omnia hooks did not start:\n{output}") from None
            yield base_url
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=STOP_TIMEOUT_S)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
