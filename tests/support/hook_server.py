"""`omnia hooks` as a real gunicorn process on a free loopback port, stopped by process group."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from hooks.local import process
from tests.support.ports import free_port

START_TIMEOUT_S = 20.0


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
    base_url = f"http://127.0.0.1:{port}"
    with tempfile.TemporaryDirectory(prefix="omnia-hooks-") as scratch:
        server = process.ProcessGroup(
            [sys.executable, "-m", "hooks.cli", "hooks"],
            env=environ | env,
            cwd=Path(scratch),
            log_path=Path(scratch) / "hooks.log",
        )
        server.start()
        try:
            server.wait_until(
                lambda: process.http_ok(f"{base_url}/healthz"), START_TIMEOUT_S, "omnia hooks"
            )
            yield base_url
        finally:
            server.stop()
