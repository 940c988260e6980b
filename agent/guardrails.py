"""Check an answer against a prompt's validators (banned_words, max_length)."""

from __future__ import annotations

import dataclasses
import re

from agent.promptpack import model_prompt

CHARS_PER_TOKEN = 4
MAX_LENGTH_TYPES = frozenset({"max_length", "length"})


@dataclasses.dataclass(frozen=True)
class Violation:
    """One validator the answer broke."""

    validator: str
    message: str
    is_fatal: bool


def check_output(validators: list[model_prompt.Validator], text: str) -> list[Violation]:
    """Return the violations of the enabled validators; unknown validator types pass."""
    found: list[Violation] = []
    for validator in validators:
        if not validator.enabled:
            continue
        problem = _problem(validator, text)
        if problem is not None:
            message = validator.message or problem
            found.append(Violation(validator.type, message, validator.fail_on_violation))
    return found


def _problem(validator: model_prompt.Validator, text: str) -> str | None:
    params = validator.params
    if validator.type == "banned_words":
        words = [str(word) for word in params.get("words", []) if str(word)]
        hits = [word for word in words if _contains_word(text, word)]
        return f"the answer uses banned words: {', '.join(hits)}" if hits else None
    if validator.type in MAX_LENGTH_TYPES:
        max_chars = params.get("max_characters")
        if isinstance(max_chars, int) and len(text) > max_chars:
            return f"the answer has {len(text)} characters, more than {max_chars}"
        max_tokens = params.get("max_tokens")
        tokens = len(text) // CHARS_PER_TOKEN
        if isinstance(max_tokens, int) and tokens > max_tokens:
            return f"the answer has about {tokens} tokens, more than {max_tokens}"
    return None


def _contains_word(text: str, word: str) -> bool:
    return re.search(rf"(?<!\w){re.escape(word)}(?!\w)", text, re.IGNORECASE) is not None
