"""The agent benchmarks run end to end at quick sizes and return well-formed results.

Shape only: no figure is checked, so a slow machine fails nothing. The five run at once (each
starts its own servers on free ports), which keeps the smoke run short.
"""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from types import ModuleType
from typing import Any

import pytest

from bench import agent_memory, coldstart, concurrency, facade, redis_turns

MODULES = (facade, concurrency, coldstart, redis_turns, agent_memory)
RUN_TIMEOUT_S = 110.0


@pytest.fixture(scope="module")
def results() -> dict[str, dict[str, Any]]:
    with ThreadPoolExecutor(max_workers=len(MODULES)) as pool:
        futures = {module.NAME: pool.submit(module.run, quick=True) for module in MODULES}
        return {name: future.result(timeout=RUN_TIMEOUT_S) for name, future in futures.items()}


@pytest.mark.parametrize("module", MODULES, ids=[m.NAME for m in MODULES])
def test_bench_quick_run_returns_a_well_formed_result(
    results: dict[str, dict[str, Any]], module: ModuleType
) -> None:
    result = results[module.NAME]
    assert result["name"] == module.NAME
    assert result["command"] == f"python -m bench.{module.NAME}"
    assert result["title"]
    assert result["sections"]
    for section in result["sections"]:
        assert section["heading"]
        assert all(len(row) == len(section["columns"]) for row in section["rows"])
    assert result["targets"]
    for target in result["targets"]:
        assert set(target) == {"what", "target", "measured", "met", "note"}
        assert isinstance(target["met"], bool)
    assert all(plot.startswith("docs/img/") for plot in result["plots"])
    json.dumps(result)
