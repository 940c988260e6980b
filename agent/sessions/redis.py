"""The Redis and Redis Cluster session store: one Lua script call, one round trip, per operation.

The only module that imports redis. Every redis exception is turned into `StoreUnavailable`
here, with the URL redacted and the password scrubbed from the library's message.
"""

from __future__ import annotations

import itertools
import threading
from typing import Any

import redis
import redis.backoff
import redis.cluster
import redis.commands.core
import redis.exceptions
import redis.retry

from agent import errors
from agent.sessions import codec, redis_lua, redis_url, store

# About 1,000 sockets per pod wait mostly on the LLM, not on Redis: a few hundred connections
# serve them, and a burst beyond waits POOL_TIMEOUT_S for a free one instead of failing at once.
DEFAULT_MAX_CONNECTIONS = 256
POOL_TIMEOUT_S = 2.0
SOCKET_CONNECT_TIMEOUT_S = 2.0
SOCKET_TIMEOUT_S = 2.0
# Retries cover a pooled connection that died while idle; the scripts make them idempotent.
RETRIES = 2
RETRY_BACKOFF_BASE_S = 0.05
RETRY_BACKOFF_CAP_S = 0.5
KEY_PARTS = ("meta", "msgs", "frames", "lease", "born")
MS_PER_S = 1_000

_REDIS_ERRORS = (redis.exceptions.RedisError, redis.exceptions.RedisClusterException)
# A script's status -> the error it means, and what to say after "session <id>".
_STATUS_ERRORS: dict[str, tuple[type[errors.SessionError], str]] = {
    "NOTFOUND": (errors.SessionNotFound, "not found"),
    "EXPIRED": (errors.SessionExpired, "expired"),
    "BUSY": (errors.SessionBusy, "another turn is running"),
    "LOST": (errors.TurnLost, "this turn's lease expired or was taken over"),
}
_Client = redis.Redis | redis.cluster.RedisCluster
_Script = redis.commands.core.Script


class RedisStore(store.LeasedWrites):
    """A `SessionStore` on one Redis node or a Redis Cluster, chosen by the URL's scheme.

    Connects lazily: a cluster client reads the slot map when built, and a pod must start (and
    answer /readyz with "not ready") while Redis is down.
    """

    def __init__(
        self,
        url: str,
        limits: store.StoreLimits,
        *,
        max_connections: int = DEFAULT_MAX_CONNECTIONS,
    ) -> None:
        """Check the URL; connect on first use.

        Raises:
            ConfigError: the URL is malformed (the message shows it redacted).
        """
        self._target = redis_url.parse_redis_url(url)
        self._shown_url = redis_url.redact_url(url)
        self._limits = limits
        self._max_connections = max_connections
        self._ttl_args = (str(limits.ttl_s), str(limits.ttl_s + limits.tombstone_ttl_s))
        self._lease_ms = str(max(1, round(limits.turn_lease_s * MS_PER_S)))
        self._writes = itertools.count(1)
        self._lock = threading.Lock()
        self._client: _Client | None = None
        self._scripts: dict[str, _Script] = {}

    def create(self, session_id: str, pack_version: str | None) -> store.SessionInfo:
        """Create an empty session, or return the live one with this id (and refresh it)."""
        codec.parse_new_session_id(session_id)
        has_pack = "0" if pack_version is None else "1"
        reply = self._call(redis_lua.CREATE, session_id, has_pack, pack_version or "")
        return _info(session_id, reply)

    def get(self, session_id: str) -> store.SessionInfo:
        """Return a live session and refresh its TTL."""
        codec.parse_session_id(session_id)
        return _info(session_id, self._call(redis_lua.GET, session_id))

    def begin_turn(
        self, session_id: str, turn_id: str, user_message: store.Message
    ) -> store.TurnStart:
        """Take the lease, store the user message, return the history (see `SessionStore`).

        Calling it again with the turn that holds the lease stores nothing and returns the state.
        """
        codec.parse_session_id(session_id)
        (text,) = codec.to_json([user_message], "user_message")
        reply = self._call(
            redis_lua.BEGIN_TURN,
            session_id,
            str(self._limits.max_history),
            turn_id,
            self._lease_ms,
            text,
        )
        return store.TurnStart(_info(session_id, reply), codec.from_json(reply[3]))

    def frames_after(self, session_id: str, after_seq: int) -> list[store.Frame]:
        """Return the logged frames with seq > after_seq, oldest first, and refresh the TTL."""
        codec.parse_session_id(session_id)
        reply = self._call(redis_lua.FRAMES_AFTER, session_id, str(int(after_seq)))
        return codec.from_json(reply[1])

    def ping(self) -> None:
        """Check Redis answers (every primary of a cluster: one PING each).

        Raises:
            StoreUnavailable: it does not.
        """
        try:
            client = self._connected()[0]
            if isinstance(client, redis.cluster.RedisCluster):
                # Plain PING goes to one node; a session may live on any primary.
                client.ping(target_nodes=redis.cluster.RedisCluster.PRIMARIES)
            else:
                client.ping()
        except _REDIS_ERRORS as err:
            raise self._unavailable(err) from err

    def close(self) -> None:
        """Close every pooled connection; the next call connects again."""
        with self._lock:
            client, self._client = self._client, None
            self._scripts = {}
        if client is not None:
            client.close()

    def _write(
        self,
        session_id: str,
        turn_id: str,
        messages: list[store.Message],
        frames: list[store.Frame],
        *,
        release: bool,
    ) -> None:
        lease_ms = "0" if release else self._lease_ms
        write = codec.parse_write(session_id, messages, frames)
        message_texts, frame_texts, seqs = write.messages, write.frames, write.seqs
        first, last = ("", "") if seqs is None else (str(seqs[0]), str(seqs[1]))
        write_id = f"{turn_id}#{next(self._writes)}"
        limits = (str(self._limits.max_history), str(self._limits.max_frames))
        reply = self._call(
            redis_lua.WRITE,
            session_id,
            *limits,
            turn_id,
            lease_ms,
            write_id,
            first,
            last,
            str(len(message_texts)),
            *message_texts,
            *frame_texts,
        )
        if reply[0] == "BADSEQ" and seqs is not None:
            codec.check_seq_order(seqs[0], int(reply[1]))

    def _call(self, script: str, session_id: str, *args: str) -> list[Any]:
        """Run one script on the session's keys; raise the error its status names."""
        prefix = f"{self._target.prefix}omnia:{{{session_id}}}:"
        keys = [prefix + part for part in KEY_PARTS]
        try:
            scripts = self._connected()[1]
            reply: list[Any] = scripts[script](keys=keys, args=[*self._ttl_args, *args])
        except _REDIS_ERRORS as err:
            raise self._unavailable(err) from err
        if reply[0] in _STATUS_ERRORS:
            error, reason = _STATUS_ERRORS[reply[0]]
            raise error(f"session {session_id}: {reason}")
        return reply

    def _connected(self) -> tuple[_Client, dict[str, _Script]]:
        with self._lock:
            if self._client is None:
                client = _client(self._target, self._max_connections)
                scripts = (
                    redis_lua.CREATE,
                    redis_lua.GET,
                    redis_lua.BEGIN_TURN,
                    redis_lua.WRITE,
                    redis_lua.FRAMES_AFTER,
                )
                self._scripts = {text: client.register_script(text) for text in scripts}
                self._client = client
            return self._client, self._scripts

    def _unavailable(self, err: Exception) -> errors.StoreUnavailable:
        detail = str(err)
        password = self._target.password
        if password:
            detail = detail.replace(password, redis_url.REDACTED)
        return errors.StoreUnavailable(
            f"session store {self._shown_url}: {type(err).__name__}: {detail}"
        )


def _info(session_id: str, reply: list[Any]) -> store.SessionInfo:
    return store.SessionInfo(session_id, reply[1], int(reply[2]))


def _client(target: redis_url.RedisTarget, max_connections: int) -> _Client:
    """Build the client; a cluster one reads the slot map from a seed node right away."""
    retry = redis.retry.Retry(
        redis.backoff.ExponentialWithJitterBackoff(RETRY_BACKOFF_CAP_S, RETRY_BACKOFF_BASE_S),
        RETRIES,
        supported_errors=(redis.exceptions.ConnectionError, redis.exceptions.TimeoutError),
    )
    common: dict[str, Any] = {
        "username": target.username,
        "password": target.password,
        "socket_connect_timeout": SOCKET_CONNECT_TIMEOUT_S,
        "socket_timeout": SOCKET_TIMEOUT_S,
        "decode_responses": True,
        "max_connections": max_connections,
        "timeout": POOL_TIMEOUT_S,
    }
    if target.is_cluster:
        (host, port), *others = target.nodes
        scheme = "rediss" if target.is_tls else "redis"
        seeds = [redis.cluster.ClusterNode(h, p) for h, p in others]  # type: ignore[no-untyped-call]
        # redis-py builds node pools of connection_pool_class only when given a `url`, so the
        # first seed goes there; otherwise each node gets a pool that fails at once when full.
        return redis.cluster.RedisCluster(
            url=f"{scheme}://{_netloc(host, port)}",
            startup_nodes=seeds,
            connection_pool_class=redis.BlockingConnectionPool,
            retry=retry,
            socket_keepalive=True,
            **common,
        )
    if target.unix_path is not None:
        location: dict[str, Any] = {
            "path": target.unix_path,
            "connection_class": redis.UnixDomainSocketConnection,
        }
    else:
        ((host, port),) = target.nodes
        location = {"host": host, "port": port, "socket_keepalive": True}
        if target.is_tls:
            location["connection_class"] = redis.SSLConnection
    pool_class = redis.BlockingConnectionPool
    pool = pool_class(db=target.db, retry=retry, **common, **location)  # type: ignore[no-untyped-call]
    return redis.Redis.from_pool(pool)


def _netloc(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
