"""No secret value ever leaves a hook: not in a response, a status, a child, a log or an error."""

from __future__ import annotations

import base64
import json
import logging
from pathlib import Path
from typing import Any

import pytest

from hooks import k8s, routes
from hooks.emulator import transport, workloads
from tests.support import hook_scenario as hs

CASES = sorted(hs.FIXTURES.glob("*/*.request.json"))


def _secret_values(request: dict[str, Any]) -> set[str]:
    values = set()
    for secret in request.get("related", {}).get(k8s.SECRET, {}).values():
        for encoded in (secret.get("data") or {}).values():
            values.add(base64.b64decode(encoded).decode())
    return values


def _forms(values: set[str]) -> set[str]:
    """A value and its base64 spelling (how Secret data travels)."""
    return values | {base64.b64encode(v.encode()).decode() for v in values}


def _assert_clean(text: str, values: set[str], where: str) -> None:
    for form in _forms(values):
        assert form not in text, f"a secret value leaked into {where}"


def test_fixtures_carry_the_marked_secret_values() -> None:
    found = set().union(*(_secret_values(json.loads(p.read_text())) for p in CASES))
    for marker in hs.SECRET_VALUES:
        assert any(marker in value for value in found), marker


@pytest.mark.parametrize(
    "path", CASES, ids=[f"{p.parent.name}/{p.name.split('.')[0]}" for p in CASES]
)
def test_hook_answer_and_log_hold_no_secret_value(
    path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    request = json.loads(path.read_text())
    kind, case = path.parent.name, path.name.removesuffix(".request.json")
    with caplog.at_level(logging.DEBUG):
        answer = routes.handlers()[routes.path(kind, case.split("-", 1)[0])](
            request, hs.SETTINGS, hs.NOW
        )
    values = _secret_values(request) | set(hs.SECRET_VALUES)
    _assert_clean(json.dumps(answer, ensure_ascii=False), values, "the answer")
    _assert_clean(caplog.text, values, "the log")


class _Recording:
    def __init__(self, inner: transport.Transport) -> None:
        self.inner = inner
        self.bodies: list[bytes] = []

    def post(self, url: str, body: bytes, timeout_s: float) -> transport.Reply:
        reply = self.inner.post(url, body, timeout_s)
        self.bodies.append(reply.body)
        return reply


def test_emulated_cluster_holds_secret_values_only_in_secrets(
    caplog: pytest.LogCaptureFixture,
) -> None:
    store = hs.new_store()
    wire = _Recording(hs.in_process(store))
    emulator = hs.new_emulator(store, wire)
    with caplog.at_level(logging.DEBUG):
        for group in hs.GROUPS:
            hs.create(store, hs.group(group))
        emulator.run_until_stable(hs.ROUND_LIMIT)
        workloads.mark_deployments_ready(store)
        rotated = "sk-fixture-rotated-LEAKCHECK-0004"
        secret = hs.child(store, k8s.SECRET, "openai-credentials")
        store.apply(secret | {"stringData": {"OPENAI_API_KEY": rotated}})
        emulator.run_until_stable(hs.ROUND_LIMIT)
        store.delete(hs.key(k8s.SECRET, "openai-credentials"))
        emulator.run_until_stable(hs.ROUND_LIMIT)
    values = set(hs.SECRET_VALUES) | {rotated}
    for body in wire.bodies:
        _assert_clean(body.decode(), values, "a hook reply")
    for obj_key in store.object_keys():
        if obj_key[0] != k8s.SECRET:
            _assert_clean(json.dumps(store.get(obj_key)), values, "/".join(obj_key))
    _assert_clean(caplog.text + repr(emulator.errors), values, "the log")
