"""The SessionStore contract, run against memory, one real Redis node and a real Redis Cluster."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from agent import errors
from agent.sessions import store
from tests.integration.sessions.conftest import Backend

LIMITS = store.StoreLimits(ttl_s=60, turn_lease_s=30.0, tombstone_ttl_s=600)
# Redis counts TTLs in whole seconds: expiry tests use the shortest it has.
SHORT_TTL = store.StoreLimits(ttl_s=1, turn_lease_s=30.0, tombstone_ttl_s=1)
SHORT_LEASE = store.StoreLimits(ttl_s=60, turn_lease_s=0.2, tombstone_ttl_s=600)
# Ageing the session must not also end the turn's lease.
LONG_LEASE = store.StoreLimits(ttl_s=60, turn_lease_s=600.0, tombstone_ttl_s=600)
CONCURRENT_TURNS = 16
THREAD_JOIN_S = 30.0


def user(text: str) -> dict[str, Any]:
    return {"role": "user", "content": text}


def assistant(text: str) -> dict[str, Any]:
    return {"role": "assistant", "content": text}


def frame(seq: int, content: str = "") -> dict[str, Any]:
    return {"type": "chunk", "seq": seq, "content": content}


def test_store_create_then_get_returns_the_pinned_pack_version(backend: Backend) -> None:
    sessions = backend.open(LIMITS)
    created = sessions.create("s-1", "v3")
    assert created == store.SessionInfo("s-1", "v3", 0)
    assert sessions.get("s-1") == created
    assert sessions.create("s-2", None) == store.SessionInfo("s-2", None, 0)
    assert sessions.get("s-2").pack_version is None


def test_store_create_is_idempotent_and_keeps_the_conversation(backend: Backend) -> None:
    sessions = backend.open(LIMITS)
    sessions.create("s-1", "v1")
    sessions.begin_turn("s-1", "t1", user("hi"))
    sessions.end_turn("s-1", "t1", [assistant("hello")], [frame(1)])
    assert sessions.create("s-1", "v2") == store.SessionInfo("s-1", "v1", 1)
    start = sessions.begin_turn("s-1", "t2", user("again"))
    assert start.history == [user("hi"), assistant("hello"), user("again")]


@pytest.mark.parametrize("session_id", ["never-created", "bad{id}", "", "x" * 129])
def test_store_unknown_id_is_not_found(backend: Backend, session_id: str) -> None:
    sessions = backend.open(LIMITS)
    with pytest.raises(errors.SessionNotFound):
        sessions.get(session_id)
    with pytest.raises(errors.SessionNotFound):
        sessions.begin_turn(session_id, "t1", user("hi"))
    with pytest.raises(errors.SessionNotFound):
        sessions.frames_after(session_id, 0)


def test_store_malformed_new_id_is_refused(backend: Backend) -> None:
    sessions = backend.open(LIMITS)
    with pytest.raises(ValueError, match="session_id"):
        sessions.create("a{b}", None)


def test_store_expired_id_is_expired_until_its_tombstone_goes(backend: Backend) -> None:
    sessions = backend.open(SHORT_TTL)
    sessions.create("s-1", "v1")
    sessions.begin_turn("s-1", "t1", user("hi"))
    backend.expire_session("s-1")
    with pytest.raises(errors.SessionExpired):
        sessions.get("s-1")
    with pytest.raises(errors.SessionExpired):
        sessions.begin_turn("s-1", "t2", user("hi"))
    with pytest.raises(errors.SessionExpired):
        sessions.frames_after("s-1", 0)
    backend.expire_tombstone("s-1")
    with pytest.raises(errors.SessionNotFound):
        sessions.get("s-1")


def test_store_create_after_expiry_starts_afresh(backend: Backend) -> None:
    sessions = backend.open(SHORT_TTL)
    sessions.create("s-1", "v1")
    sessions.begin_turn("s-1", "t1", user("old"))
    backend.expire_session("s-1")
    assert sessions.create("s-1", "v2") == store.SessionInfo("s-1", "v2", 0)
    assert sessions.begin_turn("s-1", "t2", user("new")).history == [user("new")]


def test_store_begin_turn_returns_history_ending_with_the_user_message(backend: Backend) -> None:
    sessions = backend.open(LIMITS)
    sessions.create("s-1", "v1")
    first = sessions.begin_turn("s-1", "t1", user("one"))
    assert first == store.TurnStart(store.SessionInfo("s-1", "v1", 0), [user("one")])
    sessions.end_turn("s-1", "t1", [assistant("two")], [frame(1), frame(2)])
    second = sessions.begin_turn("s-1", "t2", user("three"))
    assert second.session.seq == 2
    assert second.history == [user("one"), assistant("two"), user("three")]


def test_store_begin_turn_while_another_turn_runs_is_busy(backend: Backend) -> None:
    sessions = backend.open(LIMITS)
    sessions.create("s-1", None)
    sessions.begin_turn("s-1", "t1", user("one"))
    with pytest.raises(errors.SessionBusy):
        sessions.begin_turn("s-1", "t2", user("two"))
    sessions.end_turn("s-1", "t1", [assistant("ok")], [])
    history = sessions.begin_turn("s-1", "t3", user("three")).history
    assert history == [user("one"), assistant("ok"), user("three")]


def test_store_begin_turn_again_by_its_holder_stores_nothing_twice(backend: Backend) -> None:
    sessions = backend.open(LIMITS)
    sessions.create("s-1", None)
    first = sessions.begin_turn("s-1", "t1", user("one"))
    assert sessions.begin_turn("s-1", "t1", user("one")) == first


def test_store_expired_lease_is_taken_over_and_its_holder_loses(backend: Backend) -> None:
    sessions = backend.open(SHORT_LEASE)
    sessions.create("s-1", None)
    sessions.begin_turn("s-1", "old", user("one"))
    backend.expire_lease("s-1")
    sessions.begin_turn("s-1", "new", user("two"))
    with pytest.raises(errors.TurnLost):
        sessions.append("s-1", "old", [assistant("late")], [frame(1)])
    with pytest.raises(errors.TurnLost):
        sessions.end_turn("s-1", "old", [assistant("late")], [frame(1)])
    sessions.end_turn("s-1", "new", [assistant("fresh")], [frame(1)])
    assert sessions.frames_after("s-1", 0) == [frame(1)]
    history = sessions.begin_turn("s-1", "next", user("three")).history
    assert history == [user("one"), user("two"), assistant("fresh"), user("three")]


def test_store_expired_lease_not_taken_over_is_lost_too(backend: Backend) -> None:
    sessions = backend.open(SHORT_LEASE)
    sessions.create("s-1", None)
    sessions.begin_turn("s-1", "t1", user("one"))
    backend.expire_lease("s-1")
    with pytest.raises(errors.TurnLost):
        sessions.end_turn("s-1", "t1", [assistant("late")], [])
    assert sessions.begin_turn("s-1", "t2", user("two")).history == [user("one"), user("two")]


def test_store_append_then_end_turn_keep_order_and_seq(backend: Backend) -> None:
    sessions = backend.open(LIMITS)
    sessions.create("s-1", None)
    sessions.begin_turn("s-1", "t1", user("weather?"))
    call = {"role": "assistant", "tool_calls": [{"id": "c1", "function": {"name": "w"}}]}
    result = {"role": "tool", "tool_call_id": "c1", "content": "sunny"}
    sessions.append("s-1", "t1", [call, result], [frame(1, "call"), frame(2, "result")])
    assert sessions.get("s-1").seq == 2
    sessions.end_turn("s-1", "t1", [assistant("sunny")], [frame(3, "a"), frame(4, "done")])
    assert sessions.get("s-1").seq == 4
    assert [f["seq"] for f in sessions.frames_after("s-1", 0)] == [1, 2, 3, 4]
    assert sessions.frames_after("s-1", 2) == [frame(3, "a"), frame(4, "done")]
    assert sessions.frames_after("s-1", 4) == []
    history = sessions.begin_turn("s-1", "t2", user("thanks")).history
    assert history == [user("weather?"), call, result, assistant("sunny"), user("thanks")]


def test_store_end_turn_without_frames_keeps_seq(backend: Backend) -> None:
    sessions = backend.open(LIMITS)
    sessions.create("s-1", None)
    sessions.begin_turn("s-1", "t1", user("one"))
    sessions.append("s-1", "t1", [], [frame(5)])
    sessions.end_turn("s-1", "t1", [assistant("two")], [])
    assert sessions.get("s-1").seq == 5


@pytest.mark.parametrize(
    "frames",
    [[{"seq": "1"}], [{"type": "chunk"}], [{"seq": True}], [frame(2), frame(2)], [frame(3)]],
    ids=["str", "missing", "bool", "repeated", "not-after-logged"],
)
def test_store_refuses_frames_out_of_order(backend: Backend, frames: list[Any]) -> None:
    sessions = backend.open(LIMITS)
    sessions.create("s-1", None)
    sessions.begin_turn("s-1", "t1", user("one"))
    sessions.append("s-1", "t1", [], [frame(3)])
    with pytest.raises(ValueError, match="seq"):
        sessions.end_turn("s-1", "t1", [assistant("lost")], frames)
    sessions.end_turn("s-1", "t1", [assistant("two")], [frame(4)])
    assert [f["seq"] for f in sessions.frames_after("s-1", 0)] == [3, 4]
    assert sessions.begin_turn("s-1", "t2", user("x")).history[-2] == assistant("two")


def test_store_refuses_what_json_cannot_hold_and_takes_no_lease(backend: Backend) -> None:
    sessions = backend.open(LIMITS)
    sessions.create("s-1", None)
    with pytest.raises(ValueError, match="user_message"):
        sessions.begin_turn("s-1", "t1", {"content": object()})
    sessions.begin_turn("s-1", "t2", user("fine"))
    with pytest.raises(ValueError, match=r"messages\[0\]"):
        sessions.append("s-1", "t2", [{"content": {1, 2}}], [])


def test_store_keeps_the_newest_messages_and_frames(backend: Backend) -> None:
    sessions = backend.open(store.StoreLimits(ttl_s=60, max_history=3, max_frames=4))
    sessions.create("s-1", None)
    for turn in range(3):
        sessions.begin_turn("s-1", f"t{turn}", user(f"u{turn}"))
        sessions.end_turn("s-1", f"t{turn}", [assistant(f"a{turn}")], [frame(turn * 2 + 1)])
    history = sessions.begin_turn("s-1", "t9", user("u9")).history
    assert history == [user("u2"), assistant("a2"), user("u9")]
    sessions.end_turn("s-1", "t9", [], [frame(10), frame(11), frame(12)])
    assert [f["seq"] for f in sessions.frames_after("s-1", 0)] == [5, 10, 11, 12]
    assert [f["seq"] for f in sessions.frames_after("s-1", 10)] == [11, 12]


def test_store_every_operation_refreshes_every_key(backend: Backend) -> None:
    sessions = backend.open(LONG_LEASE)
    operations = [
        lambda: sessions.create("s-1", "v1"),
        lambda: sessions.create("s-1", "v1"),
        lambda: sessions.begin_turn("s-1", "t1", user("one")),
        lambda: sessions.append("s-1", "t1", [assistant("call")], [frame(1)]),
        lambda: sessions.end_turn("s-1", "t1", [assistant("two")], [frame(2)]),
        lambda: sessions.get("s-1"),
        lambda: sessions.frames_after("s-1", 0),
    ]
    operations[0]()
    for operation in operations[1:]:
        backend.make_stale("s-1")
        operation()
        backend.assert_refreshed("s-1")


def test_store_concurrent_begin_turns_have_one_winner(backend: Backend) -> None:
    sessions = backend.open(LIMITS)
    sessions.create("s-1", None)
    barrier = threading.Barrier(CONCURRENT_TURNS)
    outcomes: list[str] = []
    lock = threading.Lock()

    def race(index: int) -> None:
        barrier.wait(timeout=THREAD_JOIN_S)
        try:
            sessions.begin_turn("s-1", f"t{index}", user(f"u{index}"))
            outcome = "won"
        except errors.SessionBusy:
            outcome = "busy"
        with lock:
            outcomes.append(outcome)

    threads = [threading.Thread(target=race, args=(i,)) for i in range(CONCURRENT_TURNS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(THREAD_JOIN_S)
    assert sorted(outcomes) == ["busy"] * (CONCURRENT_TURNS - 1) + ["won"]


def test_store_ping_answers(backend: Backend) -> None:
    backend.open(LIMITS).ping()
