"""find_placeholders: what each `{{...}}` of a template refers to."""

from __future__ import annotations

import pytest

from agent.promptpack import placeholders


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        ("Hi {{name}}", [("{{name}}", "variable", "name")]),
        ("{{ name }}", [("{{ name }}", "variable", "name")]),
        ("{{customer.contact.email}}", [("{{customer.contact.email}}", "variable", "customer")]),
        ("{{items[0].title}}", [("{{items[0].title}}", "variable", "items")]),
        ("{{fragments.brand_voice}}", [("{{fragments.brand_voice}}", "fragment", "brand_voice")]),
        ("{{fragments.a-b}}", [("{{fragments.a-b}}", "fragment", "a-b")]),
        ("{{artifacts.commit_sha}}", [("{{artifacts.commit_sha}}", "artifact", "commit_sha")]),
        ("{{fragments}}", [("{{fragments}}", "invalid", "")]),
        ("{{#if x}}", [("{{#if x}}", "invalid", "")]),
        ("{{a b}}", [("{{a b}}", "invalid", "")]),
        ("{{items[x]}}", [("{{items[x]}}", "invalid", "")]),
        ("{{}}", [("{{}}", "invalid", "")]),
        ("no braces, {single} or { {spaced} }", []),
        ("{{a}}{{b}}", [("{{a}}", "variable", "a"), ("{{b}}", "variable", "b")]),
        ("{{{raw}}}", [("{{raw}}", "variable", "raw")]),
        ("{{\n name\n}}", [("{{\n name\n}}", "variable", "name")]),
    ],
)
def test_find_placeholders_classifies_references(
    template: str, expected: list[tuple[str, str, str]]
) -> None:
    found = placeholders.find_placeholders(template)

    assert [(p.text, p.kind, p.name) for p in found] == expected


def test_find_placeholders_stays_linear_on_unclosed_braces() -> None:
    assert placeholders.find_placeholders("{{a" * 200_000) == []
