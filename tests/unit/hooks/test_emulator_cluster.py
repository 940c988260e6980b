"""The emulated API server: server fields, generations, finalizers, GC; and the 3-way merge."""

from __future__ import annotations

import datetime

import pytest

from hooks.emulator import cluster, merge
from tests.support import hook_scenario as hs

CM = "ConfigMap.v1"
PP = hs.PP


def _pack(name: str = "p") -> dict[str, object]:
    return {
        "apiVersion": "omnia.altairalabs.ai/v1alpha1",
        "kind": "PromptPack",
        "metadata": {"name": name, "namespace": "ns"},
        "spec": {"version": "1.0.0"},
    }


def test_create_sets_server_fields_and_decodes_string_data() -> None:
    store = hs.new_store()
    pack = store.create(_pack())
    assert pack["metadata"]["generation"] == 1
    assert pack["metadata"]["creationTimestamp"] == "2025-01-02T03:04:05Z"
    secret = store.create(
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "s", "namespace": "ns"},
            "stringData": {"k": "v"},
        }
    )
    assert secret["data"] == {"k": "dg=="}
    assert "stringData" not in secret
    with pytest.raises(cluster.AlreadyExists):
        store.create(_pack())


def test_generation_moves_only_with_content_and_noops_write_nothing() -> None:
    store = hs.new_store()
    store.create(_pack())
    key = (PP, "ns", "p")
    labelled = store.get(key)
    assert labelled is not None
    labelled["metadata"]["labels"] = {"a": "b"}
    assert store.update(labelled)["metadata"]["generation"] == 1
    events = len(store.events)
    store.apply(_pack() | {"metadata": {"name": "p", "namespace": "ns", "labels": {"a": "b"}}})
    assert len(store.events) == events
    store.update_status(key, {"phase": "Active"})
    assert store.get(key)["metadata"]["generation"] == 1  # type: ignore[index]
    store.apply(_pack() | {"spec": {"version": "2.0.0"}})
    after = store.get(key)
    assert after is not None
    assert (after["metadata"]["generation"], after["status"]) == (2, {"phase": "Active"})


def test_stale_resource_version_conflicts() -> None:
    store = hs.new_store()
    first = store.create(_pack())
    store.apply(_pack() | {"spec": {"version": "2.0.0"}})
    with pytest.raises(cluster.Conflict):
        store.update(first)


def test_finalizers_hold_deletion_and_gc_follows_owners() -> None:
    store = hs.new_store()
    owner = store.create(
        _pack() | {"metadata": {"name": "p", "namespace": "ns", "finalizers": ["x/y"]}}
    )
    ref = {
        "apiVersion": "v1",
        "kind": "PromptPack",
        "name": "p",
        "uid": owner["metadata"]["uid"],
        "controller": True,
    }
    store.create(
        {
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "c", "namespace": "ns", "ownerReferences": [ref]},
        }
    )
    store.delete((PP, "ns", "p"))
    held = store.get((PP, "ns", "p"))
    assert held is not None
    assert held["metadata"]["deletionTimestamp"]
    assert store.get((CM, "ns", "c")) is not None
    held["metadata"]["finalizers"] = []
    store.update(held)
    assert store.get((PP, "ns", "p")) is None
    assert store.get((CM, "ns", "c")) is None
    assert [e.type for e in store.events][-2:] == ["DELETED", "DELETED"]


def test_delete_checks_the_uid_precondition() -> None:
    store = hs.new_store()
    store.create(_pack())
    with pytest.raises(cluster.Conflict):
        store.delete((PP, "ns", "p"), uid="someone-else")
    with pytest.raises(cluster.NotFound):
        store.delete((PP, "ns", "q"))


def test_three_way_merge_keeps_server_fields_and_drops_unapplied_ones() -> None:
    observed = {
        "metadata": {"name": "d", "uid": "u", "annotations": {"a": "1", "server": "s"}},
        "spec": {
            "replicas": 1,
            "paused": False,
            "template": {
                "containers": [{"name": "agent", "image": "v1", "terminationMessagePath": "/dev/x"}]
            },
        },
        "status": {"ready": 1},
    }
    last = {
        "metadata": {"name": "d", "annotations": {"a": "1"}},
        "spec": {
            "replicas": 1,
            "paused": False,
            "template": {"containers": [{"name": "agent", "image": "v1"}]},
        },
    }
    desired = {
        "metadata": {"name": "d", "annotations": {"a": "2"}},
        "spec": {"template": {"containers": [{"name": "agent", "image": "v2"}]}},
    }
    merged = merge.three_way(observed, last, desired)
    assert merged["metadata"] == {"name": "d", "uid": "u", "annotations": {"a": "2", "server": "s"}}
    assert merged["spec"] == {
        "template": {
            "containers": [{"name": "agent", "image": "v2", "terminationMessagePath": "/dev/x"}]
        }
    }
    assert merged["status"] == {"ready": 1}
    assert merge.three_way(observed, last, last) == observed


def test_clock_refuses_naive_instants() -> None:
    with pytest.raises(ValueError, match="naive"):
        cluster.Clock(datetime.datetime(2025, 1, 1))  # noqa: DTZ001
