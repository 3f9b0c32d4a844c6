"""Command line: argument parsing and exit codes; the work is done elsewhere."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

from corpus_lint import __version__, interrupts
from corpus_lint.commands import EXIT_CLEAN, EXIT_ERROR, UsageError
from corpus_lint.config import EXECUTORS, ConfigError, is_url
from corpus_lint.engine import WorkersDied
from corpus_lint.packs import PackError
from corpus_lint.report import FORMATS

COMMANDS = ("check", "rule", "rules")


def _path_or_url(value: str) -> Path | str:
    """A local path, or an fsspec URL kept as written (Path would fold its "//")."""
    return value if is_url(value) else Path(value)


def _codes(value: str) -> list[str]:
    return [c.strip() for c in value.split(",") if c.strip()]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="corpus-lint",
        description="Lint a corpus of text documents: encoding, layout, boilerplate, source "
        "lines, duplicated text, exact and near-duplicate documents.",
        epilog="`corpus-lint PATHS` is short for `corpus-lint check PATHS`.",
    )
    parser.add_argument("--version", action="version", version=f"corpus-lint {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    check = commands.add_parser(
        "check",
        help="lint files (the default command)",
        description="Lint files and report what the rules find.",
    )
    check.add_argument(
        "paths",
        nargs="*",
        type=_path_or_url,
        metavar="PATH",
        help="files or folders (default: the configured corpus, else '.'); with "
        "--executor dask, also fsspec URLs (s3://bucket/news/, file:///data/)",
    )
    rules = check.add_argument_group("rule selection")
    rules.add_argument(
        "--select",
        type=_codes,
        action="extend",
        metavar="CODES",
        help="rules to run, replacing the configured ones: codes, prefixes "
        "(DUP) or ALL, comma-separated",
    )
    rules.add_argument(
        "--extend-select",
        type=_codes,
        action="extend",
        default=[],
        metavar="CODES",
        help="rules to run besides the selected ones",
    )
    rules.add_argument(
        "--ignore",
        type=_codes,
        action="extend",
        default=[],
        metavar="CODES",
        help="rules not to run, besides the configured ignores",
    )
    output = check.add_argument_group("output")
    output.add_argument(
        "--output-format",
        action="append",
        default=[],
        metavar="FORMAT[:FILE]",
        help=f"{', '.join(FORMATS)} (default: text); repeat to write several reports, "
        "e.g. --output-format text --output-format sarif:lint.sarif",
    )
    output.add_argument(
        "--output-file",
        type=Path,
        metavar="FILE",
        help="write the report to FILE (the text summary still goes to the terminal)",
    )
    output.add_argument(
        "--statistics", action="store_true", help="print counts per rule instead of each diagnostic"
    )
    output.add_argument(
        "-q", "--quiet", action="store_true", help="print diagnostics only, no summary"
    )
    output.add_argument(
        "--exit-zero", action="store_true", help="exit 0 even when diagnostics are found"
    )
    output.add_argument(
        "--no-progress",
        action="store_true",
        help="never show the progress line (it shows only on a terminal)",
    )
    baseline = check.add_argument_group("baseline")
    baseline.add_argument(
        "--baseline",
        type=Path,
        metavar="FILE",
        help="report only diagnostics not recorded in FILE (see --write-baseline)",
    )
    baseline.add_argument(
        "--write-baseline",
        type=Path,
        metavar="FILE",
        help="record every current diagnostic in FILE, so later runs with --baseline FILE "
        "report only new ones",
    )
    fixing = check.add_argument_group("fixes")
    fixing.add_argument(
        "--fix", action="store_true", help="apply safe fixes (they change no word), then report"
    )
    fixing.add_argument(
        "--unsafe-fixes",
        action="store_true",
        help="with --fix or --diff, also apply unsafe fixes (they may drop lines); "
        "alone it changes nothing",
    )
    fixing.add_argument(
        "--diff",
        action="store_true",
        help="print the fixes as a unified diff (for `patch -p1`) and write nothing; "
        "exit 1 when there is a diff",
    )
    fixing.add_argument(
        "--show-fixes", action="store_true", help="list what was fixed in each file"
    )
    fixing.add_argument(
        "--exit-non-zero-on-fix",
        action="store_true",
        help="exit 1 when --fix changed a file, even if no diagnostic remains",
    )
    run = check.add_argument_group("run")
    run.add_argument(
        "--config",
        type=Path,
        metavar="FILE",
        help="configuration file (pyproject.toml or corpus-lint.toml) instead of the nearest one",
    )
    run.add_argument(
        "--jobs", type=int, default=0, metavar="N", help="worker processes (default: one per core)"
    )
    run.add_argument(
        "--no-cache", action="store_true", help="neither read nor write the signature cache"
    )
    run.add_argument(
        "--executor",
        choices=EXECUTORS,
        help="where the check runs: 'local' worker processes (the default) or a 'dask' "
        "cluster (pip install 'corpus-lint[dask]')",
    )
    run.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        help="with --executor dask: the address of a running Dask scheduler "
        "(default: start a local cluster sized to the machine)",
    )

    explain = commands.add_parser(
        "rule", help="explain a rule", description="Print a rule's documentation."
    )
    explain.add_argument("code", metavar="CODE")
    explain.add_argument(
        "--config",
        type=Path,
        metavar="FILE",
        help="configuration whose rule packs may define the rule",
    )
    listing = commands.add_parser(
        "rules", help="list every rule", description="List every rule: code, name, fix, summary."
    )
    listing.add_argument(
        "--config", type=Path, metavar="FILE", help="configuration whose rule packs add rules"
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    with interrupts.handled():  # Ctrl-C: exit 130, however many arrive (see `interrupts`)
        try:
            return _main(argv)
        except KeyboardInterrupt:
            print("corpus-lint: interrupted", file=sys.stderr)
            return 130


def _main(argv: Sequence[str] | None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or (argv[0] not in COMMANDS and argv[0] not in ("-h", "--help", "--version")):
        argv.insert(0, "check")
    try:
        args = build_parser().parse_args(argv)
    except SystemExit as exc:  # argparse has printed its message already
        return EXIT_CLEAN if exc.code == 0 else EXIT_ERROR
    try:
        from corpus_lint import commands

        return {
            "check": commands.check,
            "rule": commands.explain_rule,
            "rules": commands.list_rules,
        }[args.command](args)
    except (ConfigError, PackError, UsageError, WorkersDied) as exc:
        print(f"corpus-lint: error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except BrokenPipeError:  # `corpus-lint ... | head`
        sys.stderr.close()
        return EXIT_ERROR


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
