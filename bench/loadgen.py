"""The load generator: many WebSocket conversations with the agent at once, in its own process.

The benchmarks run it through `agent_proc.run_child("bench.loadgen", spec)`, so that its work
never shares a GIL with the agent or the fake LLM. It patches itself with gevent before it
opens a socket: hundreds of conversations then share one thread, and each timestamp is taken
when the frame is read. It prints one JSON line.

spec:
    url            the agent's WebSocket URL (with `direct`: the fake LLM's base URL)
    direct         stream from the fake LLM itself, without the agent (the harness's share)
    conversations  how many conversations (each: a socket and a session of its own)
    turns          turns per conversation, one after the other
    concurrency    conversations open at once (at most)
    together       open every socket before any turn starts (needs concurrency >= conversations)
    content        the user message of every turn
    session_ids    optional: resume these sessions instead of creating new ones (one each)
    delta_chars, delta_gap_s   optional: the fake LLM's delta size and the gap between deltas,
                   to compute each chunk's lateness against that schedule
    timeout_s      bound on each socket read, and on the whole run

result: turns (completed), errors (strings, one per failed turn or conversation), ttft_s and
turn_s (one per completed turn), lateness_s (one per chunk after each turn's first),
session_ids, wall_s.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import sys
import time
import urllib.parse
from collections.abc import Callable, Iterator
from typing import Any

SETTLE_S = 0.2
READ_BYTES = 65_536
MAX_READS = 100_000
MAX_FRAMES_PER_TURN = 10_000  # as bench.agent_proc's (not imported: gevent patches first)


class _Gate:
    """Holds every conversation until all have connected (when `together`), within a deadline."""

    def __init__(self, expected: int, timeout_s: float, enabled: bool) -> None:
        from gevent.event import Event

        self._left = expected
        self._timeout_s = timeout_s
        self._event = Event()
        if not enabled:
            self._event.set()

    def arrive(self) -> None:
        self._left -= 1
        if self._left <= 0:
            self._event.set()

    def wait(self) -> None:
        self._event.wait(self._timeout_s)


def _agent_turn(client: Any, spec: dict[str, Any], out: dict[str, Any]) -> None:
    """Run one turn through the agent's socket; record it."""
    started = time.monotonic()
    client.send({"type": "message", "content": spec["content"]})
    arrivals = []
    for _ in range(MAX_FRAMES_PER_TURN):
        frame = client.recv()
        now = time.monotonic()
        if frame["type"] == "chunk":
            arrivals.append((now, len(frame["content"])))
        elif frame["type"] == "done":
            break
        elif frame["type"] == "error" and "turn_id" in frame:
            out["errors"].append(f"turn error {frame['error']['code']}")
            return
    else:
        out["errors"].append(f"no end of turn within {MAX_FRAMES_PER_TURN} frames")
        return
    _record(started, arrivals, now, spec, out)


def _direct_turn(spec: dict[str, Any], out: dict[str, Any]) -> None:
    """Stream one completion from the fake LLM itself, without the agent; record it.

    It reads with `read1`, which returns whatever has arrived, so no buffer holds a delta back.
    """
    url = urllib.parse.urlsplit(spec["url"])
    body = {
        "model": "m1",
        "messages": [{"role": "user", "content": spec["content"]}],
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    started = time.monotonic()
    arrivals = []
    connection = http.client.HTTPConnection(url.hostname, url.port, timeout=spec["timeout_s"])
    try:
        connection.request(
            "POST",
            url.path + "/chat/completions",
            json.dumps(body),
            {"Content-Type": "application/json"},
        )
        response = connection.getresponse()
        pending = b""
        for _ in range(MAX_READS):
            data = response.read1(READ_BYTES)
            now = time.monotonic()
            if not data:
                break
            *lines, pending = (pending + data).split(b"\n")
            arrivals += [(now, chars) for chars in map(_delta_chars, lines) if chars]
    finally:
        connection.close()
    _record(started, arrivals, time.monotonic(), spec, out)


def _delta_chars(line: bytes) -> int:
    """The length of the text delta an SSE line carries (0 for none)."""
    if not line.startswith(b"data: {"):
        return 0
    choices = json.loads(line[6:])["choices"]
    return len(choices[0]["delta"].get("content") or "") if choices else 0


def _record(
    started: float,
    arrivals: list[tuple[float, int]],
    ended: float,
    spec: dict[str, Any],
    out: dict[str, Any],
) -> None:
    """Record a turn's time to first text, its duration, and each later chunk's lateness.

    The fake LLM sends delta i exactly i gaps after delta 0, so a chunk whose first delta is
    i is late by its time after the first chunk minus i gaps: how long its oldest text waited
    beyond the model's own pace.
    """
    if not arrivals:
        out["errors"].append("turn without text")
        return
    out["ttft_s"].append(arrivals[0][0] - started)
    out["turn_s"].append(ended - started)
    out["turns"] += 1
    gap_s, size = spec.get("delta_gap_s"), spec.get("delta_chars")
    if not gap_s or not size:
        return
    first, offset = arrivals[0]
    for now, chars in arrivals[1:]:
        out["lateness_s"].append(now - first - (offset // size) * gap_s)
        offset += chars


def _conversation(index: int, spec: dict[str, Any], gate: _Gate, out: dict[str, Any]) -> None:
    """Open one conversation, wait at the gate, run its turns; count any failure as an error."""
    arrived = False
    try:
        with _open(index, spec, out) as run_turn:
            arrived = True
            gate.arrive()
            gate.wait()
            for _ in range(spec["turns"]):
                run_turn()
    except Exception as error:  # noqa: BLE001 - every failure is counted, none stops the run
        out["errors"].append(f"conversation {index}: {type(error).__name__}: {error}")
    finally:
        if not arrived:
            gate.arrive()


@contextlib.contextmanager
def _open(index: int, spec: dict[str, Any], out: dict[str, Any]) -> Iterator[Callable[[], None]]:
    """Open a socket to the agent (or an HTTP session to the fake LLM, when `direct`)."""
    if spec.get("direct"):
        yield lambda: _direct_turn(spec, out)
        return
    from tests.support.ws_client import WsClient

    resume = spec.get("session_ids")
    url = spec["url"] + (f"?session_id={resume[index]}" if resume else "")
    with WsClient(url, timeout_s=spec["timeout_s"]) as client:
        hello = client.recv()
        if hello["type"] != "connected":
            raise RuntimeError(f"first frame {hello['type']}")
        out["session_ids"][index] = hello["session_id"]
        yield lambda: _agent_turn(client, spec, out)


def generate(spec: dict[str, Any]) -> dict[str, Any]:
    """Run the conversations of a spec (in a gevent-patched process); return the result."""
    import gevent.pool

    count = spec["conversations"]
    if spec.get("together") and spec["concurrency"] < count:
        raise ValueError("together needs concurrency >= conversations")
    out: dict[str, Any] = {
        "turns": 0,
        "errors": [],
        "ttft_s": [],
        "turn_s": [],
        "lateness_s": [],
        "session_ids": [""] * count,
    }
    gate = _Gate(count, spec["timeout_s"], bool(spec.get("together")))
    pool = gevent.pool.Pool(spec["concurrency"])
    started = time.monotonic()
    for index in range(count):
        pool.spawn(_conversation, index, spec, gate, out)
    if not pool.join(timeout=spec["timeout_s"]):
        pool.kill(block=True, timeout=SETTLE_S)
        out["errors"].append(f"run timed out after {spec['timeout_s']}s")
    out["wall_s"] = time.monotonic() - started
    return out


def main(argv: list[str] | None = None) -> int:
    """`python -m bench.loadgen --child SPEC`: run the spec, print the result as one JSON line."""
    from gevent import monkey

    monkey.patch_all()
    parser = argparse.ArgumentParser(prog="python -m bench.loadgen", description=__doc__)
    parser.add_argument("--child", required=True, help="the spec, as JSON")
    args = parser.parse_args(argv)
    print(json.dumps(generate(json.loads(args.child))))
    return 0


if __name__ == "__main__":
    sys.exit(main())
