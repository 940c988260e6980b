"""A real OpenAI-compatible chat completions server on loopback, scripted per test.

`POST /v1/chat/completions` with `stream: true` answers with Server-Sent Events in the shape
OpenAI sends (`POST /v1/messages`: the Anthropic shape, for `claude` providers): text deltas,
streamed tool calls (id and name first, then argument fragments), a finish reason, and a usage
chunk when `stream_options.include_usage` is set. Each request takes the first queued `Script`
whose `model` matches (None matches any); with nothing queued it answers `default` ("ok" unless
set). Every request body is recorded.
"""

from __future__ import annotations

import dataclasses
import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from tests.support import http_thread

GATE_TIMEOUT_S = 30.0


@dataclasses.dataclass
class Script:
    """One scripted answer."""

    text: str = ""
    tool_calls: list[tuple[str, dict[str, Any]]] = dataclasses.field(default_factory=list)
    status: int = 200
    headers: dict[str, str] = dataclasses.field(default_factory=dict)
    error_body: str = '{"error": {"message": "scripted failure", "type": "server_error"}}'
    model: str | None = None
    delay_s: float = 0.0
    # The gap between events, kept on an absolute schedule: event k goes k gaps after the first,
    # however long each write took (benchmarks measure lateness against that schedule).
    chunk_delay_s: float = 0.0
    delta_chars: int = 4
    usage: tuple[int, int] | None = None
    finish_reason: str | None = None
    # Stream this many text deltas, then wait for `gate` before the rest.
    pause_after: int | None = None
    # Stream this many text deltas, then an SSE error event, as OpenAI does on a mid-stream failure.
    break_after: int | None = None
    gate: threading.Event = dataclasses.field(default_factory=threading.Event)


class FakeLLM:
    """The server's state: a queue of scripts and the requests received."""

    def __init__(self, default: Script | None = None) -> None:
        self._lock = threading.Lock()
        self._scripts: list[Script] = []
        # The answer to every request no queued script matches; benchmarks set one for all.
        self.default = default or Script(text="ok")
        self.requests: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.port = 0

    @property
    def base_url(self) -> str:
        """The base URL to give litellm as api_base."""
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def anthropic_base_url(self) -> str:
        """The base URL for an anthropic/claude provider (litellm appends /v1/messages)."""
        return f"http://127.0.0.1:{self.port}"

    def push(self, *scripts: Script) -> None:
        """Queue scripted answers, consumed in order."""
        with self._lock:
            self._scripts.extend(scripts)

    def reset(self) -> None:
        """Forget queued scripts and recorded requests; release every paused stream."""
        with self._lock:
            for script in self._scripts:
                script.gate.set()
            self._scripts.clear()
            self.requests.clear()
            self.headers.clear()

    def pending(self) -> int:
        """How many scripts are still queued."""
        with self._lock:
            return len(self._scripts)

    def take(self, body: dict[str, Any], headers: dict[str, str]) -> Script:
        """Record a request and return its script."""
        with self._lock:
            self.requests.append(body)
            self.headers.append(headers)
            for index, script in enumerate(self._scripts):
                if script.model is None or script.model == body.get("model"):
                    return self._scripts.pop(index)
        return self.default


def _chunk(model: str, delta: dict[str, Any], finish: str | None = None) -> dict[str, Any]:
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion.chunk",
        "created": 1_700_000_000,
        "model": model,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish}],
    }


def _events(script: Script, body: dict[str, Any]) -> Iterator[dict[str, Any] | None]:
    """Yield the chunks of a scripted stream; None marks the pause point."""
    model = str(body.get("model", "fake"))
    yield _chunk(model, {"role": "assistant", "content": ""})
    text = script.text
    for count, start in enumerate(range(0, len(text), script.delta_chars)):
        if script.pause_after is not None and count == script.pause_after:
            yield None
        if script.break_after is not None and count == script.break_after:
            yield {"error": {"message": "scripted mid-stream failure", "type": "server_error"}}
            return
        yield _chunk(model, {"content": text[start : start + script.delta_chars]})
    for index, (name, arguments) in enumerate(script.tool_calls):
        head = {"index": index, "id": f"call_{index + 1}", "type": "function"}
        head["function"] = {"name": name, "arguments": ""}
        yield _chunk(model, {"tool_calls": [head]})
        raw = json.dumps(arguments)
        for start in range(0, len(raw), 5):
            part = {"index": index, "function": {"arguments": raw[start : start + 5]}}
            yield _chunk(model, {"tool_calls": [part]})
    finish = script.finish_reason or ("tool_calls" if script.tool_calls else "stop")
    yield _chunk(model, {}, finish)
    if body.get("stream_options", {}).get("include_usage"):
        prompt_chars = len(json.dumps(body.get("messages", [])))
        usage = script.usage or (prompt_chars // 4, max(1, len(text) // 4))
        yield {
            "id": "chatcmpl-fake",
            "object": "chat.completion.chunk",
            "created": 1_700_000_000,
            "model": model,
            "choices": [],
            "usage": {
                "prompt_tokens": usage[0],
                "completion_tokens": usage[1],
                "total_tokens": usage[0] + usage[1],
            },
        }


def _anthropic_events(script: Script, body: dict[str, Any]) -> Iterator[tuple[str, dict[str, Any]]]:
    """Yield (event, data) of a scripted stream in the Anthropic Messages shape."""
    prompt_tokens = len(json.dumps(body.get("messages", []))) // 4
    usage = script.usage or (prompt_tokens, max(1, len(script.text) // 4))
    message = {"id": "msg_fake", "type": "message", "role": "assistant", "content": []}
    message |= {"model": body.get("model", "fake"), "stop_reason": None, "stop_sequence": None}
    message["usage"] = {"input_tokens": usage[0], "output_tokens": 1}
    yield "message_start", {"type": "message_start", "message": message}
    blocks: list[tuple[dict[str, Any], list[dict[str, Any]]]] = []
    if script.text:
        step = script.delta_chars
        deltas = [
            {"type": "text_delta", "text": script.text[i : i + step]}
            for i in range(0, len(script.text), step)
        ]
        blocks.append(({"type": "text", "text": ""}, deltas))
    for index, (name, arguments) in enumerate(script.tool_calls):
        raw = json.dumps(arguments)
        deltas = [
            {"type": "input_json_delta", "partial_json": raw[i : i + 5]}
            for i in range(0, len(raw), 5)
        ]
        blocks.append(
            ({"type": "tool_use", "id": f"toolu_{index + 1}", "name": name, "input": {}}, deltas)
        )
    for index, (block, deltas) in enumerate(blocks):
        yield (
            "content_block_start",
            {"type": "content_block_start", "index": index, "content_block": block},
        )
        for delta in deltas:
            yield (
                "content_block_delta",
                {"type": "content_block_delta", "index": index, "delta": delta},
            )
        yield "content_block_stop", {"type": "content_block_stop", "index": index}
    stop = "tool_use" if script.tool_calls else "end_turn"
    yield (
        "message_delta",
        {
            "type": "message_delta",
            "delta": {"stop_reason": stop, "stop_sequence": None},
            "usage": {"output_tokens": usage[1]},
        },
    )
    yield "message_stop", {"type": "message_stop"}


class _Handler(BaseHTTPRequestHandler):
    server: _Server
    protocol_version = "HTTP/1.1"

    def log_message(self, format: str, *args: Any) -> None:
        """Stay quiet."""

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        body = json.loads(self.rfile.read(length) or b"{}")
        script = self.server.fake.take(body, {k.lower(): v for k, v in self.headers.items()})
        if script.delay_s:
            time.sleep(script.delay_s)
        if script.status != 200:
            self._send_error(script)
            return
        if self.path.endswith("/messages"):
            self._stream_anthropic(script, body)
            return
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Cache-Control", "no-cache")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        next_at = time.monotonic()
        try:
            for event in _events(script, body):
                if event is None:
                    script.gate.wait(GATE_TIMEOUT_S)
                    next_at = time.monotonic()
                    continue
                self.wfile.write(f"data: {json.dumps(event)}\n\n".encode())
                self.wfile.flush()
                if script.chunk_delay_s:
                    next_at += script.chunk_delay_s
                    time.sleep(max(0.0, next_at - time.monotonic()))
            self.wfile.write(b"data: [DONE]\n\n")
            self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            return

    def _stream_anthropic(self, script: Script, body: dict[str, Any]) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/event-stream")
        self.send_header("Connection", "close")
        self.end_headers()
        self.close_connection = True
        try:
            for event, data in _anthropic_events(script, body):
                self.wfile.write(f"event: {event}\ndata: {json.dumps(data)}\n\n".encode())
                self.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            return

    def _send_error(self, script: Script) -> None:
        payload = script.error_body.encode()
        self.send_response(script.status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        for name, value in script.headers.items():
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    # socketserver's default backlog of 5 resets connections when hundreds arrive at once.
    request_queue_size = 1024
    fake: FakeLLM


@contextmanager
def running(default: Script | None = None) -> Iterator[FakeLLM]:
    """Run a fake LLM server on a free loopback port until the block exits."""
    fake = FakeLLM(default)
    server = _Server(("127.0.0.1", 0), _Handler)
    server.fake = fake
    fake.port = server.server_address[1]
    with http_thread.running(server, "fake-llm"):
        try:
            yield fake
        finally:
            fake.reset()  # release paused streams before the server shuts down
