"""Redis: round trips and bytes per turn, counted by a dedicated redis-server itself.

`omnia agent` (openai provider against the fake LLM, a weather tool, Redis sessions) gets its
own redis-server, which nothing else uses. Around each operation this process reads the
server's own counters (`INFO all`: commandstats, total_net_input_bytes, total_net_output_bytes,
total_reads_processed) over a raw socket, so the bytes of its own INFO request and reply are
known exactly and subtracted. Round trips are the commands clients sent (EVALSHA, SCRIPT,
PING, HELLO...); the commands a Lua script runs inside Redis are listed but cost none. Read
events (one per request read) cross-check the count.

    python -m bench.redis_turns [--quick]
"""

from __future__ import annotations

import socket
import statistics
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

from bench import agent_proc, common
from tests.support import fake_llm, redis_server, tool_server
from tests.support.ws_client import WsClient

NAME = "redis_turns"
TURNS = 110
QUICK_TURNS = 3
TOOL_TURNS = 20
RECONNECTS = 20
QUICK_OPS = 2
ANSWER_CHARS = 200
CONTENT = "What should I pack for a weekend of hiking in the Alps in late September?"
INFO_REQUEST = b"*2\r\n$4\r\nINFO\r\n$3\r\nall\r\n"
INFO_TIMEOUT_S = 5.0
MAX_INFO_BYTES = 1_000_000
MAX_HEADER_BYTES = 32
# Commands only a client sends; everything else in commandstats ran inside a script.
CLIENT_COMMANDS = frozenset(
    {"evalsha", "eval", "evalsha_ro", "eval_ro", "script|load", "script|exists", "ping"}
    | {"hello", "client|setinfo", "select", "auth", "multi", "exec"}
)
TARGET_ROUND_TRIPS = 3
# Turns whose bytes the history table shows (the history is capped at 200 messages).
HISTORY_TURNS = (1, 10, 50, 100, 110)


class ServerCounters:
    """Reads a redis-server's counters on a raw socket; `delta` removes its own traffic."""

    def __init__(self, port: int) -> None:
        self._sock = socket.create_connection(("127.0.0.1", port), timeout=INFO_TIMEOUT_S)
        self._reader = self._sock.makefile("rb")
        self._last_reply_bytes = 0

    def close(self) -> None:
        """Close the socket."""
        self._reader.close()
        self._sock.close()

    def snapshot(self) -> dict[str, Any]:
        """Return the counters now: commands by name, and the stats fields."""
        self._sock.sendall(INFO_REQUEST)
        raw = self._read_reply()
        counters: dict[str, Any] = {"calls": Counter(), "reply_bytes": self._last_reply_bytes}
        for line in raw.decode().splitlines():
            name, _, value = line.partition(":")
            if name.startswith("cmdstat_"):
                counters["calls"][name[8:]] = int(value.split(",")[0].split("=")[1])
            elif name.startswith("total_") and value.isdigit():
                counters[name] = int(value)
        return counters

    def _read_reply(self) -> bytes:
        header = self._reader.readline(MAX_HEADER_BYTES)
        if not header.startswith(b"$") or not header.endswith(b"\r\n"):
            raise RuntimeError(f"unexpected INFO reply {header[:40]!r}")
        size = int(header[1:-2])
        if not 0 < size <= MAX_INFO_BYTES:
            raise RuntimeError(f"unexpected INFO reply size {size}")
        body = self._reader.read(size + 2)
        if len(body) != size + 2:
            raise RuntimeError("redis closed the INFO socket")
        self._last_reply_bytes = len(header) + size + 2
        return body[:size]


def delta(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """What the agent did between two snapshots, without the snapshots' own INFO traffic.

    The INFO of `before` is counted by `after`, as are its reply's bytes; the request of
    `after` is counted by `after` itself.
    """
    calls = after["calls"] - before["calls"]
    calls["info"] -= 1
    calls = Counter({name: n for name, n in calls.items() if n > 0 and name != "info"})
    round_trips = sum(n for name, n in calls.items() if name in CLIENT_COMMANDS)
    return {
        "round_trips": round_trips,
        "reads": after["total_reads_processed"] - before["total_reads_processed"] - 1,
        "in": after["total_net_input_bytes"] - before["total_net_input_bytes"] - len(INFO_REQUEST),
        "out": after["total_net_output_bytes"]
        - before["total_net_output_bytes"]
        - before["reply_bytes"],
        "calls": calls,
    }


def _measured(counters: ServerCounters, action: Any) -> dict[str, Any]:
    before = counters.snapshot()
    action()
    return delta(before, counters.snapshot())


def _settled(client: WsClient) -> None:
    """Return once the server has handled everything before: a bad frame's answer follows it."""
    client.send("not json")
    for _ in range(agent_proc.MAX_FRAMES_PER_TURN):
        if client.recv()["type"] == "error":
            return
    raise RuntimeError("no answer to a bad frame")


def scenarios(
    agent: agent_proc.Agent, port: int, llm: fake_llm.FakeLLM, sizes: dict[str, int]
) -> dict[str, list[dict[str, Any]]]:
    """Run every scenario on the agent; return each one's per-operation deltas."""
    counters = ServerCounters(port)
    out: dict[str, list[dict[str, Any]]] = {}
    try:
        # Load every script once (a first use costs NOSCRIPT and SCRIPT LOAD) and fill the pool.
        with WsClient(agent.ws_url()) as warm:
            warm.recv()
            _reconnect(agent, warm.turn(CONTENT))
        holder: list[WsClient] = []

        def connect() -> None:
            holder.append(WsClient(agent.ws_url()))
            holder[0].recv()
            _settled(holder[0])

        out["new socket (creates its session)"] = [_measured(counters, connect)]
        with holder[0] as client:
            out["turn without tools"] = [
                _measured(counters, lambda: client.turn(CONTENT)) for _ in range(sizes["turns"])
            ]
            tool_turns, frames = [], []
            for _ in range(sizes["tool_turns"]):
                llm.push(fake_llm.Script(tool_calls=[("weather", {"city": "Chamonix"})]))
                tool_turns.append(_measured(counters, lambda: frames.append(client.turn(CONTENT))))
            out["turn with one tool round"] = tool_turns
        last = frames[-1]
        out["reconnect, replaying the last turn"] = [
            _measured(counters, lambda: _reconnect(agent, last)) for _ in range(sizes["reconnects"])
        ]
    finally:
        counters.close()
    return out


def _reconnect(agent: agent_proc.Agent, turn: list[dict[str, Any]]) -> None:
    """Reconnect to a turn's session asking for that turn's frames; read them all."""
    session_id, after_seq = turn[0]["session_id"], turn[0]["seq"] - 1
    with WsClient(agent.ws_url(f"session_id={session_id}&after_seq={after_seq}")) as again:
        again.recv()
        for _ in turn:
            again.recv()
        _settled(again)


def run(quick: bool = False) -> dict[str, Any]:
    """Count what each kind of operation costs Redis; return the result."""
    sizes = {
        "turns": QUICK_TURNS if quick else TURNS,
        "tool_turns": QUICK_OPS if quick else TOOL_TURNS,
        "reconnects": QUICK_OPS if quick else RECONNECTS,
    }
    with (
        fake_llm.running(agent_proc.answer(ANSWER_CHARS)) as llm,
        tool_server.running() as tools,
        redis_server.redis_node() as port,
        tempfile.TemporaryDirectory(prefix="omnia-bench-") as tmp,
        agent_proc.running_agent(
            Path(tmp),
            llm_url=llm.base_url,
            session_url=agent_proc.redis_url(port),
            endpoints={"weather": tools.url("/weather")},
        ) as agent,
    ):
        measured = scenarios(agent, port, llm, sizes)
    return _result(measured, quick)


def _result(measured: dict[str, list[dict[str, Any]]], quick: bool) -> dict[str, Any]:
    rows = []
    for scenario, ops in measured.items():
        calls: Counter[str] = Counter()
        for op in ops:
            calls.update(op["calls"])
        by_command = ", ".join(
            f"{name} {n / len(ops):g}"
            for name, n in sorted(calls.items())
            if name in CLIENT_COMMANDS
        )
        in_script = ", ".join(
            f"{name} {n / len(ops):g}"
            for name, n in sorted(calls.items())
            if name not in CLIENT_COMMANDS
        )
        rows.append(
            [
                scenario,
                len(ops),
                f"{statistics.fmean(op['round_trips'] for op in ops):g}",
                f"{max(op['round_trips'] for op in ops)}",
                f"{statistics.fmean(op['reads'] for op in ops):g}",
                f"{statistics.fmean(op['in'] for op in ops):,.0f}",
                f"{statistics.fmean(op['out'] for op in ops):,.0f}",
                by_command,
                in_script,
            ]
        )
    plain = measured["turn without tools"]
    history_rows = [
        [n, min(2 * n - 1, 200), f"{plain[n - 1]['in']:,}", f"{plain[n - 1]['out']:,}"]
        for n in HISTORY_TURNS
        if n <= len(plain)
    ]
    worst = max(op["round_trips"] for op in plain)
    tools_rt = max(op["round_trips"] for op in measured["turn with one tool round"])
    targets = [
        {
            "what": "Redis: round trips per turn without tool calls",
            "target": f"<= {TARGET_ROUND_TRIPS}",
            "measured": f"{worst} (every one of {len(plain)} turns); {tools_rt} with a tool round",
            "met": worst <= TARGET_ROUND_TRIPS,
            "note": "",
        }
    ]
    return {
        "name": NAME,
        "title": "Redis round trips and bytes",
        "command": "python -m bench.redis_turns",
        "sections": [
            {
                "heading": "Per operation, counted by the server",
                "text": (
                    "Means per operation over n operations. Round trips: commands a client "
                    "sent; read events: requests the server read (they agree when no request "
                    "is pipelined or split). Bytes: the server's total_net_input_bytes (agent "
                    "to Redis) and total_net_output_bytes (Redis to agent). The turns without "
                    "tools run one after another on one session, so their history grows (see "
                    "below); the tool turns follow on the same session. A reconnect resumes "
                    "that session and replays the last turn's frames."
                    + (" Quick run." if quick else "")
                ),
                "columns": [
                    "operation",
                    "n",
                    "round trips",
                    "max",
                    "read events",
                    "bytes in",
                    "bytes out",
                    "client commands",
                    "run inside scripts",
                ],
                "rows": rows,
            },
            {
                "heading": "Bytes per turn as the history grows (turns without tools)",
                "text": (
                    f"Each turn: a {len(CONTENT)}-character message and a {ANSWER_CHARS}-"
                    "character answer. `begin_turn` returns the whole history (capped at 200 "
                    "messages), so bytes out grow by about two messages per turn until the cap, "
                    "then stay flat; bytes in (the new messages and frames) stay flat."
                ),
                "columns": ["turn", "history messages read", "bytes in", "bytes out"],
                "rows": history_rows,
            },
        ],
        "targets": targets,
        "plots": [],
    }


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark, print its tables and write its result."""
    return common.main("bench.redis_turns", __doc__, run, argv)


if __name__ == "__main__":
    raise SystemExit(main())
