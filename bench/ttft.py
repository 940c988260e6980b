"""Time to first token: the first turn after /readyz against later turns, and without warm-up.

Starts the fake OpenAI server (tests/support/fake_llm.py) and `omnia agent` pointed at it,
waits for /readyz, then times send-to-first-chunk for several turns in a row. For contrast it
also runs, in a fresh interpreter, the LLM adapter alone with no warm-up: its first call pays
for importing litellm.

    python -m bench.ttft [--turns 5]
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

from tests.support import agent_config, fake_llm
from tests.support.ports import free_port
from tests.support.ws_client import WsClient

REPO = Path(__file__).resolve().parents[1]
START_TIMEOUT_S = 60.0

COLD_SCRIPT = """
import json, sys, time
started = time.monotonic()
from agent import completion, llm
from agent.config import contract
provider = contract.ProviderConfig(type="openai", model="m1", baseURL=sys.argv[1])
adapter = llm.for_provider(provider, {})
times = []
for _ in range(3):
    t = time.monotonic()
    for event in adapter.stream(completion.Request([{"role": "user", "content": "hi"}])):
        if isinstance(event, completion.TextDelta):
            times.append(time.monotonic() - t)
            break
print(json.dumps(times))
"""


def _ttft(client: WsClient, content: str) -> float:
    started = time.monotonic()
    client.send({"type": "message", "content": content})
    first = None
    for frame in iter(client.recv, None):
        if frame["type"] == "chunk" and first is None:
            first = time.monotonic() - started
        if frame["type"] in ("done", "error"):
            break
    assert first is not None, "no chunk"
    return first


def measure(turns: int) -> dict[str, object]:
    """Return the timings, in milliseconds."""
    with fake_llm.running() as llm, tempfile.TemporaryDirectory() as tmp:
        config = agent_config.KubeletDir(Path(tmp) / "config", agent_config.files(llm.base_url))
        port = free_port()
        env = {
            **os.environ,
            **config.env(),
            "OMNIA_FACADE_HOST": "127.0.0.1",
            "OMNIA_FACADE_PORT": str(port),
            "OMNIA_LOG_LEVEL": "WARNING",
            "LITELLM_LOCAL_MODEL_COST_MAP": "True",
        }
        started = time.monotonic()
        process = subprocess.Popen(
            [sys.executable, "-m", "hooks.cli", "agent"],
            cwd=REPO,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        try:
            while time.monotonic() - started < START_TIMEOUT_S:
                try:
                    if requests.get(f"http://127.0.0.1:{port}/readyz", timeout=1).ok:
                        break
                except requests.RequestException:
                    pass
                time.sleep(0.05)
            ready_s = time.monotonic() - started
            with WsClient(f"ws://127.0.0.1:{port}/ws") as client:
                client.recv()
                times = [_ttft(client, f"turn {n}") for n in range(turns)]
        finally:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(15)
        cold = subprocess.run(
            [sys.executable, "-c", COLD_SCRIPT, llm.base_url],
            cwd=REPO,
            env=env,
            capture_output=True,
            check=True,
            timeout=120,
        )
        unwarmed = json.loads(cold.stdout)
    return {
        "ready_after_start_s": round(ready_s, 2),
        "first_turn_ttft_ms": round(times[0] * 1000, 1),
        "warm_ttft_ms_median": round(statistics.median(times[1:]) * 1000, 1),
        "without_warm_up_first_ttft_ms": round(unwarmed[0] * 1000, 1),
        "without_warm_up_next_ttft_ms": round(unwarmed[-1] * 1000, 1),
    }


def main(argv: list[str] | None = None) -> int:
    """Print the timings as one JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--turns", type=int, default=5)
    args = parser.parse_args(argv)
    print(json.dumps(measure(max(2, args.turns))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
