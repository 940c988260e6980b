"""Read an LLM event stream in a helper thread, so that a turn can wait on it with a timeout.

Without it a turn blocks inside the stream: text held back for coalescing would wait for the
next token, and a `cancel` would wait for it too. With it the turn wakes up on time, flushes
what it holds, and can walk away from a stalled stream (the helper closes it once it yields).
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Generator
from typing import Generic, TypeVar

T = TypeVar("T")

MAX_QUEUED_EVENTS = 1_024
PUT_RETRY_S = 0.1
# A helper parsing a burst lets other greenlets run at least this often. Each hand-over costs
# a few context switches, so handing over after every item added ~2 ms to a 100-delta turn.
HAND_OVER_S = 0.002


class Timeout:
    """Nothing arrived in time."""


class End:
    """The stream is over."""


TIMEOUT = Timeout()
END = End()


class StreamPump(Generic[T]):
    """Pumps a generator's items through a bounded queue; `close` makes the helper stop."""

    def __init__(self, source: Generator[T, None, None], name: str = "llm-stream") -> None:
        self._source = source
        self._queue: queue.Queue[tuple[str, object]] = queue.Queue(MAX_QUEUED_EVENTS)
        self._stopped = threading.Event()
        threading.Thread(target=self._run, name=name, daemon=True).start()

    def next(self, timeout_s: float) -> T | Timeout | End:
        """Return the next item, TIMEOUT, or END; re-raise what the stream raised."""
        try:
            kind, value = self._queue.get(timeout=timeout_s)
        except queue.Empty:
            return TIMEOUT
        if kind == "error":
            assert isinstance(value, BaseException)
            raise value
        if kind == "end":
            return END
        return value  # type: ignore[return-value]

    def close(self) -> None:
        """Stop pumping; the helper closes the stream when it next yields (or ends)."""
        self._stopped.set()

    def _put(self, kind: str, value: object) -> bool:
        while not self._stopped.is_set():
            try:
                self._queue.put((kind, value), timeout=PUT_RETRY_S)
                return True
            except queue.Full:
                continue
        return False

    def _run(self) -> None:
        handed = float("-inf")
        try:
            for item in self._source:
                if not self._put("item", item):
                    return
                # Hand over after the first item, then every HAND_OVER_S. Under gevent a
                # greenlet runs until it blocks, and a stream whose bytes have all arrived
                # never blocks: without this, the turn would send its first chunk only after
                # the whole burst was parsed (and every other socket would wait as long).
                if time.monotonic() - handed >= HAND_OVER_S:
                    time.sleep(0)
                    handed = time.monotonic()
            self._put("end", None)
        except Exception as error:  # noqa: BLE001 - handed to the turn, which reports it
            self._put("error", error)
        finally:
            self._source.close()
