"""What only the memory store has: its injected clock, lease renewal and bounded memory.

The behaviour it shares with Redis is in tests/integration/sessions/test_store_contract.py.
"""

from __future__ import annotations

import pytest

from agent import errors
from agent.sessions import memory, store

LIMITS = store.StoreLimits(ttl_s=100, turn_lease_s=10.0, tombstone_ttl_s=1_000)


class FakeClock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_memory_get_slides_the_ttl() -> None:
    clock = FakeClock()
    sessions = memory.MemoryStore(LIMITS, clock)
    sessions.create("s", None)
    for _ in range(5):
        clock.now += 99
        sessions.get("s")
    clock.now += 100
    with pytest.raises(errors.SessionExpired):
        sessions.get("s")


def test_memory_tombstone_lives_tombstone_ttl_after_expiry() -> None:
    clock = FakeClock()
    sessions = memory.MemoryStore(LIMITS, clock)
    sessions.create("s", None)
    clock.now = 100 + 999
    with pytest.raises(errors.SessionExpired):
        sessions.get("s")
    clock.now = 100 + 1_000
    with pytest.raises(errors.SessionNotFound):
        sessions.get("s")


def test_memory_append_renews_the_lease() -> None:
    clock = FakeClock()
    sessions = memory.MemoryStore(LIMITS, clock)
    sessions.create("s", None)
    sessions.begin_turn("s", "t1", {"role": "user", "content": "hi"})
    for seq in range(1, 4):
        clock.now += 9
        sessions.append("s", "t1", [], [{"seq": seq}])
    clock.now += 9
    sessions.end_turn("s", "t1", [], [])
    clock.now += 0.5
    sessions.begin_turn("s", "t2", {"role": "user", "content": "again"})


def test_memory_retires_expired_sessions_on_writes_in_bounded_batches() -> None:
    clock = FakeClock()
    sessions = memory.MemoryStore(LIMITS, clock)
    for index in range(100):
        sessions.create(f"old-{index}", None)
    clock.now = 100
    sessions.create("new-0", None)
    assert sessions.sizes() == (100 + 1 - memory.PURGE_BATCH, memory.PURGE_BATCH)
    for index in range(1, 20):
        sessions.create(f"new-{index}", None)
    assert sessions.sizes() == (20, 100)
    # The old tombstones go; the new sessions expire into tombstones of their own.
    clock.now = 100 + 1_000
    for index in range(30):
        sessions.create(f"newer-{index}", None)
    assert sessions.sizes() == (30, 20)


def test_memory_holds_at_most_the_sessions_written_in_one_ttl() -> None:
    clock = FakeClock()
    sessions = memory.MemoryStore(LIMITS, clock)
    for index in range(5_000):
        clock.now = index * 0.1
        sessions.create(f"s-{index}", None)
    live, tombstones = sessions.sizes()
    assert live <= 100 / 0.1 + memory.PURGE_BATCH
    assert tombstones <= 1_000 / 0.1 + memory.PURGE_BATCH
