"""The `omnia` command line: one entry point that dispatches to each subcommand's module."""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence

# Subcommand name -> (help text, "module:function"). The function receives the remaining argv and
# returns an exit code. Modules are imported only when their subcommand runs, so `omnia --help`
# stays instant and `omnia hooks` never loads the agent's heavy dependencies (litellm).
SUBCOMMANDS: dict[str, tuple[str, str]] = {
    "pack": ("work with PromptPack files (validate)", "hooks.pack_cli:main"),
    "crds": (
        "write the CustomResourceDefinitions generated from the API models",
        "hooks.api.crdgen:main",
    ),
    "hooks": ("serve the Metacontroller hooks with gunicorn", "hooks.serve:main"),
    "controllers": (
        "write the Metacontroller CompositeControllers of the four kinds",
        "hooks.controllers:main",
    ),
    "render": (
        "preview the children and statuses of resources, with no cluster",
        "hooks.render_cli:main",
    ),
    "demo": (
        "run hooks, a tool service, Redis and an agent on this machine (no cluster, no key)",
        "hooks.demo.run:main",
    ),
    "agent": ("serve an agent: WebSocket chat, probes and metrics", "agent.server:main"),
    "chat": ("chat with an agent over WebSocket from the terminal", "agent.chat:main"),
}


def _resolve(target: str) -> Callable[[list[str]], int]:
    module_name, _, function_name = target.partition(":")
    function: Callable[[list[str]], int] = getattr(
        importlib.import_module(module_name), function_name
    )
    return function


def build_parser() -> argparse.ArgumentParser:
    """Return the top-level parser; each subcommand parses its own arguments."""
    parser = argparse.ArgumentParser(
        prog="omnia",
        description="Omnia: declarative AI agents on Kubernetes.",
        epilog="Run `omnia <command> --help` for the options of a command.",
    )
    sub = parser.add_subparsers(dest="command", metavar="<command>")
    for name, (help_text, _) in SUBCOMMANDS.items():
        sub.add_parser(name, help=help_text, add_help=False)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run `omnia` with argv (default: sys.argv[1:]) and return the process exit code."""
    args = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    if not args or args[0] not in SUBCOMMANDS:
        if args and not args[0].startswith("-"):
            parser.print_usage(sys.stderr)
            print(f"omnia: unknown command {args[0]!r}", file=sys.stderr)
            return 2
        parser.parse_args(args)
        parser.print_help()
        return 0
    return _resolve(SUBCOMMANDS[args[0]][1])(args[1:])


if __name__ == "__main__":
    sys.exit(main())
