"""Run the Deployments of an emulated cluster as local pods: a small kubelet and ReplicaSet.

Each reconcile makes the running pods match the store: the right number per Deployment, a
restart when the pod template changes, volumes rewritten (atomically, kubelet-style) when the
ConfigMap or Secret behind them changes, and everything stopped when a Deployment goes. The
observed readiness flows back into the Deployment's status, as the real controllers would write
it, so the hooks report what actually runs.
"""

from __future__ import annotations

import hashlib
import itertools
import json
from collections.abc import Iterator, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from hooks.emulator import cluster
from hooks.local import podspec, runner

DEPLOYMENT = "Deployment.apps/v1"
MAX_PODS_PER_DEPLOYMENT = 16
# Pods get addresses in 127.77.0.0/16 by default, each its own "pod IP" on the loopback interface.
POD_NETWORK = (127, 77)


def objects_by_kind(store: cluster.Cluster) -> dict[podspec.ObjectKey, dict[str, Any]]:
    """Return every object of the store keyed by (kind, namespace, name)."""
    found = {}
    for key in store.object_keys():
        obj = store.get(key)
        if obj is not None:
            found[(obj["kind"], key[1], key[2])] = obj
    return found


def template_hash(deployment: dict[str, Any]) -> str:
    """Return a digest of a Deployment's pod template (what makes pods restart)."""
    text = json.dumps(deployment["spec"]["template"], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:10]


@dataclass
class _Replica:
    pod: runner.LocalPod
    template: str
    volume_versions: dict[str, str] = field(default_factory=dict)


class Addresses:
    """Hands out loopback addresses in a /16: 127.77.0.2, 127.77.0.3, ..."""

    def __init__(self, network: tuple[int, int] = POD_NETWORK) -> None:
        self._network = network
        self._counter = itertools.count(1)

    def next(self) -> str:
        """Return an address no pod has had yet."""
        n = next(self._counter)
        return f"{self._network[0]}.{self._network[1]}.{n // 254}.{n % 254 + 1}"


class Workloads:
    """Local pods for every Deployment of a store."""

    def __init__(
        self,
        store: cluster.Cluster,
        root: Path,
        hosts: Mapping[str, str],
        network: tuple[int, int] = POD_NETWORK,
    ) -> None:
        self.store = store
        self.root = root
        self.hosts = hosts
        self.addresses = Addresses(network)
        self._replicas: dict[cluster.Key, list[_Replica]] = {}
        self._names = itertools.count(1)

    def pods(self, namespace: str, name: str) -> list[runner.LocalPod]:
        """Return the running pods of a Deployment, oldest first."""
        return [r.pod for r in self._replicas.get((DEPLOYMENT, namespace, name), [])]

    def __iter__(self) -> Iterator[runner.LocalPod]:
        return (r.pod for replicas in self._replicas.values() for r in replicas)

    def _volume_versions(self, plan: podspec.PodPlan) -> dict[str, str]:
        versions = {}
        for volume in plan.volumes:
            if volume.source_kind is None:
                continue
            type_key = "ConfigMap.v1" if volume.source_kind == "ConfigMap" else "Secret.v1"
            obj = self.store.get((type_key, plan.namespace, volume.source_name or ""))
            versions[volume.name] = "" if obj is None else obj["metadata"]["resourceVersion"]
        return versions

    def _start(self, deployment: dict[str, Any]) -> _Replica:
        meta = deployment["metadata"]
        pod_name = f"{meta['name']}-{next(self._names)}"
        plan = podspec.plan_pod(deployment, objects_by_kind(self.store), pod_name)
        pod = runner.LocalPod(
            plan,
            objects_by_kind(self.store),
            root=self.root / pod_name,
            pod_ip=self.addresses.next(),
            hosts=self.hosts,
        )
        pod.start()
        return _Replica(pod, template_hash(deployment), self._volume_versions(plan))

    def _refresh_volumes(self, replica: _Replica) -> bool:
        versions = self._volume_versions(replica.pod.plan)
        if versions == replica.volume_versions:
            return False
        objects = objects_by_kind(self.store)
        for volume in replica.pod.plan.volumes:
            if volume.source_kind is not None and versions[volume.name]:
                key = (volume.source_kind, replica.pod.plan.namespace, volume.source_name or "")
                replica.pod.write_volume(volume, objects[key])
        replica.volume_versions = versions
        return True

    def _reconcile_one(self, key: cluster.Key, deployment: dict[str, Any]) -> bool:
        replicas = self._replicas.setdefault(key, [])
        changed = False
        current = template_hash(deployment)
        for replica in [r for r in replicas if r.template != current]:
            replica.pod.stop()
            replicas.remove(replica)
            changed = True
        wanted = min(int(deployment["spec"].get("replicas", 1)), MAX_PODS_PER_DEPLOYMENT)
        while len(replicas) > wanted:
            replicas.pop().pod.stop()
            changed = True
        while len(replicas) < wanted:
            replicas.append(self._start(deployment))
            changed = True
        for replica in replicas:
            changed = self._refresh_volumes(replica) or changed
        return changed

    def reconcile(self) -> bool:
        """Make the local pods match the store's Deployments; return whether anything changed."""
        deployments = {cluster.key_of(d): d for d in self.store.list(DEPLOYMENT)}
        changed = False
        for key in [k for k in self._replicas if k not in deployments]:
            for replica in self._replicas.pop(key):
                replica.pod.stop()
            changed = True
        for key, deployment in deployments.items():
            changed = self._reconcile_one(key, deployment) or changed
        return changed

    def wait_ready(self, timeout_s: float = runner.READY_TIMEOUT_S) -> None:
        """Block until every pod passes its readiness probe (pods start in parallel)."""
        pending = [pod for pod in self if not pod.is_ready()]
        if not pending:
            return
        with ThreadPoolExecutor(max_workers=len(pending)) as pool:
            for future in [pool.submit(pod.wait_ready, timeout_s) for pod in pending]:
                future.result()

    def report_status(self) -> bool:
        """Write each Deployment's observed replica counts; return whether any status changed."""
        changed = False
        for deployment in self.store.list(DEPLOYMENT):
            key = cluster.key_of(deployment)
            replicas = self._replicas.get(key, [])
            ready = sum(1 for r in replicas if r.pod.is_ready())
            status = {
                "observedGeneration": deployment["metadata"].get("generation", 1),
                "replicas": len(replicas),
                "updatedReplicas": len(replicas),
                "readyReplicas": ready,
                "availableReplicas": ready,
            }
            if deployment.get("status") != status:
                self.store.update_status(key, status)
                changed = True
        return changed

    def stop(self) -> None:
        """Stop every pod."""
        for replicas in self._replicas.values():
            for replica in replicas:
                replica.pod.stop()
        self._replicas.clear()
