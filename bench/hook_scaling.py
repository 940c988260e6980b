"""Scaling curves: sync time versus tools and versus unrelated objects in the namespace.

Four curves, each from converged requests of growing size (bench/hook_requests.py):
- AgentRuntime sync versus the ToolRegistry's tools;
- AgentRuntime sync versus unrelated Secrets in its namespace (it selects them all with
  providerRef, docs/hooks.md "The Secret trade-off"), at 20 tools;
- ToolRegistry sync versus the tool Services it discovers (each with an EndpointSlice);
- ToolRegistry sync versus unrelated Services in its namespace, whose EndpointSlices it gets
  (it selects every EndpointSlice of the namespace), at 20 tools.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from bench import common
from bench import hook_inprocess as hp
from bench import hook_requests as hr

TOOLS = (1, 10, 50, 100, 200, 400)
OBJECTS = (0, 50, 200, 1000)
QUICK_TOOLS = (1, 5, 10)
QUICK_OBJECTS = (0, 10, 20)
TYPICAL_TOOLS = 20
BUDGET = hp.Budget(calls=300, seconds=0.4)
QUICK_BUDGET = hp.Budget(calls=3, seconds=0.02, collect=False)
PLOT = common.IMAGES / "hook-scaling.png"


@dataclasses.dataclass(frozen=True)
class Curve:
    """One curve: which hook, versus what, and the timings at each x."""

    name: str
    path: str
    axis: str
    xs: list[int]
    points: list[dict[str, Any]]

    def p50(self, what: str) -> list[float]:
        """Return the p50 seconds of `hook`, `json` or `bytes` at each x."""
        return [point[what]["p50"] for point in self.points]


def _curves(quick: bool) -> list[Curve]:
    tools = QUICK_TOOLS if quick else TOOLS
    objects = QUICK_OBJECTS if quick else OBJECTS
    budget = QUICK_BUDGET if quick else BUDGET
    by_tools = [hr.build(n) for n in tools]
    # Secrets reach only the AgentRuntime sync, Services only the ToolRegistry's: one build each.
    by_objects = [hr.build(TYPICAL_TOOLS, secrets=n, services=n) for n in objects]

    def ar(found: hr.Requests) -> dict[str, Any]:
        return hp.measure(hr.AR_SYNC, found.agentruntime, found.agentruntime_answer, budget)

    def tr(found: hr.Requests) -> dict[str, Any]:
        return hp.measure(hr.TR_SYNC, found.toolregistry, found.toolregistry_answer, budget)

    return [
        Curve("AgentRuntime", hr.AR_SYNC, "tools", list(tools), [ar(r) for r in by_tools]),
        Curve("ToolRegistry", hr.TR_SYNC, "tools", list(tools), [tr(r) for r in by_tools]),
        Curve(
            "AgentRuntime",
            hr.AR_SYNC,
            "unrelated Secrets",
            list(objects),
            [ar(r) for r in by_objects],
        ),
        Curve(
            "ToolRegistry",
            hr.TR_SYNC,
            "unrelated Services",
            list(objects),
            [tr(r) for r in by_objects],
        ),
    ]


def _points_section(curves: list[Curve]) -> dict[str, Any]:
    rows = [
        [
            curve.name,
            curve.axis,
            x,
            hp.fmt_kib(point["request_kib"]),
            common.fmt_ms(point["hook"]["p50"]),
            common.fmt_ms(point["json"]["p50"]),
            common.fmt_ms(point["bytes"]["p50"]),
        ]
        for curve in curves
        for x, point in zip(curve.xs, curve.points, strict=True)
    ]
    return {
        "heading": "Scaling: sync time versus tools and related objects",
        "text": (
            "Converged requests captured from the emulated Metacontroller; p50 of one thread. "
            "`hook`: the pure function; `json`: json.loads(json.dumps(request)); `bytes`: "
            "decode, parse, sync and encode, the app's work without Flask. The Secrets and "
            "Services are unrelated to any Omnia object (20 tools)."
        ),
        "columns": ["hook", "versus", "n", "request KiB", "hook ms", "json ms", "bytes ms"],
        "rows": rows,
    }


def _fit_row(curve: Curve, what: str) -> list[Any]:
    xs, ys = [float(x) for x in curve.xs], curve.p50(what)
    line = hp.fit(xs, ys)
    return [
        curve.name,
        curve.axis,
        what,
        f"{line.per_item * 1e6:.2f}",
        common.fmt_ms(line.fixed),
        f"{line.r2:.3f}",
        hp.growth(xs, ys),
    ]


def _fit_section(curves: list[Curve]) -> dict[str, Any]:
    rows = [_fit_row(curve, what) for curve in curves for what in ("hook", "bytes")]
    return {
        "heading": "Scaling: least-squares fit of p50 time = fixed + per item x n",
        "text": (
            "`growth` is constant when the fitted line rises less than 10% of the smallest "
            "time over the whole range, worse than linear when the upper half of the points "
            "is more than twice as steep as the lower half, else linear."
        ),
        "columns": ["hook", "versus", "what", "per item us", "fixed ms", "R^2", "growth"],
        "rows": rows,
    }


def _plot(curves: list[Curve]) -> None:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot

    figure, axes = pyplot.subplots(1, 2, figsize=(11, 4.2))
    for ax, axis_curves in ((axes[0], curves[:2]), (axes[1], curves[2:])):
        for curve, color in zip(axis_curves, ("tab:blue", "tab:orange"), strict=True):
            ms = {what: [s * 1000 for s in curve.p50(what)] for what in ("hook", "bytes", "json")}
            ax.plot(curve.xs, ms["hook"], "o-", color=color, label=f"{curve.name} sync")
            ax.plot(
                curve.xs,
                ms["bytes"],
                "s--",
                color=color,
                alpha=0.7,
                label=f"{curve.name} decode+sync+encode",
            )
            ax.plot(
                curve.xs,
                ms["json"],
                ":",
                color=color,
                alpha=0.6,
                label=f"{curve.name} JSON round trip",
            )
        ax.set_ylabel("p50 ms per call (one thread)")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=7)
    axes[0].set_xlabel("tools in the ToolRegistry")
    axes[0].set_title("versus tools")
    axes[1].set_xlabel(
        "unrelated objects in the namespace\n(Secrets for AgentRuntime, Services for ToolRegistry)"
    )
    axes[1].set_title("versus related objects (20 tools)")
    figure.tight_layout()
    PLOT.parent.mkdir(parents=True, exist_ok=True)
    figure.savefig(PLOT, dpi=110)
    pyplot.close(figure)


def run(quick: bool) -> tuple[list[dict[str, Any]], list[Curve], list[str]]:
    """Return the scaling sections, the curves and the plots written (none when quick)."""
    curves = _curves(quick)
    if quick:  # a smoke run's figures must not replace the published plot
        return [_points_section(curves), _fit_section(curves)], curves, []
    _plot(curves)
    return (
        [_points_section(curves), _fit_section(curves)],
        curves,
        [str(PLOT.relative_to(common.REPO))],
    )
