"""The semantic rules of spec §1.4: one test per rule, asserting the warning's path and message."""

from __future__ import annotations

from typing import Any

from agent.promptpack import validate
from tests.unit.promptpack import packs


def _warnings(data: Any) -> list[tuple[str, str]]:
    findings = validate.validate_pack(data)
    assert all(finding.severity == "warning" for finding in findings)
    return [(finding.path, finding.message) for finding in findings]


def test_semantics_warns_when_prompt_tool_is_undefined() -> None:
    data = packs.load_fixture("support")
    data["prompts"]["billing"]["tools"] = ["lookup_order", "send_invoice"]

    assert _warnings(data) == [
        ("$.prompts.billing.tools[1]", 'tool "send_invoice" is not defined in $.tools')
    ]


def test_semantics_accepts_member_agent_as_prompt_tool() -> None:
    data = packs.load_fixture("crew")
    data["prompts"]["fact_check"]["tools"] = ["web_search", "lead", "ghost"]

    assert _warnings(data) == [
        (
            "$.prompts.fact_check.tools[2]",
            'tool "ghost" is not defined in $.tools nor an agent of $.agents.members',
        )
    ]


def test_semantics_warns_when_tool_key_differs_from_name() -> None:
    data = packs.load_fixture("support")
    data["tools"]["escalate"]["name"] = "handoff"

    assert _warnings(data) == [
        ("$.tools.escalate.name", 'tool name "handoff" differs from its key "escalate" in $.tools')
    ]


def test_semantics_warns_when_prompt_key_differs_from_id() -> None:
    data = packs.load_fixture("minimal")
    data["prompts"]["main"]["id"] = "primary"

    assert _warnings(data) == [
        ("$.prompts.main.id", 'prompt id "primary" differs from its key "main" in $.prompts')
    ]


def test_semantics_warns_on_default_of_required_variable() -> None:
    data = packs.load_fixture("support")
    data["prompts"]["support"]["variables"][1]["default"] = None

    assert _warnings(data) == [
        (
            "$.prompts.support.variables[1].default",
            'required variable "customer" has a default, which is never used; drop the default '
            "or set required: false",
        )
    ]


def test_semantics_warns_when_workflow_entry_is_not_a_state() -> None:
    data = packs.load_fixture("codegen-loop")
    data["workflow"]["entry"] = "start"

    assert _warnings(data) == [
        ("$.workflow.entry", 'entry state "start" is not a key of $.workflow.states')
    ]


def test_semantics_warns_when_prompt_task_is_not_a_prompt() -> None:
    data = packs.load_fixture("codegen-loop")
    data["workflow"]["states"]["test"]["prompt_task"] = "run_tests"

    assert _warnings(data) == [
        ("$.workflow.states.test.prompt_task", 'prompt_task "run_tests" is not a key of $.prompts')
    ]


def test_semantics_warns_when_event_target_is_not_a_state() -> None:
    data = packs.load_fixture("codegen-loop")
    data["workflow"]["states"]["test"]["on_event"]["TestsPassed"] = "done"

    assert _warnings(data) == [
        (
            "$.workflow.states.test.on_event.TestsPassed",
            'event "TestsPassed" goes to "done", which is not a key of $.workflow.states',
        )
    ]


def test_semantics_warns_when_max_visits_target_is_not_a_state() -> None:
    data = packs.load_fixture("codegen-loop")
    data["workflow"]["states"]["implement"]["on_max_visits"] = "give-up"

    assert _warnings(data) == [
        (
            "$.workflow.states.implement.on_max_visits",
            'on_max_visits target "give-up" is not a key of $.workflow.states',
        )
    ]


def test_semantics_warns_when_terminal_state_has_transitions() -> None:
    data = packs.load_fixture("codegen-loop")
    data["workflow"]["states"]["review"]["on_event"] = {"Again": "plan"}

    assert _warnings(data) == [
        (
            "$.workflow.states.review.on_event",
            "a terminal state ends the workflow, so it must not declare on_event transitions",
        )
    ]


def test_semantics_warns_when_agent_entry_is_not_a_prompt() -> None:
    data = packs.load_fixture("crew")
    data["agents"]["entry"] = "boss"

    assert _warnings(data) == [("$.agents.entry", 'entry agent "boss" is not a key of $.prompts')]


def test_semantics_warns_when_agent_member_is_not_a_prompt() -> None:
    data = packs.load_fixture("crew")
    data["agents"]["members"]["scribe"] = {}

    assert _warnings(data) == [
        ("$.agents.members.scribe", 'member "scribe" is not a key of $.prompts')
    ]


def test_semantics_warns_on_undeclared_template_variable() -> None:
    data = packs.load_fixture("crew")
    data["prompts"]["lead"]["system_template"] = "Research {{topic}} for {{audience.name}}."

    assert _warnings(data) == [
        (
            "$.prompts.lead.system_template",
            'placeholder {{audience.name}} uses variable "audience", which prompt "lead" does not '
            "declare in its variables",
        )
    ]


def test_semantics_warns_on_undeclared_variable_in_model_override() -> None:
    data = packs.load_fixture("support")
    overrides = data["prompts"]["support"]["model_overrides"]
    overrides["gpt-4o"]["system_template_suffix"] = "Mention {{plan}}."

    assert _warnings(data) == [
        (
            "$.prompts.support.model_overrides['gpt-4o'].system_template_suffix",
            'placeholder {{plan}} uses variable "plan", which prompt "support" does not declare '
            "in its variables",
        )
    ]


def test_semantics_warns_on_missing_fragment() -> None:
    data = packs.load_fixture("support")
    data["prompts"]["billing"]["system_template"] += " {{fragments.footer}}"

    assert _warnings(data) == [
        (
            "$.prompts.billing.system_template",
            'placeholder {{fragments.footer}} names fragment "footer", not in $.fragments',
        )
    ]


def test_semantics_suggests_fragment_for_bare_fragment_name() -> None:
    data = packs.load_fixture("support")
    data["prompts"]["billing"]["system_template"] = "Explain invoices. {{signature}}"

    assert _warnings(data) == [
        (
            "$.prompts.billing.system_template",
            'placeholder {{signature}} uses variable "signature", which prompt "billing" does not '
            "declare in its variables; did you mean {{fragments.signature}}?",
        )
    ]


def test_semantics_checks_fragment_variables_against_including_prompts() -> None:
    data = packs.load_fixture("support")
    # "signature" uses {{company}}; "support" declares it, "billing" no longer does.
    data["prompts"]["billing"]["variables"] = []
    data["prompts"]["billing"]["system_template"] = "Explain invoices. {{fragments.signature}}"

    assert _warnings(data) == [
        (
            "$.fragments.signature",
            'placeholder {{company}} uses variable "company", which the prompts including this '
            'fragment do not all declare (missing in "billing")',
        )
    ]


def test_semantics_follows_fragments_included_by_fragments() -> None:
    data = packs.load_fixture("crew")
    data["fragments"] = {"outer": "Intro. {{fragments.inner}}", "inner": "About {{subject}}."}
    data["prompts"]["fact_check"]["system_template"] = "Check claims. {{fragments.outer}}"

    assert _warnings(data) == [
        (
            "$.fragments.inner",
            'placeholder {{subject}} uses variable "subject", which the prompts including this '
            'fragment do not all declare (missing in "fact_check")',
        )
    ]


def test_semantics_checks_unused_fragment_against_every_prompt() -> None:
    data = packs.load_fixture("crew")
    data["fragments"] = {
        "spare": "On {{topic}} and {{fragments.loop}}, not {{nobody}}.",
        "loop": "",
    }

    assert _warnings(data) == [
        (
            "$.fragments.spare",
            'placeholder {{nobody}} uses variable "nobody", which no prompt declares',
        )
    ]


def test_semantics_ends_on_fragment_cycles() -> None:
    data = packs.load_fixture("crew")
    data["fragments"] = {"a": "{{fragments.b}}", "b": "{{fragments.a}} {{topic}}"}
    data["prompts"]["lead"]["system_template"] = "Research {{topic}}. {{fragments.a}}"

    assert _warnings(data) == []


def test_semantics_warns_on_placeholder_that_is_not_a_reference() -> None:
    data = packs.load_fixture("minimal")
    data["prompts"]["main"]["system_template"] = "Hello {{#if name}} and {{ }}."

    assert _warnings(data) == [
        (
            "$.prompts.main.system_template",
            "placeholder {{#if name}} is not a reference to a variable, fragments.<name> or "
            "artifacts.<name>",
        ),
        (
            "$.prompts.main.system_template",
            "placeholder {{ }} is not a reference to a variable, fragments.<name> or "
            "artifacts.<name>",
        ),
    ]


def test_semantics_accepts_any_artifact_placeholder() -> None:
    data = packs.load_fixture("codegen-loop")
    data["prompts"]["review"]["system_template"] = "Review {{artifacts.commit_sha}}."

    assert _warnings(data) == []


def test_semantics_skips_templates_of_other_syntaxes() -> None:
    data = packs.load_fixture("minimal")
    data["template_engine"]["syntax"] = "${variable}"
    data["prompts"]["main"]["system_template"] = "Literal {{braces}} here."

    assert _warnings(data) == []


def test_semantics_reports_each_placeholder_once_per_template() -> None:
    data = packs.load_fixture("minimal")
    data["prompts"]["main"]["system_template"] = "{{who}} and {{who}} again."

    assert [path for path, _ in _warnings(data)] == ["$.prompts.main.system_template"]


def test_semantics_runs_only_on_schema_valid_packs() -> None:
    data = packs.load_fixture("minimal")
    data["prompts"]["main"]["tools"] = ["undefined_tool"]
    data["version"] = "1.0"

    findings = validate.validate_pack(data)

    assert [(f.severity, f.path) for f in findings] == [("error", "$.version")]


def test_semantics_orders_warnings_by_rule_then_document() -> None:
    data = packs.load_fixture("codegen-loop")
    data["prompts"]["plan"]["id"] = "planner"
    data["prompts"]["plan"]["tools"] = ["nope"]
    data["workflow"]["entry"] = "nowhere"
    data["prompts"]["plan"]["system_template"] = "{{ghost}}"

    paths = [finding.path for finding in validate.validate_pack(data)]

    assert paths == [
        "$.prompts.plan.id",
        "$.prompts.plan.tools[0]",
        "$.workflow.entry",
        "$.prompts.plan.system_template",
    ]
    assert paths == [finding.path for finding in validate.validate_pack(data)]
