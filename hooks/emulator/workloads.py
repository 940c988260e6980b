"""Stand-ins for the controllers and kubelets the emulated cluster lacks (Deployments, Services)."""

from __future__ import annotations

from typing import Any

from hooks.emulator import cluster

Obj = dict[str, Any]
DEPLOYMENT = "Deployment.apps/v1"
SERVICE_NAME_LABEL = "kubernetes.io/service-name"


def mark_deployments_ready(store: cluster.Cluster, namespace: str | None = None) -> int:
    """Report every Deployment's replicas as ready; return how many statuses changed."""
    changed = 0
    for deployment in store.list(DEPLOYMENT, namespace):
        replicas = deployment["spec"].get("replicas", 1)
        status = {
            "observedGeneration": deployment["metadata"].get("generation", 1),
            "replicas": replicas,
            "updatedReplicas": replicas,
            "readyReplicas": replicas,
            "availableReplicas": replicas,
        }
        if deployment.get("status") != status:
            store.update_status(cluster.key_of(deployment), status)
            changed += 1
    return changed


def endpoint_slice(service: Obj, *, ready: bool = True, address: str = "10.0.0.10") -> Obj:
    """Return an EndpointSlice for a Service with one endpoint, ready or not."""
    meta = service["metadata"]
    ports = [
        {"name": p.get("name", ""), "port": p["port"], "protocol": p.get("protocol", "TCP")}
        for p in (service.get("spec") or {}).get("ports") or []
    ]
    return {
        "apiVersion": "discovery.k8s.io/v1",
        "kind": "EndpointSlice",
        "metadata": {
            "name": f"{meta['name']}-slice",
            "namespace": meta.get("namespace", "default"),
            "labels": {SERVICE_NAME_LABEL: meta["name"]},
        },
        "addressType": "IPv4",
        "endpoints": [{"addresses": [address], "conditions": {"ready": ready}}],
        "ports": ports,
    }
