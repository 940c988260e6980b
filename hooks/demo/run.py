"""`omnia demo`: the whole system on this machine, with no cluster and no API key.

It starts, each on loopback: the hook service (`omnia hooks`, gunicorn), the demo tool service,
a Redis when a redis-server binary is available (sessions stay in memory otherwise), and the
Metacontroller emulator, which calls the hooks over HTTP for the embedded resources. The
AgentRuntime's Deployment then runs as a local `omnia agent` pod booted from exactly what the
hooks emitted. Ctrl-C (or SIGTERM) stops every process it started.
"""

from __future__ import annotations

import argparse
import contextlib
import importlib.resources
import os
import shutil
import signal
import sys
import tempfile
import threading
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from types import FrameType
from typing import Any

import yaml

from hooks.api import common
from hooks.emulator import manager
from hooks.local import binaries, podspec, process
from hooks.local import cluster as local
from hooks.settings import HookSettings

NAMESPACE = "demo"
AGENT = "concierge"
POD_NETWORK = (127, 76)
TOOLS_IP = "127.75.0.1"
REDIS_IP = "127.75.0.2"
TOOLS_PORT = 8080
REDIS_PORT = 6379
START_TIMEOUT_S = 60.0
# The demo's Services and the local processes behind them.
SERVICE_ADDRESSES = {"demo-tools": TOOLS_IP, "flights": TOOLS_IP, "redis": REDIS_IP}
REDIS_OBJECTS = {("Service", "redis"), ("Secret", "demo-redis")}


def resources(with_redis: bool) -> list[dict[str, Any]]:
    """Return the embedded demo resources; without Redis, sessions are kept in memory."""
    text = importlib.resources.files("hooks.demo").joinpath("resources.yaml").read_text()
    objects = [doc for doc in yaml.safe_load_all(text) if doc]
    if with_redis:
        return objects
    kept = [o for o in objects if (o["kind"], o["metadata"]["name"]) not in REDIS_OBJECTS]
    for obj in kept:
        if obj["kind"] == "AgentRuntime":
            obj["spec"]["session"] = {"type": "memory", "ttl": "1h"}
    return kept


def _env(**extra: str) -> dict[str, str]:
    bin_dir = str(Path(sys.executable).parent)
    path = os.pathsep.join([bin_dir, os.environ.get("PATH", "/usr/bin:/bin")])
    base = {"LITELLM_LOCAL_MODEL_COST_MAP": "True", "PYTHONUNBUFFERED": "1", "PATH": path}
    return dict(os.environ) | base | extra


@contextmanager
def _running(
    argv: list[str],
    root: Path,
    name: str,
    ready: Callable[[], bool],
    env: dict[str, str] | None = None,
) -> Iterator[process.ProcessGroup]:
    group = process.ProcessGroup(
        argv, env=env or _env(), cwd=root / name, log_path=root / f"{name}.log"
    )
    group.start()
    try:
        group.wait_until(ready, START_TIMEOUT_S, name)
        yield group
    finally:
        group.stop()


def _status_line(obj: dict[str, Any]) -> str:
    status: dict[str, Any] = obj.get("status") or {}
    ready: dict[str, Any] = next(
        (c for c in status.get("conditions", []) if c["type"] == "Ready"), {}
    )
    reason = f"{ready.get('status', '?')} ({ready.get('reason', '')})"
    name = f"{obj['kind']}/{obj['metadata']['name']}"
    return f"    {name:<28} {status.get('phase', '-'):<9} Ready={reason}"


def summary(world: local.LocalCluster, hooks_url: str, redis: bool) -> str:
    """Return what runs where and how to chat with the agent."""
    (pod,) = world.pods(NAMESPACE, AGENT)
    url = pod.url("facade", "/ws", scheme="ws")
    omnia = shutil.which("omnia", path=_env()["PATH"]) or "omnia"
    lines = [
        "Omnia demo is running. Ctrl-C stops everything.",
        "",
        f"  hooks          {hooks_url}   (Metacontroller hooks; /metrics)",
        f"  tool service   http://{TOOLS_IP}:{TOOLS_PORT}   (weather, flights)",
        f"  sessions       {f'redis://{REDIS_IP}:{REDIS_PORT}' if redis else 'in memory'}",
        f"  agent pod      {url}   ({pod.plan.name}, booted from Deployment {NAMESPACE}/{AGENT})",
        f"  pod files      {pod.root}",
        "",
        "  Resources (as `kubectl get` would show them):",
    ]
    for type_key, namespace, name in sorted(world.store.object_keys()):
        obj = world.store.get((type_key, namespace, name))
        if obj is not None and obj["apiVersion"] == common.API_VERSION:
            lines.append(_status_line(obj))
    lines += [
        "",
        "Chat with the agent:",
        f"  {omnia} chat {url}",
        f'  echo "What is the weather in Lisbon?" | {omnia} chat {url}',
        "",
    ]
    return "\n".join(lines)


def _raise_interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


def run(root: Path, with_redis: bool, duration_s: float | None) -> int:
    """Start everything under root, serve until interrupted (or duration_s), stop everything."""
    process.require_free(TOOLS_IP, TOOLS_PORT)
    if with_redis:
        process.require_free(REDIS_IP, REDIS_PORT)
    hooks_port = process.free_port()
    hooks_url = f"http://127.0.0.1:{hooks_port}"
    with ExitStack() as stack:
        stack.enter_context(
            _running(
                ["omnia", "hooks"],
                root,
                "hooks",
                lambda: process.http_ok(f"{hooks_url}/healthz"),
                _env(PORT=str(hooks_port), OMNIA_HOOKS_HOST="127.0.0.1"),
            )
        )
        tools = [
            sys.executable,
            "-m",
            "hooks.demo.tools",
            "--host",
            TOOLS_IP,
            "--port",
            str(TOOLS_PORT),
        ]
        stack.enter_context(
            _running(
                tools,
                root,
                "tools",
                lambda: process.http_ok(f"http://{TOOLS_IP}:{TOOLS_PORT}/healthz"),
            )
        )
        redis_server = binaries.find("redis-server") if with_redis else None
        if redis_server is not None:
            redis = [redis_server, "--bind", REDIS_IP, "--port", str(REDIS_PORT), "--save", ""]
            redis += ["--appendonly", "no", "--dir", str(root / "redis")]
            stack.enter_context(
                _running(redis, root, "redis", lambda: process.tcp_open(REDIS_IP, REDIS_PORT))
            )
        world = local.LocalCluster(
            root / "cluster", settings=HookSettings(), hooks_url=hooks_url, pod_network=POD_NETWORK
        )
        stack.callback(world.close)
        for obj in resources(redis_server is not None):
            if obj["kind"] == "Service":
                world.expose(obj, SERVICE_ADDRESSES[obj["metadata"]["name"]])
        world.apply(o for o in resources(redis_server is not None) if o["kind"] != "Service")
        world.converge()
        print(summary(world, hooks_url, redis_server is not None), flush=True)
        with contextlib.suppress(KeyboardInterrupt):
            _wait(duration_s)
        print("Stopping the agent pod, Redis, the tool service and the hooks ...", flush=True)
    print("Stopped; nothing is left running.", flush=True)
    return 0


def _wait(duration_s: float | None) -> None:
    # Waiting on an Event is interruptible: Ctrl-C (SIGINT) and SIGTERM raise KeyboardInterrupt.
    threading.Event().wait(duration_s)


def main(argv: list[str]) -> int:
    """Run `omnia demo` and return its exit status."""
    parser = argparse.ArgumentParser(prog="omnia demo", description=__doc__)
    parser.add_argument(
        "--for",
        dest="duration_s",
        type=float,
        default=None,
        metavar="SECONDS",
        help="stop by itself after SECONDS (default: run until Ctrl-C)",
    )
    parser.add_argument("--no-redis", action="store_true", help="keep sessions in memory")
    parser.add_argument(
        "--workdir", type=Path, help="keep pod files and logs here (default: temporary)"
    )
    args = parser.parse_args(argv)
    # Installed explicitly: a process started in the background by a non-interactive shell
    # inherits SIGINT ignored, and Ctrl-C (or a closed terminal) must still stop everything.
    for stop_signal in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(stop_signal, _raise_interrupt)
    with ExitStack() as stack:
        if args.workdir is None:
            root = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="omnia-demo-")))
        else:
            root = args.workdir.resolve()
            root.mkdir(parents=True, exist_ok=True)
        try:
            return run(root, not args.no_redis, args.duration_s)
        except KeyboardInterrupt:
            print("Interrupted; everything started was stopped.", file=sys.stderr)
            return 130
        except (process.ProcessError, podspec.PodError, manager.NotConverged) as error:
            print(f"omnia demo: {error}", file=sys.stderr)
            return 1
    return 0
