"""A cluster on this machine: the Metacontroller emulator driving the hooks, and local pods.

Resources are applied to an in-memory API, the emulator calls the hooks (in-process or over
HTTP) until a fixpoint, the Deployments they produce run as local processes, and the pods'
readiness flows back into the statuses. `omnia demo` and the end-to-end tests use it.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from hooks import controllers
from hooks.emulator import cluster, manager, transport
from hooks.emulator import workloads as stand_ins
from hooks.local import runner, workloads
from hooks.settings import HookSettings

MAX_PASSES = 10
DEFAULT_DOMAIN = "cluster.local"


def wall_clock() -> cluster.Clock:
    """Return an emulator clock starting at the current UTC second."""
    return cluster.Clock(datetime.datetime.now(datetime.UTC).replace(microsecond=0))


class LocalCluster:
    """The emulated API and controllers plus the local pods they lead to."""

    def __init__(
        self,
        root: Path,
        *,
        settings: HookSettings,
        hooks_url: str | None = None,
        clock: cluster.Clock | None = None,
        pod_network: tuple[int, int] = workloads.POD_NETWORK,
    ) -> None:
        """Build an empty cluster whose pods live under root.

        Args:
            root: a private directory for pod volumes and logs.
            settings: the hooks' settings (the in-process transport uses them).
            hooks_url: base URL of a running hook service; None calls the hooks in-process.
            clock: the API's clock (default: wall time).
            pod_network: the first two octets of the pods' loopback addresses (127.x).
        """
        self.store = cluster.Cluster(clock or wall_clock())
        self.settings = settings
        self.hosts: dict[str, str] = {}
        wire: transport.Transport
        if hooks_url is None:
            wire = transport.InProcess(settings, self.store.clock)
            base_url = controllers.DEFAULT_SERVICE_URL
        else:
            wire, base_url = transport.Http(), hooks_url
        self.emulator = manager.Emulator(self.store, controllers.render(base_url), wire)
        self.workloads = workloads.Workloads(self.store, root, self.hosts, pod_network)

    def apply(self, objects: Iterable[dict[str, Any]]) -> None:
        """Create or update objects, like `kubectl apply`."""
        for obj in objects:
            self.store.apply(obj)

    def get(self, type_key: str, namespace: str, name: str) -> dict[str, Any] | None:
        """Return an object by type key (e.g. AgentRuntime.omnia.altairalabs.ai/v1alpha1)."""
        return self.store.get((type_key, namespace, name))

    def delete(self, type_key: str, namespace: str, name: str) -> None:
        """Delete an object, like `kubectl delete`."""
        self.store.delete((type_key, namespace, name))

    def expose(self, service: dict[str, Any], address: str) -> str:
        """Add a Service backed by a local process at address; return its cluster DNS name.

        The Service gets a ready EndpointSlice, and pods started afterwards resolve its name
        to address.
        """
        self.store.apply(service)
        self.store.apply(stand_ins.endpoint_slice(service, address=address))
        meta = service["metadata"]
        name = f"{meta['name']}.{meta.get('namespace', 'default')}.svc.{self.domain}"
        self.hosts[name] = address
        return name

    @property
    def domain(self) -> str:
        """The cluster DNS domain the hooks use."""
        return self.settings.cluster_domain or DEFAULT_DOMAIN

    def pods(self, namespace: str, deployment: str) -> list[runner.LocalPod]:
        """Return the running pods of a Deployment."""
        return self.workloads.pods(namespace, deployment)

    def converge(self, max_passes: int = MAX_PASSES) -> int:
        """Reconcile hooks and pods until neither changes anything; return the passes taken.

        Raises:
            manager.NotConverged: the hooks or the pods kept changing.
            podspec.PodError: a pod failed to start or to become ready.
        """
        for passes in range(1, max_passes + 1):
            self.emulator.run_until_stable()
            changed = self.workloads.reconcile()
            self.workloads.wait_ready()
            changed = self.workloads.report_status() or changed
            if not changed:
                return passes
        raise manager.NotConverged(f"hooks and pods still changing after {max_passes} passes")

    def close(self) -> None:
        """Stop every pod."""
        self.workloads.stop()
