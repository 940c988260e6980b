"""open_store: the right backend for the configuration, or a ConfigError that says why."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from agent import errors
from agent.sessions import factory, memory, store
from agent.sessions import redis as redis_store

LIMITS = store.StoreLimits()
SECRET = "pa55-w0rd-XYZ"


def test_open_store_memory() -> None:
    assert isinstance(factory.open_store("memory", None, LIMITS), memory.MemoryStore)
    assert isinstance(factory.open_store("memory", "", LIMITS), memory.MemoryStore)


@pytest.mark.parametrize(
    "url", ["redis://127.0.0.1:1/0", "unix:///tmp/none.sock", "redis+cluster://127.0.0.1:1"]
)
def test_open_store_redis_connects_on_first_use_only(url: str) -> None:
    opened = factory.open_store("redis", url, LIMITS, max_connections=8)
    assert isinstance(opened, redis_store.RedisStore)
    opened.close()


@pytest.mark.parametrize("url", [None, ""])
def test_open_store_redis_without_url_is_a_config_error(url: str | None) -> None:
    with pytest.raises(errors.ConfigError, match="type redis needs a URL"):
        factory.open_store("redis", url, LIMITS)


def test_open_store_memory_with_url_is_a_config_error_without_the_password() -> None:
    with pytest.raises(errors.ConfigError, match="session type is memory") as caught:
        factory.open_store("memory", f"redis://:{SECRET}@h", LIMITS)
    assert SECRET not in str(caught.value)


def test_open_store_unknown_type_is_a_config_error() -> None:
    session_type: Any = "postgres"
    with pytest.raises(errors.ConfigError, match="'postgres' is not one of"):
        factory.open_store(session_type, None, LIMITS)


def test_open_store_bad_url_is_a_config_error_without_the_password() -> None:
    with pytest.raises(errors.ConfigError, match=r"redis://:\*\*\*@h\?x=1") as caught:
        factory.open_store("redis", f"redis://:{SECRET}@h?x=1", LIMITS)
    assert SECRET not in str(caught.value)


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"ttl_s": 0}, "limits.ttl_s: 0 is below 1"),
        ({"max_history": 0}, "limits.max_history: 0 is below 1"),
        ({"max_frames": -1}, "limits.max_frames: -1 is below 1"),
        ({"turn_lease_s": 0.0}, "limits.turn_lease_s: 0.0 is not above 0"),
        ({"tombstone_ttl_s": -1}, "limits.tombstone_ttl_s: -1 is below 0"),
    ],
)
def test_open_store_refuses_unusable_limits(change: dict[str, Any], message: str) -> None:
    limits = dataclasses.replace(LIMITS, **change)
    assert factory.validate_limits(limits) == [message]
    with pytest.raises(errors.ConfigError, match=message):
        factory.open_store("memory", None, limits)


@pytest.mark.parametrize("max_connections", [0, 10_001])
def test_open_store_refuses_a_pool_size_out_of_range(max_connections: int) -> None:
    with pytest.raises(errors.ConfigError, match="max_connections"):
        factory.open_store("redis", "redis://h", LIMITS, max_connections=max_connections)


def test_validate_limits_accepts_the_defaults() -> None:
    assert factory.validate_limits(LIMITS) == []
