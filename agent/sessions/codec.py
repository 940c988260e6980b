"""Check and encode what callers hand a session store: session ids, messages and frames.

Every backend stores messages and frames as JSON text, so the memory store behaves like Redis:
what comes back is a fresh copy, and a value JSON cannot hold fails at the call, not later.
"""

from __future__ import annotations

import dataclasses
import json
import re
from typing import Any

from agent import errors

MAX_SESSION_ID_CHARS = 128
# Braces are excluded because Redis Cluster reads the first {...} of a key as its hash tag.
SESSION_ID_PATTERN = re.compile(rf"[A-Za-z0-9._:-]{{1,{MAX_SESSION_ID_CHARS}}}")
SESSION_ID_FORM = f"1-{MAX_SESSION_ID_CHARS} of A-Z a-z 0-9 . _ : -"
SHOWN_ID_CHARS = 80


def is_session_id(session_id: str) -> bool:
    """Tell whether a string has the form of a session id (`SESSION_ID_FORM`)."""
    return SESSION_ID_PATTERN.fullmatch(session_id) is not None


def parse_session_id(session_id: str) -> str:
    """Return a client-supplied session id, or raise because no session can have it.

    Raises:
        SessionNotFound: the id has a form this agent never issues.
    """
    if is_session_id(session_id):
        return session_id
    shown = session_id[:SHOWN_ID_CHARS]
    raise errors.SessionNotFound(f"session_id: {shown!r} is not a session id ({SESSION_ID_FORM})")


def parse_new_session_id(session_id: str) -> str:
    """Return a session id the agent is about to create.

    Raises:
        ValueError: the id could not be looked up later (a bug in the caller, not client input).
    """
    if is_session_id(session_id):
        return session_id
    shown = session_id[:SHOWN_ID_CHARS]
    raise ValueError(f"session_id: {shown!r} is not a session id ({SESSION_ID_FORM})")


def to_json(items: list[dict[str, Any]], what: str) -> list[str]:
    """Encode messages or frames as compact JSON texts, one per item.

    Raises:
        ValueError: an item is not a dict or holds a value JSON cannot encode (NaN included:
            strict JSON parsers refuse it).
    """
    texts = []
    for index, item in enumerate(items):
        if not isinstance(item, dict):
            raise ValueError(f"{what}[{index}]: {type(item).__name__} is not a dict")
        try:
            texts.append(
                json.dumps(item, separators=(",", ":"), ensure_ascii=False, allow_nan=False)
            )
        except (TypeError, ValueError) as err:
            raise ValueError(f"{what}[{index}]: not JSON-encodable: {err}") from err
    return texts


def from_json(texts: list[str]) -> list[dict[str, Any]]:
    """Decode texts written by `to_json`."""
    return [json.loads(text) for text in texts]


def parse_frame_seqs(frames: list[dict[str, Any]]) -> tuple[int, int] | None:
    """Return the first and last seq of frames about to be logged (None for no frames).

    Raises:
        ValueError: a frame's seq is missing, not an int, or not above the previous frame's.
    """
    previous: int | None = None
    for index, frame in enumerate(frames):
        seq = frame.get("seq") if isinstance(frame, dict) else None
        if not isinstance(seq, int) or isinstance(seq, bool):
            raise ValueError(f"frames[{index}].seq: {seq!r} is not an int")
        if previous is not None and seq <= previous:
            raise ValueError(f"frames[{index}].seq: {seq} is not above the previous {previous}")
        previous = seq
    if previous is None:
        return None
    return frames[0]["seq"], previous


def check_seq_order(first_seq: int, stored_seq: int) -> None:
    """Require new frames to follow the logged ones, so the log stays sorted by seq.

    Raises:
        ValueError: the first new seq is not above the session's last logged seq.
    """
    if first_seq <= stored_seq:
        raise ValueError(f"frames[0].seq: {first_seq} is not above the logged seq {stored_seq}")


@dataclasses.dataclass(frozen=True)
class Write:
    """A mid-turn or end-of-turn write, checked and encoded once for any backend."""

    messages: list[str]
    frames: list[str]
    seqs: tuple[int, int] | None
    """(first, last) seq of the frames, None when there are none."""


def parse_write(
    session_id: str, messages: list[dict[str, Any]], frames: list[dict[str, Any]]
) -> Write:
    """Check a write's session id and frame seqs and encode its messages and frames.

    Raises:
        ValueError: a malformed id, a value JSON cannot hold, or frames without rising seqs.
    """
    parse_session_id(session_id)
    return Write(to_json(messages, "messages"), to_json(frames, "frames"), parse_frame_seqs(frames))
