"""The three session store backends behind one harness: memory, one Redis node, Redis Cluster.

A harness opens stores with given limits and makes time pass for them: the memory store's clock
is advanced; for Redis the harness waits until the server has really expired the key.
"""

from __future__ import annotations

import urllib.parse
import uuid
from collections.abc import Iterator
from typing import Protocol

import pytest
import redis
import redis.cluster

from agent.sessions import memory, store
from agent.sessions import redis as redis_store
from tests.support.wait import wait_until

# Redis expires keys with up to a second's jitter: wait well beyond a TTL before failing.
EXPIRY_SLACK_S = 15.0
# A TTL refreshed by the operation under test is near the full TTL again; far above this.
STALE_TTL_S = 5


class FakeClock:
    """A monotonic clock that moves only when told."""

    def __init__(self) -> None:
        self.now = 1_000.0

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


class Backend(Protocol):
    name: str

    def open(self, limits: store.StoreLimits) -> store.SessionStore: ...

    def expire_session(self, session_id: str) -> None:
        """Return once the session's TTL has run out (its tombstone has not)."""

    def expire_tombstone(self, session_id: str) -> None:
        """Return once the expired session's tombstone is gone too."""

    def expire_lease(self, session_id: str) -> None:
        """Return once the turn lease has run out."""

    def make_stale(self, session_id: str) -> None:
        """Leave the session STALE_TTL_S seconds to live."""

    def assert_refreshed(self, session_id: str) -> None:
        """Assert the last operation gave every key of the session its full TTL again."""


class MemoryBackend:
    name = "memory"

    def __init__(self) -> None:
        self.clock = FakeClock()
        self.limits = store.StoreLimits()
        self.store: memory.MemoryStore | None = None

    def open(self, limits: store.StoreLimits) -> store.SessionStore:
        self.limits = limits
        self.store = memory.MemoryStore(limits, self.clock)
        return self.store

    def expire_session(self, session_id: str) -> None:
        self.clock.advance(self.limits.ttl_s)

    def expire_tombstone(self, session_id: str) -> None:
        self.clock.advance(self.limits.tombstone_ttl_s)

    def expire_lease(self, session_id: str) -> None:
        self.clock.advance(self.limits.turn_lease_s)

    def make_stale(self, session_id: str) -> None:
        self.clock.advance(self.limits.ttl_s - STALE_TTL_S)

    def assert_refreshed(self, session_id: str) -> None:
        # Past the stale deadline: only a refreshed session is still there.
        self.clock.advance(STALE_TTL_S * 2)
        assert self.store is not None
        self.store.get(session_id)


class RedisBackend:
    """A real Redis (one node or a cluster), each test under its own key prefix."""

    def __init__(self, name: str, url: str, raw: redis.Redis | redis.cluster.RedisCluster) -> None:
        self.name = name
        self.url = url
        self.raw = raw
        self.prefix = f"t{uuid.uuid4().hex[:12]}:"
        self.limits = store.StoreLimits()
        self.stores: list[redis_store.RedisStore] = []

    def open(self, limits: store.StoreLimits) -> store.SessionStore:
        self.limits = limits
        opened = redis_store.RedisStore(f"{self.url}?prefix={self.prefix}", limits)
        self.stores.append(opened)
        return opened

    def key(self, session_id: str, part: str) -> str:
        return f"{self.prefix}omnia:{{{session_id}}}:{part}"

    def keys(self, session_id: str) -> list[str]:
        return sorted(self.raw.scan_iter(match=self.key(session_id, "*")))

    def _wait_gone(self, key: str, lifetime_s: float) -> None:
        wait_until(lambda: self.raw.exists(key) == 0, lifetime_s + EXPIRY_SLACK_S, f"{key} gone")

    def expire_session(self, session_id: str) -> None:
        self._wait_gone(self.key(session_id, "meta"), self.limits.ttl_s)

    def expire_tombstone(self, session_id: str) -> None:
        self._wait_gone(self.key(session_id, "born"), self.limits.tombstone_ttl_s)

    def expire_lease(self, session_id: str) -> None:
        self._wait_gone(self.key(session_id, "lease"), self.limits.turn_lease_s)

    def make_stale(self, session_id: str) -> None:
        for key in self.keys(session_id):
            if not key.endswith(":lease"):
                self.raw.expire(key, STALE_TTL_S)

    def assert_refreshed(self, session_id: str) -> None:
        ttls = {key: self.raw.ttl(key) for key in self.keys(session_id)}
        assert ttls, "the session has no keys"
        for key, ttl in ttls.items():
            floor = 0 if key.endswith(":lease") else STALE_TTL_S * 2
            assert ttl > floor, f"{key} has TTL {ttl} (-1 means none)"

    def close(self) -> None:
        for opened in self.stores:
            opened.close()


@pytest.fixture(scope="session")
def raw_redis(redis_url: str) -> Iterator[redis.Redis]:
    client = redis.Redis.from_url(redis_url, decode_responses=True)
    yield client
    client.close()


@pytest.fixture(scope="session")
def raw_cluster(redis_cluster_url: str) -> Iterator[redis.cluster.RedisCluster]:
    seed = urllib.parse.urlsplit(redis_cluster_url)
    client = redis.cluster.RedisCluster(host=seed.hostname, port=seed.port, decode_responses=True)
    yield client
    client.close()


@pytest.fixture(params=["memory", "redis", "cluster"])
def backend(request: pytest.FixtureRequest) -> Iterator[Backend]:
    """Each contract test runs once per backend."""
    if request.param == "memory":
        yield MemoryBackend()
        return
    if request.param == "redis":
        url, raw = request.getfixturevalue("redis_url"), request.getfixturevalue("raw_redis")
    else:
        url = request.getfixturevalue("redis_cluster_url")
        raw = request.getfixturevalue("raw_cluster")
    harness = RedisBackend(request.param, url, raw)
    yield harness
    harness.close()
