"""The hook service over HTTP: Flask's test client, then a real gunicorn process."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import flask.testing
import pytest

from hooks import app as hook_app
from hooks import routes
from hooks.settings import HookSettings
from tests.support import hook_scenario as hs
from tests.support.hook_server import hook_server

CASES = sorted(hs.FIXTURES.glob("*/*.request.json"))


@pytest.fixture
def client() -> flask.testing.FlaskClient:
    return hook_app.create_app(hs.SETTINGS, clock=lambda: hs.NOW).test_client()


def _route(path: Path) -> str:
    case = path.name.removesuffix(".request.json")
    return routes.path(path.parent.name, case.split("-", 1)[0])


def _golden(path: Path) -> Any:
    return json.loads(path.with_name(path.name.replace(".request.", ".response.")).read_text())


@pytest.mark.parametrize(
    "path", CASES, ids=[f"{p.parent.name}/{p.name.split('.')[0]}" for p in CASES]
)
def test_app_answers_every_fixture_like_the_pure_hook(
    client: flask.testing.FlaskClient, path: Path
) -> None:
    answer = client.post(_route(path), data=path.read_bytes(), content_type="application/json")
    assert answer.status_code == 200
    assert answer.mimetype == "application/json"
    assert answer.get_json() == _golden(path)


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"{not json", "body: not JSON"),
        (b"\xff\xfe", "body: not JSON"),
        (b"[]", "body: expected a JSON object"),
        (b'{"children": {}}', "parent: expected a JSON object"),
        (b'{"parent": {"metadata": {"name": "a"}}}', "parent.metadata.namespace"),
        (
            b'{"parent": {"metadata": {"name": "a", "namespace": "n"}}, "children": []}',
            "children: expected",
        ),
        (
            b'{"parent": {"metadata": {"name": "a", "namespace": "n"}}, "finalizing": "yes"}',
            "finalizing",
        ),
    ],
)
def test_app_rejects_what_is_not_a_metacontroller_request(
    client: flask.testing.FlaskClient, body: bytes, message: str
) -> None:
    answer = client.post("/hooks/agentruntime/sync", data=body, content_type="application/json")
    assert answer.status_code == 400
    assert message in answer.get_json()["error"]


def test_app_answers_unknown_paths_and_methods_in_json(client: flask.testing.FlaskClient) -> None:
    missing = client.post("/hooks/agentruntime/rollback", data=b"{}")
    assert (missing.status_code, missing.mimetype) == (404, "application/json")
    wrong = client.get("/hooks/provider/sync")
    assert (wrong.status_code, wrong.mimetype) == (405, "application/json")
    assert "error" in wrong.get_json()


def test_app_refuses_oversized_bodies(client: flask.testing.FlaskClient) -> None:
    body = b"{" + b" " * hook_app.MAX_REQUEST_BYTES + b"}"
    answer = client.post("/hooks/provider/sync", data=body, content_type="application/json")
    assert answer.status_code == 413


def test_app_turns_a_hook_bug_into_a_logged_counted_500(caplog: pytest.LogCaptureFixture) -> None:
    def broken(body: object, settings: HookSettings, now: Any) -> dict[str, Any]:
        raise RuntimeError("detail that must stay in the log")

    app = hook_app.create_app(hs.SETTINGS, table={routes.path("provider", "sync"): broken})
    with caplog.at_level(logging.ERROR, logger="omnia.hooks"):
        answer = app.test_client().post("/hooks/provider/sync", data=b"{}")
    assert answer.status_code == 500
    assert answer.get_json() == {"error": "internal error in the provider sync hook"}
    assert "detail that must stay in the log" in caplog.text
    metrics = app.test_client().get("/metrics").get_data(as_text=True)
    assert 'omnia_hook_errors_total{hook="sync",kind="provider",type="exception"} 1.0' in metrics


def test_app_serves_health_and_metrics(client: flask.testing.FlaskClient) -> None:
    assert client.get("/healthz").get_json() == {"status": "ok"}
    client.post(
        "/hooks/provider/sync", data=(hs.FIXTURES / "provider/sync-ready.request.json").read_bytes()
    )
    client.post("/hooks/provider/sync", data=b"nope")
    metrics = client.get("/metrics")
    text = metrics.get_data(as_text=True)
    assert metrics.mimetype == "text/plain"
    assert 'omnia_hook_duration_seconds_count{hook="sync",kind="provider"} 2.0' in text
    assert 'omnia_hook_duration_seconds_count{hook="customize",kind="agentruntime"} 0.0' in text
    assert 'omnia_hook_errors_total{hook="sync",kind="provider",type="bad_request"} 1.0' in text


def _post(url: str, body: bytes) -> tuple[int, Any]:
    request = urllib.request.Request(
        url, data=body, method="POST", headers={"Content-Type": "application/json"}
    )
    try:
        with urllib.request.urlopen(request, timeout=10) as answer:
            return answer.status, json.loads(answer.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


@pytest.mark.slow
def test_gunicorn_serves_the_hooks() -> None:
    converged = hs.FIXTURES / "agentruntime" / "sync-converged.request.json"
    with hook_server() as base_url:
        status, answer = _post(base_url + "/hooks/agentruntime/sync", converged.read_bytes())
        assert status == 200
        # a converged request carries every condition's time over: the real clock shows nowhere
        assert answer == _golden(converged)
        assert _post(base_url + "/hooks/agentruntime/sync", b"[")[0] == 400
        with urllib.request.urlopen(base_url + "/metrics", timeout=5) as metrics:
            assert (
                b'omnia_hook_duration_seconds_count{hook="sync",kind="agentruntime"} 2.0'
                in metrics.read()
            )


def test_omnia_hooks_rejects_a_bad_port() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "hooks.cli", "hooks"],
        env={"PORT": "http", "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 2
    assert "PORT: 'http' is not a number from 1 to 65535" in done.stderr


def test_app_answers_400_to_absurdly_nested_json(client: flask.testing.FlaskClient) -> None:
    answer = client.post("/hooks/provider/sync", data=b"[" * 100_000 + b"]" * 100_000)
    assert answer.status_code == 400
