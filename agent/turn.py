"""Run one turn: a user message in, the frames its client should see out (no sockets here).

The turn stores the user message and takes the session's lease (`begin_turn`), streams the
completion as `chunk` frames, runs tool rounds (`tool_call`/`tool_result`, stored per round),
checks the prompt's validators, stores the answer and only then yields `done`. It ends with
exactly one `done` or one `error`. Logged frames get the session's next seq numbers, which is
safe because the lease serialises turns.
"""

from __future__ import annotations

import dataclasses
import json
import logging
from collections.abc import Callable, Generator, Iterator, Mapping
from datetime import datetime
from typing import Any

from agent import completion, errors, guardrails, protocol, pump
from agent.config import contract
from agent.promptpack import model, model_prompt, render
from agent.sessions import store as session_store
from agent.tools import catalog

LOG = logging.getLogger(__name__)

# Text deltas arriving within this interval of the last chunk frame are sent together: fewer
# frames to send and to log, with no delay a reader can see. The first delta goes at once, and
# held text goes out when the interval ends even if the stream pauses.
CHUNK_FLUSH_INTERVAL_S = 0.03
MAX_CHUNK_CHARS = 4096
# How often a turn waiting on a silent stream looks at its cancel flag.
CANCEL_POLL_S = 0.1
# A stream silent this long fails the turn (the HTTP timeout normally fires first).
STREAM_IDLE_TIMEOUT_S = 120.0
DEFAULT_PROMPT_KEY = "default"
CANCELLED_TOOL_RESULT = catalog.ToolResult(error="the turn was cancelled before this call ran")


@dataclasses.dataclass(frozen=True)
class TurnRequest:
    """One user message, addressed to a session."""

    session_id: str
    turn_id: str
    content: str
    values: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    prompt_key: str | None = None
    known_seq: int = 0
    """The session's last seq as the caller knows it, for frames sent before the lease."""


@dataclasses.dataclass(frozen=True)
class TurnDeps:
    """Everything a turn uses, passed in: config, store, LLM, tools, clocks, the cancel flag."""

    store: session_store.SessionStore
    pack: model.PromptPack
    tool_catalog: contract.ToolCatalog
    provider: contract.ProviderConfig
    llm: completion.LLM
    call_tool: Callable[[catalog.OfferedTool, str], catalog.ToolResult]
    now: Callable[[], datetime]
    monotonic: Callable[[], float]
    is_cancelled: Callable[[], bool] = lambda: False
    on_violation: Callable[[guardrails.Violation], None] = lambda _: None


def select_prompt(pack: model.PromptPack, key: str | None) -> tuple[str, model_prompt.Prompt]:
    """Return the prompt a message asks for, else the pack's entry agent, "default" or first.

    Raises:
        TemplateError: the message names a prompt the pack does not have.
    """
    if key is not None:
        if key not in pack.prompts:
            known = ", ".join(sorted(pack.prompts))
            raise errors.TemplateError(f"prompt: {key!r} is not a prompt of the pack ({known})")
        return key, pack.prompts[key]
    for candidate in (pack.agents.entry if pack.agents else None, DEFAULT_PROMPT_KEY):
        if candidate in pack.prompts:
            return candidate, pack.prompts[candidate]
    first = next(iter(pack.prompts))
    return first, pack.prompts[first]


def run(request: TurnRequest, deps: TurnDeps) -> Iterator[protocol.Frame]:
    """Yield the frames of one turn, ending with one `done` or one `error`."""
    yield from _Turn(request, deps).frames()


@dataclasses.dataclass
class _Reply:
    text: str = ""
    calls: list[completion.ToolCall] = dataclasses.field(default_factory=list)
    finish: str = "stop"


@dataclasses.dataclass(frozen=True)
class _Plan:
    prompt: model_prompt.Prompt
    system: str
    offered: list[catalog.OfferedTool]
    parameters: dict[str, Any]


class _Turn:
    def __init__(self, request: TurnRequest, deps: TurnDeps) -> None:
        self.request = request
        self.deps = deps
        self.seq = request.known_seq
        self.pending: list[protocol.Frame] = []
        self.text: list[str] = []
        self.usage = protocol.Usage()
        self.model: str | None = None

    def frames(self) -> Iterator[protocol.Frame]:
        try:
            plan = self._plan()
            user = {"role": "user", "content": self.request.content}
            start = self.deps.store.begin_turn(self.request.session_id, self.request.turn_id, user)
        except (errors.TemplateError, errors.SessionError) as error:
            yield protocol.error(self._head(advance=False), error.code, str(error))
            return
        self.seq = start.session.seq
        try:
            yield from self._rounds(plan, start.history)
        except errors.OmniaError as error:
            yield from self._fail(error.code, str(error))
        except Exception:
            LOG.exception("turn %s failed", self.request.turn_id)
            yield from self._fail("INTERNAL_ERROR", "the turn failed unexpectedly")

    def _plan(self) -> _Plan:
        deps = self.deps
        _, prompt = select_prompt(deps.pack, self.request.prompt_key)
        system = render.render_system(deps.pack, prompt, self.request.values, deps.provider.model)
        parameters = deps.provider.defaults.model_dump(exclude_none=True)
        parameters.update(render.select_parameters(prompt, deps.provider.model))
        offered = catalog.select_tools(deps.pack, prompt, deps.tool_catalog)
        return _Plan(prompt, system, offered, parameters)

    def _head(self, *, advance: bool = True) -> protocol.Head:
        if advance:
            self.seq += 1
        return protocol.Head(
            self.request.session_id, self.seq, self.deps.now(), self.request.turn_id
        )

    def _log(self, frame: protocol.Frame) -> protocol.Frame:
        self.pending.append(frame)
        return frame

    def _take_pending(self) -> list[protocol.Frame]:
        taken, self.pending = self.pending, []
        return taken

    def _rounds(
        self, plan: _Plan, history: list[session_store.Message]
    ) -> Iterator[protocol.Frame]:
        policy = plan.prompt.tool_policy
        messages = [{"role": "system", "content": plan.system}, *_from_first_user(history)]
        tools = catalog.to_llm_tools(plan.offered)
        calls_left = policy.max_tool_calls_per_turn
        for round_index in range(policy.max_rounds + 1):
            may_call = bool(tools) and round_index < policy.max_rounds
            choice = policy.tool_choice if round_index == 0 else "auto"
            request = completion.Request(
                messages, tools, choice if may_call else "none", plan.parameters
            )
            reply = yield from self._stream(request)
            if self.deps.is_cancelled():
                yield from self._finish(plan, reply.text, "cancelled")
                return
            if not (may_call and reply.calls):
                # Calls the model made when it may not (the last round) are ignored.
                finish = "stop" if reply.finish == "tool_calls" else reply.finish
                yield from self._finish(plan, reply.text, finish)
                return
            stored = yield from self._run_tools(plan, reply, calls_left)
            calls_left -= len(reply.calls)
            messages.extend(stored)
            self.deps.store.append(
                self.request.session_id, self.request.turn_id, stored, self._take_pending()
            )

    def _stream(self, request: completion.Request) -> Generator[protocol.Frame, None, _Reply]:
        reply = _Reply()
        buffered: list[str] = []
        last_flush = float("-inf")
        last_event = self.deps.monotonic()
        events = pump.StreamPump(self.deps.llm.stream(request))
        try:
            while not self.deps.is_cancelled():
                item = events.next(CHUNK_FLUSH_INTERVAL_S if buffered else CANCEL_POLL_S)
                now = self.deps.monotonic()
                if isinstance(item, pump.End):
                    break
                if isinstance(item, pump.Timeout):
                    if now - last_event > STREAM_IDLE_TIMEOUT_S:
                        raise errors.LLMError(
                            f"no data from the model for {STREAM_IDLE_TIMEOUT_S:g}s"
                        )
                    if buffered:
                        yield self._chunk(buffered, reply)
                        buffered, last_flush = [], now
                    continue
                last_event = now
                if not isinstance(item, completion.TextDelta):
                    self._take_event(item, reply)
                    continue
                buffered.append(item.text)
                if now - last_flush >= CHUNK_FLUSH_INTERVAL_S or _size(buffered) > MAX_CHUNK_CHARS:
                    yield self._chunk(buffered, reply)
                    buffered, last_flush = [], now
        finally:
            events.close()
        if buffered:
            yield self._chunk(buffered, reply)
        return reply

    def _chunk(self, buffered: list[str], reply: _Reply) -> protocol.Frame:
        text = "".join(buffered)
        reply.text += text
        self.text.append(text)
        return self._log(protocol.chunk(self._head(), text))

    def _take_event(self, event: completion.Event, reply: _Reply) -> None:
        if isinstance(event, completion.ToolCall):
            reply.calls.append(event)
        elif isinstance(event, completion.Usage):
            pricing = self.deps.provider.pricing
            cost = (
                event.input_tokens * pricing.input_cost_per_1k
                + event.output_tokens * pricing.output_cost_per_1k
            ) / 1000
            self.usage = protocol.Usage(
                self.usage.input_tokens + event.input_tokens,
                self.usage.output_tokens + event.output_tokens,
                self.usage.cost_usd + cost,
            )
        elif isinstance(event, completion.Finish):
            reply.finish = event.reason
            self.model = event.model

    def _run_tools(
        self, plan: _Plan, reply: _Reply, calls_left: int
    ) -> Generator[protocol.Frame, None, list[session_store.Message]]:
        assistant: session_store.Message = {
            "role": "assistant",
            "content": reply.text or None,
            "tool_calls": [
                {
                    "id": c.id,
                    "type": "function",
                    "function": {"name": c.name, "arguments": c.arguments},
                }
                for c in reply.calls
            ],
        }
        stored = [assistant]
        for index, call in enumerate(reply.calls):
            if self.deps.is_cancelled():
                result = CANCELLED_TOOL_RESULT
            else:
                yield self._log(
                    protocol.tool_call(self._head(), call.id, call.name, _arguments(call))
                )
                result = self._call(plan, call, index < calls_left)
                yield self._log(
                    protocol.tool_result(self._head(), call.id, result.result, result.error)
                )
            content = result.to_message_content()
            stored.append({"role": "tool", "tool_call_id": call.id, "content": content})
        return stored

    def _call(self, plan: _Plan, call: completion.ToolCall, allowed: bool) -> catalog.ToolResult:
        if not allowed:
            limit = plan.prompt.tool_policy.max_tool_calls_per_turn
            return catalog.ToolResult(error=f"tool call limit reached ({limit} per turn)")
        tool = catalog.find_tool(plan.offered, call.name)
        if tool is None:
            return catalog.ToolResult(error=f"no tool named {call.name!r} is available")
        return self.deps.call_tool(tool, call.arguments)

    def _finish(self, plan: _Plan, last_text: str, reason: str) -> Iterator[protocol.Frame]:
        if reason != "cancelled":
            violations = guardrails.check_output(plan.prompt.validators, "".join(self.text))
            for violation in violations:
                self.deps.on_violation(violation)
            fatal = [v for v in violations if v.is_fatal]
            if fatal:
                raise errors.OutputRejected("; ".join(v.message for v in fatal))
        answer = {"role": "assistant", "content": last_text}
        frame = protocol.done(self._head(), "".join(self.text), reason, self.usage, self.model)
        self.deps.store.end_turn(
            self.request.session_id, self.request.turn_id, [answer], [*self._take_pending(), frame]
        )
        yield frame

    def _fail(self, code: str, message: str) -> Iterator[protocol.Frame]:
        frame = protocol.error(self._head(), code, message)
        try:
            self.deps.store.end_turn(
                self.request.session_id, self.request.turn_id, [], [*self._take_pending(), frame]
            )
        except (errors.SessionError, ValueError) as error:
            # The client still gets its terminal frame; the lease ends with its TTL.
            LOG.warning("turn %s: could not store its failure: %s", self.request.turn_id, error)
        yield frame


def _size(parts: list[str]) -> int:
    return sum(len(part) for part in parts)


def _arguments(call: completion.ToolCall) -> Any:
    try:
        return json.loads(call.arguments or "{}")
    except json.JSONDecodeError:
        return call.arguments


def _from_first_user(history: list[session_store.Message]) -> list[session_store.Message]:
    """Drop what precedes the first user message.

    A bounded history may have been cut inside a tool round, and providers reject a tool
    message whose call is missing.
    """
    for index, message in enumerate(history):
        if message.get("role") == "user":
            return history[index:]
    return history
