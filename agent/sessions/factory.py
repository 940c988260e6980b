"""Open the session store the agent's configuration names; the one place both backends meet."""

from __future__ import annotations

from typing import Literal

from agent import errors
from agent.sessions import memory, redis, store

SessionType = Literal["memory", "redis"]
MAX_CONNECTIONS_LIMIT = 10_000


def validate_limits(limits: store.StoreLimits) -> list[str]:
    """Return what is wrong with a store's limits (nothing when they are usable)."""
    problems = []
    for name in ("ttl_s", "max_history", "max_frames"):
        value = getattr(limits, name)
        if value < 1:
            problems.append(f"limits.{name}: {value} is below 1")
    if limits.turn_lease_s <= 0:
        problems.append(f"limits.turn_lease_s: {limits.turn_lease_s} is not above 0")
    if limits.tombstone_ttl_s < 0:
        problems.append(f"limits.tombstone_ttl_s: {limits.tombstone_ttl_s} is below 0")
    return problems


def open_store(
    session_type: SessionType,
    url: str | None,
    limits: store.StoreLimits,
    *,
    max_connections: int = redis.DEFAULT_MAX_CONNECTIONS,
) -> store.SessionStore:
    """Build the configured store. Nothing connects yet: Redis connects on first use.

    Args:
        session_type: "memory" (one pod, lost on restart) or "redis" (single node or cluster,
            by the URL's scheme; see `agent.sessions.redis_url`).
        url: the Redis URL; must be empty for "memory".
        limits: bounds and lifetimes of every session.
        max_connections: the Redis pool size (per node for a cluster); size it to the number
            of turns the worker runs at once.

    Raises:
        ConfigError: unknown type, a missing or malformed URL, or unusable limits. Messages
            show URLs redacted.
    """
    problems = validate_limits(limits)
    if not 1 <= max_connections <= MAX_CONNECTIONS_LIMIT:
        problems.append(f"max_connections: {max_connections} is not in 1..{MAX_CONNECTIONS_LIMIT}")
    if problems:
        raise errors.ConfigError("session store: " + "; ".join(problems))
    if session_type == "memory":
        if url:
            raise errors.ConfigError(
                "session store: a URL is set but the session type is memory; "
                "set the type to redis, or remove the URL"
            )
        return memory.MemoryStore(limits)
    if session_type == "redis":
        if not url:
            raise errors.ConfigError(
                "session store: type redis needs a URL "
                "(redis://, rediss://, unix://, redis+cluster:// or rediss+cluster://)"
            )
        return redis.RedisStore(url, limits, max_connections=max_connections)
    raise errors.ConfigError(
        f"session store: type {session_type!r} is not one of 'memory', 'redis'"
    )
