"""`omnia render`: resources in, the statuses and children Metacontroller would produce out."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

from hooks import cli
from tests.support.reference import require_reference

TIME = "2026-01-01T00:00:00+00:00"
SAMPLE_SECRET_VALUE = "sk-ant-your-api-key-here"
CROSS_NAMESPACE_SECRET = """\
apiVersion: v1
kind: Secret
metadata: {name: anthropic-credentials}
stringData: {ANTHROPIC_API_KEY: sk-ant-your-api-key-here}
"""


def _render(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = cli.main(["render", "--time", TIME, *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _documents(text: str) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(text) if doc]


@pytest.fixture
def samples(tmp_path: Path) -> Path:
    """The original samples plus the Secret an agent needs next to a cross-namespace Provider."""
    folder = tmp_path / "samples"
    shutil.copytree(require_reference("omnia-v1alpha1-samples"), folder)
    (folder / "secret-copy.yaml").write_text(CROSS_NAMESPACE_SECRET)
    return folder


def test_render_prints_every_parent_with_status_and_its_children(
    samples: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = _render(capsys, "-f", str(samples), "--assume-ready")
    assert (code, err) == (0, "")
    documents = _documents(out)
    kinds = [d["kind"] for d in documents]
    for kind in ("AgentRuntime", "PromptPack", "ToolRegistry", "Provider"):
        assert kind in kinds
    assert {"ConfigMap", "Deployment", "Service"} <= set(kinds)
    runtime = next(d for d in documents if d["kind"] == "AgentRuntime")
    assert runtime["status"]["phase"] == "Running"
    assert "uid" not in runtime["metadata"]
    for child in (d for d in documents if d["apiVersion"] in ("v1", "apps/v1")):
        kubernetes_validate.validate(child, "1.30.0", strict=True)
    assert SAMPLE_SECRET_VALUE not in out


def test_render_is_reproducible_with_a_fixed_time(
    samples: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    first = _render(capsys, "-f", str(samples))
    second = _render(capsys, "-f", str(samples))
    assert first == second


def test_render_explains_why_an_agent_has_no_children_yet(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = _render(capsys, "-f", str(require_reference("omnia-v1alpha1-samples")))
    assert code == 0
    runtime = next(d for d in _documents(out) if d["kind"] == "AgentRuntime")
    provider = next(c for c in runtime["status"]["conditions"] if c["type"] == "ProviderReady")
    assert provider["status"] == "False"
    assert "anthropic-credentials" in provider["message"]
    ready = next(c for c in runtime["status"]["conditions"] if c["type"] == "Ready")
    assert ready["reason"] == provider["reason"], "the blocking cause is the Ready reason"


def test_render_exits_non_zero_naming_the_invalid_field(
    samples: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = samples / "agentruntime.yaml"
    path.write_text(path.read_text().replace("replicas: 2", "replicas: -1"))
    code, out, err = _render(capsys, "-f", str(samples))
    assert code == 1
    assert "AgentRuntime default/customer-support-agent" in err
    assert "spec.runtime.replicas" in err
    assert "InvalidSpec" in out


@pytest.mark.parametrize(
    ("content", "message"),
    [("a: [unclosed", "while parsing"), ("- just a list\n", "not a Kubernetes object")],
)
def test_render_rejects_unreadable_input(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: str, message: str
) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(content)
    code, _, err = _render(capsys, "-f", str(bad))
    assert code == 1
    assert message in err


def test_render_reports_a_missing_path(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = _render(capsys, "-f", "/nonexistent/omnia")
    assert code == 1
    assert "no such file or directory" in err


def test_render_demo_resources_converge_with_every_child_schema_valid(
    capsys: pytest.CaptureFixture[str],
) -> None:
    demo = Path(__file__).resolve().parents[2] / "hooks" / "demo" / "resources.yaml"
    code, out, err = _render(capsys, "-f", str(demo), "--assume-ready")
    assert (code, err) == (0, "")
    documents = _documents(out)
    runtime = next(d for d in documents if d["kind"] == "AgentRuntime")
    assert runtime["status"]["phase"] == "Running"
    children = [d for d in documents if d["apiVersion"] in ("v1", "apps/v1")]
    assert {c["kind"] for c in children} == {"ConfigMap", "Deployment", "Service"}
    for child in children:
        kubernetes_validate.validate(child, "1.30.0", strict=True)
