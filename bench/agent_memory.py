"""Agent memory versus the number of sessions and their history length: memory store and Redis.

For each store it starts `omnia agent` with the built-in mock provider (no litellm: turns are
cheap, and the provider keeps nothing between turns), warms it with a round of conversations
at the load generator's concurrency (so the transient peak of concurrent turns is already in
the baseline), then:

- sessions: adds one-turn conversations (each a new session) up to each point, reading the
  worker's RSS at each;
- history: then grows a further, fixed set of sessions turn by turn to each history length
  (messages per session: a user message and an answer per turn), reading RSS at each.

A least-squares line through the points gives KiB per session and KiB per message; the memory
store should grow linearly, Redis should stay flat.

    python -m bench.agent_memory [--quick]
"""

from __future__ import annotations

import statistics
import tempfile
from pathlib import Path
from typing import Any

from bench import agent_proc, common
from tests.support import redis_server

NAME = "agent_memory"
SESSION_POINTS = (1_000, 2_500, 5_000)
QUICK_SESSION_POINTS = (8,)
WARM_SESSIONS = 200
QUICK_WARM_SESSIONS = 4
HISTORY_SESSIONS = 50
QUICK_HISTORY_SESSIONS = 2
HISTORY_POINTS = (10, 50, 200)
QUICK_HISTORY_POINTS = (2, 4)
CONCURRENCY = 200
CONTENT = "Please remind me what we decided about the hiking route for Saturday."
RUN_TIMEOUT_S = 240.0
PLOT = "agent-memory.png"
STORES = ("memory", "redis")


def _load(agent: agent_proc.Agent, spec: dict[str, Any]) -> list[str]:
    """Run conversations through the load generator; fail on any error; return session ids."""
    full = {
        "url": agent.ws_url(),
        "concurrency": min(CONCURRENCY, spec["conversations"]),
        "content": CONTENT,
        "timeout_s": RUN_TIMEOUT_S,
        **spec,
    }
    result = agent_proc.run_child("bench.loadgen", full, RUN_TIMEOUT_S + 30)
    if result["errors"]:
        raise RuntimeError(f"load generator errors: {result['errors'][:3]}")
    ids: list[str] = result["session_ids"]
    return ids


def grow_sessions(agent: agent_proc.Agent, warm: int, points: tuple[int, ...]) -> list[list[int]]:
    """Return [sessions, RSS KiB] after the warm round and after reaching each point."""
    _load(agent, {"conversations": warm, "turns": 1})
    readings = [[warm, agent.rss_kib()]]
    held = warm
    for point in points:
        _load(agent, {"conversations": point - held, "turns": 1})
        held = point
        readings.append([held, agent.rss_kib()])
    return readings


def grow_history(
    agent: agent_proc.Agent, sessions: int, points: tuple[int, ...]
) -> list[list[int]]:
    """Return [messages per session, RSS KiB] for `sessions` new sessions grown to each point."""
    readings = [[0, agent.rss_kib()]]
    ids: list[str] | None = None
    messages = 0
    for point in points:
        spec: dict[str, Any] = {"conversations": sessions, "turns": (point - messages) // 2}
        if ids is not None:
            spec["session_ids"] = ids
        ids = _load(agent, spec)
        messages = point
        readings.append([messages, agent.rss_kib()])
    return readings


def fit(readings: list[list[int]]) -> tuple[float, float]:
    """Slope (KiB per unit) and intercept (KiB) of the least-squares line through readings."""
    xs, ys = [float(x) for x, _ in readings], [float(y) for _, y in readings]
    slope, intercept = statistics.linear_regression(xs, ys)
    return slope, intercept


def run(quick: bool = False) -> dict[str, Any]:
    """Measure both stores along both axes; return the result (and draw the plot)."""
    warm = QUICK_WARM_SESSIONS if quick else WARM_SESSIONS
    session_points = QUICK_SESSION_POINTS if quick else SESSION_POINTS
    history_sessions = QUICK_HISTORY_SESSIONS if quick else HISTORY_SESSIONS
    history_points = QUICK_HISTORY_POINTS if quick else HISTORY_POINTS
    data: dict[str, dict[str, list[list[int]]]] = {}
    with redis_server.redis_node() as port, tempfile.TemporaryDirectory() as tmp:
        for store in STORES:
            url = agent_proc.redis_url(port) if store == "redis" else None
            with agent_proc.running_agent(
                Path(tmp) / store, llm_url=None, session_url=url
            ) as agent:
                sessions = grow_sessions(agent, warm, session_points)
                history = grow_history(agent, history_sessions, history_points)
            data[store] = {"sessions": sessions, "history": history}
    plots = _plot(data, history_sessions, quick)
    return _result(data, history_sessions, plots, quick)


def _result(
    data: dict[str, dict[str, list[list[int]]]],
    history_sessions: int,
    plots: list[str],
    quick: bool,
) -> dict[str, Any]:
    per_session = {store: fit(data[store]["sessions"])[0] for store in STORES}
    per_message = {store: fit(data[store]["history"][1:])[0] / history_sessions for store in STORES}
    session_rows = [
        [n, *(f"{data[store]['sessions'][i][1] / 1024:.1f}" for store in STORES)]
        for i, (n, _) in enumerate(data["memory"]["sessions"])
    ]
    history_rows = [
        [n, *(f"{data[store]['history'][i][1] / 1024:.1f}" for store in STORES)]
        for i, (n, _) in enumerate(data["memory"]["history"])
    ]
    growth = (
        f"The memory store grows linearly: {per_session['memory']:.1f} KiB per session with one "
        f"exchange, and {per_message['memory']:.2f} KiB per message of history (each turn "
        "stores two messages and its frames for replay: a chunk per 30 ms of streaming and the "
        "`done` frame, which repeats the answer). With Redis the process stays flat: "
        f"{per_session['redis']:.2f} KiB per session and {per_message['redis']:.3f} KiB per "
        "message, within the allocator's noise."
    )
    return {
        "name": NAME,
        "title": "Agent memory",
        "command": "python -m bench.agent_memory",
        "sections": [
            {
                "heading": "Worker RSS (MiB) versus sessions held",
                "text": (
                    "Each session: one conversation of one turn (the mock provider echoes a "
                    f"{len(CONTENT)}-character message in a ~140-character answer), its socket "
                    "closed afterwards. The first row is after the warm-up round."
                    + (" Quick run." if quick else "")
                ),
                "columns": ["sessions", *STORES],
                "rows": session_rows,
            },
            {
                "heading": f"Worker RSS (MiB) versus history length ({history_sessions} sessions)",
                "text": "Measured after the sessions above, on the same process. " + growth,
                "columns": ["messages per session", *STORES],
                "rows": history_rows,
            },
        ],
        "targets": [
            {
                "what": "Agent memory: how it grows with sessions and history (memory store)",
                "target": "linear and stated; flat with Redis",
                "measured": (
                    f"{per_session['memory']:.1f} KiB/session, {per_message['memory']:.2f} "
                    f"KiB/message; Redis {per_session['redis']:.2f} KiB/session"
                ),
                "met": per_session["redis"] < per_session["memory"] / 10,
                "note": "",
            }
        ],
        "plots": plots,
    }


def _plot(
    data: dict[str, dict[str, list[list[int]]]], history_sessions: int, quick: bool
) -> list[str]:
    """Draw RSS against both axes; return the plot's docs path (none for a quick run)."""
    try:
        import matplotlib
    except ImportError:  # the bench extra is not installed: tables only
        return []
    matplotlib.use("Agg")
    from matplotlib import pyplot

    figure, axes = pyplot.subplots(1, 2, figsize=(10, 4))
    for axis, key, label in (
        (axes[0], "sessions", "sessions held (one exchange each)"),
        (axes[1], "history", f"messages per session ({history_sessions} sessions)"),
    ):
        for store, marker in zip(STORES, ("o", "s"), strict=True):
            points = data[store][key] if key == "sessions" else data[store][key][1:]
            xs = [x for x, _ in points]
            (dots,) = axis.plot(xs, [y / 1024 for _, y in points], marker, label=f"{store} store")
            slope, intercept = fit(points)
            fitted = [(slope * x + intercept) / 1024 for x in xs]
            axis.plot(xs, fitted, "-", linewidth=0.8, color=dots.get_color())
        axis.set_xlabel(label)
        axis.set_ylabel("worker RSS (MiB)")
        axis.grid(alpha=0.3)
        axis.legend()
    figure.suptitle("omnia agent: worker memory, memory store against Redis")
    figure.tight_layout()
    target = (common.RESULTS / "agent-memory-quick.png") if quick else (common.IMAGES / PLOT)
    target.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(target, dpi=100)
    pyplot.close(figure)
    return [] if quick else [f"docs/img/{PLOT}"]


def main(argv: list[str] | None = None) -> int:
    """Run the benchmark, print its tables and write its result."""
    return common.main("bench.agent_memory", __doc__, run, argv)


if __name__ == "__main__":
    raise SystemExit(main())
