"""The `mock` provider: a deterministic, offline chat model that streams and calls tools.

It needs no key and no network, so the embedded default agent chats out of the box. Given
tools, it calls the one whose name or description best matches the user's words, with
arguments built from the tool's input schema, then answers with the tool's result.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Callable, Generator
from typing import Any

from agent import completion

MODEL = "mock"
DELTA_DELAY_S = 0.02
MAX_ANSWER_CHARS = 600
CHARS_PER_TOKEN = 4
# Property names that take the whole message rather than one word of it.
WHOLE_MESSAGE_PROPERTIES = frozenset({"text", "query", "q", "message", "input", "content"})
STOPWORDS = frozenset(
    {
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "by",
        "can",
        "could",
        "do",
        "does",
        "for",
        "from",
        "get",
        "give",
        "how",
        "i",
        "in",
        "is",
        "it",
        "me",
        "my",
        "of",
        "on",
        "or",
        "please",
        "show",
        "tell",
        "that",
        "the",
        "this",
        "to",
        "use",
        "what",
        "whats",
        "when",
        "where",
        "which",
        "who",
        "will",
        "with",
        "would",
        "you",
        "your",
    }
)
SIMPLE_VALUES: dict[str, Any] = {"boolean": True, "array": [], "object": {}, "null": None}
_WORD = re.compile(r"[A-Za-z0-9][A-Za-z0-9'-]*")
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


class MockLLM:
    """Streams canned answers word by word; the same request always gives the same events."""

    def __init__(
        self, *, sleep: Callable[[float], None] = time.sleep, delay_s: float = DELTA_DELAY_S
    ) -> None:
        self._sleep = sleep
        self._delay_s = delay_s

    def stream(self, request: completion.Request) -> Generator[completion.Event, None, None]:
        """Yield a tool call or a streamed answer, then usage and the finish reason."""
        last = request.messages[-1] if request.messages else {"role": "user", "content": ""}
        input_tokens = len(json.dumps(request.messages)) // CHARS_PER_TOKEN
        call = None
        if last.get("role") == "user" and request.tool_choice != "none":
            call = select_call(str(last.get("content") or ""), request)
        if call is not None:
            yield call
            yield completion.Usage(input_tokens, len(call.arguments) // CHARS_PER_TOKEN + 1)
            yield completion.Finish("tool_calls", MODEL)
            return
        text = _answer(request.messages)
        for index, word in enumerate(re.findall(r"\S+\s*", text)):
            if index:
                self._sleep(self._delay_s)
            yield completion.TextDelta(word)
        yield completion.Usage(input_tokens, len(text) // CHARS_PER_TOKEN + 1)
        yield completion.Finish("stop", MODEL)


def _answer(messages: list[completion.Message]) -> str:
    results = []
    for message in reversed(messages):
        if message.get("role") != "tool":
            break
        results.append(str(message.get("content") or ""))
    if results:
        names = _called_names(messages)
        joined = "; ".join(reversed(results))
        return _clip(f"The {' and '.join(names) or 'tool'} tool returned: {joined}")
    user = next((m for m in reversed(messages) if m.get("role") == "user"), None)
    said = str(user.get("content") or "") if user else ""
    return _clip(f"Hello! I am the mock model, answering without a real LLM. You said: {said}")


def _called_names(messages: list[completion.Message]) -> list[str]:
    for message in reversed(messages):
        if message.get("role") == "assistant" and message.get("tool_calls"):
            return [call["function"]["name"] for call in message["tool_calls"]]
    return []


def _clip(text: str) -> str:
    return text if len(text) <= MAX_ANSWER_CHARS else text[: MAX_ANSWER_CHARS - 3] + "..."


def _words(text: str) -> list[str]:
    return [word.lower() for word in _WORD.findall(text)]


def _score(tool: dict[str, Any], words: set[str]) -> int:
    function = tool.get("function", {})
    name_words = set(_words(str(function.get("name", "")).replace("_", " ").replace("-", " ")))
    description_words = set(_words(str(function.get("description", "")))) - STOPWORDS
    return 2 * len(name_words & words) + len(description_words & words)


def select_call(content: str, request: completion.Request) -> completion.ToolCall | None:
    """Return the call of the tool that best matches the message, or None when none does."""
    if not request.tools:
        return None
    words = set(_words(content)) - STOPWORDS
    scored = [(_score(tool, words), index) for index, tool in enumerate(request.tools)]
    best, index = max(scored, key=lambda pair: (pair[0], -pair[1]))
    if best == 0 and request.tool_choice != "required":
        return None
    function = request.tools[index].get("function", {})
    name = str(function.get("name", ""))
    arguments = build_arguments(function.get("parameters") or {}, content, name)
    return completion.ToolCall("call_mock_1", name, json.dumps(arguments))


def build_arguments(schema: dict[str, Any], content: str, tool_name: str) -> dict[str, Any]:
    """Return arguments for a tool's input schema, filled from the user's message."""
    properties: dict[str, Any] = schema.get("properties") or {}
    required = set(schema.get("required") or properties)
    skip = set(_words(tool_name.replace("_", " ").replace("-", " "))) | STOPWORDS
    candidates = [w for w in _WORD.findall(content) if w.lower() not in skip]
    arguments: dict[str, Any] = {}
    for name, spec in properties.items():
        if name in required and isinstance(spec, dict):
            arguments[name] = _value(name, spec, content, candidates)
    return arguments


def _value(name: str, spec: dict[str, Any], content: str, candidates: list[str]) -> Any:
    kind = spec.get("type", "string")
    if spec.get("enum"):
        lowered = {str(option).lower(): option for option in spec["enum"]}
        return next(
            (lowered[w.lower()] for w in candidates if w.lower() in lowered), spec["enum"][0]
        )
    if kind in ("integer", "number"):
        found = _NUMBER.search(content)
        number = float(found.group(0)) if found else 1.0
        return int(number) if kind == "integer" else number
    if kind in SIMPLE_VALUES:
        return SIMPLE_VALUES[kind]
    return _text(name, content, candidates)


def _text(name: str, content: str, candidates: list[str]) -> str:
    if name.lower() in WHOLE_MESSAGE_PROPERTIES or not candidates:
        return content
    words = _WORD.findall(content)
    first = words[0] if words else ""
    # A capitalised word that does not open the sentence is most likely a name ("in Paris").
    capitalised = [w for w in candidates if w[:1].isupper() and w != first]
    wordy = [w for w in candidates if not _NUMBER.fullmatch(w)]
    return (capitalised or wordy or candidates)[-1]
