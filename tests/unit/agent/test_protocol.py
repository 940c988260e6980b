"""Client frame parsing, server frame building, and docs/protocol.md kept in step."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta, timezone

import pytest

from agent import errors, protocol, runtime, turn
from agent.sessions import store
from agent.tools import executor
from tests.support.reference import REPO_ROOT

NOW = datetime(2026, 11, 24, 10, 0, 0, 123456, tzinfo=UTC)
DOC = (REPO_ROOT / "docs" / "protocol.md").read_text()


def test_parse_message_with_every_field() -> None:
    frame = protocol.parse(
        json.dumps(
            {
                "type": "message",
                "session_id": "s1",
                "content": "hi",
                "metadata": {"a": "1"},
                "variables": {"b": 2},
                "prompt": "support",
                "future_field": True,
            }
        )
    )
    assert frame == protocol.MessageFrame(
        session_id="s1", content="hi", metadata={"a": "1"}, variables={"b": 2}, prompt="support"
    )


def test_parse_message_without_type_like_the_original_server() -> None:
    assert protocol.parse('{"content": "hi"}') == protocol.MessageFrame(content="hi")


def test_parse_cancel() -> None:
    assert protocol.parse('{"type": "cancel", "turn_id": "t"}') == protocol.CancelFrame(
        type="cancel", turn_id="t"
    )


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        (b"{}", "binary frames are not supported"),
        ("{", "frame is not JSON"),
        ("[]", "frame must be a JSON object, not list"),
        ('{"type": "ping"}', "type: unknown frame type 'ping'; expected one of message, cancel"),
        ('{"type": 3}', "unknown frame type 3"),
        ('{"type": "message"}', "content: Field required"),
        ('{"type": "message", "content": ""}', "content: String should have at least 1"),
        ('{"type": "message", "content": "x", "metadata": []}', "metadata: Input should be"),
        ('{"type": "message", "content": "x", "session_id": ""}', "session_id: String should"),
    ],
)
def test_parse_rejects_with_the_field_and_the_reason(raw: str | bytes, message: str) -> None:
    with pytest.raises(errors.ProtocolError, match=re.escape(message)) as caught:
        protocol.parse(raw)
    assert caught.value.code == "INVALID_MESSAGE"


def test_parse_limit_counts_utf8_bytes() -> None:
    frame = json.dumps({"content": "é" * 10}, ensure_ascii=False)
    size = len(frame.encode())
    assert protocol.parse(frame, max_bytes=size).content == "é" * 10
    with pytest.raises(errors.ProtocolError, match=f"frame of {size} bytes exceeds the limit"):
        protocol.parse(frame, max_bytes=size - 1)


def test_server_frames_carry_the_envelope() -> None:
    head = protocol.Head("s1", 7, NOW, "t1")
    usage = protocol.Usage(10, 2, 0.000123456789)
    assert protocol.done(head, "hi", "stop", usage, "m1") == {
        "type": "done",
        "session_id": "s1",
        "seq": 7,
        "turn_id": "t1",
        "timestamp": "2026-11-24T10:00:00.123Z",
        "content": "hi",
        "finish_reason": "stop",
        "usage": {"input_tokens": 10, "output_tokens": 2, "cost_usd": 0.00012346},
        "model": "m1",
    }
    transient = protocol.error(protocol.Head("s1", 7, NOW), "INVALID_MESSAGE", "bad")
    assert "turn_id" not in transient
    assert transient["error"] == {"code": "INVALID_MESSAGE", "message": "bad"}


def test_tool_frames_are_marked_as_server_executed() -> None:
    head = protocol.Head("s", 1, NOW, "t")
    call = protocol.tool_call(head, "c1", "echo", {"x": 1})
    result = protocol.tool_result(head, "c1", None, "boom")
    assert call["execution"] == result["execution"] == "server"
    assert result["tool_result"] == {"id": "c1", "result": None, "error": "boom"}


def test_timestamp_is_utc_with_z() -> None:
    local = NOW.astimezone(timezone(timedelta(hours=2)))
    assert protocol.to_timestamp(local) == "2026-11-24T10:00:00.123Z"


def test_dump_is_compact_json() -> None:
    assert protocol.dump({"type": "chunk", "content": "é"}) == '{"type":"chunk","content":"é"}'


def test_error_codes_are_the_error_tree() -> None:
    codes = protocol.error_codes()
    assert {"INVALID_MESSAGE", "SESSION_BUSY", "LLM_ERROR", "MISSING_VARIABLE"} <= set(codes)
    assert codes == sorted(set(codes))


@pytest.mark.parametrize("kind", protocol.CLIENT_TYPES + protocol.SERVER_TYPES)
def test_docs_describe_every_frame_type(kind: str) -> None:
    assert f"**`{kind}`**" in DOC


@pytest.mark.parametrize("code", protocol.error_codes())
def test_docs_describe_every_error_code(code: str) -> None:
    assert re.search(rf"^\| `{code}` \|", DOC, re.MULTILINE), code


@pytest.mark.parametrize("reason", protocol.FINISH_REASONS)
def test_docs_describe_every_finish_reason(reason: str) -> None:
    assert f"`{reason}`" in DOC


def test_docs_state_the_limits_the_code_uses() -> None:
    assert f"{protocol.MAX_FRAME_BYTES // 1024} KiB" in DOC
    assert f"{protocol.TRANSPORT_FRAME_FACTOR}\N{MULTIPLICATION SIGN} the limit" in DOC
    assert f"last {store.MAX_LOGGED_FRAMES:,} frames" in DOC
    assert f"last {store.MAX_HISTORY_MESSAGES} messages" in DOC
    assert f"{executor.MAX_RESPONSE_BYTES // 1024} KiB, then truncated" in DOC
    assert f"within {turn.CHUNK_FLUSH_INTERVAL_S * 1000:g} ms of each other" in DOC
    assert f"about {turn.CANCEL_POLL_S * 1000:g} ms" in DOC
    assert f"up to {runtime.DRAIN_TIMEOUT_S:g} s to\nfinish" in DOC
