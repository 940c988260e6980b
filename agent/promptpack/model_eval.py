"""PromptPack evals (spec v1.2+): how responses are scored and exported as metrics."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import pydantic

from agent.promptpack import jsontypes


class MetricRange(jsontypes.Open):
    """The expected range of a metric's values."""

    min: jsontypes.Opt[jsontypes.Number] = None
    max: jsontypes.Opt[jsontypes.Number] = None


class MetricDef(jsontypes.Open):
    """The Prometheus metric an eval's score is exported as."""

    name: Annotated[str, pydantic.Field(pattern=jsontypes.METRIC_NAME_PATTERN)]
    type: Literal["gauge", "counter", "histogram", "boolean"]
    range: jsontypes.Opt[MetricRange] = None


class Threshold(jsontypes.Closed):
    """The pass mark of an eval: `score <operator> value`."""

    operator: jsontypes.Opt[str] = None
    value: jsontypes.Opt[jsontypes.Number] = None


class Eval(jsontypes.Closed):
    """One eval, pack-level or prompt-level (a prompt's eval overrides a pack eval with its id).

    `type` (llm_judge, regex, contains, json_valid, ...) and `trigger` (every_turn,
    on_session_complete, sample_turns, sample_sessions, ...) are free strings in v1.4.
    """

    id: jsontypes.NonEmptyStr
    description: jsontypes.Opt[str] = None
    type: jsontypes.NonEmptyStr
    trigger: str
    sample_percentage: jsontypes.Percentage = 5
    enabled: bool = True
    params: dict[str, Any] = pydantic.Field(default_factory=dict)
    metric: jsontypes.Opt[MetricDef] = None
    threshold: jsontypes.Opt[Threshold] = None
    message: jsontypes.Opt[str] = None
    when: jsontypes.Opt[dict[str, Any]] = None
    groups: list[str] = pydantic.Field(default_factory=list)
