"""Command line: argument parsing and exit codes; the work is done elsewhere.

The parser is the standard library's argparse (no dependency, and it does what ruff's
clap does here), with whole flag names only (`allow_abbrev=False`: `--fi` is not `--fix`)
and every usage error as one line, exit 2.
"""

from __future__ import annotations

import argparse
import errno
import io
import os
import sys
from collections.abc import Sequence
from pathlib import Path

from corpus_lint import __version__, interrupts
from corpus_lint.commands import EXIT_CLEAN, EXIT_ERROR, UsageError
from corpus_lint.config import EXECUTORS, ConfigError, is_url
from corpus_lint.interrupts import WorkersDied
from corpus_lint.report import FORMATS

COMMANDS = ("check", "rule", "rules", "mine-boilerplate")
COLOR_CHOICES = ("auto", "always", "never")


class HelpFormatter(argparse.HelpFormatter):
    """Help lines broken at spaces only: a flag or a file name in a help text
    ("--output-format", "corpus-lint.toml") stays whole, so an example can be copied."""

    def _split_lines(self, text: str, width: int) -> list[str]:
        import textwrap

        return textwrap.wrap(" ".join(text.split()), width, break_on_hyphens=False)

    def _fill_text(self, text: str, width: int, indent: str) -> str:
        import textwrap

        return textwrap.fill(
            " ".join(text.split()),
            width,
            initial_indent=indent,
            subsequent_indent=indent,
            break_on_hyphens=False,
        )


class Parser(argparse.ArgumentParser):
    """argparse with whole flag names only, and errors raised as one-line UsageErrors
    naming the (sub)command's help, instead of a usage block and sys.exit."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("allow_abbrev", False)
        kwargs.setdefault("formatter_class", HelpFormatter)
        super().__init__(*args, **kwargs)

    def error(self, message: str):  # type: ignore[override]
        raise UsageError(f"{message} (see `{self.prog} --help`)")


def _path(value: str) -> Path:
    """A path argument; an empty one is refused: `Path("")` is the working directory, so an
    unset shell variable (`check --fix "$FILE"`) would have fixed every file under it."""
    if not value:
        raise argparse.ArgumentTypeError("an empty path (an unset variable?)")
    return Path(value)


def _report_path(value: str) -> Path | str:
    """`-o`'s file; "-" (kept as a string: `Path("./-")` prints "-" too) is stdout, as in
    `--output-format FORMAT:-` (`commands.parse_outputs`)."""
    return value if value == "-" else _path(value)


class _Once(argparse.Action):
    """An option that takes one value: given twice it is an error, not its last value
    silently kept (`-o a.json -o b.json` wrote only b.json)."""

    given = False

    def __call__(self, parser, namespace, values, option_string=None):  # type: ignore[override]
        if self.given:
            parser.error(f"{option_string} given twice: it takes one value")
        self.given = True  # (a parser is built for each command line: see `parse`)
        setattr(namespace, self.dest, values)


def _path_or_url(value: str) -> Path | str:
    """A local path, or an fsspec URL kept as written (Path would fold its "//"); "-" (standard
    input) too: `Path("./-")` and `Path("-/")`, a file and a folder named "-", print as "-"."""
    return value if is_url(value) or value == "-" else _path(value)


def _codes(value: str) -> list[str]:
    return [c.strip() for c in value.split(",") if c.strip()]


def _config_help(what: str) -> str:
    return (
        f"{what}: a configuration file (pyproject.toml or corpus-lint.toml) instead of the "
        "nearest one, or a KEY = VALUE override in TOML (e.g. --config 'exclude = [\"old\"]'"
        ", --config near-duplicate.threshold=0.9); repeatable"
    )


def build_parser() -> Parser:
    parser = Parser(
        prog="corpus-lint",
        description="Lint a corpus of text documents: encoding, layout, boilerplate, source "
        "lines, duplicated text, exact and near-duplicate documents.",
        epilog="`corpus-lint PATHS` is short for `corpus-lint check PATHS`.",
    )
    parser.add_argument("--version", action="version", version=f"corpus-lint {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)

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
        help="files or folders (default: the configured corpus, else '.'); '-' reads one "
        "document from standard input; with --executor dask, also fsspec URLs "
        "(s3://bucket/news/, file:///data/)",
    )
    rules = check.add_argument_group("rule selection")
    rules.add_argument(
        "--select",
        type=_codes,
        action="extend",
        metavar="CODES",
        help="rules to run, replacing the configured selection (its select, extend-select "
        "and ignore): codes, prefixes (DUP) or ALL, comma-separated",
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
        help="rules not to run, besides the configured ignores (without --select)",
    )
    output = check.add_argument_group("output")
    output.add_argument(
        "--output-format",
        action="append",
        default=[],
        metavar="FORMAT[:FILE]",
        help=f"{', '.join(FORMATS)} (default: concise, one line per diagnostic; text is "
        "the same; full also prints the offending line). Repeat to write several reports, "
        "at most one of them to stdout: --output-format concise --output-format "
        "sarif:lint.sarif",
    )
    output.add_argument(
        "-o",
        "--output-file",
        type=_report_path,
        action=_Once,
        metavar="FILE",
        help="write the report to FILE (the text summary then goes to stdout); '-' is stdout",
    )
    output.add_argument(
        "--statistics", action="store_true", help="print counts per rule instead of each diagnostic"
    )
    output.add_argument(
        "-q", "--quiet", action="store_true", help="print diagnostics only, no summary"
    )
    output.add_argument(
        "-s",
        "--silent",
        action="store_true",
        help="print nothing but errors; the exit code still says what was found",
    )
    output.add_argument(
        "-e", "--exit-zero", action="store_true", help="exit 0 even when diagnostics are found"
    )
    output.add_argument(
        "--color",
        choices=COLOR_CHOICES,
        action=_Once,
        default="auto",
        help="colour the text report: auto (the default) colours it on a terminal, or on any "
        "output when FORCE_COLOR is set (not empty); NO_COLOR turns auto off",
    )
    output.add_argument(
        "--no-progress",
        action="store_true",
        help="never show the progress line (it shows only on a terminal)",
    )
    output.add_argument(
        "--show-files",
        action="store_true",
        help="list the files a check would read, and the corpus they are compared with; "
        "check nothing",
    )
    output.add_argument(
        "--show-settings",
        action="store_true",
        help="print the resolved settings and the file they come from; check nothing",
    )
    baseline = check.add_argument_group("baseline")
    baseline.add_argument(
        "--baseline",
        type=_path,
        action=_Once,
        metavar="FILE",
        help="report only diagnostics not recorded in FILE (see --write-baseline)",
    )
    baseline.add_argument(
        "--write-baseline",
        type=_path,
        action=_Once,
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
        "--show-fixes", action="store_true", help="with --fix or --diff: list the fixes per file"
    )
    fixing.add_argument(
        "--write-removals",
        type=_path,
        action=_Once,
        metavar="FILE",
        help="write the paths of the redundant documents of duplicate clusters (DUP003, "
        "DUP004) to FILE, one per line, for a pipeline that removes them itself",
    )
    fixing.add_argument(
        "--exit-non-zero-on-fix",
        action="store_true",
        help="exit 1 when --fix changed a file, even if no diagnostic remains",
    )
    run = check.add_argument_group("run")
    run.add_argument(
        "--config", action="append", default=[], metavar="FILE|KEY=VALUE", help=_config_help("use")
    )
    run.add_argument(
        "--respect-gitignore",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="leave out the files that git ignores (.gitignore files, .git/info/exclude) "
        "(the default; the configuration key respect-gitignore)",
    )
    run.add_argument(
        "--stdin-filename",
        metavar="NAME",
        action=_Once,
        help="with the path '-': the name of the document read from standard input (for "
        "messages and per-file-ignores)",
    )
    run.add_argument(
        "--jobs",
        type=int,
        action=_Once,
        default=0,
        metavar="N",
        help="worker processes (default: 0, one per core)",
    )
    run.add_argument(
        "-n",
        "--no-cache",
        action="store_true",
        help="neither read nor write the cache (signatures and each file's results)",
    )
    run.add_argument(
        "--executor",
        choices=EXECUTORS,
        action=_Once,
        help="where the check runs: 'local' worker processes (the default) or a 'dask' "
        "cluster (needs the package's dask extra, see the README)",
    )
    run.add_argument(
        "--scheduler",
        metavar="ADDRESS",
        action=_Once,
        help="with --executor dask: the address of a running Dask scheduler "
        "(default: start a local cluster sized to the machine)",
    )

    explain = commands.add_parser(
        "rule", help="explain a rule", description="Print a rule's documentation."
    )
    explain.add_argument("code", metavar="CODE")
    explain.add_argument(
        "--config",
        action="append",
        default=[],
        metavar="FILE|KEY=VALUE",
        help=_config_help("configuration whose rule packs may define the rule"),
    )
    listing = commands.add_parser(
        "rules", help="list every rule", description="List every rule: code, name, fix, summary."
    )
    listing.add_argument(
        "--config",
        action="append",
        default=[],
        metavar="FILE|KEY=VALUE",
        help=_config_help("configuration whose rule packs add rules"),
    )
    from corpus_lint import mine

    mine.add_parser(commands)
    parser.set_defaults(subparsers=commands.choices)
    return parser


def with_command(argv: list[str]) -> list[str]:
    """`argv` with `check` put first when no command is named (`corpus-lint PATHS`).

    A first word that is no file, but is close to a command name, is a mistyped command
    (`chekc`), not a path: a one-line error naming the closest command.
    """
    if argv and (argv[0] in COMMANDS or argv[0] in ("-h", "--help", "--version")):
        return argv
    first = argv[0] if argv else ""
    if first and first[0] != "-" and not is_url(first) and not os.path.lexists(first):
        import difflib  # only for a mistyped command

        close = difflib.get_close_matches(first, COMMANDS, n=1, cutoff=0.6)
        if close:
            raise UsageError(
                f"unknown command {first!r} (nor a file or folder); did you mean "
                f"{close[0]!r}? (commands: {', '.join(COMMANDS)})"
            )
    return ["check", *argv]


def parse(argv: list[str]) -> argparse.Namespace:
    parser = build_parser()
    args, extra = parser.parse_known_args(with_command(argv))
    if extra:  # the command's own parser says it, with its own help
        args.subparsers[args.command].error(f"unrecognized arguments: {' '.join(extra)}")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    exits = argv is None  # the command line's process, which exits after the command
    if exits:
        _standard_streams()
    try:  # around the policy too: a Ctrl-C can land as it ends, when the handler is put back
        try:
            with interrupts.handled():  # Ctrl-C: exit 130, however many arrive (`interrupts`)
                return _main(argv, exits=exits)
        finally:
            if exits:  # a Ctrl-C from now on changes nothing: none may print a traceback
                interrupts.ignore()
    except KeyboardInterrupt:  # Ctrl-C or SIGTERM
        if exits:  # (one that landed in the `finally` above, before it ignored the next ones)
            interrupts.ignore()
        word, code = interrupts.how_stopped()
        print(f"corpus-lint: {word}", file=sys.stderr)
        return code


class _ClosedStream:
    """A standard stream the shell closed (`>&-`), where Python leaves None: what reads or
    writes it fails as a closed descriptor does, which `_main` reports in one line."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __getattr__(self, attribute: str):
        raise OSError(errno.EBADF, f"{self.name} is closed")

    def flush(self) -> None:  # nothing was written (the interpreter flushes it at exit)
        pass


def _standard_streams() -> None:
    """Standard streams a report can always be written to: any file name or text shown in
    the terminal's encoding (`PYTHONIOENCODING=latin-1` and an "é" spelt with a combining
    accent: escaped, not a UnicodeEncodeError), a closed one an error."""
    for name, shown in (("stdin", "standard input"), ("stdout", "standard output")):
        if getattr(sys, name) is None:
            setattr(sys, name, _ClosedStream(shown))
    if sys.stderr is None:  # nowhere to say anything: the exit code alone tells
        sys.stderr = open(os.devnull, "w")  # noqa: SIM115 - for the process's whole life
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper) and stream.errors == "strict":
            stream.reconfigure(errors="backslashreplace")


def _main(argv: Sequence[str] | None, exits: bool = False) -> int:
    """`exits`: the process exits after the command (the command line's, not a test's)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    try:
        args = parse(argv)
        args.exits = exits
    except UsageError as exc:
        from corpus_lint.commands import print_error

        print_error(str(exc))
        return EXIT_ERROR
    except SystemExit as exc:  # --help and --version have printed what they print
        return EXIT_CLEAN if exc.code in (0, None) else EXIT_ERROR
    try:
        from corpus_lint import commands

        if args.command == "mine-boilerplate":
            # Imported for it only: a check whose report is not JSON needs no json module.
            from corpus_lint.mine import run as command
        else:
            command = {
                "check": commands.check,
                "rule": commands.explain_rule,
                "rules": commands.list_rules,
            }[args.command]
        code = command(args)
        try:
            sys.stdout.flush()  # here, not at exit: a full disk must not pass for findings
        except BrokenPipeError:  # the reader stopped (`| head`) after the report was made
            commands.discard_stdout(sys.stdout)
        return code
    except (ConfigError, UsageError, WorkersDied) as exc:  # ConfigError: PackError too
        from corpus_lint.commands import print_error

        print_error(str(exc))
        return EXIT_ERROR
    except BrokenPipeError:  # `corpus-lint ... | head`
        sys.stderr.close()
        return EXIT_ERROR
    except OSError as exc:
        if exc.filename is not None:
            raise  # a file's errors are told where it is read or written
        # Standard output full (`> /dev/full`) or closed (`>&-`), standard input closed; or
        # the working directory deleted while a shell was in it.
        reason = exc.strerror or str(exc)
        try:
            os.getcwd()
        except FileNotFoundError:
            reason = "the working directory no longer exists (deleted?): cd to one that does"
        print(f"corpus-lint: error: {reason}", file=sys.stderr)
        return EXIT_ERROR


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
