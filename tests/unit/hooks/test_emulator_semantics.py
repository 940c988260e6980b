"""The emulator reproduces Metacontroller's CompositeController behaviour (research §7)."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from hooks.emulator import cluster, manager, transport
from tests.support import hook_scenario as hs

PARENT = {
    "apiVersion": "omnia.altairalabs.ai/v1alpha1",
    "kind": "PromptPack",
    "metadata": {"name": "p", "namespace": "ns"},
    "spec": {"version": "1.0.0"},
}
PARENT_KEY = (hs.PP, "ns", "p")
CM = "ConfigMap.v1"
Handler = Callable[[str, dict[str, Any]], Any]


class Scripted:
    """A transport answering with a test function: (hook, request) -> dict or Reply."""

    def __init__(self, handler: Handler) -> None:
        self.handler = handler
        self.requests: list[tuple[str, dict[str, Any]]] = []

    def post(self, url: str, body: bytes, timeout_s: float) -> transport.Reply:
        hook = url.rsplit("/", 1)[-1]
        request = json.loads(body)
        self.requests.append((hook, request))
        answer = self.handler(hook, request)
        if isinstance(answer, transport.Reply):
            return answer
        return transport.Reply(200, json.dumps(answer).encode())


def controller(
    *,
    methods: tuple[str, ...] = ("InPlace",),
    hooks: tuple[str, ...] = ("sync",),
    version: str = "v2",
    generate_selector: bool = True,
    **webhook: Any,
) -> dict[str, Any]:
    resources = ("configmaps", "services")
    return {
        "apiVersion": "metacontroller.k8s.io/v1alpha1",
        "kind": "CompositeController",
        "metadata": {"name": "toy"},
        "spec": {
            "generateSelector": generate_selector,
            "parentResource": {
                "apiVersion": "omnia.altairalabs.ai/v1alpha1",
                "resource": "promptpacks",
            },
            "childResources": [
                {"apiVersion": "v1", "resource": r, "updateStrategy": {"method": m}}
                for r, m in zip(resources, methods, strict=False)
            ],
            "hooks": {
                h: {"version": version, "webhook": {"url": f"http://toy/{h}", **webhook}}
                for h in hooks
            },
        },
    }


def config_map(name: str, data: dict[str, str] | None = None, **labels: str) -> dict[str, Any]:
    meta: dict[str, Any] = {"name": name, "namespace": "ns"}
    if labels:
        meta["labels"] = labels
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta, "data": data or {"k": "v"}}


def setup(
    handler: Handler, cc: dict[str, Any] | None = None, *, warmup: bool = False
) -> tuple[cluster.Cluster, manager.Emulator, Scripted]:
    store = hs.new_store()
    wire = Scripted(handler)
    emulator = manager.Emulator(store, [cc or controller()], wire, informer_warmup=warmup)
    store.create(PARENT)
    return store, emulator, wire


def owned(store: cluster.Cluster) -> list[dict[str, Any]]:
    return [o for o in store.list(CM, "ns") if o["metadata"].get("ownerReferences")]


def test_request_has_every_key_and_child_type() -> None:
    store, emulator, wire = setup(
        lambda h, r: {"status": {"n": len(r["children"][CM])}, "children": [config_map("a")]},
        controller(methods=("InPlace", "OnDelete")),
    )
    emulator.run_until_stable()
    first, last = wire.requests[0][1], wire.requests[-1][1]
    assert set(first) == {"controller", "parent", "children", "related", "finalizing"}
    assert first["children"] == {CM: {}, "Service.v1": {}}
    assert first["related"] == {}
    assert first["finalizing"] is False
    assert list(last["children"][CM]) == ["ns/a"]
    observed = last["children"][CM]["ns/a"]["metadata"]
    assert {"uid", "resourceVersion", "creationTimestamp", "ownerReferences"} <= set(observed)
    assert observed["labels"] == {"controller-uid": store.get(PARENT_KEY)["metadata"]["uid"]}  # type: ignore[index]


def test_v1_hook_keys_children_by_name() -> None:
    _, emulator, wire = setup(
        lambda h, r: {"children": [config_map("a")]}, controller(version="v1")
    )
    emulator.run_until_stable()
    assert list(wire.requests[-1][1]["children"][CM]) == ["a"]


def test_created_child_gets_owner_reference_and_last_applied() -> None:
    store, emulator, _ = setup(lambda h, r: {"children": [config_map("a")]})
    emulator.run_until_stable()
    (child,) = owned(store)
    ref = child["metadata"]["ownerReferences"][0]
    assert ref | {"uid": "x"} == {
        "apiVersion": "omnia.altairalabs.ai/v1alpha1",
        "kind": "PromptPack",
        "name": "p",
        "uid": "x",
        "controller": True,
        "blockOwnerDeletion": True,
    }
    applied = json.loads(
        child["metadata"]["annotations"]["metacontroller.k8s.io/last-applied-configuration"]
    )
    assert applied["data"] == {"k": "v"}


def test_status_is_replaced_wholesale_with_observed_generation() -> None:
    answers = iter([{"status": {"a": 1, "b": 2}}, {"status": {"a": 1}}])
    store, emulator, _ = setup(lambda h, r: next(answers, {"status": {"a": 1}}))
    emulator.run_until_stable()
    assert store.get(PARENT_KEY)["status"] == {"a": 1, "observedGeneration": 1}  # type: ignore[index]


def test_missing_status_wipes_it_to_observed_generation() -> None:
    store, emulator, _ = setup(lambda h, r: {"children": []})
    store.update_status(PARENT_KEY, {"phase": "Active"})
    emulator.run_until_stable()
    assert store.get(PARENT_KEY)["status"] == {"observedGeneration": 1}  # type: ignore[index]


def test_missing_children_key_deletes_every_child() -> None:
    answers = iter([{"children": [config_map("a"), config_map("b")]}])
    store, emulator, _ = setup(lambda h, r: next(answers, {"status": {}}))
    emulator.run_until_stable()
    assert owned(store) == []


def test_unchanged_desire_writes_nothing() -> None:
    store, emulator, _ = setup(lambda h, r: {"children": [config_map("a")]})
    emulator.run_until_stable()
    events = len(store.events)
    emulator.enqueue("toy", PARENT_KEY)
    assert emulator.run_until_stable() == 1
    assert len(store.events) == events


@pytest.mark.parametrize(
    ("method", "updated", "recreated"),
    [("InPlace", True, False), ("OnDelete", False, False), ("Recreate", True, True)],
)
def test_update_strategy(method: str, updated: bool, recreated: bool) -> None:
    data = {"k": "v1"}
    store, emulator, _ = setup(
        lambda h, r: {"children": [config_map("a", dict(data))]}, controller(methods=(method,))
    )
    emulator.run_until_stable()
    uid = owned(store)[0]["metadata"]["uid"]
    data["k"] = "v2"
    emulator.enqueue("toy", PARENT_KEY)
    emulator.run_until_stable()
    (child,) = owned(store)
    assert (child["data"]["k"] == "v2") is updated
    assert (child["metadata"]["uid"] != uid) is recreated


def test_label_mismatch_aborts_the_whole_sync() -> None:
    cc = controller(generate_selector=False)
    parent = dict(PARENT, spec={"selector": {"matchLabels": {"app": "p"}}})
    store = hs.new_store()
    wire = Scripted(
        lambda h, r: {
            "status": {"x": 1},
            "children": [config_map("a", app="p"), config_map("b", app="q")],
        }
    )
    emulator = manager.Emulator(store, [cc], wire, informer_warmup=False)
    store.create(parent)
    emulator.sync("toy", PARENT_KEY)
    assert owned(store) == []
    assert "status" not in store.get(PARENT_KEY)
    assert "labels do not match" in emulator.errors[-1].message


def test_parent_without_selector_fails_when_selector_not_generated() -> None:
    store = hs.new_store()
    emulator = manager.Emulator(
        store,
        [controller(generate_selector=False)],
        Scripted(lambda h, r: {}),
        informer_warmup=False,
    )
    store.create(PARENT)
    assert emulator.sync("toy", PARENT_KEY) is False
    assert "spec.selector" in emulator.errors[-1].message


def test_orphans_are_adopted_and_mismatching_children_released() -> None:
    answers: list[dict[str, Any]] = []
    store, emulator, _wire = setup(
        lambda h, r: answers.append(r["children"]) or {"children": [config_map("orphan")]}
    )
    uid = store.get(PARENT_KEY)["metadata"]["uid"]  # type: ignore[index]
    store.create(config_map("orphan", **{"controller-uid": uid}))
    store.create(config_map("stranger", **{"controller-uid": "someone-else"}))
    emulator.run_until_stable()
    assert list(answers[0][CM]) == ["ns/orphan"]
    assert [o["metadata"]["name"] for o in owned(store)] == ["orphan"]
    released = store.get((CM, "ns", "orphan"))
    released["metadata"]["labels"] = {}  # type: ignore[index]
    store.update(released)  # type: ignore[arg-type]
    emulator.sync("toy", PARENT_KEY)
    assert "ownerReferences" not in store.get((CM, "ns", "orphan"))["metadata"]  # type: ignore[index]


@pytest.mark.parametrize(
    ("reply", "message"),
    [
        (transport.Reply(500, b'{"error": "boom"}'), "HTTP 500"),
        (transport.Reply(200, b"not json"), "can't unmarshal"),
        (transport.Reply(200, b'{"status": {}, "extra": 1}'), "unknown field(s) extra"),
        (transport.Reply(200, b'{"status": {}, "status": {}}'), "duplicate field"),
        (transport.Reply(200, b"[]"), "not a JSON object"),
    ],
)
def test_failed_sync_applies_nothing(reply: transport.Reply, message: str) -> None:
    store, emulator, _ = setup(lambda h, r: reply)
    assert emulator.sync("toy", PARENT_KEY) is False
    assert message in emulator.errors[-1].message
    assert owned(store) == []
    assert "status" not in store.get(PARENT_KEY)


def test_loose_mode_ignores_unknown_fields() -> None:
    cc = controller(responseUnMarshallMode="loose")
    _store, emulator, _ = setup(
        lambda h, r: transport.Reply(200, b'{"status": {"a": 1}, "extra": 1}'), cc
    )
    assert emulator.sync("toy", PARENT_KEY) is True


def test_unreachable_hook_is_retried_until_it_answers() -> None:
    failures = iter([True, True])

    def flaky(hook: str, request: dict[str, Any]) -> Any:
        if next(failures, False):
            raise transport.TransportError("connection refused")
        return {"children": [config_map("a")]}

    store, emulator, _ = setup(flaky)
    assert emulator.run_until_stable() == 4
    assert [e.message for e in emulator.errors] == ["sync hook: connection refused"] * 2
    assert len(owned(store)) == 1


def test_never_converging_hook_raises() -> None:
    counter = iter(range(1000))
    _, emulator, _ = setup(lambda h, r: {"status": {"n": next(counter)}})
    with pytest.raises(manager.NotConverged, match="no fixpoint after 5 rounds"):
        emulator.run_until_stable(5)


def test_resync_after_seconds_fires_when_the_clock_moves() -> None:
    _, emulator, wire = setup(lambda h, r: {"resyncAfterSeconds": 30})
    emulator.run_until_stable()
    calls = len(wire.requests)
    emulator.advance(29)
    assert emulator.run_until_stable() == 0
    emulator.advance(1)
    assert emulator.run_until_stable() == 1
    assert len(wire.requests) == calls + 1


def test_429_is_retried_after_retry_after() -> None:
    answers = iter([transport.Reply(429, b"", retry_after="7")])
    _, emulator, _ = setup(lambda h, r: next(answers, {}))
    assert emulator.run_until_stable() == 1
    assert list(emulator.pending_timers().values()) == [hs.NOW.timestamp() + 7]
    emulator.advance(7)
    assert emulator.run_until_stable() >= 1
    assert emulator.pending_timers() == {}


def test_finalizer_lifecycle() -> None:
    def hook(name: str, request: dict[str, Any]) -> dict[str, Any]:
        if name == "finalize":
            assert request["finalizing"] is True
            return {"children": [], "finalized": not request["children"][CM]}
        return {"children": [config_map("a")]}

    store, emulator, wire = setup(hook, controller(hooks=("sync", "finalize")))
    emulator.run_until_stable()
    assert store.get(PARENT_KEY)["metadata"]["finalizers"] == [
        "metacontroller.io/compositecontroller-toy"
    ]  # type: ignore[index]
    assert wire.requests[0][1]["parent"]["metadata"]["finalizers"] == [
        "metacontroller.io/compositecontroller-toy"
    ]
    store.delete(PARENT_KEY)
    emulator.run_until_stable()
    assert store.get(PARENT_KEY) is None
    assert owned(store) == []
    finals = [r for h, r in wire.requests if h == "finalize"]
    assert [bool(r["children"][CM]) for r in finals] == [True, False]


def test_delete_without_finalize_hook_cascades_children() -> None:
    store, emulator, _ = setup(lambda h, r: {"children": [config_map("a")]})
    emulator.run_until_stable()
    store.delete(PARENT_KEY)
    assert store.get(PARENT_KEY) is None
    assert store.list(CM) == []
    assert emulator.run_until_stable() <= 1


CUSTOMIZE_CASES = [
    ({"names": ["a"], "labelSelector": {}}, "names cannot be combined"),
    ({"names": ["a"], "namespaceSelector": {}}, "names cannot be combined"),
    ({"namespace": "x", "namespaceSelector": {}}, "namespace cannot be combined"),
    ({"resource": "widgets"}, "can't find resource"),
]


@pytest.mark.parametrize(("rule", "message"), CUSTOMIZE_CASES)
def test_customize_rule_errors_fail_the_sync(rule: dict[str, Any], message: str) -> None:
    full = {"apiVersion": "v1", "resource": "secrets"} | rule

    def hook(name: str, request: dict[str, Any]) -> dict[str, Any]:
        return {"relatedResources": [full]} if name == "customize" else {}

    _, emulator, wire = setup(hook, controller(hooks=("sync", "customize")))
    assert emulator.sync("toy", PARENT_KEY) is False
    assert message in emulator.errors[-1].message
    assert [h for h, _ in wire.requests] == ["customize"]


def _related_setup(
    rules: list[dict[str, Any]], version: str = "v2"
) -> tuple[cluster.Cluster, manager.Emulator, Scripted]:
    def hook(name: str, request: dict[str, Any]) -> dict[str, Any]:
        return {"relatedResources": rules} if name == "customize" else {"status": {}}

    store, emulator, wire = setup(
        hook, controller(hooks=("sync", "customize"), version=version), warmup=True
    )
    for ns, name, labels in (("ns", "a", {"x": "1"}), ("ns", "b", {}), ("other", "a", {"x": "1"})):
        store.create(
            {
                "apiVersion": "v1",
                "kind": "Secret",
                "metadata": {"name": name, "namespace": ns, "labels": labels},
            }
        )
    store.create(
        {
            "apiVersion": "v1",
            "kind": "Namespace",
            "metadata": {"name": "other", "labels": {"team": "t"}},
        }
    )
    return store, emulator, wire


@pytest.mark.parametrize(
    ("rule", "version", "keys"),
    [
        ({"namespace": "ns", "names": ["a"]}, "v2", ["ns/a"]),
        ({"names": ["a"]}, "v2", ["ns/a", "other/a"]),
        ({"namespace": "ns", "labelSelector": {"matchLabels": {"x": "1"}}}, "v2", ["ns/a"]),
        ({"labelSelector": {}}, "v2", ["ns/a", "ns/b", "other/a"]),
        ({}, "v2", ["ns/a", "ns/b", "other/a"]),
        ({"namespaceSelector": {"matchLabels": {"team": "t"}}}, "v2", ["other/a"]),
        ({"labelSelector": {}}, "v1", ["a", "b"]),
    ],
)
def test_related_selection_rules(rule: dict[str, Any], version: str, keys: list[str]) -> None:
    _store, emulator, wire = _related_setup(
        [{"apiVersion": "v1", "resource": "secrets"} | rule], version
    )
    emulator.run_until_stable()
    assert "not synced yet" in emulator.errors[0].message
    syncs = [r for h, r in wire.requests if h == "sync"]
    assert sorted(syncs[-1]["related"]["Secret.v1"]) == keys


def test_related_change_resyncs_only_matching_parents() -> None:
    store, emulator, wire = _related_setup(
        [{"apiVersion": "v1", "resource": "secrets", "namespace": "ns", "names": ["a"]}]
    )
    emulator.run_until_stable()
    syncs = sum(1 for h, _ in wire.requests if h == "sync")
    store.apply(
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "b", "namespace": "ns"},
            "stringData": {"x": "y"},
        }
    )
    assert emulator.run_until_stable() == 0
    store.apply(
        {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": "a", "namespace": "ns"},
            "stringData": {"x": "y"},
        }
    )
    assert emulator.run_until_stable() >= 1
    assert sum(1 for h, _ in wire.requests if h == "sync") == syncs + 1


def test_customize_failure_skips_sync_and_status() -> None:
    def hook(name: str, request: dict[str, Any]) -> Any:
        return transport.Reply(500, b"{}") if name == "customize" else {"status": {"a": 1}}

    store, emulator, wire = setup(hook, controller(hooks=("sync", "customize")))
    assert emulator.sync("toy", PARENT_KEY) is False
    assert [h for h, _ in wire.requests] == ["customize"]
    assert "status" not in store.get(PARENT_KEY)  # type: ignore[operator]


def test_parent_leaving_the_label_selector_is_finalized_then_ignored() -> None:
    cc = controller(hooks=("sync", "finalize"))
    cc["spec"]["parentResource"]["labelSelector"] = {"matchLabels": {"managed": "yes"}}

    def hook(name: str, request: dict[str, Any]) -> dict[str, Any]:
        if name == "finalize":
            return {"children": [], "finalized": not request["children"][CM]}
        return {"children": [config_map("a")]}

    store = hs.new_store()
    wire = Scripted(hook)
    emulator = manager.Emulator(store, [cc], wire, informer_warmup=False)
    store.create(
        PARENT | {"metadata": {"name": "p", "namespace": "ns", "labels": {"managed": "yes"}}}
    )
    emulator.run_until_stable()
    assert len(owned(store)) == 1
    parent = store.get(PARENT_KEY)
    assert parent is not None
    parent["metadata"]["labels"] = {}
    store.update(parent)
    emulator.run_until_stable()
    assert owned(store) == []
    remaining = store.get(PARENT_KEY)
    assert remaining is not None
    assert remaining["metadata"].get("finalizers") == []
    calls = len(wire.requests)
    emulator.enqueue("toy", PARENT_KEY)
    emulator.run_until_stable()
    assert len(wire.requests) == calls


def test_v1_customize_cannot_reach_another_namespace() -> None:
    rule = {"apiVersion": "v1", "resource": "secrets", "namespace": "other", "names": ["a"]}

    def hook(name: str, request: dict[str, Any]) -> dict[str, Any]:
        return {"relatedResources": [rule]} if name == "customize" else {}

    _, emulator, _ = setup(hook, controller(hooks=("sync", "customize"), version="v1"))
    assert emulator.sync("toy", PARENT_KEY) is False
    assert "differs from the parent's ns (hook v1)" in emulator.errors[-1].message


def test_resync_period_resyncs_every_parent() -> None:
    cc = controller()
    cc["spec"]["resyncPeriodSeconds"] = 60
    _, emulator, wire = setup(lambda h, r: {}, cc)
    emulator.run_until_stable()
    calls = len(wire.requests)
    emulator.advance(30)
    assert emulator.run_until_stable() == 0
    emulator.advance(30)
    assert emulator.run_until_stable() == 1
    assert len(wire.requests) == calls + 1


class _OnceConflicting(cluster.Cluster):
    """A cluster whose next update loses a race with another writer."""

    conflicts = 1

    def update(self, obj: dict[str, Any]) -> dict[str, Any]:
        if self.conflicts:
            self.conflicts -= 1
            raise cluster.Conflict("the object has been modified")
        return super().update(obj)


def test_a_lost_write_race_is_retried() -> None:
    store = _OnceConflicting(cluster.Clock(hs.NOW))
    emulator = manager.Emulator(
        store,
        [controller(hooks=("sync", "finalize"))],
        Scripted(lambda h, r: {}),
        informer_warmup=False,
    )
    store.create(PARENT)
    assert emulator.run_until_stable() >= 2
    assert emulator.errors[0].message.startswith("Conflict:")
    parent = store.get(PARENT_KEY)
    assert parent is not None
    assert parent["metadata"]["finalizers"] == ["metacontroller.io/compositecontroller-toy"]
