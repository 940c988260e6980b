"""The agent's Prometheus series, each labelled with the pack version it served.

Connections, turns by outcome, turn duration, time to first token, tokens, cost and tool calls
are the series the issue names; config reload failures and validator violations are counted
because the issue requires those to be counted too. Each app owns its registry.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import prometheus_client
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

PREFIX = "omnia_agent"
DURATION_BUCKETS_S = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300)
TTFT_BUCKETS_S = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
CONTENT_TYPE = prometheus_client.CONTENT_TYPE_LATEST


class Metrics:
    """Every series of one agent process."""

    content_type = CONTENT_TYPE

    def __init__(self) -> None:
        # The *_created series double the exposition for no use here.
        prometheus_client.disable_created_metrics()  # type: ignore[no-untyped-call]
        self.registry = CollectorRegistry(auto_describe=True)

        def series(kind: Any, name: str, doc: str, *labels: str, **options: Any) -> Any:
            # Every series carries the pack version first, then its own labels.
            return kind(
                f"{PREFIX}_{name}",
                doc,
                ["pack_version", *labels],
                registry=self.registry,
                **options,
            )

        self.connections_active: Gauge = series(
            Gauge, "connections_active", "Open WebSocket connections."
        )
        self.connections_total: Counter = series(
            Counter, "connections", "WebSocket connections accepted."
        )
        self.turns_total: Counter = series(
            Counter,
            "turns",
            "Finished turns by outcome (completed, cancelled, error) and error code.",
            "outcome",
            "code",
        )
        self.turn_duration: Histogram = series(
            Histogram,
            "turn_duration_seconds",
            "Turn duration, message to done or error.",
            buckets=DURATION_BUCKETS_S,
        )
        self.time_to_first_token: Histogram = series(
            Histogram,
            "time_to_first_token_seconds",
            "Time from message to the first chunk.",
            buckets=TTFT_BUCKETS_S,
        )
        self.tokens_total: Counter = series(
            Counter, "tokens", "LLM tokens by direction (input, output).", "direction"
        )
        self.cost_usd_total: Counter = series(
            Counter, "cost_usd", "LLM cost in US dollars from the provider's pricing."
        )
        self.tool_calls_total: Counter = series(
            Counter, "tool_calls", "Tool calls by tool and outcome (ok, error).", "tool", "outcome"
        )
        self.config_reload_failures_total: Counter = series(
            Counter, "config_reload_failures", "New configs that failed to load (old kept)."
        )
        self.validator_violations_total: Counter = series(
            Counter,
            "validator_violations",
            "Answers that broke a prompt validator.",
            "validator",
            "action",
        )

    def render(self) -> bytes:
        """Return the exposition text of every series."""
        return prometheus_client.generate_latest(self.registry)


class TurnObserver:
    """Watches one turn's frames on their way out and records its series."""

    def __init__(self, metrics: Metrics, pack_version: str, monotonic: Callable[[], float]) -> None:
        self._metrics = metrics
        self._pack = pack_version
        self._monotonic = monotonic
        self._started = monotonic()
        self._first_token_seen = False
        self._tool_names: dict[str, str] = {}

    def __call__(self, frame: dict[str, Any]) -> bool:
        """Record what a frame says; always wants more frames."""
        kind = frame.get("type")
        if kind == "chunk" and not self._first_token_seen:
            self._first_token_seen = True
            elapsed = self._monotonic() - self._started
            self._metrics.time_to_first_token.labels(self._pack).observe(elapsed)
        elif kind == "tool_call":
            self._tool_names[frame["tool_call"]["id"]] = frame["tool_call"]["name"]
        elif kind == "tool_result":
            result = frame["tool_result"]
            outcome = "error" if result.get("error") else "ok"
            name = self._tool_names.get(result["id"], "unknown")
            self._metrics.tool_calls_total.labels(self._pack, name, outcome).inc()
        elif kind == "done":
            self._done(frame)
        elif kind == "error" and frame.get("turn_id"):
            self._end("error", frame["error"]["code"])
        return True

    def _done(self, frame: dict[str, Any]) -> None:
        usage = frame.get("usage") or {}
        tokens = self._metrics.tokens_total
        tokens.labels(self._pack, "input").inc(usage.get("input_tokens", 0))
        tokens.labels(self._pack, "output").inc(usage.get("output_tokens", 0))
        self._metrics.cost_usd_total.labels(self._pack).inc(usage.get("cost_usd", 0.0))
        cancelled = frame.get("finish_reason") == "cancelled"
        self._end("cancelled" if cancelled else "completed", "")

    def _end(self, outcome: str, code: str) -> None:
        self._metrics.turns_total.labels(self._pack, outcome, code).inc()
        elapsed = self._monotonic() - self._started
        self._metrics.turn_duration.labels(self._pack).observe(elapsed)
