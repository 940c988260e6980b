"""The session store interface every backend implements, and its value types.

A session holds the LLM history (opaque OpenAI-style message dicts), a replay log of the frames
sent to clients (opaque dicts, each with an int "seq"), the pack version the session is pinned
to, and the seq of its last logged frame. Turns are serialised by a lease: `begin_turn` takes
it, `end_turn` releases it. Every write refreshes the TTL of every key of the session.

Round trips per turn (Redis): begin_turn 1, each `append` (one per tool round) 1, end_turn 1.

Every method may also raise StoreUnavailable (the backend cannot be reached), and methods that
take messages or frames raise ValueError for ones JSON cannot hold or frames whose int "seq"
is not above the last logged one: those are bugs in the caller, not client errors.
"""

from __future__ import annotations

import abc
from dataclasses import dataclass
from typing import Any, Protocol

Message = dict[str, Any]
Frame = dict[str, Any]

DEFAULT_TTL_S = 86_400
MAX_HISTORY_MESSAGES = 200
MAX_LOGGED_FRAMES = 2_000
TURN_LEASE_S = 300.0
# How long after expiry an id is still recognised as "expired" rather than "never existed".
TOMBSTONE_TTL_S = 30 * 86_400


@dataclass(frozen=True)
class StoreLimits:
    """Bounds and lifetimes shared by every backend."""

    ttl_s: int = DEFAULT_TTL_S
    max_history: int = MAX_HISTORY_MESSAGES
    max_frames: int = MAX_LOGGED_FRAMES
    turn_lease_s: float = TURN_LEASE_S
    tombstone_ttl_s: int = TOMBSTONE_TTL_S


@dataclass(frozen=True)
class SessionInfo:
    """What is known about a session without reading its history."""

    session_id: str
    pack_version: str | None
    seq: int
    """The seq of the last logged frame (0 for a new session)."""


@dataclass(frozen=True)
class TurnStart:
    """The state a turn starts from, read in the same round trip that took the lease."""

    session: SessionInfo
    history: list[Message]
    """The bounded history, oldest first, ending with the user message just stored."""


class SessionStore(Protocol):
    """Conversation storage. Implementations: memory (one process), Redis, Redis Cluster."""

    def create(self, session_id: str, pack_version: str | None) -> SessionInfo:
        """Create an empty session pinned to a pack version (idempotent for the same id).

        A live session with this id is returned as it is (its pack version kept); an expired
        one is replaced by a new empty session.

        Raises:
            ValueError: the id is not of the form `codec.is_session_id` accepts.
        """

    def get(self, session_id: str) -> SessionInfo:
        """Return a session and refresh its TTL.

        Raises:
            SessionNotFound: never created. SessionExpired: its TTL ran out.
        """

    def begin_turn(self, session_id: str, turn_id: str, user_message: Message) -> TurnStart:
        """Take the session's turn lease, store the user message, return the history.

        Called again by the turn that holds the lease, it stores nothing and returns the same
        state (a retry after a lost reply is harmless).

        Raises:
            SessionBusy: another turn holds the lease. SessionNotFound, SessionExpired.
        """

    def append(
        self, session_id: str, turn_id: str, messages: list[Message], frames: list[Frame]
    ) -> None:
        """Store messages and frames mid-turn (a tool round) in one round trip; renew the lease.

        Raises:
            TurnLost: the lease is no longer ours (nothing is written). SessionExpired,
                SessionNotFound: the lease is ours but the session's TTL ran out mid-turn.
        """

    def end_turn(
        self, session_id: str, turn_id: str, messages: list[Message], frames: list[Frame]
    ) -> None:
        """Store the turn's last messages and frames and release the lease, in one round trip.

        Raises:
            TurnLost: the lease is no longer ours (nothing is written). SessionExpired,
                SessionNotFound: as for `append`.
        """

    def frames_after(self, session_id: str, after_seq: int) -> list[Frame]:
        """Return the logged frames with seq > after_seq, oldest first, and refresh the TTL.

        Raises:
            SessionNotFound, SessionExpired.
        """

    def ping(self) -> None:
        """Check the backend answers.

        Raises:
            StoreUnavailable: it does not.
        """

    def close(self) -> None:
        """Release connections."""


class LeasedWrites(abc.ABC):
    """`append` and `end_turn` for a backend: both are one `_write`, which keeps or releases."""

    def append(
        self, session_id: str, turn_id: str, messages: list[Message], frames: list[Frame]
    ) -> None:
        """Store a tool round's messages and frames and renew the lease."""
        self._write(session_id, turn_id, messages, frames, release=False)

    def end_turn(
        self, session_id: str, turn_id: str, messages: list[Message], frames: list[Frame]
    ) -> None:
        """Store the turn's last messages and frames and release the lease."""
        self._write(session_id, turn_id, messages, frames, release=True)

    @abc.abstractmethod
    def _write(
        self,
        session_id: str,
        turn_id: str,
        messages: list[Message],
        frames: list[Frame],
        *,
        release: bool,
    ) -> None:
        """Store messages and frames if the lease is ours; keep or release it, atomically."""
