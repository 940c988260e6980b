"""The WebSocket protocol: client frame models, server frame builders, parse and dump.

Frames are JSON objects with a `type`. Client frames are parsed into pydantic models here, once;
server frames are plain dicts (the session store logs them as they are sent, and a replay sends
them back byte for byte). docs/protocol.md describes every frame and code defined here, and a
test keeps the two in step.
"""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

import pydantic

from agent import errors

Frame = dict[str, Any]

PROTOCOL_VERSION = 1
# The default limit on one client frame, in UTF-8 bytes; larger frames get an INVALID_MESSAGE
# error frame and the socket stays open.
MAX_FRAME_BYTES = 512 * 1024
# The transport closes the socket (code 1009) above this many bytes; it only bounds memory.
TRANSPORT_FRAME_FACTOR = 4
MAX_ID_CHARS = 128

CLIENT_TYPES = ("message", "cancel")
SERVER_TYPES = ("connected", "chunk", "tool_call", "tool_result", "done", "error")
# `done.finish_reason`: the model's own reasons, and ours for a cancelled turn.
FINISH_REASONS = ("stop", "length", "content_filter", "cancelled")
EXECUTION_SERVER = "server"


def error_codes() -> list[str]:
    """Return every code an `error` frame can carry, sorted."""
    found: set[str] = set()
    pending: list[type[errors.OmniaError]] = [errors.OmniaError]
    while pending:
        cls = pending.pop()
        found.add(cls.code)
        pending.extend(cls.__subclasses__())
    return sorted(found)


class _ClientFrame(pydantic.BaseModel):
    # Clients must be able to send fields newer servers understand: unknown keys are ignored.
    model_config = pydantic.ConfigDict(extra="ignore", frozen=True, strict=True)


SessionId = Annotated[str, pydantic.StringConstraints(min_length=1, max_length=MAX_ID_CHARS)]


class MessageFrame(_ClientFrame):
    """A user message: starts a turn on the socket's session, or on `session_id`'s."""

    type: Literal["message"] = "message"
    session_id: SessionId | None = None
    # Bounded by the frame size limit, checked before parsing.
    content: Annotated[str, pydantic.StringConstraints(min_length=1)]
    metadata: dict[str, Any] = pydantic.Field(default_factory=dict)
    variables: dict[str, Any] = pydantic.Field(default_factory=dict)
    prompt: SessionId | None = None


class CancelFrame(_ClientFrame):
    """Stop the running turn of the socket's session (or of `session_id`)."""

    type: Literal["cancel"]
    session_id: SessionId | None = None
    turn_id: SessionId | None = None


ClientFrame = MessageFrame | CancelFrame
_MODELS: dict[str, type[MessageFrame] | type[CancelFrame]] = {
    "message": MessageFrame,
    "cancel": CancelFrame,
}


def parse(raw: str | bytes, max_bytes: int = MAX_FRAME_BYTES) -> ClientFrame:
    """Return the client frame in one WebSocket message.

    A frame without `type` is a message: the original Omnia server never looked at it.

    Raises:
        ProtocolError: binary, too large, not a JSON object, unknown type, or invalid fields.
    """
    if isinstance(raw, bytes | bytearray):
        raise errors.ProtocolError("binary frames are not supported: send JSON text frames")
    size = len(raw.encode("utf-8", "surrogatepass"))
    if size > max_bytes:
        raise errors.ProtocolError(f"frame of {size} bytes exceeds the limit of {max_bytes}")
    try:
        data = json.loads(raw)
    except (json.JSONDecodeError, RecursionError) as error:
        raise errors.ProtocolError(f"frame is not JSON: {error}") from error
    if not isinstance(data, dict):
        raise errors.ProtocolError(f"frame must be a JSON object, not {type(data).__name__}")
    kind = data.get("type", "message")
    model = _MODELS.get(kind) if isinstance(kind, str) else None
    if model is None:
        raise errors.ProtocolError(
            f"type: unknown frame type {kind!r}; expected one of {', '.join(CLIENT_TYPES)}"
        )
    try:
        return model.model_validate(data)
    except pydantic.ValidationError as error:
        first = error.errors()[0]
        path = ".".join(str(part) for part in first["loc"]) or "frame"
        raise errors.ProtocolError(f"{path}: {first['msg']}") from error


@dataclasses.dataclass(frozen=True)
class Head:
    """The envelope every server frame carries."""

    session_id: str
    seq: int
    now: datetime
    turn_id: str | None = None


def to_timestamp(now: datetime) -> str:
    """Return an RFC 3339 UTC timestamp with milliseconds, like 2026-11-24T10:00:00.000Z."""
    return now.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _frame(kind: str, head: Head, **payload: Any) -> Frame:
    frame: Frame = {"type": kind, "session_id": head.session_id, "seq": head.seq}
    if head.turn_id is not None:
        frame["turn_id"] = head.turn_id
    frame["timestamp"] = to_timestamp(head.now)
    frame.update({key: value for key, value in payload.items() if value is not None})
    return frame


def connected(head: Head, *, resumed: bool, agent: str, pack_version: str, max_bytes: int) -> Frame:
    """The first frame on every socket: which session it serves and the server's limits."""
    info = {
        "resumed": resumed,
        "protocol_version": PROTOCOL_VERSION,
        "agent": agent,
        "pack_version": pack_version,
        "max_frame_bytes": max_bytes,
    }
    return _frame("connected", head, connected=info)


def chunk(head: Head, content: str) -> Frame:
    """A delta of the assistant's text."""
    return _frame("chunk", head, content=content)


def tool_call(head: Head, call_id: str, name: str, arguments: Any) -> Frame:
    """A tool call the server is about to execute."""
    body = {"id": call_id, "name": name, "arguments": arguments}
    return _frame("tool_call", head, tool_call=body, execution=EXECUTION_SERVER)


def tool_result(head: Head, call_id: str, result: Any, error: str | None) -> Frame:
    """The outcome of a tool call the server executed."""
    body: dict[str, Any] = {"id": call_id, "result": result}
    if error is not None:
        body["error"] = error
    return _frame("tool_result", head, tool_result=body, execution=EXECUTION_SERVER)


@dataclasses.dataclass(frozen=True)
class Usage:
    """Tokens and cost of one turn, summed over its LLM calls."""

    input_tokens: int = 0
    output_tokens: int = 0
    cost_usd: float = 0.0


def done(head: Head, content: str, finish_reason: str, usage: Usage, model: str | None) -> Frame:
    """The end of a turn: the full text, why it ended, its usage and the model that answered."""
    body = {
        "input_tokens": usage.input_tokens,
        "output_tokens": usage.output_tokens,
        "cost_usd": round(usage.cost_usd, 8),
    }
    return _frame(
        "done", head, content=content, finish_reason=finish_reason, usage=body, model=model
    )


def error(head: Head, code: str, message: str) -> Frame:
    """An error: terminal when it carries a turn_id, otherwise about one client frame."""
    return _frame("error", head, error={"code": code, "message": message})


def dump(frame: Frame) -> str:
    """Return a frame as the JSON text sent on the socket."""
    return json.dumps(frame, separators=(",", ":"), ensure_ascii=False)
