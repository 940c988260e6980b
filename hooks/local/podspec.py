"""Plan how to run one pod of a Deployment on this machine: argv, env, volumes and probes.

Pure: it reads the Deployment and the ConfigMaps and Secrets it references, resolves env the
way the kubelet does (values, secretKeyRef, configMapKeyRef, fieldRef, envFrom) and fails the
way the kubelet would when a non-optional reference is missing. Two adaptations make a pod
local, and nothing else is changed: mount paths point at host directories, and the address
0.0.0.0 (all of the pod's interfaces) becomes the pod's own loopback address, since every pod
gets one (127.x.y.z) the way it would get its own pod IP.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ObjectKey = tuple[str, str, str]  # (kind, namespace, name)
ALL_INTERFACES = "0.0.0.0"


class PodError(Exception):
    """The pod cannot start, as the kubelet would report it (e.g. CreateContainerConfigError)."""


@dataclass(frozen=True)
class Volume:
    """One mounted volume: where the container sees it and what fills it."""

    name: str
    mount_path: str
    source_kind: str | None
    """ConfigMap, Secret, or None for an emptyDir."""
    source_name: str | None


@dataclass(frozen=True)
class Probe:
    """An HTTP probe, with its port resolved to a number."""

    path: str
    port: int


@dataclass(frozen=True)
class PodPlan:
    """Everything needed to start the pod's first container as a local process."""

    name: str
    namespace: str
    argv: tuple[str, ...]
    env: dict[str, str]
    volumes: tuple[Volume, ...]
    readiness: Probe | None
    liveness: Probe | None
    ports: dict[str, int] = field(default_factory=dict)


def _lookup(
    objects: Mapping[ObjectKey, dict[str, Any]], kind: str, namespace: str, name: str
) -> dict[str, Any] | None:
    return objects.get((kind, namespace, name))


def _data(obj: dict[str, Any]) -> dict[str, str]:
    if obj["kind"] == "Secret":
        decoded = {k: base64.b64decode(v).decode() for k, v in (obj.get("data") or {}).items()}
        return decoded | dict(obj.get("stringData") or {})
    return dict(obj.get("data") or {})


def _key_ref(
    ref: dict[str, Any], kind: str, namespace: str, objects: Mapping[ObjectKey, dict[str, Any]]
) -> str | None:
    obj = _lookup(objects, kind, namespace, ref["name"])
    value = None if obj is None else _data(obj).get(ref["key"])
    if value is None and not ref.get("optional", False):
        missing = f"{kind} {ref['name']}" if obj is None else f"key {ref['key']} in {ref['name']}"
        raise PodError(f"CreateContainerConfigError: {missing} not found")
    return value


def _env_value(
    entry: dict[str, Any], pod: tuple[str, str], objects: Mapping[ObjectKey, dict[str, Any]]
) -> str | None:
    name, namespace = pod
    if "valueFrom" not in entry:
        return str(entry.get("value", ""))
    source = entry["valueFrom"]
    if "secretKeyRef" in source:
        return _key_ref(source["secretKeyRef"], "Secret", namespace, objects)
    if "configMapKeyRef" in source:
        return _key_ref(source["configMapKeyRef"], "ConfigMap", namespace, objects)
    if "fieldRef" in source:
        fields = {"metadata.name": name, "metadata.namespace": namespace}
        path = source["fieldRef"]["fieldPath"]
        if path not in fields:
            raise PodError(f"unsupported fieldRef {path}")
        return fields[path]
    raise PodError(f"unsupported env source for {entry['name']}: {sorted(source)}")


def _env(
    container: dict[str, Any], pod: tuple[str, str], objects: Mapping[ObjectKey, dict[str, Any]]
) -> dict[str, str]:
    env: dict[str, str] = {}
    for source in container.get("envFrom", []):
        kind = "Secret" if "secretRef" in source else "ConfigMap"
        ref = source.get("secretRef") or source.get("configMapRef") or {}
        obj = _lookup(objects, kind, pod[1], ref.get("name", ""))
        if obj is None and not ref.get("optional", False):
            raise PodError(f"CreateContainerConfigError: {kind} {ref.get('name')} not found")
        prefix = source.get("prefix", "")
        env |= {prefix + k: v for k, v in (_data(obj) if obj else {}).items()}
    for entry in container.get("env", []):
        value = _env_value(entry, pod, objects)
        if value is not None:
            env[entry["name"]] = value
    return env


def _volumes(pod_spec: dict[str, Any], container: dict[str, Any]) -> tuple[Volume, ...]:
    declared = {v["name"]: v for v in pod_spec.get("volumes", [])}
    volumes = []
    for mount in container.get("volumeMounts", []):
        if "subPath" in mount:
            raise PodError(f"volume mount {mount['name']}: subPath is not supported locally")
        spec = declared[mount["name"]]
        if "configMap" in spec:
            kind, source = "ConfigMap", spec["configMap"]["name"]
        elif "secret" in spec:
            kind, source = "Secret", spec["secret"]["secretName"]
        elif "emptyDir" in spec:
            kind, source = None, None
        else:
            raise PodError(f"volume {mount['name']}: only configMap, secret and emptyDir run here")
        volumes.append(Volume(mount["name"], mount["mountPath"], kind, source))
    return tuple(volumes)


def _probe(container: dict[str, Any], key: str, ports: dict[str, int]) -> Probe | None:
    http = (container.get(key) or {}).get("httpGet")
    if http is None:
        return None
    port = http["port"]
    return Probe(http.get("path", "/"), ports[port] if isinstance(port, str) else int(port))


def plan_pod(
    deployment: dict[str, Any], objects: Mapping[ObjectKey, dict[str, Any]], pod_name: str
) -> PodPlan:
    """Return the plan of one pod of a Deployment (its first container).

    Raises:
        PodError: a referenced Secret/ConfigMap or key is missing, or the pod uses a feature
            that cannot run locally.
    """
    namespace = deployment["metadata"].get("namespace", "default")
    pod_spec = deployment["spec"]["template"]["spec"]
    container = pod_spec["containers"][0]
    ports = {p["name"]: p["containerPort"] for p in container.get("ports", []) if "name" in p}
    return PodPlan(
        name=pod_name,
        namespace=namespace,
        argv=tuple(container.get("command", [])) + tuple(container.get("args", [])),
        env=_env(container, (pod_name, namespace), objects),
        volumes=_volumes(pod_spec, container),
        readiness=_probe(container, "readinessProbe", ports),
        liveness=_probe(container, "livenessProbe", ports),
        ports=ports,
    )


def localize_env(plan: PodPlan, host_dirs: Mapping[str, Path], pod_ip: str) -> dict[str, str]:
    """Return the plan's env with mount paths mapped to host_dirs and 0.0.0.0 to the pod IP."""
    mounts = sorted(((v.mount_path, host_dirs[v.name]) for v in plan.volumes), reverse=True)
    env = {}
    for key, original in plan.env.items():
        value = original
        for mount_path, host_dir in mounts:
            if value == mount_path or value.startswith(mount_path.rstrip("/") + "/"):
                value = str(host_dir) + value[len(mount_path.rstrip("/")) :]
                break
        env[key] = pod_ip if value == ALL_INTERFACES else value
    return env
