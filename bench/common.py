"""What every benchmark shares: statistics, process readings, the result file format.

A benchmark module exposes `run(quick: bool = False) -> dict` returning a result (below) and a
`main(argv)` that prints its tables and writes `bench/results/<name>.json`. `quick` shrinks
every size so a smoke test can run it in seconds. Every figure that judges performance is a
ratio or a difference against a baseline measured in the same run, on the same machine.

Result:
    {"name": "hooks", "title": "Hook cost", "command": "python -m bench.hooks",
     "sections": [{"heading": str, "text": str (markdown), "columns": [str], "rows": [[...]]}],
     "targets": [{"what": str, "target": str, "measured": str, "met": bool, "note": str}],
     "plots": ["docs/img/<file>.png"]}
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import statistics
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
RESULTS = REPO / "bench" / "results"
IMAGES = REPO / "docs" / "img"


def percentile(values: Sequence[float], pct: float) -> float:
    """Return the pct-th percentile (nearest rank) of values."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(0, min(len(ordered) - 1, round(pct / 100 * len(ordered) + 0.5) - 1))
    return ordered[rank]


def summarize(values: Sequence[float]) -> dict[str, float]:
    """Return n, mean, p50, p90 and p99 of values."""
    return {
        "n": len(values),
        "mean": statistics.fmean(values) if values else float("nan"),
        "p50": percentile(values, 50),
        "p90": percentile(values, 90),
        "p99": percentile(values, 99),
    }


def proc_status(pid: int) -> dict[str, int]:
    """Return VmRSS (KiB) and Threads of a process, from /proc."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        name, _, value = line.partition(":")
        if name in ("VmRSS", "Threads"):
            fields[name] = int(value.split()[0])
    return fields


def children_of(pid: int) -> list[int]:
    """Return the direct child pids of a process."""
    path = Path(f"/proc/{pid}/task/{pid}/children")
    return [int(p) for p in path.read_text().split()] if path.exists() else []


def machine() -> dict[str, Any]:
    """Describe the machine the figures come from."""
    model = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor() or "unknown",
    )
    mem_kib = next(
        int(line.split()[1])
        for line in Path("/proc/meminfo").read_text().splitlines()
        if line.startswith("MemTotal")
    )
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "memory_gib": round(mem_kib / 1024 / 1024, 1),
        "python": platform.python_version(),
        "kernel": platform.release(),
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
    }


def markdown_table(columns: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """Return rows as a markdown table."""
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(str(cell) for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def write(result: dict[str, Any]) -> Path:
    """Write a result to bench/results/<name>.json and print its tables; return the path."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / f"{result['name']}.json"
    path.write_text(json.dumps(result, indent=2) + "\n")
    print(f"## {result['title']}\n")
    for section in result.get("sections", []):
        print(f"### {section['heading']}\n")
        if section.get("text"):
            print(section["text"] + "\n")
        if section.get("rows"):
            print(markdown_table(section["columns"], section["rows"]) + "\n")
    for target in result.get("targets", []):
        mark = "met" if target["met"] else "MISSED"
        print(f"- {target['what']}: {target['measured']} (target {target['target']}: {mark})")
    print(f"\nwritten to {path.relative_to(REPO)}")
    return path


def fmt_ms(seconds: float) -> str:
    """Format seconds as milliseconds with two decimals."""
    return f"{seconds * 1000:.2f}"


def main(
    module: str,
    doc: str | None,
    run: Callable[..., dict[str, Any]],
    argv: list[str] | None,
    child: Callable[[dict[str, Any]], Any] | None = None,
) -> int:
    """The command line of a benchmark module: run it and write its result.

    With `child`, a hidden `--child JSON` option runs that function in a fresh interpreter
    (for figures that need one) and prints its JSON answer.
    """
    parser = argparse.ArgumentParser(prog=f"python -m {module}", description=doc)
    parser.add_argument("--quick", action="store_true", help="tiny sizes: a smoke run")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child and child is not None:
        print(json.dumps(child(json.loads(args.child))))
        return 0
    write(run(quick=args.quick))
    return 0
