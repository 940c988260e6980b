"""Session ids, JSON encoding and frame seq checks shared by every store backend."""

from __future__ import annotations

from typing import Any

import pytest

from agent import errors
from agent.sessions import codec


@pytest.mark.parametrize("session_id", ["a", "0f6c-uuid_like.id:1", "x" * 128])
def test_is_session_id_accepts_plain_ids(session_id: str) -> None:
    assert codec.is_session_id(session_id)
    assert codec.parse_session_id(session_id) == session_id
    assert codec.parse_new_session_id(session_id) == session_id


@pytest.mark.parametrize("session_id", ["", "x" * 129, "a{b}", "a b", "é", "a\n"])
def test_parse_session_id_treats_odd_ids_as_never_issued(session_id: str) -> None:
    assert not codec.is_session_id(session_id)
    with pytest.raises(errors.SessionNotFound, match="is not a session id"):
        codec.parse_session_id(session_id)
    with pytest.raises(ValueError, match="is not a session id"):
        codec.parse_new_session_id(session_id)


def test_parse_session_id_shows_a_bounded_part_of_a_huge_id() -> None:
    with pytest.raises(errors.SessionNotFound) as caught:
        codec.parse_session_id("{" * 10_000)
    assert len(str(caught.value)) < 200


def test_to_json_round_trips_and_copies() -> None:
    items = [{"role": "user", "content": "héllo", "n": [1, 2]}]
    texts = codec.to_json(items, "messages")
    assert texts == ['{"role":"user","content":"héllo","n":[1,2]}']
    decoded = codec.from_json(texts)
    assert decoded == items
    assert decoded[0] is not items[0]


@pytest.mark.parametrize("item", [{"x": object()}, {"x": float("nan")}, {"x": {1}}, ["list"]])
def test_to_json_names_the_item_it_cannot_encode(item: Any) -> None:
    with pytest.raises(ValueError, match=r"frames\[1\]"):
        codec.to_json([{"ok": 1}, item], "frames")


def test_parse_frame_seqs_returns_first_and_last() -> None:
    assert codec.parse_frame_seqs([]) is None
    assert codec.parse_frame_seqs([{"seq": 4}]) == (4, 4)
    assert codec.parse_frame_seqs([{"seq": 4}, {"seq": 9}]) == (4, 9)


@pytest.mark.parametrize(
    ("frames", "message"),
    [
        ([{"seq": 1.0}], r"frames\[0\].seq: 1.0 is not an int"),
        ([{"seq": False}], r"frames\[0\].seq: False is not an int"),
        ([{}], r"frames\[0\].seq: None is not an int"),
        ([{"seq": 2}, {"seq": 2}], r"frames\[1\].seq: 2 is not above the previous 2"),
        ([{"seq": 3}, {"seq": 1}], r"frames\[1\].seq: 1 is not above the previous 3"),
    ],
)
def test_parse_frame_seqs_refuses_bad_or_unordered_seqs(frames: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        codec.parse_frame_seqs(frames)


def test_check_seq_order_requires_new_frames_after_logged_ones() -> None:
    codec.check_seq_order(4, 3)
    with pytest.raises(ValueError, match="not above the logged seq 3"):
        codec.check_seq_order(3, 3)
