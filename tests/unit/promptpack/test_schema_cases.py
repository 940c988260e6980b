"""Named schema cases: mutations of fixture packs with a known verdict, ours and the schema's."""

from __future__ import annotations

from typing import Any, NamedTuple

import pytest

from tests.support import reference
from tests.unit.promptpack import mutations, packs


class Case(NamedTuple):
    fixture: str
    path: mutations.Path
    operation: str  # "set", "delete" or "add" (value is then a (key, value) pair)
    value: Any
    valid: bool


SUPPORT = ("prompts", "support")
PARAMS = (*SUPPORT, "parameters")
VAR0 = (*SUPPORT, "variables", 0)
STATES = ("workflow", "states")
PACK_EVAL = ("evals", 0)
MEDIA = ("prompts", "describe", "media")
NEW = "x_unknown"

CASES: dict[str, Case] = {
    # JSON types: integers reject booleans and numeric strings, accept integral floats.
    "max_tokens-bool": Case("support", (*PARAMS, "max_tokens"), "set", True, False),
    "max_tokens-string": Case("support", (*PARAMS, "max_tokens"), "set", "800", False),
    "max_tokens-integral-float": Case("support", (*PARAMS, "max_tokens"), "set", 800.0, True),
    "max_tokens-fraction": Case("support", (*PARAMS, "max_tokens"), "set", 800.5, False),
    "max_tokens-zero": Case("support", (*PARAMS, "max_tokens"), "set", 0, False),
    "max_tokens-huge": Case("support", (*PARAMS, "max_tokens"), "set", 10**40, True),
    "temperature-bool": Case("support", (*PARAMS, "temperature"), "set", False, False),
    "temperature-string": Case("support", (*PARAMS, "temperature"), "set", "0.3", False),
    "temperature-int": Case("support", (*PARAMS, "temperature"), "set", 1, True),
    "temperature-max": Case("support", (*PARAMS, "temperature"), "set", 2, True),
    "temperature-above": Case("support", (*PARAMS, "temperature"), "set", 2.5, False),
    "temperature-below": Case("support", (*PARAMS, "temperature"), "set", -0.1, False),
    "temperature-null": Case("support", (*PARAMS, "temperature"), "set", None, False),
    "top_p-above": Case("support", (*PARAMS, "top_p"), "set", 1.01, False),
    "top_k-null": Case("support", (*PARAMS, "top_k"), "set", None, True),
    "top_k-zero": Case("support", (*PARAMS, "top_k"), "set", 0, False),
    "top_k-integral-float": Case("support", (*PARAMS, "top_k"), "set", 3.0, True),
    "top_k-bool": Case("support", (*PARAMS, "top_k"), "set", True, False),
    "penalty-low": Case("support", (*PARAMS, "frequency_penalty"), "set", -2, True),
    "penalty-below": Case("support", (*PARAMS, "frequency_penalty"), "set", -2.01, False),
    "penalty-above": Case("support", (*PARAMS, "presence_penalty"), "set", 2.01, False),
    "parameters-stop": Case("support", PARAMS, "add", ("stop", ["\n"]), False),
    "parameters-seed": Case("support", PARAMS, "add", ("seed", 7), False),
    "tool_choice-enum": Case(
        "support", (*SUPPORT, "tool_policy", "tool_choice"), "set", "any", False
    ),
    "max_rounds-zero": Case("support", (*SUPPORT, "tool_policy", "max_rounds"), "set", 0, False),
    "max_rounds-string": Case(
        "support", (*SUPPORT, "tool_policy", "max_rounds"), "set", "3", False
    ),
    "max_calls-bool": Case(
        "support", (*SUPPORT, "tool_policy", "max_tool_calls_per_turn"), "set", True, False
    ),
    "blocklist-item-int": Case(
        "support", (*SUPPORT, "tool_policy", "blocklist", 0), "set", 1, False
    ),
    "required-string": Case("support", (*VAR0, "required"), "set", "false", False),
    "required-int": Case("support", (*VAR0, "required"), "set", 0, False),
    "variable-type-free": Case("support", (*VAR0, "type"), "set", "email", True),
    "variable-default-null": Case("support", (*VAR0, "default"), "set", None, True),
    "variable-example-object": Case("support", (*VAR0, "example"), "set", {"a": [1]}, True),
    "variable-name-hyphen": Case("support", (*VAR0, "name"), "set", "company-name", False),
    "variable-missing-required": Case("support", (*VAR0, "required"), "delete", None, False),
    "validation-min_length-zero": Case(
        "support", (*VAR0, "validation", "min_length"), "set", 0, True
    ),
    "validation-max_length-zero": Case(
        "support", (*VAR0, "validation", "max_length"), "set", 0, False
    ),
    "validation-minimum-bool": Case(
        "support", (*VAR0, "validation", "minimum"), "set", True, False
    ),
    "binding-auto_populate-int": Case(
        "support", (*SUPPORT, "variables", 1, "binding", "auto_populate"), "set", 1, False
    ),
    "validator-type-empty": Case("support", (*SUPPORT, "validators", 0, "type"), "set", "", False),
    "validator-type-free": Case(
        "support", (*SUPPORT, "validators", 0, "type"), "set", "toxicity", True
    ),
    "validator-enabled-string": Case(
        "support", (*SUPPORT, "validators", 1, "enabled"), "set", "yes", False
    ),
    "validator-params-open": Case(
        "support", (*SUPPORT, "validators", 0, "params"), "add", (NEW, [1]), True
    ),
    "success_rate-above": Case(
        "support", (*SUPPORT, "tested_models", 0, "success_rate"), "set", 1.01, False
    ),
    "avg_cost-negative": Case(
        "support", (*SUPPORT, "tested_models", 0, "avg_cost"), "set", -1, False
    ),
    "tested-date-missing": Case(
        "support", (*SUPPORT, "tested_models", 0, "date"), "delete", None, False
    ),
    # Formats are annotations only: the schema's validator does not enforce them.
    "tested-date-format": Case(
        "support", (*SUPPORT, "tested_models", 0, "date"), "set", "soon", True
    ),
    "created_at-format": Case("support", ("compilation", "created_at"), "set", "yesterday", True),
    "media-url-format": Case(
        "media", (*MEDIA, "examples", 0, "parts", 1, "media", "url"), "set", "not a uri", True
    ),
    # Patterns and lengths.
    "pack-id-capital": Case("minimal", ("id",), "set", "Minimal", False),
    "pack-id-underscore": Case("minimal", ("id",), "set", "my_pack", False),
    "pack-id-digit-first": Case("minimal", ("id",), "set", "9pack", False),
    "pack-id-100": Case("minimal", ("id",), "set", "a" * 100, True),
    "pack-id-101": Case("minimal", ("id",), "set", "a" * 101, False),
    "pack-name-empty": Case("minimal", ("name",), "set", "", False),
    "pack-name-200": Case("minimal", ("name",), "set", "n" * 200, True),
    "pack-name-201": Case("minimal", ("name",), "set", "n" * 201, False),
    "description-5000": Case("support", ("description",), "set", "d" * 5000, True),
    "description-5001": Case("support", ("description",), "set", "d" * 5001, False),
    "version-two-parts": Case("minimal", ("version",), "set", "1.0", False),
    "version-leading-zero": Case("minimal", ("version",), "set", "01.0.0", False),
    "version-v": Case("minimal", ("version",), "set", "v1.0.0", True),
    "version-capital-v": Case("minimal", ("version",), "set", "V1.0.0", False),
    "version-prerelease": Case("minimal", ("version",), "set", "1.0.0-x.7.z.92", True),
    "version-prerelease-zero": Case("minimal", ("version",), "set", "1.0.0-01", False),
    "version-prerelease-alnum": Case("minimal", ("version",), "set", "1.0.0-0a", True),
    "version-prerelease-empty": Case("minimal", ("version",), "set", "1.0.0-alpha..1", False),
    "version-build": Case("minimal", ("version",), "set", "1.0.0+001.sha-5114f85", True),
    "version-dash-only": Case("minimal", ("version",), "set", "1.0.0-", False),
    "prompt-id-underscore": Case("minimal", ("prompts", "main", "id"), "set", "main_v2", True),
    "prompt-id-capital": Case("minimal", ("prompts", "main", "id"), "set", "Main", False),
    "prompt-version": Case("minimal", ("prompts", "main", "version"), "set", "2", False),
    "system_template-empty": Case(
        "minimal", ("prompts", "main", "system_template"), "set", "", False
    ),
    "tool-name-hyphen": Case("support", ("tools", "refund", "name"), "set", "re-fund", False),
    "tool-name-underscore-first": Case(
        "support", ("tools", "refund", "name"), "set", "_refund", True
    ),
    "tool-description-empty": Case("support", ("tools", "refund", "description"), "set", "", False),
    "tool-parameters-type": Case(
        "support", ("tools", "refund", "parameters", "type"), "set", "array", False
    ),
    "tool-parameters-properties-missing": Case(
        "support", ("tools", "refund", "parameters", "properties"), "delete", None, False
    ),
    "tool-property-not-object": Case(
        "support",
        ("tools", "lookup_order", "parameters", "properties", "order_id"),
        "set",
        1,
        False,
    ),
    "language-three-letters": Case("support", ("metadata", "language"), "set", "eng", False),
    "language-capital": Case("support", ("metadata", "language"), "set", "EN", False),
    "cost-negative": Case(
        "support", ("metadata", "cost_estimate", "max_cost_usd"), "set", -1, False
    ),
    "metric-name-hyphen": Case("codegen-loop", (*PACK_EVAL, "metric", "name"), "set", "a-b", False),
    "metric-name-colon": Case("codegen-loop", (*PACK_EVAL, "metric", "name"), "set", ":a:b", True),
    "metric-type-enum": Case(
        "codegen-loop", (*PACK_EVAL, "metric", "type"), "set", "summary", False
    ),
    "supported-type-capital": Case("media", (*MEDIA, "supported_types", 0), "set", "Image", False),
    "part-type-capital": Case(
        "media", (*MEDIA, "examples", 0, "parts", 0, "type"), "set", "Text", False
    ),
    # Missing required keys and empty maps.
    "template_engine-missing": Case("minimal", ("template_engine",), "delete", None, False),
    "syntax-missing": Case("minimal", ("template_engine", "syntax"), "delete", None, False),
    "prompts-empty": Case("minimal", ("prompts",), "set", {}, False),
    "prompt-name-missing": Case("minimal", ("prompts", "main", "name"), "delete", None, False),
    "fragments-empty": Case("support", ("fragments",), "set", {}, True),
    "fragment-not-string": Case("support", ("fragments", "tone"), "set", 1, False),
    "features-enum": Case("support", ("template_engine", "features", 0), "set", "macros", False),
    "compilation-schema-missing": Case("support", ("compilation", "schema"), "delete", None, False),
    "pipeline-stages-missing": Case(
        "support", (*SUPPORT, "pipeline", "stages"), "delete", None, False
    ),
    "middleware-type-missing": Case(
        "support", (*SUPPORT, "pipeline", "middleware", 1, "type"), "delete", None, False
    ),
    "eval-trigger-missing": Case("codegen-loop", (*PACK_EVAL, "trigger"), "delete", None, False),
    "eval-id-empty": Case("codegen-loop", (*PACK_EVAL, "id"), "set", "", False),
    "eval-sample-above": Case(
        "codegen-loop", (*PACK_EVAL, "sample_percentage"), "set", 100.5, False
    ),
    "eval-sample-zero": Case("codegen-loop", (*PACK_EVAL, "sample_percentage"), "set", 0, True),
    "eval-threshold-value-string": Case(
        "codegen-loop", (*PACK_EVAL, "threshold", "value"), "set", "0.7", False
    ),
    "workflow-version-bool": Case("codegen-loop", ("workflow", "version"), "set", True, False),
    "workflow-version-string": Case("codegen-loop", ("workflow", "version"), "set", "1", False),
    "workflow-version-float": Case("codegen-loop", ("workflow", "version"), "set", 1.0, True),
    "workflow-version-zero": Case("codegen-loop", ("workflow", "version"), "set", 0, False),
    "workflow-entry-missing": Case("codegen-loop", ("workflow", "entry"), "delete", None, False),
    "workflow-states-empty": Case("codegen-loop", STATES, "set", {}, False),
    "state-prompt_task-missing": Case(
        "codegen-loop", (*STATES, "plan", "prompt_task"), "delete", None, False
    ),
    "state-max_visits-zero": Case(
        "codegen-loop", (*STATES, "implement", "max_visits"), "set", 0, False
    ),
    "state-terminal-string": Case(
        "codegen-loop", (*STATES, "review", "terminal"), "set", "true", False
    ),
    "state-on_event-int": Case(
        "codegen-loop", (*STATES, "plan", "on_event", "PlanReady"), "set", 1, False
    ),
    "state-persistence-free": Case(
        "codegen-loop", (*STATES, "implement", "persistence"), "set", "forever", True
    ),
    "artifact-type-missing": Case(
        "codegen-loop", (*STATES, "implement", "artifacts", "log", "type"), "delete", None, False
    ),
    "artifact-mode-enum": Case(
        "codegen-loop", (*STATES, "implement", "artifacts", "log", "mode"), "set", "merge", False
    ),
    "budget-zero": Case(
        "codegen-loop", ("workflow", "engine", "budget", "max_tool_calls"), "set", 0, False
    ),
    "budget-fraction": Case(
        "codegen-loop", ("workflow", "engine", "budget", "max_wall_time_sec"), "set", 0.5, False
    ),
    "agents-members-empty": Case("crew", ("agents", "members"), "set", {}, False),
    "agents-entry-missing": Case("crew", ("agents", "entry"), "delete", None, False),
    "agent-tags-string": Case(
        "crew", ("agents", "members", "lead", "tags"), "set", "research", False
    ),
    # Skills: one of a string, {path, preload} or {name, description, instructions}.
    "skill-empty-string": Case("crew", ("skills", 0), "set", "", True),
    "skill-number": Case("crew", ("skills", 0), "set", 5, False),
    "skill-path-and-name": Case("crew", ("skills", 1), "add", ("name", "x"), False),
    "skill-preload-only": Case("crew", ("skills", 2, "path"), "delete", None, False),
    "skill-preload-string": Case("crew", ("skills", 1, "preload"), "set", "yes", False),
    "skill-inline-missing": Case("crew", ("skills", 3, "instructions"), "delete", None, False),
    "skill-inline-empty-name": Case("crew", ("skills", 3, "name"), "set", "", False),
    # Media: named configs are closed; other keys must fit exactly one shape (schema oneOf).
    "media-enabled-missing": Case("media", (*MEDIA, "enabled"), "delete", None, False),
    "image-size-zero": Case("media", (*MEDIA, "image", "max_size_mb"), "set", 0, False),
    "image-size-float": Case("media", (*MEDIA, "image", "max_size_mb"), "set", 20.0, True),
    "document-mode-enum": Case(
        "media", (*MEDIA, "document", "extraction_mode"), "set", "ocr", False
    ),
    "example-role-enum": Case("media", (*MEDIA, "examples", 0, "role"), "set", "tool", False),
    "example-parts-empty": Case("media", (*MEDIA, "examples", 0, "parts"), "set", [], False),
    "media-detail-enum": Case(
        "media", (*MEDIA, "examples", 0, "parts", 1, "media", "detail"), "set", "medium", False
    ),
    "media-mime-missing": Case(
        "media", (*MEDIA, "examples", 1, "parts", 0, "media", "mime_type"), "delete", None, False
    ),
    "media-extra-fits-several": Case("media", MEDIA, "add", ("pdf", {"max_size_mb": 5}), False),
    "media-extra-empty": Case("media", MEDIA, "add", ("pdf", {}), False),
    "media-extra-image-key": Case("media", MEDIA, "add", ("pdf", {"max_images_per_msg": 2}), False),
    "media-extra-generic": Case(
        "media", MEDIA, "add", ("pdf", {"max_size_mb": 5, "validation_params": {}}), True
    ),
    "media-extra-unknown-key": Case("media", MEDIA, "add", ("pdf", {"dpi": 300}), True),
    "media-extra-not-object": Case("media", MEDIA, "add", ("pdf", "big"), False),
    "media-extra-bad-size": Case(
        "media", MEDIA, "add", ("pdf", {"max_size_mb": 0, "dpi": 1}), False
    ),
    # Null is not "absent".
    "description-null": Case("support", ("description",), "set", None, False),
    "metadata-null": Case("support", ("metadata",), "set", None, False),
    "tool_policy-null": Case("support", (*SUPPORT, "tool_policy"), "set", None, False),
    "tools-list-null": Case("support", (*SUPPORT, "tools"), "set", None, False),
    # Unknown keys: rejected where the schema is closed, kept where it is open.
    "top-level-parameters": Case("minimal", (), "add", ("parameters", {}), False),
    "top-level-variables": Case("minimal", (), "add", ("variables", []), False),
    "top-level-schema": Case("minimal", (), "add", ("$schema", "https://example.com/s.json"), True),
    "prompt-temperature": Case("minimal", ("prompts", "main"), "add", ("temperature", 0.2), False),
    "closed-template_engine": Case("minimal", ("template_engine",), "add", (NEW, 1), False),
    "closed-tool": Case("support", ("tools", "refund"), "add", (NEW, 1), False),
    "closed-tool_policy": Case("support", (*SUPPORT, "tool_policy"), "add", (NEW, 1), False),
    "closed-variable": Case("support", VAR0, "add", (NEW, 1), False),
    "closed-validation": Case("support", (*VAR0, "validation"), "add", (NEW, 1), False),
    "closed-binding": Case(
        "support", (*SUPPORT, "variables", 1, "binding"), "add", (NEW, 1), False
    ),
    "closed-validator": Case("support", (*SUPPORT, "validators", 0), "add", (NEW, 1), False),
    "closed-pipeline": Case("support", (*SUPPORT, "pipeline"), "add", (NEW, 1), False),
    "closed-middleware": Case(
        "support", (*SUPPORT, "pipeline", "middleware", 0), "add", (NEW, 1), False
    ),
    "closed-tested_model": Case("support", (*SUPPORT, "tested_models", 0), "add", (NEW, 1), False),
    "closed-override": Case(
        "support", (*SUPPORT, "model_overrides", "gpt-4o"), "add", (NEW, 1), False
    ),
    "closed-eval": Case("codegen-loop", PACK_EVAL, "add", (NEW, 1), False),
    "closed-threshold": Case("codegen-loop", (*PACK_EVAL, "threshold"), "add", (NEW, 1), False),
    "closed-workflow": Case("codegen-loop", ("workflow",), "add", (NEW, 1), False),
    "closed-state": Case("codegen-loop", (*STATES, "plan"), "add", (NEW, 1), False),
    "closed-artifact": Case(
        "codegen-loop", (*STATES, "implement", "artifacts", "log"), "add", (NEW, 1), False
    ),
    "closed-budget": Case("codegen-loop", ("workflow", "engine", "budget"), "add", (NEW, 1), False),
    "closed-agents": Case("crew", ("agents",), "add", (NEW, 1), False),
    "closed-agent": Case("crew", ("agents", "members", "fact_check"), "add", (NEW, 1), False),
    "closed-skill-path": Case("crew", ("skills", 1), "add", (NEW, 1), False),
    "closed-skill-inline": Case("crew", ("skills", 3), "add", (NEW, 1), False),
    "closed-image": Case("media", (*MEDIA, "image"), "add", (NEW, 1), False),
    "closed-example": Case("media", (*MEDIA, "examples", 0), "add", (NEW, 1), False),
    "closed-part": Case("media", (*MEDIA, "examples", 0, "parts", 0), "add", (NEW, 1), False),
    "closed-media-ref": Case(
        "media", (*MEDIA, "examples", 0, "parts", 1, "media"), "add", (NEW, 1), False
    ),
    "open-metadata": Case("support", ("metadata",), "add", (NEW, None), True),
    "open-cost": Case("support", ("metadata", "cost_estimate"), "add", (NEW, "x"), True),
    "open-compilation": Case("support", ("compilation",), "add", (NEW, 1), True),
    "open-tool-parameters": Case(
        "support", ("tools", "refund", "parameters"), "add", (NEW, 1), True
    ),
    "open-tool-property": Case(
        "support",
        ("tools", "lookup_order", "parameters", "properties", "order_id"),
        "add",
        (NEW, 1),
        True,
    ),
    "open-middleware-config": Case(
        "support", (*SUPPORT, "pipeline", "middleware", 0, "config"), "add", (NEW, 1), True
    ),
    "open-eval-when": Case("codegen-loop", (*PACK_EVAL, "when"), "add", (NEW, 1), True),
    "open-metric": Case("codegen-loop", (*PACK_EVAL, "metric"), "add", (NEW, 1), True),
    "open-metric-range": Case(
        "codegen-loop", (*PACK_EVAL, "metric", "range"), "add", (NEW, 1), True
    ),
    "open-engine": Case("codegen-loop", ("workflow", "engine"), "add", (NEW, 1), True),
    "open-generic-media": Case("media", (*MEDIA, "model_3d"), "add", (NEW, 1), True),
}


def _apply(case: Case) -> Any:
    doc = packs.load_fixture(case.fixture)
    if case.operation == "set":
        return mutations.replaced(doc, case.path, case.value)
    if case.operation == "delete":
        return mutations.deleted(doc, case.path)
    key, value = case.value
    return mutations.with_key(doc, case.path, key, value)


@pytest.mark.parametrize("name", list(CASES))
def test_validate_pack_gives_the_expected_verdict(name: str) -> None:
    case = CASES[name]
    mutant = _apply(case)

    assert packs.is_valid(mutant) is case.valid, packs.errors_of(mutant)
    if reference.reference_dir() is not None:
        assert packs.official_validator().is_valid(mutant) is case.valid
