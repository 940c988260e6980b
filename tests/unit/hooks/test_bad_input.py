"""Bad input the CRD schema cannot stop: the hooks answer with conditions, never a crash."""

from __future__ import annotations

import json

from hooks import k8s, routes, tooldiscovery
from hooks.api import toolregistry as api
from tests.support import hook_scenario as hs


def test_hooks_survive_absurdly_nested_json() -> None:
    deep = "[" * 100_000 + "]" * 100_000
    pack = json.loads((hs.FIXTURES / "promptpack" / "sync-publishes.request.json").read_text())
    pack["related"][k8s.CONFIG_MAP]["agents/travel-pack-source"]["data"] = {"pack.json": deep}
    answer = routes.handlers()[routes.path("promptpack", "sync")](pack, hs.SETTINGS, hs.NOW)
    assert answer["status"]["phase"] == "Failed"
    registry = json.loads((hs.FIXTURES / "toolregistry" / "sync-ready.request.json").read_text())
    service = registry["related"][k8s.SERVICE]["agents/currency"]
    service["metadata"]["annotations"]["omnia.altairalabs.ai/tool-input-schema"] = deep
    answer = routes.handlers()[routes.path("toolregistry", "sync")](registry, hs.SETTINGS, hs.NOW)
    currency = next(t for t in answer["status"]["discoveredTools"] if t["name"] == "currency")
    assert currency["reason"].endswith("nested too deeply")


def test_catalog_skips_registry_entries_no_hook_would_write() -> None:
    entries = [
        api.DiscoveredTool(name="ok", endpoint="http://a/", status="Available", source="url"),
        api.DiscoveredTool(
            name="bad timeout", endpoint="http://b/", status="Available", source="url"
        ),
        api.DiscoveredTool(
            name="late", endpoint="http://c/", status="Available", source="url", timeout="soon"
        ),
        api.DiscoveredTool(
            name="listy", endpoint="http://d/", status="Available", source="url", input_schema=[]
        ),
        api.DiscoveredTool(name="down", endpoint="", status="Unavailable", source="selector"),
    ]
    catalog = tooldiscovery.to_catalog(entries)
    assert [t.name for t in catalog.tools] == ["listy", "ok"]
    assert catalog.tools[0].input_schema == {"type": "object"}
