"""The Helm chart, rendered and linted by Helm's own engine (helm-python-sdk, Helm 4, offline)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import helm_python as helm
import kubernetes_validate
import pytest
import yaml

from hooks import controllers
from tests.support import crd_schema
from tests.support.reference import require_reference

REPO = Path(__file__).resolve().parents[2]
CHART = REPO / "charts" / "omnia"
NAMESPACE = "omnia-system"
EVERYTHING_ON: dict[str, Any] = {
    "redis": {"enabled": True},
    "serviceMonitor": {"enabled": True, "labels": {"release": "prom"}},
    "metacontroller": {"rbac": {"create": True}},
    "networkPolicy": {"metricsNamespaceSelector": {"matchLabels": {"name": "monitoring"}}},
    "imagePullSecrets": [{"name": "regcred"}],
    "commonLabels": {"team": "ai"},
    "agentImage": {"repository": "registry.example/omnia-agent", "tag": "1.2.3"},
    "hooks": {"nodeSelector": {"kubernetes.io/os": "linux"}, "podAnnotations": {"a": "b"}},
}
VALUE_SETS = {"defaults": {}, "everything-on": EVERYTHING_ON}
KUBE_VERSIONS = ("1.26.0", "1.37.0")
# Kinds kubernetes-validate has no schema for; they are checked by other means.
CUSTOM_KINDS = {"CompositeController", "ServiceMonitor"}


def render(values: dict[str, Any]) -> list[dict[str, Any]]:
    """Render the chart like `helm template omnia charts/omnia -n omnia-system`."""
    files = helm.Chart.load(str(CHART)).render(
        values, name="omnia", namespace=NAMESPACE, is_install=True
    )
    objects = []
    for path, text in sorted(files.items()):
        if path.endswith("NOTES.txt"):
            continue
        objects += [doc for doc in yaml.safe_load_all(text) if doc]
    return objects


def by_kind(objects: list[dict[str, Any]], kind: str) -> list[dict[str, Any]]:
    return [o for o in objects if o["kind"] == kind]


@pytest.mark.parametrize("values", VALUE_SETS.values(), ids=VALUE_SETS.keys())
def test_chart_lints_clean_in_strict_mode(values: dict[str, Any]) -> None:
    result = helm.lint(str(CHART), values, strict=True, kube_version="v1.30.0")
    assert result["errors"] == []
    assert [m for m in result["messages"] if m["severity"] > 1] == []


@pytest.mark.parametrize("kube_version", KUBE_VERSIONS)
@pytest.mark.parametrize("values", VALUE_SETS.values(), ids=VALUE_SETS.keys())
def test_chart_renders_schema_valid_objects(values: dict[str, Any], kube_version: str) -> None:
    objects = render(values)
    assert objects
    for obj in objects:
        if obj["kind"] not in CUSTOM_KINDS:
            kubernetes_validate.validate(obj, kube_version, strict=True)


def test_chart_optional_features_render_only_when_enabled() -> None:
    default_kinds = {o["kind"] for o in render({})}
    all_kinds = {o["kind"] for o in render(EVERYTHING_ON)}
    optional = {"StatefulSet", "Secret", "ServiceMonitor", "ClusterRole", "ClusterRoleBinding"}
    assert not optional & default_kinds
    assert optional <= all_kinds
    assert {"Deployment", "Service", "ServiceAccount", "NetworkPolicy"} <= default_kinds


def test_chart_hooks_pods_are_hardened() -> None:
    (deployment,) = by_kind(render({}), "Deployment")
    pod = deployment["spec"]["template"]["spec"]
    (container,) = pod["containers"]
    assert pod["securityContext"]["runAsNonRoot"] is True
    assert pod["securityContext"]["seccompProfile"] == {"type": "RuntimeDefault"}
    assert pod["automountServiceAccountToken"] is False
    assert container["securityContext"] == {
        "allowPrivilegeEscalation": False,
        "readOnlyRootFilesystem": True,
        "capabilities": {"drop": ["ALL"]},
    }
    assert container["readinessProbe"]["httpGet"]["path"] == "/healthz"


def test_chart_passes_the_agent_image_to_the_hooks() -> None:
    env = {
        e["name"]: e["value"]
        for e in by_kind(render(EVERYTHING_ON), "Deployment")[0]["spec"]["template"]["spec"][
            "containers"
        ][0]["env"]
    }
    assert env["OMNIA_AGENT_IMAGE"] == "registry.example/omnia-agent:1.2.3"
    assert env["OMNIA_AGENT_IMAGE_PULL_SECRETS"] == "regcred"
    defaults = by_kind(render({}), "Deployment")[0]["spec"]["template"]["spec"]["containers"][0]
    version = yaml.safe_load((CHART / "Chart.yaml").read_text())["appVersion"]
    assert {"name": "OMNIA_AGENT_IMAGE", "value": f"ghcr.io/altairalabs/omnia:{version}"} in (
        defaults["env"]
    )


def test_chart_dev_redis_secret_has_the_url_key_agents_expect() -> None:
    (secret,) = by_kind(render(EVERYTHING_ON), "Secret")
    assert secret["stringData"]["url"] == f"redis://omnia-redis.{NAMESPACE}.svc:6379/0"


def test_chart_network_policy_admits_only_metacontroller_and_denies_egress() -> None:
    (policy,) = by_kind(render({}), "NetworkPolicy")
    assert policy["spec"]["egress"] == []
    (rule,) = policy["spec"]["ingress"]
    selector = rule["from"][0]["namespaceSelector"]["matchLabels"]
    assert selector == {"kubernetes.io/metadata.name": "metacontroller"}


def test_chart_common_labels_reach_every_object() -> None:
    for obj in render(EVERYTHING_ON):
        assert obj["metadata"]["labels"]["team"] == "ai", obj["metadata"]["name"]


def test_chart_crds_are_the_generated_crds() -> None:
    chart_crds = {p.name: p.read_text() for p in (CHART / "crds").glob("*.yaml")}
    top_crds = {p.name: p.read_text() for p in (REPO / "crds").glob("*.yaml")}
    assert chart_crds == top_crds, "run `make generate`"


def test_chart_versions_follow_the_package() -> None:
    package = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["version"]
    chart = yaml.safe_load((CHART / "Chart.yaml").read_text())
    assert chart["appVersion"] == package
    assert chart["version"] == package


BAD_VALUES = [
    ({"hooks": {"replicas": "two"}}, "/hooks/replicas"),
    ({"hooks": {"port": 70000}}, "/hooks/port"),
    ({"image": {"pullPolicy": "Sometimes"}}, "/image/pullPolicy"),
    ({"redis": {"enabled": "yes"}}, "/redis/enabled"),
    ({"hookz": {}}, "hookz"),
    ({"serviceMonitor": {"interval": "often"}}, "/serviceMonitor/interval"),
]


@pytest.mark.parametrize(("values", "where"), BAD_VALUES, ids=[b[1] for b in BAD_VALUES])
def test_chart_rejects_bad_values_naming_the_key(values: dict[str, Any], where: str) -> None:
    with pytest.raises(helm.HelmValuesError, match=re.escape(where)):
        render(values)


def _schema_keys(schema: dict[str, Any], prefix: str = "") -> list[str]:
    keys = []
    for name, sub in schema.get("properties", {}).items():
        if "description" not in sub and sub.get("additionalProperties") is not False:
            continue  # structure inside a documented key (e.g. resources.requests)
        if "description" in sub:
            keys.append(prefix + name)
        if sub.get("additionalProperties") is False:
            keys += _schema_keys(sub, f"{prefix}{name}.")
    return keys


def test_chart_values_are_documented_key_by_key() -> None:
    schema = yaml.safe_load((CHART / "values.schema.json").read_text())
    lines = (CHART / "values.yaml").read_text().splitlines()
    for key in _schema_keys(schema):
        if key == "global":
            continue
        leaf = key.rsplit(".", 1)[-1]
        depth = key.count(".")
        pattern = re.compile(rf"^{' ' * (2 * depth)}{re.escape(leaf)}:")
        index = next((i for i, line in enumerate(lines) if pattern.match(line)), None)
        assert index is not None, f"{key} missing from values.yaml"
        assert lines[index - 1].lstrip().startswith("#"), f"{key} has no comment above it"


def test_chart_composite_controllers_validate_against_metacontroller() -> None:
    crds = crd_schema.load_yaml_documents(
        require_reference("metacontroller", "metacontroller-crds-v1.yaml")
    )
    (crd,) = [c for c in crds if c["spec"]["names"]["kind"] == "CompositeController"]
    controllers = by_kind(render({}), "CompositeController")
    for controller in controllers:
        assert crd_schema.schema_errors(crd, controller) == []


def test_chart_controllers_template_is_generated_from_the_definitions() -> None:
    template = (REPO / controllers.HELM_TEMPLATE_PATH).read_text()
    assert template == controllers.render_helm_template(), "run `make generate`"


def test_chart_controllers_equal_the_metacontroller_manifests_but_for_the_address() -> None:
    rendered = {c["metadata"]["name"]: c for c in by_kind(render({}), "CompositeController")}
    checked_in = {
        c["metadata"]["name"]: c
        for path in sorted((REPO / "metacontroller").glob("*.yaml"))
        for c in crd_schema.load_yaml_documents(path)
    }
    assert sorted(rendered) == sorted(checked_in)
    chart_url = f"http://omnia-hooks.{NAMESPACE}:80"
    for name, controller in rendered.items():
        expected = yaml.safe_load(
            yaml.safe_dump(checked_in[name]["spec"]).replace(
                controllers.DEFAULT_SERVICE_URL, chart_url
            )
        )
        assert controller["spec"] == expected, name
        assert controller["metadata"]["labels"]["app.kubernetes.io/part-of"] == "omnia"


def test_chart_controllers_can_be_turned_off() -> None:
    assert by_kind(render({"controllers": {"enabled": False}}), "CompositeController") == []
