"""What only the Redis store has: round trips, key layout, scripts, pools and outages."""

from __future__ import annotations

import contextlib
import threading
import time
import urllib.parse
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import redis
import redis.cluster

from agent import errors
from agent.sessions import redis as redis_store
from agent.sessions import redis_lua, store
from tests.support import redis_server
from tests.support.ports import free_port

LIMITS = store.StoreLimits(ttl_s=60, turn_lease_s=30.0, tombstone_ttl_s=600)
SECRET = "s3cret-Pw-0f-the-store"
MAX_TURN_COMMANDS = 3
MAX_MONITOR_LINES = 10_000
MONITOR_READ_S = 30.0
# Connection refused answers at once; even with every retry's backoff this is far above it.
OUTAGE_ANSWER_S = 15.0
POOL_SIZE = 2
CONCURRENT_TURNS = 16
THREAD_JOIN_S = 30.0


def user(text: str) -> dict[str, Any]:
    return {"role": "user", "content": text}


@pytest.fixture(scope="module")
def isolated_port() -> Iterator[int]:
    """A Redis node only this module talks to, so the server's command counter is ours."""
    with redis_server.redis_node() as port:
        yield port


@pytest.fixture
def isolated_url(isolated_port: int) -> str:
    return f"redis://127.0.0.1:{isolated_port}/0?prefix=t{uuid.uuid4().hex[:12]}:"


def sent_commands(nodes: list[tuple[str, int]], operation: Callable[[], object]) -> list[str]:
    """Commands the servers received from clients during operation(), as MONITOR shows them.

    Commands a Lua script runs are shown as coming from "lua" and left out: they cost no round
    trip. Each node's stream is read up to a marker sent (on a connection opened beforehand)
    after the operation.
    """
    marker = f"end-of-operation-{uuid.uuid4().hex}"
    with contextlib.ExitStack() as stack:
        pairs = []
        for host, port in nodes:
            marking = stack.enter_context(redis.Redis(host=host, port=port))
            marking.ping()
            watching = stack.enter_context(
                redis.Redis(host=host, port=port, socket_timeout=MONITOR_READ_S)
            )
            pairs.append((marking, stack.enter_context(watching.monitor())))
        operation()
        sent: list[str] = []
        for marking, monitor in pairs:
            marking.echo(marker)
            for _ in range(MAX_MONITOR_LINES):
                entry = monitor.next_command()
                if marker in entry["command"]:
                    break
                if entry["client_type"] != "lua":
                    sent.append(entry["command"].split()[0].strip('"'))
    return sent


def primaries(cluster_url: str) -> list[tuple[str, int]]:
    seed = urllib.parse.urlsplit(cluster_url)
    with redis.cluster.RedisCluster(host=seed.hostname, port=seed.port) as cluster:
        return [(node.host, node.port) for node in cluster.get_primaries()]


def one_turn(sessions: store.SessionStore, session_id: str, turn_id: str) -> None:
    sessions.begin_turn(session_id, turn_id, user("hi"))
    sessions.end_turn(session_id, turn_id, [{"role": "assistant", "content": "hello"}], [])


def operations(sessions: store.SessionStore, turn: int) -> dict[str, Callable[[], object]]:
    frame = {"type": "done", "seq": turn}
    return {
        "create": lambda: sessions.create("s-1", "v1"),
        "get": lambda: sessions.get("s-1"),
        "begin_turn": lambda: sessions.begin_turn("s-1", f"t{turn}", user("hi")),
        "append": lambda: sessions.append("s-1", f"t{turn}", [user("tool")], []),
        "end_turn": lambda: sessions.end_turn("s-1", f"t{turn}", [], [frame]),
        "frames_after": lambda: sessions.frames_after("s-1", 0),
        "ping": sessions.ping,
    }


def test_redis_turn_without_tools_is_two_round_trips(isolated_url: str, isolated_port: int) -> None:
    sessions = redis_store.RedisStore(isolated_url, LIMITS)
    sessions.create("s-1", None)
    one_turn(sessions, "s-1", "warm-up")  # connects and loads the scripts once
    node = [("127.0.0.1", isolated_port)]
    sent = sent_commands(node, lambda: one_turn(sessions, "s-1", "t1"))
    assert sent == ["EVALSHA", "EVALSHA"]
    assert len(sent) <= MAX_TURN_COMMANDS
    sessions.close()


def test_redis_every_operation_is_one_round_trip(isolated_url: str, isolated_port: int) -> None:
    sessions = redis_store.RedisStore(isolated_url, LIMITS)
    for run in operations(sessions, 1).values():  # connects and loads the scripts once
        run()
    node = [("127.0.0.1", isolated_port)]
    sent = {name: sent_commands(node, run) for name, run in operations(sessions, 2).items()}
    assert sent == {name: ["PING" if name == "ping" else "EVALSHA"] for name in sent}
    sessions.close()


def test_redis_cluster_turn_is_two_round_trips(redis_cluster_url: str) -> None:
    sessions = redis_store.RedisStore(f"{redis_cluster_url}?prefix=rt{uuid.uuid4().hex}:", LIMITS)
    sessions.create("s-1", None)
    one_turn(sessions, "s-1", "warm-up")
    nodes = primaries(redis_cluster_url)
    assert len(nodes) == 3
    assert sent_commands(nodes, lambda: one_turn(sessions, "s-1", "t1")) == ["EVALSHA", "EVALSHA"]
    sessions.close()


def test_redis_cluster_ping_asks_every_primary(redis_cluster_url: str) -> None:
    sessions = redis_store.RedisStore(redis_cluster_url, LIMITS)
    sessions.ping()
    assert sent_commands(primaries(redis_cluster_url), sessions.ping) == ["PING"] * 3
    sessions.close()


def test_redis_cluster_keeps_a_session_in_one_slot(redis_cluster_url: str) -> None:
    seed = urllib.parse.urlsplit(redis_cluster_url)
    raw = redis.cluster.RedisCluster(host=seed.hostname, port=seed.port, decode_responses=True)
    prefix = f"slot{uuid.uuid4().hex[:8]}:"
    sessions = redis_store.RedisStore(f"{redis_cluster_url}?prefix={prefix}", LIMITS)
    sessions.create("s-1", "v1")
    sessions.begin_turn("s-1", "t1", user("hi"))
    sessions.append("s-1", "t1", [], [{"seq": 1}])
    keys = sorted(raw.scan_iter(match=f"{prefix}*"))
    parts = ["born", "frames", "lease", "meta", "msgs"]
    assert keys == [f"{prefix}omnia:{{s-1}}:{part}" for part in parts]
    assert len({raw.keyslot(key) for key in keys}) == 1
    sessions.close()
    raw.close()


def test_redis_append_renews_the_lease(isolated_url: str, isolated_port: int) -> None:
    raw = redis.Redis(port=isolated_port, decode_responses=True)
    sessions = redis_store.RedisStore(isolated_url, LIMITS)
    sessions.create("s-1", None)
    sessions.begin_turn("s-1", "t1", user("hi"))
    (lease,) = raw.keys("*omnia:{s-1}:lease")
    raw.pexpire(lease, 5_000)
    sessions.append("s-1", "t1", [], [])
    assert raw.pttl(lease) > 5_000
    sessions.end_turn("s-1", "t1", [], [])
    assert raw.exists(lease) == 0
    sessions.close()
    raw.close()


def test_redis_reloads_scripts_the_server_forgot(isolated_url: str, isolated_port: int) -> None:
    raw = redis.Redis(port=isolated_port)
    sessions = redis_store.RedisStore(isolated_url, LIMITS)
    sessions.create("s-1", None)
    raw.script_flush()
    assert sessions.get("s-1").seq == 0
    sessions.close()
    raw.close()


def test_redis_write_script_applies_a_retried_write_once(
    isolated_url: str, isolated_port: int
) -> None:
    raw = redis.Redis(port=isolated_port, decode_responses=True)
    sessions = redis_store.RedisStore(isolated_url, LIMITS)
    sessions.create("s-1", None)
    sessions.begin_turn("s-1", "t1", user("hi"))
    prefix = urllib.parse.parse_qs(urllib.parse.urlsplit(isolated_url).query)["prefix"][0]
    keys = [f"{prefix}omnia:{{s-1}}:{part}" for part in redis_store.KEY_PARTS]
    write = raw.register_script(redis_lua.WRITE)
    args = ["60", "660", "200", "2000", "t1", "0", "t1#x", "1", "1", "1", '{"n":1}', '{"seq":1}']
    assert write(keys=keys, args=args) == ["OK"]
    assert write(keys=keys, args=args) == ["OK"]  # the retry: lease already released
    assert sessions.frames_after("s-1", 0) == [{"seq": 1}]
    assert sessions.begin_turn("s-1", "t2", user("x")).history == [user("hi"), {"n": 1}, user("x")]
    sessions.close()
    raw.close()


def test_redis_small_pool_makes_turns_wait_not_fail(isolated_url: str, isolated_port: int) -> None:
    raw = redis.Redis(port=isolated_port)
    sessions = redis_store.RedisStore(isolated_url, LIMITS, max_connections=POOL_SIZE)
    clients_before = len(raw.client_list())
    failures: list[BaseException] = []

    def turns(index: int) -> None:
        try:
            for turn in range(5):
                sessions.create(f"s-{index}", None)
                one_turn(sessions, f"s-{index}", f"t{turn}")
        except BaseException as err:  # noqa: BLE001 - collected, asserted below
            failures.append(err)

    threads = [threading.Thread(target=turns, args=(i,)) for i in range(CONCURRENT_TURNS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(THREAD_JOIN_S)
    assert failures == []
    assert len(raw.client_list()) - clients_before <= POOL_SIZE
    sessions.close()
    raw.close()


@pytest.mark.parametrize("scheme", ["redis", "redis+cluster"])
def test_redis_unreachable_is_store_unavailable_without_the_password(scheme: str) -> None:
    sessions = redis_store.RedisStore(f"{scheme}://:{SECRET}@127.0.0.1:{free_port()}", LIMITS)
    started = time.monotonic()
    for call in (sessions.ping, lambda: sessions.get("s-1"), lambda: one_turn(sessions, "s", "t")):
        with pytest.raises(errors.StoreUnavailable) as caught:
            call()
        assert SECRET not in str(caught.value)
        assert f"{scheme}://:***@127.0.0.1" in str(caught.value)
    assert time.monotonic() - started < OUTAGE_ANSWER_S
    sessions.close()


def test_redis_wrong_password_is_store_unavailable_without_it() -> None:
    with redis_server.redis_node() as port:
        redis.Redis(port=port).config_set("requirepass", SECRET)
        good = redis_store.RedisStore(f"redis://:{SECRET}@127.0.0.1:{port}", LIMITS)
        good.ping()
        wrong = "wrong-" + SECRET
        bad = redis_store.RedisStore(f"redis://:{wrong}@127.0.0.1:{port}", LIMITS)
        with pytest.raises(errors.StoreUnavailable, match="AuthenticationError") as caught:
            bad.ping()
        assert wrong not in str(caught.value)
        assert SECRET not in str(caught.value)
        good.close()
        bad.close()


def test_redis_going_away_mid_life_is_store_unavailable() -> None:
    with redis_server.redis_node() as port:
        sessions = redis_store.RedisStore(f"redis://127.0.0.1:{port}", LIMITS)
        sessions.create("s-1", None)
    with pytest.raises(errors.StoreUnavailable, match="ConnectionError"):
        sessions.get("s-1")
    sessions.close()
