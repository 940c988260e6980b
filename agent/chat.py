"""`omnia chat URL`: a terminal client for an agent's WebSocket, interactive or scripted.

Text streams to stdout as it arrives; tool calls, results, usage and errors go to stderr on
their own lines, so `omnia chat URL < questions.txt > answers.txt` keeps the answers clean.
Piped input is one message per line, each sent after the previous turn ended. The exit code
is 1 when a turn ends with an error, or the session cannot be opened.
"""

from __future__ import annotations

import argparse
import json
import select
import sys
import urllib.parse
from collections.abc import Iterator
from typing import Any, TextIO

import websocket

CONNECT_TIMEOUT_S = 10.0
TURN_TIMEOUT_S = 300.0
# After a replay, frames still coming within this gap belong to it.
REPLAY_IDLE_S = 0.5
MAX_SHOWN_RESULT_CHARS = 400
MAX_INPUT_LINES = 10_000
# How often an interactive client waiting for the user reads the socket (pings, closes).
IDLE_POLL_S = 1.0


class ChatError(Exception):
    """The conversation cannot go on: the socket closed, or a turn ended with an error."""


def build_url(url: str, session: str | None, after_seq: int | None) -> str:
    """Return the WebSocket URL with `/ws` (when no path is given) and the resume query."""
    parts = urllib.parse.urlsplit(url if "://" in url else f"ws://{url}")
    scheme = {"http": "ws", "https": "wss"}.get(parts.scheme, parts.scheme)
    path = parts.path if parts.path not in ("", "/") else "/ws"
    query = urllib.parse.parse_qsl(parts.query)
    if session:
        query.append(("session_id", session))
    if after_seq is not None:
        query.append(("after_seq", str(after_seq)))
    return urllib.parse.urlunsplit((scheme, parts.netloc, path, urllib.parse.urlencode(query), ""))


class Printer:
    """Shows frames: text on `out`, everything else on its own line on `err`."""

    def __init__(self, out: TextIO, err: TextIO) -> None:
        self.out = out
        self.err = err
        self._mid_line = False

    def show(self, frame: dict[str, Any]) -> None:
        """Print one frame."""
        kind = frame.get("type")
        if kind == "chunk":
            self.out.write(str(frame.get("content", "")))
            self.out.flush()
            self._mid_line = True
            return
        self._end_line()
        if kind == "tool_call":
            call = frame.get("tool_call", {})
            arguments = json.dumps(call.get("arguments"), ensure_ascii=False)
            self._note(f"[tool call] {call.get('name')} {arguments}")
        elif kind == "tool_result":
            self._note(_describe_result(frame.get("tool_result", {})))
        elif kind == "done":
            self._note(_describe_done(frame))
        elif kind == "error":
            error = frame.get("error", {})
            self._note(f"[error] {error.get('code')}: {error.get('message')}")
        elif kind == "connected":
            info = frame.get("connected", {})
            verb = "resumed" if info.get("resumed") else "started"
            self._note(
                f"[connected] {verb} session {frame.get('session_id')} "
                f"(agent {info.get('agent')}, pack {info.get('pack_version')})"
            )

    def _end_line(self) -> None:
        if self._mid_line:
            self.out.write("\n")
            self.out.flush()
            self._mid_line = False

    def _note(self, text: str) -> None:
        self.err.write(text + "\n")
        self.err.flush()


def _describe_result(result: dict[str, Any]) -> str:
    shown = json.dumps(result.get("result"), ensure_ascii=False)
    if len(shown) > MAX_SHOWN_RESULT_CHARS:
        shown = shown[: MAX_SHOWN_RESULT_CHARS - 3] + "..."
    error = f" error: {result['error']}" if result.get("error") else ""
    return f"[tool result] {shown}{error}"


def _describe_done(frame: dict[str, Any]) -> str:
    usage = frame.get("usage") or {}
    return (
        f"[done] {frame.get('finish_reason')} · model {frame.get('model')} · "
        f"tokens in {usage.get('input_tokens', 0)} out {usage.get('output_tokens', 0)} · "
        f"cost ${usage.get('cost_usd', 0.0):.6f}"
    )


class Client:
    """One socket to the agent."""

    def __init__(self, ws: Any, printer: Printer) -> None:
        self._ws = ws
        self._printer = printer
        self.session_id: str | None = None

    def receive(self, timeout_s: float) -> dict[str, Any] | None:
        """Return the next frame (printed), or None when none came within the timeout."""
        self._ws.settimeout(timeout_s)
        try:
            raw = self._ws.recv()
        except websocket.WebSocketTimeoutException:
            return None
        except (websocket.WebSocketException, OSError) as error:
            raise ChatError(f"the connection closed: {error or type(error).__name__}") from error
        frame: dict[str, Any] = json.loads(raw)
        self._printer.show(frame)
        if frame.get("type") == "connected":
            self.session_id = frame.get("session_id")
        return frame

    def open(self) -> None:
        """Wait for `connected`; raise when the agent refuses the session."""
        frame = self.receive(CONNECT_TIMEOUT_S)
        if frame is None or frame.get("type") != "connected":
            raise ChatError("the agent did not accept the session")

    def drain_replay(self) -> None:
        """Print replayed frames; follow a replayed turn that is still running to its end."""
        open_turn: str | None = None
        while True:
            frame = self.receive(TURN_TIMEOUT_S if open_turn else REPLAY_IDLE_S)
            if frame is None:
                return
            turn_id = frame.get("turn_id")
            if frame.get("type") in ("done", "error"):
                open_turn = None
            elif turn_id:
                open_turn = turn_id

    def wait_for_input(self, stdin: TextIO) -> None:
        """Wait until stdin has a line, answering the server's pings meanwhile.

        The agent closes sockets that do not answer its pings, and websocket-client answers
        them only while reading; an interactive user may think for minutes.
        """
        while True:
            readable, _, _ = select.select([stdin, self._ws.sock], [], [], IDLE_POLL_S)
            if self._ws.sock in readable:
                self._read_while_idle()
            if stdin in readable:
                return

    def _read_while_idle(self) -> None:
        self._ws.settimeout(IDLE_POLL_S)
        try:
            opcode, frame = self._ws.recv_data_frame(True)
        except websocket.WebSocketTimeoutException:
            return
        except (websocket.WebSocketException, OSError) as error:
            raise ChatError(f"the connection closed: {error or type(error).__name__}") from error
        if opcode == websocket.ABNF.OPCODE_CLOSE:
            raise ChatError("the agent closed the connection")
        if opcode == websocket.ABNF.OPCODE_TEXT:
            self._printer.show(json.loads(frame.data))

    def turn(self, content: str) -> None:
        """Send a message and print its turn until the end; raise ChatError on an error end."""
        self._ws.send(json.dumps({"type": "message", "content": content}))
        while True:
            frame = self.receive(TURN_TIMEOUT_S)
            if frame is None:
                raise ChatError(f"no answer within {TURN_TIMEOUT_S:g}s")
            if frame.get("type") == "done":
                return
            if frame.get("type") == "error" and frame.get("turn_id"):
                error = frame.get("error", {})
                raise ChatError(f"{error.get('code')}: {error.get('message')}")


def build_parser() -> argparse.ArgumentParser:
    """Return the parser of `omnia chat`."""
    parser = argparse.ArgumentParser(
        prog="omnia chat",
        description="Chat with an agent. Reads one message per line from stdin when piped.",
    )
    parser.add_argument("url", help="the agent, e.g. ws://127.0.0.1:8080/ws or 127.0.0.1:8080")
    parser.add_argument("--session", help="resume this session id")
    parser.add_argument(
        "--after-seq", type=int, help="replay the session's frames after this seq first"
    )
    return parser


def _lines(client: Client, stdin: TextIO, interactive: bool, err: TextIO) -> Iterator[str]:
    for _ in range(MAX_INPUT_LINES):
        if interactive:
            err.write("you> ")
            err.flush()
            client.wait_for_input(stdin)
        line = stdin.readline()
        if not line:
            return
        if line.strip():
            yield line.strip()


def main(argv: list[str]) -> int:
    """Run `omnia chat`; return 0, or 1 when a turn ended with an error."""
    args = build_parser().parse_args(argv)
    url = build_url(args.url, args.session, args.after_seq)
    printer = Printer(sys.stdout, sys.stderr)
    try:
        ws = websocket.create_connection(url, timeout=CONNECT_TIMEOUT_S)
    except (websocket.WebSocketException, OSError) as error:
        print(f"omnia chat: cannot connect to {url}: {error}", file=sys.stderr)
        return 1
    client = Client(ws, printer)
    interactive = sys.stdin.isatty()
    try:
        client.open()
        if args.after_seq is not None:
            client.drain_replay()
        for text in _lines(client, sys.stdin, interactive, sys.stderr):
            client.turn(text)
    except ChatError as error:
        print(f"omnia chat: {error}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
    finally:
        ws.close()
    return 0
