"""What a turn asks an LLM and the stream events every provider adapter answers with.

The turn sees only these types: `llm.py` turns litellm's chunks into them and `mock_llm.py`
produces them itself.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Generator
from typing import Any, Protocol

Message = dict[str, Any]


@dataclasses.dataclass(frozen=True)
class Request:
    """One chat completion: OpenAI-style messages, tool definitions and sampling parameters."""

    messages: list[Message]
    tools: list[dict[str, Any]] = dataclasses.field(default_factory=list)
    tool_choice: str = "auto"
    parameters: dict[str, Any] = dataclasses.field(default_factory=dict)


@dataclasses.dataclass(frozen=True)
class TextDelta:
    """A piece of the assistant's text."""

    text: str


@dataclasses.dataclass(frozen=True)
class ToolCall:
    """A complete tool call; `arguments` is the JSON text the model wrote."""

    id: str
    name: str
    arguments: str


@dataclasses.dataclass(frozen=True)
class Usage:
    """Tokens the call consumed, as the provider reported them."""

    input_tokens: int
    output_tokens: int


@dataclasses.dataclass(frozen=True)
class Finish:
    """The last event of a call: why it stopped and which model answered."""

    reason: str
    model: str


Event = TextDelta | ToolCall | Usage | Finish


class LLM(Protocol):
    """A chat model that streams; every failure it cannot recover from is an LLMError."""

    def stream(self, request: Request) -> Generator[Event, None, None]:
        """Yield the events of one completion, ending with exactly one Finish.

        Raises:
            LLMError: the call failed after every retry and fallback.
        """
