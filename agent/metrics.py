"""The agent's Prometheus series, each labelled with the pack version it served.

Connections, turns by outcome, turn duration, time to first token, tokens, cost and tool calls
are the series the issue names; config reload failures and validator violations are counted
because the issue requires those to be counted too. Each app owns its registry.
"""

from __future__ import annotations

import prometheus_client
from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

PREFIX = "omnia_agent"
DURATION_BUCKETS_S = (0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300)
TTFT_BUCKETS_S = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30)
CONTENT_TYPE = prometheus_client.CONTENT_TYPE_LATEST


class Metrics:
    """Every series of one agent process."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        pack = ["pack_version"]
        self.connections_active = Gauge(
            f"{PREFIX}_connections_active", "Open WebSocket connections.", pack,
            registry=self.registry,
        )  # fmt: skip
        self.connections_total = Counter(
            f"{PREFIX}_connections", "WebSocket connections accepted.", pack,
            registry=self.registry,
        )  # fmt: skip
        self.turns_total = Counter(
            f"{PREFIX}_turns",
            "Finished turns by outcome (completed, cancelled, error) and error code.",
            [*pack, "outcome", "code"],
            registry=self.registry,
        )
        self.turn_duration = Histogram(
            f"{PREFIX}_turn_duration_seconds", "Turn duration, message to done or error.", pack,
            buckets=DURATION_BUCKETS_S, registry=self.registry,
        )  # fmt: skip
        self.time_to_first_token = Histogram(
            f"{PREFIX}_time_to_first_token_seconds", "Time from message to the first chunk.",
            pack, buckets=TTFT_BUCKETS_S, registry=self.registry,
        )  # fmt: skip
        self.tokens_total = Counter(
            f"{PREFIX}_tokens", "LLM tokens by direction (input, output).",
            [*pack, "direction"], registry=self.registry,
        )  # fmt: skip
        self.cost_usd_total = Counter(
            f"{PREFIX}_cost_usd", "LLM cost in US dollars from the provider's pricing.", pack,
            registry=self.registry,
        )  # fmt: skip
        self.tool_calls_total = Counter(
            f"{PREFIX}_tool_calls", "Tool calls by tool and outcome (ok, error).",
            [*pack, "tool", "outcome"], registry=self.registry,
        )  # fmt: skip
        self.config_reload_failures_total = Counter(
            f"{PREFIX}_config_reload_failures", "New configs that failed to load (old kept).",
            pack, registry=self.registry,
        )  # fmt: skip
        self.validator_violations_total = Counter(
            f"{PREFIX}_validator_violations", "Answers that broke a prompt validator.",
            [*pack, "validator", "action"], registry=self.registry,
        )  # fmt: skip

    def render(self) -> bytes:
        """Return the exposition text of every series."""
        return prometheus_client.generate_latest(self.registry)
