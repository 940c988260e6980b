"""Keep the current config snapshot fresh: poll the files, reload on change, swap atomically.

Kubelet updates a mounted ConfigMap by writing a new `..data` directory and swapping a
symlink, so a change shows as a new resolved path, mtime or size. A new config that fails to
load leaves the old one in place; the failure is logged and reported once per change.
Previously served pack versions are kept (a few) so that sessions pinned to one continue on it.
"""

from __future__ import annotations

import collections
import logging
import threading
from collections.abc import Callable

from agent import errors
from agent.config import load
from agent.promptpack import model

LOG = logging.getLogger(__name__)

RELOAD_INTERVAL_S = 2.0
MAX_PACK_VERSIONS = 8


class Reloader:
    """Holds the current snapshot; `check` (or the polling thread) replaces it on change."""

    def __init__(
        self,
        settings: load.Settings,
        *,
        on_failure: Callable[[errors.ConfigError], None] = lambda _: None,
        on_change: Callable[[load.Snapshot], None] = lambda _: None,
        interval_s: float = RELOAD_INTERVAL_S,
    ) -> None:
        """Load the first snapshot.

        Raises:
            ConfigError: the configuration cannot be loaded at all.
        """
        self._settings = settings
        self._on_failure = on_failure
        self._on_change = on_change
        self._interval_s = interval_s
        self._lock = threading.Lock()
        self._snapshot = load.load_snapshot(settings)
        self._packs: collections.OrderedDict[str, model.PromptPack] = collections.OrderedDict()
        self._remember(self._snapshot)
        self._failed: load.Fingerprint | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def current(self) -> load.Snapshot:
        """The snapshot new sessions and turns use."""
        return self._snapshot

    def pack_for(self, version: str | None) -> tuple[str, model.PromptPack]:
        """Return the pack a session pinned to `version` uses: that one if kept, else current."""
        with self._lock:
            if version is not None and version in self._packs:
                return version, self._packs[version]
        current = self._snapshot
        return current.pack_version, current.pack

    def check(self) -> bool:
        """Reload if a file changed; return whether a new snapshot is now current."""
        seen = load.fingerprint(self._settings)
        if seen in (self._snapshot.fingerprint, self._failed):
            return False
        try:
            snapshot = load.load_snapshot(self._settings)
        except errors.ConfigError as error:
            self._failed = seen
            LOG.error("config reload failed, keeping pack %s: %s", self.current.pack_version, error)
            self._on_failure(error)
            return False
        with self._lock:
            self._snapshot = snapshot
            self._remember(snapshot)
        self._failed = None
        LOG.info("config reloaded: pack version %s", snapshot.pack_version)
        self._on_change(snapshot)
        return True

    def start(self) -> None:
        """Poll in a daemon thread until `stop`."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._poll, name="config-reload", daemon=True)
            self._thread.start()

    def stop(self) -> None:
        """Stop polling."""
        self._stop.set()

    def _poll(self) -> None:
        while not self._stop.wait(self._interval_s):
            try:
                self.check()
            except Exception:
                LOG.exception("config reload check failed")

    def _remember(self, snapshot: load.Snapshot) -> None:
        self._packs[snapshot.pack_version] = snapshot.pack
        self._packs.move_to_end(snapshot.pack_version)
        while len(self._packs) > MAX_PACK_VERSIONS:
            self._packs.popitem(last=False)
