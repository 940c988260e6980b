"""The emulated Metacontroller: a work queue fed by watch events, synced round by round.

A round syncs every queued parent once. The writes of a round become watch events, and the
events queue the parents they concern: the parent itself (its own status writes included), the
owner of a changed child, a parent whose selector an orphan matches, and every parent whose
cached customize rules select a changed related object. `run_until_stable` repeats rounds until
one leaves the queue empty: the fixpoint a converging hook reaches in a real cluster.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from hooks import labels
from hooks.emulator import children, cluster, composite, related, transport
from hooks.emulator.errors import SyncFailed

Obj = dict[str, Any]
QueueKey = tuple[str, cluster.Key]  # (controller name, parent key)
DEFAULT_MAX_ROUNDS = 20


class NotConverged(RuntimeError):
    """The hooks kept changing the cluster: in a real one, a hot loop."""


@dataclasses.dataclass(frozen=True)
class SyncError:
    """A failed sync: which controller, which parent, why."""

    controller: str
    parent: cluster.Key
    message: str


class Emulator:
    """Runs CompositeControllers against a Cluster through a hook transport."""

    def __init__(
        self,
        store: cluster.Cluster,
        controllers: list[Obj],
        wire: transport.Transport,
        *,
        informer_warmup: bool = True,
    ) -> None:
        """Watch the store from its first event, so objects created before are synced too.

        Args:
            store: the cluster.
            controllers: CompositeController objects (`hooks.controllers.render()`).
            wire: how hooks are called.
            informer_warmup: fail the first sync that needs a new related type, as
                Metacontroller does while its informer starts ("not synced yet").
        """
        self.store = store
        self.shared = composite.Shared(informer_warmup=informer_warmup)
        self.controllers = {
            c["metadata"]["name"]: composite.Composite(c, store, wire, self.shared)
            for c in controllers
        }
        self.errors: list[SyncError] = []
        self._queue: dict[QueueKey, None] = {}
        self._timers: dict[QueueKey, float] = {}
        self._offset = 0
        self._last_resync = dict.fromkeys(self.controllers, store.clock.now())

    @property
    def calls(self) -> list[composite.HookCall]:
        """Every hook call made so far, in order."""
        return self.shared.calls

    def pending_timers(self) -> dict[QueueKey, float]:
        """The one-shot re-syncs scheduled (resyncAfterSeconds, 429), as clock timestamps."""
        return dict(self._timers)

    def enqueue(self, controller: str, key: cluster.Key) -> None:
        """Queue a parent for the next round."""
        self._queue[(controller, key)] = None

    def advance(self, seconds: float) -> None:
        """Move the clock on; due timers and periodic resyncs queue their parents."""
        self.store.clock.advance(seconds)
        self._fire_timers()

    def _fire_timers(self) -> None:
        now = self.store.clock.now().timestamp()
        for queue_key, due in sorted(self._timers.items(), key=lambda item: item[1]):
            if due <= now:
                del self._timers[queue_key]
                self._queue[queue_key] = None
        for name, controller in self.controllers.items():
            period = controller.spec.get("resyncPeriodSeconds")
            elapsed = (self.store.clock.now() - self._last_resync[name]).total_seconds()
            if isinstance(period, int) and period > 0 and elapsed >= period:
                self._last_resync[name] = self.store.clock.now()
                for parent in self.store.list(controller.parent_type.key):
                    self._queue[(name, cluster.key_of(parent))] = None

    def _schedule(self, queue_key: QueueKey, seconds: float) -> None:
        due = self.store.clock.now().timestamp() + seconds
        self._timers[queue_key] = min(due, self._timers.get(queue_key, due))

    def _collect(self) -> None:
        events = self.store.events[self._offset :]
        self._offset = len(self.store.events)
        for event in events:
            for queue_key in self._route(event):
                self._queue[queue_key] = None

    def _route(self, event: cluster.Event) -> list[QueueKey]:
        keys: list[QueueKey] = []
        for name, controller in self.controllers.items():
            if event.key[0] == controller.parent_type.key:
                keys.append((name, event.key))
            if event.key[0] in controller.child_types.methods:
                keys += [(name, k) for k in self._owners(controller, event)]
            keys += [(name, k) for k in self._interested(controller, event)]
        return keys

    def _owners(self, controller: composite.Composite, event: cluster.Event) -> list[cluster.Key]:
        found: list[cluster.Key] = []
        for obj in (event.obj, event.old):
            if obj is None:
                continue
            ref = children.controller_ref(obj)
            if ref is not None:
                owner = self.store.get_by_uid(str(ref.get("uid")))
                if owner is not None and owner["kind"] == controller.parent_type.kind:
                    found.append(cluster.key_of(owner))
                continue
            namespace = obj["metadata"].get("namespace")
            for parent in self.store.list(controller.parent_type.key, namespace):
                try:
                    selector = controller.selector(parent)
                except SyncFailed:
                    continue
                if labels.is_match(selector, obj["metadata"].get("labels")):
                    found.append(cluster.key_of(parent))
        return found

    def _interested(
        self, controller: composite.Composite, event: cluster.Event
    ) -> list[cluster.Key]:
        if "customize" not in controller.hooks:
            return []
        version = controller.version("customize")
        found = []
        for parent in self.store.list(controller.parent_type.key):
            rules = controller.cached_rules(parent)
            if not rules:
                continue
            namespace = parent["metadata"].get("namespace", "")
            objects = [o for o in (event.obj, event.old) if o is not None]
            if any(related.matches(self.store, rules, version, namespace, o) for o in objects):
                found.append(cluster.key_of(parent))
        return found

    def sync(self, controller: str, key: cluster.Key) -> bool:
        """Sync one parent now; return whether it succeeded (failures are recorded and queued)."""
        queue_key = (controller, key)
        try:
            resync = self.controllers[controller].sync(key)
        except cluster.ApiError as error:  # a write before the hook call lost a race: retry
            self.errors.append(SyncError(controller, key, f"{error.reason}: {error}"))
            self._queue[queue_key] = None
            return False
        except SyncFailed as error:
            self.errors.append(SyncError(controller, key, str(error)))
            if error.retry_after_s is not None:
                self._schedule(queue_key, error.retry_after_s)
            else:
                self._queue[queue_key] = None  # rate-limited retry: the next round
            return False
        if resync is not None:
            self._schedule(queue_key, resync)
        return True

    def run_until_stable(self, max_rounds: int = DEFAULT_MAX_ROUNDS) -> int:
        """Run rounds until one ends with nothing queued; return how many ran.

        Raises:
            NotConverged: when the queue is still not empty after max_rounds.
        """
        self._fire_timers()
        self._collect()
        rounds = 0
        while self._queue:
            if rounds >= max_rounds:
                pending = ", ".join(f"{c} {k[1]}/{k[2]}" for c, k in self._queue)
                last = "; ".join(e.message for e in self.errors[-3:])
                raise NotConverged(
                    f"no fixpoint after {max_rounds} rounds; still queued: {pending}; "
                    f"last errors: {last or 'none'}"
                )
            rounds += 1
            batch = list(self._queue)
            self._queue.clear()
            for controller, key in batch:
                self.sync(controller, key)
            self._collect()
        return rounds
