"""One WebSocket connection: open or resume its session, read frames, start and cancel turns.

The reader loop never waits for a turn: turns run in the hub's threads and send their frames
through this connection's sink, so a `cancel` is read while its turn streams. Nothing here
knows Flask; `server.py` adapts its socket to `Socket`.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from typing import TYPE_CHECKING, Protocol

from agent import errors, metrics, protocol, turn
from agent.sessions import codec
from agent.sessions import store as session_store

if TYPE_CHECKING:
    # Only a type here: gunicorn's master imports this module, and must not import what the
    # runtime pulls in (requests, redis) before gevent patches the worker.
    from agent import runtime

LOG = logging.getLogger(__name__)

CLOSE_GOING_AWAY = 1001
CLOSE_POLICY_VIOLATION = 1008
CLOSE_INTERNAL_ERROR = 1011
MAX_AFTER_SEQ = 2**53


class SocketClosed(Exception):
    """The peer went away; nothing more can be sent or received."""


class Socket(Protocol):
    """The little a connection needs from a WebSocket."""

    def send(self, text: str) -> None:
        """Send one text frame. Raises SocketClosed."""

    def receive(self) -> str | bytes:
        """Wait for the next frame. Raises SocketClosed."""

    def close(self, code: int, reason: str) -> None:
        """Close the socket (no-op when already closed)."""


class Connection:
    """Serves one socket until it closes."""

    def __init__(self, socket: Socket, rt: runtime.Runtime, query: Mapping[str, str]) -> None:
        self._socket = socket
        self._rt = rt
        self._query = query
        self._send_lock = threading.Lock()
        self._is_open = True
        self.session_id = ""
        self.pack_version = rt.reloader.current.pack_version
        self.last_seq = 0

    def serve(self) -> None:
        """Open the session, replay what was asked for, then read frames until the socket closes."""
        if not self._start():
            return
        label = self.pack_version
        self._rt.metrics.connections_total.labels(label).inc()
        self._rt.metrics.connections_active.labels(label).inc()
        self._rt.track(self, is_open=True)
        try:
            while self._is_open:
                try:
                    raw = self._socket.receive()
                except SocketClosed:
                    break
                self._handle(raw)
        finally:
            self._is_open = False
            self._rt.track(self, is_open=False)
            self._rt.metrics.connections_active.labels(label).dec()

    def close_for_shutdown(self) -> None:
        """Close the socket with 1001 ("going away"): the client should reconnect elsewhere."""
        self._socket.close(CLOSE_GOING_AWAY, "server shutdown")

    def _start(self) -> bool:
        requested = self._query.get("session_id") or None
        try:
            after_seq = _parse_after_seq(self._query.get("after_seq"))
            if requested is not None:
                info = self._rt.store.get(codec.parse_session_id(requested))
            else:
                current = self._rt.reloader.current
                info = self._rt.store.create(self._rt.new_id(), current.pack_version)
        except errors.OmniaError as error:
            self._error(error.code, str(error), session_id=requested or "", seq=0)
            code = (
                CLOSE_POLICY_VIOLATION
                if error.code != "AGENT_UNAVAILABLE"
                else CLOSE_INTERNAL_ERROR
            )
            self._socket.close(code, error.code)
            return False
        self._bind(info)
        head = protocol.Head(self.session_id, self.last_seq, self._rt.now())
        agent = self._rt.reloader.current.agent.agent_name
        max_bytes = self._rt.settings.max_frame_bytes
        self._send(
            protocol.connected(
                head,
                resumed=requested is not None,
                agent=agent,
                pack_version=self.pack_version,
                max_bytes=max_bytes,
            )
        )
        if after_seq is not None:
            self._replay(after_seq)
        return True

    def _bind(self, info: session_store.SessionInfo) -> None:
        self.session_id = info.session_id
        self.pack_version = info.pack_version or self._rt.reloader.current.pack_version
        self.last_seq = info.seq

    def _replay(self, after_seq: int) -> None:
        # Find the running turn before reading the log. If none runs here, the log already
        # holds every frame this pod's turns sent (a turn stores its frames before it ends), so
        # one read is enough. If one runs, it stays attachable even if it ends meanwhile, and
        # its buffer has whatever it sent after the read.
        running = self._rt.hub.find(self.session_id)
        try:
            for frame in self._rt.store.frames_after(self.session_id, after_seq):
                self._send(frame)
        except errors.SessionError as error:
            self._error(error.code, str(error))
            return
        if running is not None:
            running.attach(self._sink, max(after_seq, self.last_seq))

    def _handle(self, raw: str | bytes) -> None:
        try:
            frame = protocol.parse(raw, self._rt.settings.max_frame_bytes)
        except errors.ProtocolError as error:
            self._error(error.code, str(error))
            return
        if isinstance(frame, protocol.CancelFrame):
            self._cancel(frame)
        else:
            self._message(frame)

    def _message(self, frame: protocol.MessageFrame) -> None:
        rt = self._rt
        turn_id = rt.new_id()
        if frame.session_id is not None and frame.session_id != self.session_id:
            try:
                self._bind(rt.store.get(codec.parse_session_id(frame.session_id)))
            except errors.SessionError as error:
                self._error(
                    error.code, str(error), session_id=frame.session_id, seq=0, turn_id=turn_id
                )
                return
        version, pack = rt.reloader.pack_for(self.pack_version)
        request = turn.TurnRequest(
            session_id=self.session_id,
            turn_id=turn_id,
            content=frame.content,
            values={**frame.metadata, **frame.variables},
            prompt_key=frame.prompt,
            known_seq=self.last_seq,
        )
        observer = metrics.TurnObserver(rt.metrics, version, rt.monotonic)
        started = rt.hub.start(
            request.session_id,
            request.turn_id,
            lambda is_cancelled: turn.run(request, rt.turn_deps(pack, version, is_cancelled)),
            [self._sink, observer],
        )
        if started is None and rt.hub.find(request.session_id) is not None:
            busy = errors.SessionBusy("a turn is already running on this session")
            self._error(busy.code, str(busy), turn_id=request.turn_id)
        elif started is None:
            message = "too many turns are running in this agent; try again shortly"
            self._error("AGENT_UNAVAILABLE", message, turn_id=request.turn_id)

    def _cancel(self, frame: protocol.CancelFrame) -> None:
        running = self._rt.hub.find(frame.session_id or self.session_id)
        if running is None or frame.turn_id not in (None, running.turn_id):
            self._error("INVALID_MESSAGE", "cancel: no turn of this session is running here")
            return
        running.cancelled.set()

    def _error(
        self,
        code: str,
        message: str,
        *,
        session_id: str | None = None,
        seq: int | None = None,
        turn_id: str | None = None,
    ) -> None:
        head = protocol.Head(
            self.session_id if session_id is None else session_id,
            self.last_seq if seq is None else seq,
            self._rt.now(),
            turn_id,
        )
        self._send(protocol.error(head, code, message))

    def _sink(self, frame: protocol.Frame) -> bool:
        return self._send(frame)

    def _send(self, frame: protocol.Frame) -> bool:
        with self._send_lock:
            if not self._is_open:
                return False
            try:
                self._socket.send(protocol.dump(frame))
            except SocketClosed:
                self._is_open = False
                return False
            if frame.get("session_id") == self.session_id:
                self.last_seq = max(self.last_seq, int(frame.get("seq", 0)))
            return True


def _parse_after_seq(raw: str | None) -> int | None:
    if raw is None or raw == "":
        return None
    if not raw.isdigit() or int(raw) > MAX_AFTER_SEQ:
        raise errors.ProtocolError(f"after_seq: {raw[:40]!r} is not a whole number")
    return int(raw)
