"""The litellm adapter: streamed completions with retries and fallbacks, as `completion` events.

litellm is imported inside functions only: importing it takes seconds and ~170 MB, so the
hooks and the mock provider never pay for it, and the server imports it once, before it
reports ready (`warm_up`).
"""

from __future__ import annotations

import dataclasses
import logging
import os
import socket
import time
from collections.abc import Callable, Generator, Iterator, Mapping
from typing import Any

from agent import completion, errors, mock_llm
from agent.config import contract

LOG = logging.getLogger(__name__)

# Attempts per model (the first try included) and the backoff between them.
MAX_ATTEMPTS_PER_MODEL = 3
BACKOFF_BASE_S = 0.5
BACKOFF_MAX_S = 8.0
# A Retry-After beyond this is capped; the total budget still applies.
MAX_RETRY_AFTER_S = 30.0
# All attempts of one completion, fallbacks included, must start within this budget.
TOTAL_BUDGET_S = 120.0
REQUEST_TIMEOUT_S = 60.0
WARM_UP_TIMEOUT_S = 5.0
# Bounds on one streamed response.
MAX_STREAM_CHUNKS = 100_000
MAX_TOOL_CALLS_PER_RESPONSE = 64
MAX_TOOL_ARGUMENT_CHARS = 256 * 1024
RETRYABLE_STATUS = frozenset({408, 409, 425, 429, 500, 502, 503, 504})
# litellm's prefix for each provider type.
LITELLM_PREFIX: dict[str, str] = {
    "openai": "openai",
    "claude": "anthropic",
    "anthropic": "anthropic",
    "gemini": "gemini",
    "ollama": "ollama",
    "azure": "azure",
}
# A key for OpenAI-compatible servers that need none (the SDK refuses to run without one).
PLACEHOLDER_KEY = "not-needed"
FINISH_REASONS = {"stop": "stop", "length": "length", "content_filter": "content_filter"}
# litellm checks whether any of the tools names its MCP gateway, importing the mcp package (and
# starlette, uvicorn...) to do so, on every call with tools. Ours are plain function tools that
# never name it, so the check only cost ~0.9 s of cold start and memory. litellm pops this
# keyword before building the request.
SKIP_MCP_HANDLER = True


def is_litellm(provider: contract.ProviderConfig) -> bool:
    """Whether the provider is served through litellm (every type but mock)."""
    return provider.type != "mock"


def warm_up(provider: contract.ProviderConfig | None = None) -> float:
    """Import litellm and run its code paths once, offline; return the seconds it took.

    The first call through litellm imports hundreds of modules lazily (its streaming wrapper,
    then the provider's SDK and HTTP client, then the tool-calling code); doing it here moves
    that cost from the first user's first turn to startup, before the server reports ready.
    The provider's path is run against a loopback port that refuses the connection.
    """
    started = time.monotonic()
    litellm = _litellm()
    stream = litellm.completion(
        model="openai/warm-up",
        messages=[{"role": "user", "content": "warm up"}],
        mock_response="warm",
        stream=True,
    )
    for _ in stream:
        pass
    if provider is not None and is_litellm(provider):
        _warm_provider(litellm, provider)
    return time.monotonic() - started


def _warm_provider(litellm: Any, provider: contract.ProviderConfig) -> None:
    tool = {"type": "function", "function": {"name": "warm_up", "parameters": {"type": "object"}}}
    with socket.socket() as closed:
        # Bound but not listening: connecting to it is refused at once, on this host.
        closed.bind(("127.0.0.1", 0))
        port = closed.getsockname()[1]
        try:
            response = litellm.completion(
                model=f"{LITELLM_PREFIX[provider.type]}/{provider.model}",
                messages=[{"role": "user", "content": "warm up"}],
                tools=[tool],
                stream=True,
                stream_options={"include_usage": True},
                api_base=f"http://127.0.0.1:{port}",
                api_key=PLACEHOLDER_KEY,
                timeout=WARM_UP_TIMEOUT_S,
                max_retries=0,
                num_retries=0,
                _skip_mcp_handler=SKIP_MCP_HANDLER,
            )
            for _ in response:
                pass
        except Exception as error:  # noqa: BLE001 - failing is the expected outcome here
            LOG.debug("warm-up call ended as expected: %s", type(error).__name__)


def _litellm() -> Any:
    # Without this, importing litellm fetches its model cost map from the internet (and waits
    # for the timeout in a cluster without egress); the bundled copy is what we price from.
    os.environ.setdefault("LITELLM_LOCAL_MODEL_COST_MAP", "True")
    import litellm

    litellm.suppress_debug_info = True
    # We register no callbacks: per-chunk success logging would only cost a thread hop per
    # chunk (and, under gevent, warn about coroutines it never awaits).
    litellm.disable_streaming_logging = True
    logging.getLogger("LiteLLM").setLevel(logging.WARNING)
    return litellm


def api_key_env(provider: contract.ProviderConfig) -> str | None:
    """Return the name of the env var holding the provider's key."""
    return provider.api_key_env or contract.API_KEY_ENV.get(provider.type)


def for_provider(
    provider: contract.ProviderConfig,
    environ: Mapping[str, str],
    *,
    sleep: Callable[[float], None] = time.sleep,
    monotonic: Callable[[], float] = time.monotonic,
) -> completion.LLM:
    """Return the LLM for a provider config; the key is read from `environ`."""
    if not is_litellm(provider):
        return mock_llm.MockLLM(sleep=sleep)
    name = api_key_env(provider)
    key = environ.get(name) if name else None
    return LiteLLM(provider, key, sleep=sleep, monotonic=monotonic)


@dataclasses.dataclass(frozen=True)
class _Failure:
    error: Exception
    status: int | None
    retry_after_s: float | None

    @property
    def is_retryable(self) -> bool:
        return self.status is None or self.status in RETRYABLE_STATUS


class LiteLLM:
    """A provider called through litellm, with retries then fallbacks."""

    def __init__(
        self,
        provider: contract.ProviderConfig,
        api_key: str | None,
        *,
        sleep: Callable[[float], None] = time.sleep,
        monotonic: Callable[[], float] = time.monotonic,
        timeout_s: float = REQUEST_TIMEOUT_S,
        budget_s: float = TOTAL_BUDGET_S,
    ) -> None:
        self._provider = provider
        self._api_key = api_key
        self._sleep = sleep
        self._monotonic = monotonic
        self._timeout_s = timeout_s
        self._budget_s = budget_s

    def stream(self, request: completion.Request) -> Generator[completion.Event, None, None]:
        """Yield the events of one completion from the first model that answers.

        Raises:
            LLMError: every model failed; the message names the last failure.
        """
        deadline = self._monotonic() + self._budget_s
        failure: _Failure | None = None
        for model in (self._provider.model, *self._provider.fallbacks):
            for attempt in range(MAX_ATTEMPTS_PER_MODEL):
                started = False
                try:
                    for event in self._once(model, request):
                        started = True
                        yield event
                    return
                except errors.LLMError:
                    raise
                except Exception as error:
                    failure = _classify(error)
                    if started:
                        message = f"{model}: the stream broke: {_describe(failure)}"
                        raise errors.LLMError(message) from error
                LOG.warning("llm %s attempt %d failed: %s", model, attempt + 1, _describe(failure))
                if not self._may_retry(failure, attempt, deadline):
                    break
        raise errors.LLMError(f"every model failed; last: {_describe(failure)}")

    def _may_retry(self, failure: _Failure, attempt: int, deadline: float) -> bool:
        if not failure.is_retryable or attempt + 1 >= MAX_ATTEMPTS_PER_MODEL:
            return False
        delay = min(BACKOFF_BASE_S * 2**attempt, BACKOFF_MAX_S)
        if failure.retry_after_s is not None:
            delay = max(delay, min(failure.retry_after_s, MAX_RETRY_AFTER_S))
        if self._monotonic() + delay > deadline:
            return False
        self._sleep(delay)
        return True

    def _once(self, model: str, request: completion.Request) -> Iterator[completion.Event]:
        litellm = _litellm()
        kwargs: dict[str, Any] = dict(request.parameters)
        if request.tools:
            kwargs["tools"] = request.tools
            kwargs["tool_choice"] = request.tool_choice
        if self._provider.base_url:
            kwargs["api_base"] = self._provider.base_url
        key = self._api_key or (PLACEHOLDER_KEY if self._provider.base_url else None)
        if key:
            kwargs["api_key"] = key
        response = litellm.completion(
            model=f"{LITELLM_PREFIX[self._provider.type]}/{model}",
            messages=request.messages,
            stream=True,
            stream_options={"include_usage": True},
            timeout=self._timeout_s,
            max_retries=0,
            num_retries=0,
            _skip_mcp_handler=SKIP_MCP_HANDLER,
            drop_params=True,
            **kwargs,
        )
        try:
            yield from _normalise(response, model)
        finally:
            # Closing the HTTP stream matters when the turn stops early (a cancel).
            close = getattr(getattr(response, "completion_stream", None), "close", None)
            if callable(close):
                close()


def _classify(error: Exception) -> _Failure:
    status = getattr(error, "status_code", None)
    headers = getattr(error, "litellm_response_headers", None) or {}
    retry_after = None
    raw = headers.get("retry-after") if hasattr(headers, "get") else None
    if raw is not None:
        try:
            retry_after = max(0.0, float(raw))
        except ValueError:
            retry_after = None
    return _Failure(error, status if isinstance(status, int) else None, retry_after)


def _describe(failure: _Failure | None) -> str:
    if failure is None:
        return "no model configured"
    kind = type(failure.error).__name__
    status = f" HTTP {failure.status}" if failure.status else ""
    # litellm's messages can be long and repeat the request; the first line is enough.
    first_line = str(failure.error).strip().splitlines()[0] if str(failure.error) else ""
    return f"{kind}{status}: {first_line[:300]}"


@dataclasses.dataclass
class _PendingCall:
    id: str = ""
    name: str = ""
    arguments: list[str] = dataclasses.field(default_factory=list)
    size: int = 0


def _normalise(response: Any, model: str) -> Iterator[completion.Event]:
    calls: dict[int, _PendingCall] = {}
    usage: completion.Usage | None = None
    reason = "stop"
    for count, chunk in enumerate(response):
        if count >= MAX_STREAM_CHUNKS:
            raise errors.LLMError(f"{model}: more than {MAX_STREAM_CHUNKS} chunks in one answer")
        if getattr(chunk, "usage", None):
            usage = completion.Usage(
                chunk.usage.prompt_tokens or 0, chunk.usage.completion_tokens or 0
            )
        if not chunk.choices:
            continue
        choice = chunk.choices[0]
        reason = choice.finish_reason or reason
        if choice.delta.content:
            yield completion.TextDelta(choice.delta.content)
        for part in choice.delta.tool_calls or []:
            _merge(calls, part)
    for index in sorted(calls):
        call = calls[index]
        yield completion.ToolCall(call.id or f"call_{index}", call.name, "".join(call.arguments))
    yield usage or completion.Usage(0, 0)
    finish = "tool_calls" if calls else FINISH_REASONS.get(reason, "stop")
    yield completion.Finish(finish, model)


def _merge(calls: dict[int, _PendingCall], part: Any) -> None:
    index = part.index or 0
    if index not in calls and len(calls) >= MAX_TOOL_CALLS_PER_RESPONSE:
        raise errors.LLMError(f"more than {MAX_TOOL_CALLS_PER_RESPONSE} tool calls in one answer")
    call = calls.setdefault(index, _PendingCall())
    call.id = part.id or call.id
    if part.function is not None:
        call.name = part.function.name or call.name
        fragment = part.function.arguments or ""
        call.size += len(fragment)
        if call.size > MAX_TOOL_ARGUMENT_CHARS:
            raise errors.LLMError(f"tool call arguments exceed {MAX_TOOL_ARGUMENT_CHARS} chars")
        call.arguments.append(fragment)
