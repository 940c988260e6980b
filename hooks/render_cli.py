"""`omnia render`: run resources through the hooks in the emulator and print what would exist.

Like `helm template` for a live controller: no cluster, no network. The output is each Omnia
resource with the status Metacontroller would write, followed by the children it would create,
as YAML documents, so a change can be previewed and diffed before it is applied.
"""

from __future__ import annotations

import argparse
import datetime
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import yaml

from hooks import controllers, specs
from hooks.api import common, crdgen
from hooks.emulator import children, cluster, manager, transport
from hooks.emulator import workloads as stand_ins
from hooks.settings import HookSettings

SUFFIXES = (".yaml", ".yml", ".json")
MAX_FILES = 1000
SPEC_MODELS = {kind.kind: kind.spec for kind in crdgen.KINDS}
SERVER_FIELDS = ("uid", "resourceVersion", "generation", "creationTimestamp", "ownerReferences")
SERVER_LABELS = ("controller-uid",)
SERVER_ANNOTATIONS = ("metacontroller.k8s.io/last-applied-configuration",)


class RenderError(Exception):
    """The input cannot be rendered: unreadable files or documents that are not objects."""


def _files(paths: Iterable[str]) -> list[Path]:
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found += sorted(p for p in path.rglob("*") if p.suffix in SUFFIXES and p.is_file())
        elif path.is_file():
            found.append(path)
        else:
            raise RenderError(f"{raw}: no such file or directory")
    if len(found) > MAX_FILES:
        raise RenderError(f"more than {MAX_FILES} files")
    return found


def load(paths: Iterable[str], namespace: str) -> list[dict[str, Any]]:
    """Return the objects in the given files and directories, defaulting their namespace.

    Raises:
        RenderError: a file is unreadable or a document is not a Kubernetes object.
    """
    objects = []
    for path in _files(paths):
        try:
            documents = list(yaml.safe_load_all(path.read_text()))
        except (OSError, yaml.YAMLError) as error:
            raise RenderError(f"{path}: {error}") from error
        for index, doc in enumerate(d for d in documents if d is not None):
            if not isinstance(doc, dict) or not {"apiVersion", "kind"} <= doc.keys():
                raise RenderError(f"{path}: document {index + 1} is not a Kubernetes object")
            if not isinstance(doc.get("metadata"), dict) or not doc["metadata"].get("name"):
                raise RenderError(f"{path}: document {index + 1} has no metadata.name")
            doc["metadata"].setdefault("namespace", namespace)
            objects.append(doc)
    return objects


def problems(objects: Iterable[dict[str, Any]]) -> list[str]:
    """Return one line per Omnia resource whose spec the API would reject."""
    found = []
    for obj in objects:
        model = SPEC_MODELS.get(obj["kind"])
        if model is None or obj["apiVersion"] != common.API_VERSION:
            continue
        _, message = specs.parse(model, obj)
        if message:
            meta = obj["metadata"]
            found.append(f"{obj['kind']} {meta['namespace']}/{meta['name']}: {message}")
    return found


def _clean(obj: dict[str, Any]) -> dict[str, Any]:
    """Drop what only a server would know (uids, versions, bookkeeping annotations)."""
    meta = obj["metadata"]
    for field in SERVER_FIELDS:
        meta.pop(field, None)
    for group, names in (("labels", SERVER_LABELS), ("annotations", SERVER_ANNOTATIONS)):
        for name in names:
            (meta.get(group) or {}).pop(name, None)
        if group in meta and not meta[group]:
            del meta[group]
    return obj


def render(objects: list[dict[str, Any]], now: datetime.datetime, assume_ready: bool) -> str:
    """Return the parents with their statuses and their children, as YAML documents.

    Raises:
        manager.NotConverged: the hooks did not reach a fixpoint.
    """
    store = cluster.Cluster(cluster.Clock(now))
    for obj in objects:
        store.apply(obj)
    wire = transport.InProcess(HookSettings(), store.clock)
    emulator = manager.Emulator(store, controllers.render(), wire, informer_warmup=False)
    emulator.run_until_stable()
    if assume_ready and stand_ins.mark_deployments_ready(store):
        emulator.run_until_stable()
    documents = []
    for obj in objects:
        if obj["kind"] not in SPEC_MODELS:
            continue
        parent = store.get(cluster.key_of(obj))
        if parent is None:
            continue
        uid = parent["metadata"]["uid"]
        owned = [
            child
            for key in store.object_keys()
            if (child := store.get(key)) is not None
            and (children.controller_ref(child) or {}).get("uid") == uid
        ]
        for item in [parent, *owned]:
            meta = item["metadata"]
            title = f"# {item['kind']} {meta.get('namespace', '')}/{meta['name']}\n"
            documents.append(title + yaml.safe_dump(_clean(item), sort_keys=False, width=100))
    return "---\n".join(documents)


def main(argv: list[str]) -> int:
    """Run `omnia render` and return its exit status."""
    parser = argparse.ArgumentParser(prog="omnia render", description=__doc__)
    parser.add_argument(
        "-f",
        "--filename",
        action="append",
        required=True,
        metavar="PATH",
        help="a YAML/JSON file or a directory of them (repeatable)",
    )
    parser.add_argument(
        "-n", "--namespace", default="default", help="namespace for objects without one"
    )
    parser.add_argument(
        "--assume-ready",
        action="store_true",
        help="report Deployments as ready, to preview the converged status",
    )
    parser.add_argument(
        "--time",
        type=datetime.datetime.fromisoformat,
        default=None,
        metavar="RFC3339",
        help="the instant statuses are computed at (default: now), for reproducible output",
    )
    args = parser.parse_args(argv)
    now = args.time or datetime.datetime.now(datetime.UTC).replace(microsecond=0)
    if now.tzinfo is None:
        parser.error("--time needs a timezone, e.g. 2026-01-01T00:00:00+00:00")
    try:
        objects = load(args.filename, args.namespace)
        output = render(objects, now, args.assume_ready)
    except (RenderError, manager.NotConverged) as error:
        print(f"omnia render: {error}", file=sys.stderr)
        return 1
    print(output, end="")
    found = problems(objects)
    for line in found:
        print(f"omnia render: invalid {line}", file=sys.stderr)
    return 1 if found else 0
