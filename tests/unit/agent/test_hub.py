"""Running turns: one per session, fan-out to watchers, late attach, freed before the end."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from typing import Any

from agent import hub
from tests.support.wait import wait_until


def frame(seq: int, kind: str = "chunk", turn_id: str = "t") -> dict[str, Any]:
    return {"type": kind, "seq": seq, "turn_id": turn_id}


def collect(into: list[dict[str, Any]]) -> hub.Sink:
    def sink(f: dict[str, Any]) -> bool:
        into.append(f)
        return True

    return sink


def gated_source(
    gate: threading.Event, seen_by_source: list[bool]
) -> Callable[[Callable[[], bool]], Iterator[dict[str, Any]]]:
    def source(is_cancelled: Callable[[], bool]) -> Iterator[dict[str, Any]]:
        yield frame(1)
        yield frame(2)
        gate.wait(5)
        seen_by_source.append(is_cancelled())
        yield frame(3, "done")

    return source


def test_one_turn_per_session_fanned_out_and_freed_before_done() -> None:
    turns = hub.Hub()
    gate = threading.Event()
    cancelled: list[bool] = []
    first: list[dict[str, Any]] = []
    late: list[dict[str, Any]] = []
    running = turns.start("s", "t", gated_source(gate, cancelled), [collect(first)])
    assert running is not None
    assert turns.start("s", "t2", gated_source(gate, []), []) is None, "busy"
    wait_until(lambda: len(first) == 2, 5)
    running.attach(collect(late), after_seq=1)
    assert late == [frame(2)], "the buffered frames after after_seq"
    freed_at_done: list[bool] = []
    running.attach(lambda f: freed_at_done.append(turns.find("s") is None) or True, 99)
    running.cancelled.set()
    gate.set()
    wait_until(lambda: len(first) == 3, 5)
    assert late == [frame(2), frame(3, "done")]
    assert cancelled == [True]
    assert freed_at_done == [True], "the session is free before its watchers see done"
    wait_until(lambda: turns.count() == 0, 5)


def test_failed_sinks_are_dropped_and_limits_hold() -> None:
    turns = hub.Hub(max_running=1)
    gate = threading.Event()
    kept: list[dict[str, Any]] = []

    def broken(f: dict[str, Any]) -> bool:
        raise RuntimeError("socket gone")

    running = turns.start("a", "t", gated_source(gate, []), [broken, collect(kept)])
    assert running is not None
    assert turns.is_full()
    assert turns.start("b", "t", gated_source(gate, []), []) is None, "full"
    gate.set()
    wait_until(lambda: len(kept) == 3, 5)
    wait_until(lambda: not turns.is_full(), 5)


def test_is_terminal() -> None:
    assert hub.is_terminal(frame(1, "done"), "t")
    assert hub.is_terminal(frame(1, "error"), "t")
    assert not hub.is_terminal({"type": "error", "seq": 1}, "t")
    assert not hub.is_terminal(frame(1, "chunk"), "t")
