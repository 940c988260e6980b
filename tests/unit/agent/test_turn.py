"""One turn, end to end in memory: the real memory store, scripted and mock models, plain tools."""

from __future__ import annotations

from collections.abc import Generator
from datetime import UTC, datetime
from typing import Any

import pytest

from agent import completion, errors, mock_llm, protocol, turn
from agent.config import contract
from agent.promptpack import model
from agent.sessions import memory, store
from agent.tools import catalog
from tests.support import agent_config

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)
Script = list[completion.Event] | Exception


class ScriptedLLM:
    """An LLM (the `completion.LLM` interface) that plays one script per call."""

    def __init__(self, *scripts: Script) -> None:
        self.scripts = list(scripts)
        self.requests: list[completion.Request] = []

    def stream(self, request: completion.Request) -> Generator[completion.Event, None, None]:
        self.requests.append(request)
        script = self.scripts.pop(0)
        if isinstance(script, Exception):
            raise script
        yield from script


def text(*parts: str, model_name: str = "m1") -> list[completion.Event]:
    return [
        *(completion.TextDelta(p) for p in parts),
        completion.Usage(100, 10),
        completion.Finish("stop", model_name),
    ]


def calls(*named: tuple[str, str]) -> list[completion.Event]:
    return [
        *(completion.ToolCall(f"c{i}", name, args) for i, (name, args) in enumerate(named)),
        completion.Usage(50, 5),
        completion.Finish("tool_calls", "m1"),
    ]


class Harness:
    def __init__(self, llm: Any, **prompt: Any) -> None:
        self.store = memory.MemoryStore(store.StoreLimits())
        self.pack = model.PromptPack.model_validate(agent_config.pack(**prompt))
        self.catalog = contract.ToolCatalog.model_validate(
            agent_config.tools_json({"echo": "http://unused/echo", "weather": "http://unused/w"})
        )
        provider = contract.ProviderConfig.model_validate(
            {
                "type": "openai",
                "model": "m1",
                "pricing": {"inputCostPer1K": 1, "outputCostPer1K": 2},
            }
        )
        self.tool_calls: list[tuple[str, str]] = []
        self.cancel_after_chunks: int | None = None
        self.frames: list[protocol.Frame] = []
        self.violations: list[Any] = []
        self.deps = turn.TurnDeps(
            store=self.store,
            pack=self.pack,
            tool_catalog=self.catalog,
            provider=provider,
            llm=llm,
            call_tool=self._call_tool,
            now=lambda: NOW,
            monotonic=lambda: 0.0,
            is_cancelled=self._is_cancelled,
            on_violation=self.violations.append,
        )
        self.session = self.store.create("s1", "1.0.0")

    def _call_tool(self, tool: catalog.OfferedTool, arguments: str) -> catalog.ToolResult:
        self.tool_calls.append((tool.name, arguments))
        if tool.name == "weather":
            return catalog.ToolResult(error="HTTP 500: down")
        return catalog.ToolResult(result={"echo": arguments})

    def _is_cancelled(self) -> bool:
        chunks = sum(f["type"] == "chunk" for f in self.frames)
        return self.cancel_after_chunks is not None and chunks >= self.cancel_after_chunks

    def run(self, content: str = "hi", **request: Any) -> list[protocol.Frame]:
        self.frames = []
        known = self.store.get("s1").seq
        req = turn.TurnRequest("s1", f"t{known}", content, known_seq=known, **request)
        for frame in turn.run(req, self.deps):
            self.frames.append(frame)
        return self.frames


def kinds(frames: list[protocol.Frame]) -> list[str]:
    return [f["type"] for f in frames]


def test_text_turn_stores_then_reports_done_with_usage_and_cost() -> None:
    harness = Harness(ScriptedLLM(text("Hel", "lo", " there")))
    frames = harness.run("hi")
    # The first delta goes at once; the rest came within the flush interval (the clock stands
    # still here) and go together.
    assert [f.get("content") for f in frames[:-1]] == ["Hel", "lo there"]
    done = frames[-1]
    assert done["content"] == "Hello there"
    assert done["usage"] == {"input_tokens": 100, "output_tokens": 10, "cost_usd": 0.12}
    assert [f["seq"] for f in frames] == [1, 2, 3]
    assert harness.store.frames_after("s1", 0) == frames
    start = harness.store.begin_turn("s1", "probe", {"role": "user", "content": "next"})
    assert [m["content"] for m in start.history] == ["hi", "Hello there", "next"]


def test_tool_rounds_are_stored_and_errors_reach_the_model() -> None:
    llm = ScriptedLLM(
        calls(("echo", '{"city": "A"}'), ("weather", '{"city": "B"}')),
        text("All done."),
    )
    harness = Harness(llm)
    frames = harness.run("go")
    assert kinds(frames) == [
        "tool_call",
        "tool_result",
        "tool_call",
        "tool_result",
        "chunk",
        "done",
    ]
    assert frames[0]["tool_call"]["arguments"] == {"city": "A"}
    assert frames[3]["tool_result"] == {"id": "c1", "result": None, "error": "HTTP 500: down"}
    second = llm.requests[1].messages
    assert [m["role"] for m in second] == ["system", "user", "assistant", "tool", "tool"]
    assert second[-1]["content"] == '{"error": "HTTP 500: down"}'
    assert frames[-1]["usage"]["input_tokens"] == 150


def test_unknown_tool_and_call_limit_become_error_results() -> None:
    llm = ScriptedLLM(
        calls(("nope", "{}"), ("echo", "{}"), ("echo", "{}")),
        text("ok"),
    )
    harness = Harness(llm, tool_policy={"max_tool_calls_per_turn": 2})
    frames = harness.run()
    results = [f["tool_result"].get("error") for f in frames if f["type"] == "tool_result"]
    assert results == [
        "no tool named 'nope' is available",
        None,
        "tool call limit reached (2 per turn)",
    ]
    assert len(harness.tool_calls) == 1


def test_llm_error_ends_the_turn_with_an_error_and_keeps_the_user_message() -> None:
    harness = Harness(ScriptedLLM(errors.LLMError("every model failed")))
    frames = harness.run("hello?")
    assert kinds(frames) == ["error"]
    assert frames[0]["error"] == {"code": "LLM_ERROR", "message": "every model failed"}
    assert frames[0]["seq"] == 1, "logged: the turn held the session"
    start = harness.store.begin_turn("s1", "probe", {"role": "user", "content": "again"})
    assert [m["content"] for m in start.history] == ["hello?", "again"]


def test_an_unexpected_bug_still_ends_the_turn_and_frees_the_session() -> None:
    harness = Harness(ScriptedLLM(RuntimeError("bug"), text("fine")))
    assert harness.run()[-1]["error"]["code"] == "INTERNAL_ERROR"
    assert harness.run()[-1]["type"] == "done"


def test_template_error_is_transient_and_stores_nothing() -> None:
    llm = ScriptedLLM()
    harness = Harness(llm, system="{{who}}")
    frames = harness.run()
    assert kinds(frames) == ["error"]
    assert frames[0]["error"]["code"] == "MISSING_VARIABLE"
    assert frames[0]["seq"] == 0
    assert frames[0]["turn_id"] == "t0"
    assert harness.store.frames_after("s1", 0) == []
    assert llm.requests == []


def test_busy_session_is_rejected() -> None:
    harness = Harness(ScriptedLLM(text("x")))
    harness.store.begin_turn("s1", "other", {"role": "user", "content": "first"})
    frames = harness.run()
    assert frames[0]["error"]["code"] == "SESSION_BUSY"


def test_cancel_stops_streaming_and_stores_the_partial_answer() -> None:
    harness = Harness(mock_llm.MockLLM(sleep=lambda _: None))
    harness.cancel_after_chunks = 1
    frames = harness.run("tell me everything")
    assert frames[-1]["finish_reason"] == "cancelled"
    assert frames[-1]["content"] == "".join(f["content"] for f in frames[:-1])
    assert len(frames) == 2


def test_unknown_prompt_is_invalid_message() -> None:
    harness = Harness(ScriptedLLM())
    frames = harness.run(prompt_key="missing")
    assert frames[0]["error"]["code"] == "INVALID_MESSAGE"
    assert "'missing' is not a prompt of the pack (default)" in frames[0]["error"]["message"]


@pytest.mark.parametrize(
    ("agents", "prompts", "chosen"),
    [(None, ["a", "default"], "default"), ("b", ["a", "b"], "b"), (None, ["x", "y"], "x")],
)
def test_select_prompt(agents: str | None, prompts: list[str], chosen: str) -> None:
    data = agent_config.pack()
    base = data["prompts"]["default"]
    data["prompts"] = {key: {**base, "id": key} for key in prompts}
    if agents:
        data["agents"] = {"entry": agents, "members": {key: {} for key in prompts}}
    pack = model.PromptPack.model_validate(data)
    assert turn.select_prompt(pack, None)[0] == chosen


def test_history_cut_inside_a_tool_round_starts_at_a_user_message() -> None:
    llm = ScriptedLLM(text("ok"))
    harness = Harness(llm)
    harness.store = memory.MemoryStore(store.StoreLimits(max_history=2))
    harness.deps = turn.TurnDeps(**{**harness.deps.__dict__, "store": harness.store})
    harness.store.create("s1", "1.0.0")
    start = harness.store.begin_turn("s1", "t", {"role": "user", "content": "q"})
    tool_round = [
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {"id": "c", "type": "function", "function": {"name": "echo", "arguments": "{}"}}
            ],
        },
        {"role": "tool", "tool_call_id": "c", "content": "r"},
    ]
    harness.store.end_turn("s1", "t", tool_round, [])
    assert start.session.seq == 0
    harness.run("next")
    assert [m["role"] for m in llm.requests[0].messages] == ["system", "user"]
