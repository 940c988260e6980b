"""bench.hooks in its quick form: it runs end to end and its result has the shape run_all reads."""

from __future__ import annotations

import math
from typing import Any

import pytest

from bench import common, hooks


@pytest.fixture(scope="module")
def result() -> dict[str, Any]:
    return hooks.run(quick=True)


def _numbers(cell: object) -> list[float]:
    """Return the number a table cell holds (1.23, "4.5x", "12/12"), if any."""
    text = str(cell).removesuffix("x")
    parts = text.split("/") if "/" in text else [text]
    try:
        return [float(part) for part in parts]
    except ValueError:
        return []


def test_bench_hooks_result_has_every_section(result: dict[str, Any]) -> None:
    assert result["name"] == "hooks"
    assert result["command"] == "python -m bench.hooks"
    headings = [section["heading"] for section in result["sections"]]
    assert any(h.startswith("In-process") for h in headings)
    assert sum(h.startswith("HTTP") for h in headings) == 2  # latency, CPU per answer
    assert any(h.startswith("Where the time goes") for h in headings)
    assert sum(h.startswith("Scaling") for h in headings) == 2
    for section in result["sections"]:
        assert section["rows"], section["heading"]
        assert all(len(row) == len(section["columns"]) for row in section["rows"])
    # A quick run never replaces the published plot.
    assert result["plots"] == []


def test_bench_hooks_figures_are_positive(result: dict[str, Any]) -> None:
    # CPU per answer is read in clock ticks: a quick run's differences may round to 0.
    prefixes = ("In-process", "HTTP through gunicorn: AgentRuntime", "Where the time goes")
    sections = [s for s in result["sections"] if s["heading"].startswith(prefixes)]
    assert len(sections) == len(prefixes)
    for section in sections:
        figures = [n for row in section["rows"] for cell in row[1:] for n in _numbers(cell)]
        assert figures, section["heading"]
        assert all(math.isfinite(n) and n > 0 for n in figures), section["heading"]


def test_bench_hooks_scaling_curves_cover_tools_and_related_objects(result: dict[str, Any]) -> None:
    points = next(s for s in result["sections"] if s["heading"].startswith("Scaling: sync"))
    curves = {(row[0], row[1]) for row in points["rows"]}
    assert curves == {
        ("AgentRuntime", "tools"),
        ("ToolRegistry", "tools"),
        ("AgentRuntime", "unrelated Secrets"),
        ("ToolRegistry", "unrelated Services"),
    }
    assert all(float(row[4]) > 0 for row in points["rows"])
    fits = next(s for s in result["sections"] if s["heading"].startswith("Scaling: least"))
    assert len(fits["rows"]) == 2 * len(curves)
    assert all(row[-1] for row in fits["rows"])


def test_bench_hooks_targets_say_what_was_measured(result: dict[str, Any]) -> None:
    targets = result["targets"]
    assert len(targets) == 3
    for target in targets:
        assert set(target) == {"what", "target", "measured", "met", "note"}
        assert isinstance(target["met"], bool)
        assert target["measured"]
    correct = targets[-1]
    assert correct["met"], correct["note"]


def test_bench_hooks_result_renders_as_markdown(result: dict[str, Any]) -> None:
    for section in result["sections"]:
        table = common.markdown_table(section["columns"], section["rows"])
        assert table.count("\n") == len(section["rows"]) + 1
