"""The emulator driving the hooks over real HTTP: `omnia hooks` (gunicorn) on loopback."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest

from hooks import k8s
from hooks.emulator import transport, workloads
from tests.support import hook_scenario as hs
from tests.support.hook_server import hook_server

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def base_url() -> Iterator[str]:
    with hook_server() as url:
        yield url


def test_emulator_over_http_converges_like_in_process(base_url: str) -> None:
    rounds = {}
    for name, wire in (("http", transport.Http()), ("in-process", None)):
        store = hs.new_store()
        emulator = hs.new_emulator(store, wire, base_url=base_url)
        for group in hs.GROUPS:
            hs.create(store, hs.group(group))
        first = emulator.run_until_stable(hs.ROUND_LIMIT)
        workloads.mark_deployments_ready(store)
        rounds[name] = (first, emulator.run_until_stable(hs.ROUND_LIMIT))
        assert emulator.errors == [] or all("not synced yet" in e.message for e in emulator.errors)
        assert hs.condition(store, hs.AR, "travel-agent", "Ready")["status"] == "True"
    assert rounds["http"] == rounds["in-process"]


def test_emulator_over_http_edit_then_delete(base_url: str) -> None:
    store = hs.new_store()
    emulator = hs.new_emulator(store, transport.Http(), base_url=base_url)
    for group in hs.GROUPS:
        hs.create(store, hs.group(group))
    emulator.run_until_stable(hs.ROUND_LIMIT)
    deployment = hs.child(store, k8s.DEPLOYMENT, "travel-agent")
    provider = hs.child(store, hs.PROV, "openai")
    provider["spec"]["model"] = "gpt-4o"
    store.apply(provider)
    emulator.run_until_stable(hs.ROUND_LIMIT)
    agent = json.loads(hs.child(store, k8s.CONFIG_MAP, "travel-agent-config")["data"]["agent.json"])
    assert agent["provider"]["model"] == "gpt-4o"
    assert hs.child(store, k8s.DEPLOYMENT, "travel-agent") == deployment
    store.delete(hs.key(hs.AR, "travel-agent"))
    emulator.run_until_stable(hs.ROUND_LIMIT)
    assert store.get(hs.key(hs.AR, "travel-agent")) is None
    assert store.get(hs.key(k8s.DEPLOYMENT, "travel-agent")) is None


def test_emulator_over_http_reports_an_unreachable_hook() -> None:
    store = hs.new_store()
    emulator = hs.new_emulator(store, transport.Http(), base_url="http://127.0.0.1:9")
    hs.create(store, hs.group("provider"))
    assert emulator.sync("omnia-provider", hs.key(hs.PROV, "openai")) is False
    assert (
        "customize hook: POST http://127.0.0.1:9/hooks/provider/customize"
        in emulator.errors[-1].message
    )
    assert "status" not in hs.child(store, hs.PROV, "openai")
