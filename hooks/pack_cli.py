"""`omnia pack validate`: check PromptPack files against the v1.4 specification."""

from __future__ import annotations

import argparse
import sys

from agent.promptpack import validate


def build_parser() -> argparse.ArgumentParser:
    """Return the parser of `omnia pack`."""
    parser = argparse.ArgumentParser(prog="omnia pack", description="Work with PromptPack files.")
    sub = parser.add_subparsers(dest="action", required=True, metavar="<action>")
    check = sub.add_parser(
        "validate",
        help="validate PromptPack JSON/YAML files",
        description=(
            "Validate each FILE against the PromptPack v1.4 schema and the specification's "
            "semantic rules. Schema violations are errors; semantic findings are warnings "
            "unless --strict. Exit status: 0 when every file is valid, 1 otherwise."
        ),
    )
    check.add_argument("files", nargs="+", metavar="FILE")
    check.add_argument("--strict", action="store_true", help="treat semantic warnings as errors")
    check.add_argument("-q", "--quiet", action="store_true", help="print only failures")
    return parser


def main(argv: list[str]) -> int:
    """Run `omnia pack` with argv and return the exit code."""
    args = build_parser().parse_args(argv)
    failed = False
    for path in args.files:
        findings = validate.validate_file(path)
        errors = [f for f in findings if f.severity == "error" or args.strict]
        failed = failed or bool(errors)
        for finding in findings:
            level = "error" if (finding.severity == "error" or args.strict) else "warning"
            print(f"{path}: {level}: {finding.path}: {finding.message}", file=sys.stderr)
        if not errors and not args.quiet:
            print(f"{path}: valid")
    return 1 if failed else 0
