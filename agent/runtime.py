"""The agent process's long-lived parts, built once from its settings and shared by sockets."""

from __future__ import annotations

import dataclasses
import logging
import threading
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Protocol

from agent import errors, guardrails, hub, llm, metrics, turn
from agent.config import contract, load, reload
from agent.promptpack import model
from agent.sessions import factory, store
from agent.tools import executor

LOG = logging.getLogger(__name__)


# On shutdown, running turns get this long to finish before sockets close (gunicorn's graceful
# timeout must be longer).
DRAIN_TIMEOUT_S = 8.0
DRAIN_POLL_S = 0.1


class Closable(Protocol):
    """A connection the runtime can close on shutdown."""

    def close_for_shutdown(self) -> None:
        """Close the socket with 1001, telling the client to reconnect elsewhere."""


def utc_now() -> datetime:
    """Return the current time in UTC (the default clock)."""
    return datetime.now(UTC)


def new_id() -> str:
    """Return a fresh random id for a session or a turn."""
    return uuid.uuid4().hex


@dataclasses.dataclass
class Runtime:
    """Everything sockets share; the clocks and id source are injected for tests."""

    settings: load.Settings
    reloader: reload.Reloader
    store: store.SessionStore
    metrics: metrics.Metrics
    tools: executor.HttpToolExecutor
    hub: hub.Hub
    now: Callable[[], datetime] = utc_now
    monotonic: Callable[[], float] = time.monotonic
    sleep: Callable[[float], None] = time.sleep
    new_id: Callable[[], str] = new_id
    warm: threading.Event = dataclasses.field(default_factory=threading.Event)
    connections: set[Closable] = dataclasses.field(default_factory=set)
    _connections_lock: threading.Lock = dataclasses.field(default_factory=threading.Lock)
    _warmed_types: set[str] = dataclasses.field(default_factory=set)

    def turn_deps(
        self, pack: model.PromptPack, pack_version: str, is_cancelled: Callable[[], bool]
    ) -> turn.TurnDeps:
        """Return what one turn needs: the pinned pack and the current provider and tools."""
        snapshot = self.reloader.current
        provider = snapshot.agent.provider
        counter = self.metrics.validator_violations_total

        def on_violation(violation: guardrails.Violation) -> None:
            action = "reject" if violation.is_fatal else "log"
            LOG.warning("validator %s (%s): %s", violation.validator, action, violation.message)
            counter.labels(pack_version, violation.validator, action).inc()

        return turn.TurnDeps(
            store=self.store,
            pack=pack,
            tool_catalog=snapshot.catalog,
            provider=provider,
            llm=llm.for_provider(
                provider, self.settings.environ, sleep=self.sleep, monotonic=self.monotonic
            ),
            call_tool=self.tools.call,
            now=self.now,
            monotonic=self.monotonic,
            is_cancelled=is_cancelled,
            on_violation=on_violation,
        )

    def readiness(self) -> str | None:
        """Return why the agent is not ready (None when it is): warm, and the store answers."""
        if not self.warm.is_set():
            return "warming up the LLM client"
        try:
            self.store.ping()
        except errors.SessionError as error:
            return f"session store: {error}"
        return None

    def start_warm_up(self) -> None:
        """Make the current provider's first turn as fast as the next, in the background."""
        provider = self.reloader.current.agent.provider
        if not llm.is_litellm(provider) or provider.type in self._warmed_types:
            self.warm.set()
            return
        self._warmed_types.add(provider.type)
        threading.Thread(
            target=self._warm_up, args=(provider,), name="llm-warm-up", daemon=True
        ).start()

    def _warm_up(self, provider: contract.ProviderConfig) -> None:
        try:
            LOG.info("LLM client for %s warm in %.2fs", provider.type, llm.warm_up(provider))
        except Exception:  # a failed warm-up only costs the first turn its speed
            LOG.exception("LLM client warm-up failed; the first turn will be slower")
        self.warm.set()

    def track(self, connection: Closable, is_open: bool) -> None:
        """Register an open connection, or forget a closed one."""
        with self._connections_lock:
            if is_open:
                self.connections.add(connection)
            else:
                self.connections.discard(connection)

    def drain(self, timeout_s: float = DRAIN_TIMEOUT_S) -> None:
        """Let running turns finish (within the timeout), then close every socket (1001)."""
        deadline = self.monotonic() + timeout_s
        while self.hub.count() and self.monotonic() < deadline:
            self.sleep(DRAIN_POLL_S)
        with self._connections_lock:
            open_now = list(self.connections)
        LOG.info(
            "draining: closing %d sockets, %d turns unfinished", len(open_now), self.hub.count()
        )
        for connection in open_now:
            connection.close_for_shutdown()

    def close(self) -> None:
        """Stop polling the config and release connections."""
        self.reloader.stop()
        self.tools.close()
        self.store.close()


def build_runtime(
    settings: load.Settings,
    *,
    session_store: store.SessionStore | None = None,
    reload_interval_s: float = reload.RELOAD_INTERVAL_S,
    sleep: Callable[[float], None] = time.sleep,
) -> Runtime:
    """Load the config, open the session store, and start the reloader and the warm-up.

    Raises:
        ConfigError: the config cannot be loaded or names an unusable session store.
    """
    counters = metrics.Metrics()
    holder: list[Runtime] = []

    def on_failure(error: errors.ConfigError) -> None:
        version = holder[0].reloader.current.pack_version if holder else "unknown"
        counters.config_reload_failures_total.labels(version).inc()

    def on_change(snapshot: load.Snapshot) -> None:
        if holder:
            holder[0].start_warm_up()

    reloader = reload.Reloader(
        settings, on_failure=on_failure, on_change=on_change, interval_s=reload_interval_s
    )
    if session_store is None:
        session = reloader.current.agent.session
        session_store = factory.open_store(
            session.type,
            settings.session_store_url,
            store.StoreLimits(ttl_s=session.ttl_seconds),
        )
    tools = executor.HttpToolExecutor(sleep=sleep)
    runtime = Runtime(settings, reloader, session_store, counters, tools, hub.Hub(), sleep=sleep)
    holder.append(runtime)
    reloader.start()
    runtime.start_warm_up()
    return runtime
