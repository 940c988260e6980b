"""A websocket-client wrapper that speaks the agent's frames."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Callable
from typing import Any

import websocket

TIMEOUT_S = 20.0


class WsClient:
    """One socket to an agent; frames are dicts."""

    def __init__(self, url: str, timeout_s: float = TIMEOUT_S) -> None:
        self.ws = websocket.create_connection(url, timeout=timeout_s)

    def recv(self) -> dict[str, Any]:
        """The next frame."""
        frame: dict[str, Any] = json.loads(self.ws.recv())
        return frame

    def send(self, frame: dict[str, Any] | str | bytes) -> None:
        """Send a frame: a dict as JSON text, str as text, bytes as a binary frame."""
        if isinstance(frame, bytes):
            self.ws.send_binary(frame)
        else:
            self.ws.send(frame if isinstance(frame, str) else json.dumps(frame))

    def until_end(self) -> list[dict[str, Any]]:
        """Frames up to and including the turn's `done` or terminal `error`."""
        frames = []
        while True:
            frame = self.recv()
            frames.append(frame)
            if frame["type"] == "done" or (frame["type"] == "error" and "turn_id" in frame):
                return frames

    def turn(self, content: str, **fields: Any) -> list[dict[str, Any]]:
        """Send a message and return its frames up to the end of the turn."""
        self.send({"type": "message", "content": content, **fields})
        return self.until_end()

    def close(self) -> None:
        """Close the socket."""
        self.ws.close()

    def __enter__(self) -> WsClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def text_of(frames: list[dict[str, Any]]) -> str:
    """The concatenated chunk text of some frames."""
    return "".join(f["content"] for f in frames if f["type"] == "chunk")


def types_of(frames: list[dict[str, Any]]) -> list[str]:
    """The frame types, with runs of chunks collapsed into one "chunk"."""
    kinds: list[str] = []
    for frame in frames:
        if not (frame["type"] == "chunk" and kinds and kinds[-1] == "chunk"):
            kinds.append(frame["type"])
    return kinds


@dataclasses.dataclass
class Collision:
    """Two turns on one session at once: the first one's frames and the second one's."""

    first_head: dict[str, Any]
    first_rest: list[dict[str, Any]]
    second: list[dict[str, Any]]


def collide(first_url: str, second_url: str, release: Callable[[], None]) -> Collision:
    """Start a turn through `first_url`, which the model holds open until `release()`; while it
    is open, send a turn on the same session through `second_url` (a URL without a query)."""
    with WsClient(first_url) as first:
        session_id = first.recv()["session_id"]
        first.send({"type": "message", "content": "first"})
        head = first.recv()
        with WsClient(f"{second_url}?session_id={session_id}") as second:
            second.recv()
            busy = second.turn("second")
        release()
        return Collision(first_head=head, first_rest=first.until_end(), second=busy)
