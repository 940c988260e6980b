"""No input makes a hook raise: any JSON anywhere in a request becomes an answer."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hooks import envelope, routes
from tests.support import hook_scenario as hs

CASES = {
    ("agentruntime", "sync"): "sync-converged",
    ("agentruntime", "finalize"): "finalize-with-children",
    ("agentruntime", "customize"): "customize-inline-provider",
    ("promptpack", "sync"): "sync-converged",
    ("promptpack", "customize"): "customize",
    ("toolregistry", "sync"): "sync-every-kind-of-tool",
    ("toolregistry", "customize"): "customize-every-kind-of-tool",
    ("provider", "sync"): "sync-ready",
    ("provider", "customize"): "customize",
}
BASES = {
    route: json.loads((hs.FIXTURES / route[0] / f"{case}.request.json").read_text())
    for route, case in CASES.items()
}
JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 70000) | st.text(max_size=12),
    lambda inner: (
        st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3)
    ),
    max_leaves=8,
)


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [prefix] if prefix else []
    if isinstance(node, dict):
        for key, value in node.items():
            found += _paths(value, (*prefix, key))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            found += _paths(value, (*prefix, index))
    return found


def _replace(request: dict[str, Any], path: tuple[Any, ...], value: Any) -> dict[str, Any]:
    out = copy.deepcopy(request)
    node: Any = out
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    return out


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("route", sorted(BASES), ids="/".join)
@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_hook_answers_any_corruption_of_a_request(
    route: tuple[str, str], data: st.DataObject
) -> None:
    base = BASES[route]
    paths = [p for p in _paths(base) if p[0] in ("parent", "children", "related")]
    path = data.draw(st.sampled_from(paths))
    request = _replace(base, path, data.draw(JSON))
    try:
        answer = routes.handlers()[routes.path(*route)](request, hs.SETTINGS, hs.NOW)
    except envelope.BadRequest:
        return  # the app answers 400
    json.dumps(answer)
    allowed = {"relatedResources"} if route[1] == "customize" else set(envelope.SYNC_FIELDS)
    assert set(answer) <= allowed
