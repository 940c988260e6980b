"""Run a planned pod as a local process group: volumes on disk, probes over HTTP, clean stop."""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from hooks.local import podspec, process, volumes

READY_TIMEOUT_S = 60.0

# Resolves cluster DNS names to local addresses inside the pod's process: the local stand-in for
# a pod's resolv.conf. It patches the C-level resolver so gevent and stdlib lookups both see it.
_SITECUSTOMIZE = """\
import _socket

_HOSTS = {hosts!r}
_resolve = _socket.getaddrinfo


def _getaddrinfo(host, *args, **kwargs):
    name = host.decode() if isinstance(host, bytes) else host
    return _resolve(_HOSTS.get(name, host), *args, **kwargs)


_socket.getaddrinfo = _getaddrinfo
"""


def image_env(root: Path, hosts: Mapping[str, str]) -> dict[str, str]:
    """Return the environment the Omnia image provides before the pod spec's env is applied.

    Args:
        root: a directory private to the pod (HOME, the resolver hook).
        hosts: cluster DNS names -> local IP addresses for the pod's resolver.
    """
    site = root / "site"
    site.mkdir(parents=True, exist_ok=True)
    (site / "sitecustomize.py").write_text(_SITECUSTOMIZE.format(hosts=dict(hosts)))
    bin_dir = str(Path(sys.executable).parent)
    return {
        "PATH": os.pathsep.join([bin_dir, os.environ.get("PATH", "/usr/bin:/bin")]),
        "HOME": str(root),
        "LANG": "C.UTF-8",
        "PYTHONPATH": str(site),
        "PYTHONUNBUFFERED": "1",
        "LITELLM_LOCAL_MODEL_COST_MAP": "True",
    }


class LocalPod:
    """One pod of a Deployment, running as a local process group on its own loopback IP."""

    def __init__(
        self,
        plan: podspec.PodPlan,
        objects: Mapping[podspec.ObjectKey, dict[str, Any]],
        *,
        root: Path,
        pod_ip: str,
        hosts: Mapping[str, str] | None = None,
    ) -> None:
        self.plan = plan
        self.ip = pod_ip
        self.root = root
        self._objects = objects
        self._hosts = dict(hosts or {})
        self._versions: dict[str, int] = {}
        self._process: process.ProcessGroup | None = None
        self.host_dirs = {v.name: root / "volumes" / v.name for v in plan.volumes}

    @property
    def log_path(self) -> Path:
        """Where the pod's stdout and stderr go."""
        return self.root / "pod.log"

    @property
    def pid(self) -> int | None:
        """The pid of the container's main process."""
        return None if self._process is None else self._process.pid

    def url(self, port_name: str, path: str = "", scheme: str = "http") -> str:
        """Return a URL of one of the pod's named container ports."""
        return f"{scheme}://{self.ip}:{self.plan.ports[port_name]}{path}"

    def write_volume(self, volume: podspec.Volume, obj: dict[str, Any] | None) -> None:
        """Publish the current content of a volume's ConfigMap or Secret (atomically)."""
        target = self.host_dirs[volume.name]
        if volume.source_kind is None:
            target.mkdir(parents=True, exist_ok=True)
            return
        if obj is None:
            raise podspec.PodError(f"{volume.source_kind} {volume.source_name} not found")
        version = self._versions.get(volume.name, 0) + 1
        volumes.write_volume(target, volumes.volume_files(obj), version)
        self._versions[volume.name] = version

    def start(self) -> None:
        """Write the volumes and start the container's command."""
        for volume in self.plan.volumes:
            key = (volume.source_kind or "", self.plan.namespace, volume.source_name or "")
            self.write_volume(volume, self._objects.get(key))
        env = image_env(self.root, self._hosts) | podspec.localize_env(
            self.plan, self.host_dirs, self.ip
        )
        try:
            for port in self.plan.ports.values():
                process.require_free(self.ip, port)
        except process.ProcessError as error:
            raise podspec.PodError(f"pod {self.plan.name}: {error}") from error
        self._process = process.ProcessGroup(
            self.plan.argv, env=env, cwd=self.root, log_path=self.log_path
        )
        try:
            self._process.start()
        except process.ProcessError as error:
            raise podspec.PodError(str(error)) from error

    def log_tail(self) -> str:
        """Return the end of the pod's log."""
        return "" if self._process is None else self._process.log_tail()

    def is_ready(self) -> bool:
        """Return whether the readiness probe answers 2xx right now."""
        probe = self.plan.readiness
        if probe is None:
            return self.running
        return process.http_ok(f"http://{self.ip}:{probe.port}{probe.path}")

    @property
    def running(self) -> bool:
        """Whether the pod's process is alive."""
        return self._process is not None and self._process.running

    def wait_ready(self, timeout_s: float = READY_TIMEOUT_S) -> None:
        """Block until the readiness probe passes.

        Raises:
            PodError: the process exited or the probe kept failing until timeout_s.
        """
        if self._process is None:
            raise podspec.PodError(f"pod {self.plan.name} was never started")
        try:
            self._process.wait_until(self.is_ready, timeout_s, f"pod {self.plan.name}")
        except process.ProcessError as error:
            raise podspec.PodError(str(error)) from error

    def stop(self, grace_s: float = process.STOP_GRACE_S) -> None:
        """SIGTERM the pod's process group; SIGKILL it after grace_s."""
        if self._process is not None:
            self._process.stop(grace_s)
