"""The turns running in this process, by session: fan each turn's frames out, and cancel them.

A turn runs in its own thread, apart from any socket: when its client disconnects it still
completes and is stored. A socket that (re)connects to the session attaches to the running
turn and gets the frames it missed from the turn's buffer, then the rest as they come.
"""

from __future__ import annotations

import collections
import logging
import threading
from collections.abc import Callable, Iterator

from agent import protocol

LOG = logging.getLogger(__name__)

# A sink takes one frame and says whether it wants more (False: drop it).
Sink = Callable[[protocol.Frame], bool]
FrameSource = Callable[[Callable[[], bool]], Iterator[protocol.Frame]]

MAX_RUNNING_TURNS = 1_000
MAX_BUFFERED_FRAMES = 5_000
MAX_SINKS_PER_TURN = 16


class RunningTurn:
    """One turn in flight: its cancel flag, the frames it sent so far, and who watches it."""

    def __init__(self, session_id: str, turn_id: str) -> None:
        self.session_id = session_id
        self.turn_id = turn_id
        self.cancelled = threading.Event()
        self._lock = threading.Lock()
        self._frames: collections.deque[protocol.Frame] = collections.deque(
            maxlen=MAX_BUFFERED_FRAMES
        )
        self._sinks: list[Sink] = []

    def publish(self, frame: protocol.Frame) -> None:
        """Buffer a frame and hand it to every sink, dropping the sinks that fail."""
        with self._lock:
            self._frames.append(frame)
            self._sinks = [sink for sink in self._sinks if _deliver(sink, frame)]

    def attach(self, sink: Sink, after_seq: int) -> None:
        """Send the buffered frames with seq > after_seq to a new sink, then follow live."""
        with self._lock:
            if len(self._sinks) >= MAX_SINKS_PER_TURN:
                self._sinks.pop(0)
            if all(_deliver(sink, f) for f in self._frames if f.get("seq", 0) > after_seq):
                self._sinks.append(sink)


def _deliver(sink: Sink, frame: protocol.Frame) -> bool:
    try:
        return sink(frame)
    except Exception:  # a broken watcher must not break the turn or the other watchers
        LOG.exception("a frame sink failed; dropping it")
        return False


class Hub:
    """Starts turns in threads, at most one per session, and finds them again."""

    def __init__(self, max_running: int = MAX_RUNNING_TURNS) -> None:
        self._lock = threading.Lock()
        self._running: dict[str, RunningTurn] = {}
        self._max_running = max_running

    def start(
        self, session_id: str, turn_id: str, source: FrameSource, sinks: list[Sink]
    ) -> RunningTurn | None:
        """Run `source(is_cancelled)` in a thread, publishing its frames to `sinks`.

        Returns None when the session already has a turn here, or too many turns run.
        """
        with self._lock:
            if session_id in self._running or len(self._running) >= self._max_running:
                return None
            running = RunningTurn(session_id, turn_id)
            self._running[session_id] = running
        for sink in sinks:
            running.attach(sink, after_seq=0)
        thread = threading.Thread(
            target=self._drive, args=(running, source), name=f"turn-{turn_id}", daemon=True
        )
        thread.start()
        return running

    def is_full(self) -> bool:
        """Whether no more turns may start."""
        with self._lock:
            return len(self._running) >= self._max_running

    def find(self, session_id: str) -> RunningTurn | None:
        """Return the session's running turn, if it runs here."""
        with self._lock:
            return self._running.get(session_id)

    def count(self) -> int:
        """How many turns are running."""
        with self._lock:
            return len(self._running)

    def _drive(self, running: RunningTurn, source: FrameSource) -> None:
        try:
            for frame in source(running.cancelled.is_set):
                if is_terminal(frame, running.turn_id):
                    # Free the session before its client sees the end, so that the client's
                    # next message never finds the finished turn still registered.
                    self._forget(running)
                running.publish(frame)
        except Exception:  # turn.run ends every turn with a frame; this is a last resort
            LOG.exception("turn %s stopped without its last frame", running.turn_id)
        finally:
            self._forget(running)

    def _forget(self, running: RunningTurn) -> None:
        with self._lock:
            if self._running.get(running.session_id) is running:
                del self._running[running.session_id]


def is_terminal(frame: protocol.Frame, turn_id: str) -> bool:
    """Whether a frame ends the turn: its `done`, or an `error` carrying its turn_id."""
    kind = frame.get("type")
    return kind == "done" or (kind == "error" and frame.get("turn_id") == turn_id)
