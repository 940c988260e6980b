"""The litellm adapter against the fake OpenAI server: request shape, keys, retries, failures."""

from __future__ import annotations

from typing import Any

import pytest

from agent import completion, errors
from agent import llm as llm_adapter
from agent.config import contract
from tests.support import fake_llm

WEATHER_TOOL = {
    "type": "function",
    "function": {"name": "weather", "description": "w", "parameters": {"type": "object"}},
}


def _adapter(
    server: fake_llm.FakeLLM, environ: dict[str, str] | None = None, **provider: Any
) -> tuple[completion.LLM, list[float]]:
    config = contract.ProviderConfig.model_validate(
        {"type": "openai", "model": "m1", "baseURL": server.base_url, **provider}
    )
    waits: list[float] = []
    return llm_adapter.for_provider(config, environ or {}, sleep=waits.append), waits


def _run(adapter: completion.LLM, **request: Any) -> list[completion.Event]:
    messages = [{"role": "user", "content": "hi"}]
    return list(adapter.stream(completion.Request(messages, **request)))


def test_stream_is_normalised_and_the_request_carries_what_the_turn_asked(
    llm: fake_llm.FakeLLM,
) -> None:
    llm.push(
        fake_llm.Script(
            text="Let me check",
            tool_calls=[("weather", {"city": "Paris"}), ("weather", {"city": "Rome"})],
            usage=(42, 7),
        )
    )
    adapter, _ = _adapter(llm)
    events = _run(
        adapter, tools=[WEATHER_TOOL], tool_choice="auto", parameters={"temperature": 0.2}
    )
    text = "".join(e.text for e in events if isinstance(e, completion.TextDelta))
    assert text == "Let me check"
    assert [e for e in events if isinstance(e, completion.ToolCall)] == [
        completion.ToolCall("call_1", "weather", '{"city": "Paris"}'),
        completion.ToolCall("call_2", "weather", '{"city": "Rome"}'),
    ]
    assert events[-2:] == [completion.Usage(42, 7), completion.Finish("tool_calls", "m1")]
    sent = llm.requests[0]
    assert sent["model"] == "m1"
    assert sent["stream"] is True
    assert sent["stream_options"] == {"include_usage": True}
    assert sent["tools"] == [WEATHER_TOOL]
    assert sent["tool_choice"] == "auto"
    assert sent["temperature"] == 0.2


def test_api_key_comes_from_the_named_env_var(llm: fake_llm.FakeLLM) -> None:
    adapter, _ = _adapter(llm, {"OPENAI_API_KEY": "sk-default"})
    _run(adapter)
    custom, _ = _adapter(llm, {"MY_KEY": "sk-custom"}, apiKeyEnv="MY_KEY")
    _run(custom)
    keyless, _ = _adapter(llm)
    _run(keyless)
    assert [h["authorization"] for h in llm.headers] == [
        "Bearer sk-default",
        "Bearer sk-custom",
        f"Bearer {llm_adapter.PLACEHOLDER_KEY}",
    ]


def test_timeouts_are_retried_then_reported(llm: fake_llm.FakeLLM) -> None:
    llm.push(*[fake_llm.Script(delay_s=1.0)] * 3)
    config = contract.ProviderConfig(type="openai", model="m1", baseURL=llm.base_url)
    waits: list[float] = []
    adapter = llm_adapter.LiteLLM(config, None, sleep=waits.append, timeout_s=0.2)
    with pytest.raises(errors.LLMError, match="Timeout HTTP 408"):
        _run(adapter)
    assert len(llm.requests) == 3
    assert waits == [0.5, 1.0]


def test_a_stream_that_breaks_midway_is_not_retried(llm: fake_llm.FakeLLM) -> None:
    llm.push(fake_llm.Script(text="abcdefghijkl", break_after=2))
    adapter, waits = _adapter(llm)
    seen: list[completion.Event] = []
    with pytest.raises(errors.LLMError, match="m1: the stream broke"):
        seen.extend(adapter.stream(completion.Request([{"role": "user", "content": "hi"}])))
    assert [e.text for e in seen if isinstance(e, completion.TextDelta)] == ["abcd", "efgh"]
    assert (len(llm.requests), waits) == (1, [])


def test_client_errors_skip_retries_but_try_fallbacks(llm: fake_llm.FakeLLM) -> None:
    llm.push(fake_llm.Script(status=400, model="m1"), fake_llm.Script(text="ok", model="m2"))
    adapter, waits = _adapter(llm, fallbacks=["m2"])
    assert _run(adapter)[-1] == completion.Finish("stop", "m2")
    assert waits == []


def test_the_total_budget_bounds_the_retries(llm: fake_llm.FakeLLM) -> None:
    llm.push(*[fake_llm.Script(status=429, headers={"Retry-After": "20"})] * 3)
    config = contract.ProviderConfig(type="openai", model="m1", baseURL=llm.base_url)
    adapter = llm_adapter.LiteLLM(config, None, sleep=lambda _: None, budget_s=10.0)
    with pytest.raises(errors.LLMError, match="RateLimitError HTTP 429"):
        _run(adapter)
    assert len(llm.requests) == 1, "a 20 s Retry-After does not fit a 10 s budget"


@pytest.mark.parametrize("provider_type", [t for t in contract.PROVIDER_TYPES if t != "mock"])
def test_every_provider_type_maps_to_a_litellm_provider(provider_type: str) -> None:
    import litellm

    prefix = llm_adapter.LITELLM_PREFIX[provider_type]
    _, resolved, _, _ = litellm.get_llm_provider(f"{prefix}/some-model")
    assert resolved == prefix
