"""Run a planned pod as a local process group: volumes on disk, probes over HTTP, clean stop."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Mapping
from pathlib import Path
from typing import IO, Any

from hooks.local import podspec, volumes

READY_TIMEOUT_S = 60.0
PROBE_TIMEOUT_S = 2.0
PROBE_INTERVAL_S = 0.05
STOP_GRACE_S = 10.0
LOG_TAIL_BYTES = 4000

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
        self._process: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None
        self.host_dirs = {v.name: root / "volumes" / v.name for v in plan.volumes}

    @property
    def log_path(self) -> Path:
        """Where the pod's stdout and stderr go."""
        return self.root / "pod.log"

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
        executable = shutil.which(self.plan.argv[0], path=env["PATH"])
        if executable is None:
            raise podspec.PodError(f"executable {self.plan.argv[0]!r} not found")
        self._log = self.log_path.open("ab")
        self._process = subprocess.Popen(  # noqa: S603 - the pod spec's own command
            [executable, *self.plan.argv[1:]],
            env=env,
            cwd=self.root,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def log_tail(self) -> str:
        """Return the end of the pod's log."""
        if not self.log_path.exists():
            return ""
        return self.log_path.read_bytes()[-LOG_TAIL_BYTES:].decode(errors="replace")

    def is_ready(self) -> bool:
        """Return whether the readiness probe answers 2xx right now."""
        probe = self.plan.readiness
        if probe is None:
            return self.running
        url = f"http://{self.ip}:{probe.port}{probe.path}"
        try:
            with urllib.request.urlopen(url, timeout=PROBE_TIMEOUT_S) as response:
                status: int = response.status
                return 200 <= status < 300
        except (urllib.error.URLError, OSError):
            return False

    @property
    def running(self) -> bool:
        """Whether the pod's process is alive."""
        return self._process is not None and self._process.poll() is None

    def wait_ready(self, timeout_s: float = READY_TIMEOUT_S) -> None:
        """Block until the readiness probe passes.

        Raises:
            PodError: the process exited or the probe kept failing until timeout_s.
        """
        deadline = time.monotonic() + timeout_s
        while not self.is_ready():
            if not self.running:
                raise podspec.PodError(f"pod {self.plan.name} exited:\n{self.log_tail()}")
            if time.monotonic() > deadline:
                raise podspec.PodError(f"pod {self.plan.name} not ready:\n{self.log_tail()}")
            time.sleep(PROBE_INTERVAL_S)

    def stop(self, grace_s: float = STOP_GRACE_S) -> None:
        """SIGTERM the pod's process group; SIGKILL it after grace_s."""
        process = self._process
        if process is not None and process.poll() is None:
            _signal_group(process.pid, signal.SIGTERM)
            try:
                process.wait(timeout=grace_s)
            except subprocess.TimeoutExpired:
                _signal_group(process.pid, signal.SIGKILL)
                process.wait()
        if process is not None:
            _signal_group(process.pid, signal.SIGKILL)  # stray children of the group
        if self._log is not None:
            self._log.close()
            self._log = None


def _signal_group(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, sig)
