"""Validators on answers."""

from __future__ import annotations

from typing import Any

from agent import guardrails
from agent.promptpack import model_prompt


def _check(text: str, *validators: dict[str, Any]) -> list[guardrails.Violation]:
    parsed = [model_prompt.Validator.model_validate(v) for v in validators]
    return guardrails.check_output(parsed, text)


def test_banned_words_match_whole_words_case_insensitively() -> None:
    banned = {"type": "banned_words", "params": {"words": ["darn", "heck"]}}
    assert _check("Oh DARN it", banned) == [
        guardrails.Violation("banned_words", "the answer uses banned words: darn", False)
    ]
    assert _check("darnation and heckling", banned) == []


def test_max_length_in_characters_and_tokens() -> None:
    chars = {"type": "max_length", "params": {"max_characters": 5}, "fail_on_violation": True}
    tokens = {"type": "length", "params": {"max_tokens": 1}, "message": "too long"}
    found = _check("123456789", chars, tokens)
    assert found == [
        guardrails.Violation("max_length", "the answer has 9 characters, more than 5", True),
        guardrails.Violation("length", "too long", False),
    ]


def test_disabled_and_unknown_validators_pass() -> None:
    assert (
        _check("darn", {"type": "banned_words", "enabled": False, "params": {"words": ["darn"]}})
        == []
    )
    assert _check("anything", {"type": "sentiment"}) == []
