"""The in-process session store: one pod, no persistence, the same contract as Redis.

Expiry is lazy, by the injected clock. Memory stays bounded without a sweeper: sessions sit in
an ordered dict in the order they expire (every write moves one to the end, and every session
has the same TTL), so each write retires at most `PURGE_BATCH` expired sessions from the front,
and drops as many stale tombstones the same way.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict, deque
from collections.abc import Callable
from dataclasses import dataclass

from agent import errors
from agent.sessions import codec, store

# Retiring a few more entries per write than one write can add keeps memory bounded.
PURGE_BATCH = 8


@dataclass
class _Session:
    pack_version: str | None
    expires_at: float
    messages: deque[str]
    frames: deque[tuple[int, str]]
    seq: int = 0
    lease: tuple[str, float] | None = None
    """(turn_id, expires_at) of the turn holding the session, if any."""

    def info(self, session_id: str) -> store.SessionInfo:
        return store.SessionInfo(session_id, self.pack_version, self.seq)

    def holds(self, turn_id: str, now: float) -> bool:
        return self.lease is not None and self.lease[0] == turn_id and self.lease[1] > now


class MemoryStore(store.LeasedWrites):
    """A `SessionStore` in a dict, safe across threads (and gevent, which patches the lock)."""

    def __init__(
        self, limits: store.StoreLimits, clock: Callable[[], float] = time.monotonic
    ) -> None:
        self._limits = limits
        self._clock = clock
        self._lock = threading.Lock()
        self._sessions: OrderedDict[str, _Session] = OrderedDict()
        self._tombstones: OrderedDict[str, float] = OrderedDict()

    def create(self, session_id: str, pack_version: str | None) -> store.SessionInfo:
        """Create an empty session, or return the live one with this id (and refresh it)."""
        codec.parse_new_session_id(session_id)
        with self._lock:
            now = self._clock()
            self._purge(now)
            session = self._sessions.get(session_id)
            if session is None or session.expires_at <= now:
                self._tombstones.pop(session_id, None)
                session = _Session(
                    pack_version,
                    now,
                    deque(maxlen=self._limits.max_history),
                    deque(maxlen=self._limits.max_frames),
                )
                self._sessions[session_id] = session
            self._touch(session_id, session, now)
            return session.info(session_id)

    def get(self, session_id: str) -> store.SessionInfo:
        """Return a live session and refresh its TTL."""
        with self._lock:
            now = self._clock()
            session = self._live(session_id, now)
            self._touch(session_id, session, now)
            return session.info(session_id)

    def begin_turn(
        self, session_id: str, turn_id: str, user_message: store.Message
    ) -> store.TurnStart:
        """Take the lease, store the user message, return the history (see `SessionStore`).

        Calling it again with the turn that holds the lease stores nothing and returns the state.
        """
        (text,) = codec.to_json([user_message], "user_message")
        with self._lock:
            now = self._clock()
            self._purge(now)
            session = self._live(session_id, now)
            if not session.holds(turn_id, now):
                if session.lease is not None and session.lease[1] > now:
                    raise errors.SessionBusy(f"session {session_id}: another turn is running")
                session.lease = (turn_id, now + self._limits.turn_lease_s)
                session.messages.append(text)
            self._touch(session_id, session, now)
            history = codec.from_json(list(session.messages))
            return store.TurnStart(session.info(session_id), history)

    def frames_after(self, session_id: str, after_seq: int) -> list[store.Frame]:
        """Return the logged frames with seq > after_seq, oldest first, and refresh the TTL."""
        with self._lock:
            now = self._clock()
            session = self._live(session_id, now)
            self._touch(session_id, session, now)
            newer = [text for seq, text in session.frames if seq > after_seq]
            return codec.from_json(newer)

    def sizes(self) -> tuple[int, int]:
        """Return (sessions held, some perhaps expired but not yet purged; tombstones held)."""
        with self._lock:
            return len(self._sessions), len(self._tombstones)

    def ping(self) -> None:
        """Always answers: the store is this process."""

    def close(self) -> None:
        """Nothing to release."""

    def _write(
        self,
        session_id: str,
        turn_id: str,
        messages: list[store.Message],
        frames: list[store.Frame],
        *,
        release: bool,
    ) -> None:
        write = codec.parse_write(session_id, messages, frames)
        message_texts, frame_texts, seqs = write.messages, write.frames, write.seqs
        with self._lock:
            now = self._clock()
            self._purge(now)
            session = self._sessions.get(session_id)
            if session is None or not session.holds(turn_id, now):
                raise errors.TurnLost(
                    f"session {session_id}: this turn's lease expired or was taken over"
                )
            session = self._live(session_id, now)
            if seqs is not None:
                codec.check_seq_order(seqs[0], session.seq)
                session.seq = seqs[1]
            session.messages.extend(message_texts)
            session.frames.extend(
                (frame["seq"], text) for frame, text in zip(frames, frame_texts, strict=True)
            )
            session.lease = None if release else (turn_id, now + self._limits.turn_lease_s)
            self._touch(session_id, session, now)

    def _live(self, session_id: str, now: float) -> _Session:
        """Return the unexpired session, retiring it to a tombstone if its TTL ran out."""
        codec.parse_session_id(session_id)
        session = self._sessions.get(session_id)
        if session is not None and session.expires_at <= now:
            self._retire(session_id, session)
            session = None
        if session is not None:
            return session
        tombstone = self._tombstones.get(session_id)
        if tombstone is not None and tombstone > now:
            raise errors.SessionExpired(f"session {session_id}: expired")
        self._tombstones.pop(session_id, None)
        raise errors.SessionNotFound(f"session {session_id}: not found")

    def _touch(self, session_id: str, session: _Session, now: float) -> None:
        session.expires_at = now + self._limits.ttl_s
        self._sessions.move_to_end(session_id)

    def _retire(self, session_id: str, session: _Session) -> None:
        del self._sessions[session_id]
        self._tombstones[session_id] = session.expires_at + self._limits.tombstone_ttl_s

    def _purge(self, now: float) -> None:
        for _ in range(PURGE_BATCH):
            oldest = next(iter(self._sessions.items()), None)
            if oldest is None or oldest[1].expires_at > now:
                break
            self._retire(*oldest)
        for _ in range(PURGE_BATCH):
            stale = next(iter(self._tombstones.items()), None)
            if stale is None or stale[1] > now:
                break
            del self._tombstones[stale[0]]
