"""What each command does: load settings and rules, run, report, choose the exit code."""

from __future__ import annotations

import argparse
import contextlib
import os
import stat
import sys
from collections import Counter
from collections.abc import Collection
from pathlib import Path
from typing import TYPE_CHECKING

from corpus_lint.config import ConfigError, Settings, is_url, load_settings
from corpus_lint.report import ReportContext
from corpus_lint.report.text import clean, line_start  # file names in messages may hold escapes
from corpus_lint.rule import Rule, is_selected, unknown_selectors

if TYPE_CHECKING:
    from corpus_lint.baseline import Baseline
    from corpus_lint.engine import FixOptions, Result
    from corpus_lint.files import CorpusWalk
    from corpus_lint.packs import Packs

EXIT_CLEAN = 0
EXIT_DIAGNOSTICS = 1
EXIT_ERROR = 2


class UsageError(Exception):
    """Bad flags or arguments: exit 2 with the message."""


def print_error(message: str) -> None:
    """One line on stderr, whatever the names in it hold (a newline, an escape sequence, the
    bytes of a non-UTF-8 name): they are shown as escapes, as in the text report."""
    print(f"corpus-lint: error: {clean(message)}", file=sys.stderr)


def config_args(values: list[str]) -> tuple[Path | None, list[str]]:
    """`--config` values: at most one configuration file, and KEY = VALUE overrides.

    A value is a file when it names one or holds no "=" (as ruff decides)."""
    files = [Path(v) for v in values if "=" not in v or _is_file(v)]
    if len(files) > 1:
        raise UsageError(f"--config: one configuration file at most, not {files[0]} and {files[1]}")
    overrides = [v for v in values if Path(v) not in files]
    return (files[0] if files else None), overrides


def _is_file(value: str) -> bool:
    try:
        return Path(value).is_file()
    except OSError:  # no file can have this name (too long, say): it is a KEY = VALUE
        return False


def load_rules(config: list[str] | None = None) -> tuple[Settings, Packs, dict[str, Rule]]:
    """Settings, packs and every rule they define (built-in first, then packs' rules).

    `config`: the `--config` values (a file and/or KEY = VALUE overrides)."""
    settings = load_config(config)
    return settings, *load_packs_and_rules(settings)


def load_config(config: list[str] | None = None) -> Settings:
    """The settings of the `--config` values (a file and/or KEY = VALUE overrides)."""
    file, overrides = config_args(config or [])
    return load_settings(file, overrides=overrides)


def load_packs_and_rules(settings: Settings) -> tuple[Packs, dict[str, Rule]]:
    """The settings' packs, and every rule: built-in first, then the packs' rules."""
    from corpus_lint.checks import builtin_rules  # the rules' modules: after `early_walk`
    from corpus_lint.packs import load_packs

    builtin = builtin_rules()
    packs = load_packs(settings.rule_packs, builtin)
    rules = dict(builtin)
    rules.update((rule.code, rule) for rule in packs.rules)
    return packs, rules


def select_rules(
    rules: dict[str, Rule],
    settings: Settings,
    select: list[str] | None,
    extend_select: list[str],
    ignore: list[str],
) -> dict[str, Rule]:
    """The rules a run uses; a selector naming no rule is an error, not silence."""
    for key, selector in settings.selectors():
        if unknown_selectors([selector], rules):
            where, line = settings.where_set(key, selector)
            at = f" (line {line})" if line else ""
            raise ConfigError(f"{where}: {key}: unknown rule code or prefix {selector!r}{at}")
    for flag, selectors in (
        ("--select", select or []),
        ("--extend-select", extend_select),
        ("--ignore", ignore),
    ):
        for selector in unknown_selectors(selectors, rules):
            raise UsageError(
                f"{flag}: unknown rule code or prefix {selector!r} (see `corpus-lint rules`)"
            )
    chosen, ignored = _selectors(settings, select, extend_select, ignore)
    return {code: rule for code, rule in rules.items() if is_selected(code, chosen, ignored)}


def _selectors(
    settings: Settings, select: list[str] | None, extend_select: list[str], ignore: list[str]
) -> tuple[list[str], list[str]]:
    """The selectors of the rules a run uses, and of those it leaves out. As in ruff, a
    command line's `--select` starts the selection anew: the configuration's `select`,
    `extend-select` and `ignore` are all left (`--select WS004` with `ignore = ["WS004"]`
    configured runs WS004; it was an error blaming --select)."""
    if select is not None:
        return select + extend_select, ignore
    return settings.select + settings.extend_select + extend_select, settings.ignore + ignore


def explain_rule(args: argparse.Namespace) -> int:
    _, _, rules = load_rules(args.config)
    rule = rules.get(args.code.upper())
    if rule is None:
        raise UsageError(f"unknown rule {args.code!r} (see `corpus-lint rules`)")
    fix = {
        "safe": "safe fix available",
        "unsafe": "unsafe fix available (--unsafe-fixes)",
        None: "no fix",
    }[rule.fix_availability]
    print(f"# {rule.code} {rule.name}\n\nSeverity: {rule.severity}. {fix.capitalize()}.\n")
    print(rule.doc)
    return EXIT_CLEAN


def list_rules(args: argparse.Namespace) -> int:
    _, _, rules = load_rules(args.config)
    for rule in rules.values():
        fix = {"safe": "[*]", "unsafe": "[-]", None: "   "}[rule.fix_availability]
        print(f"{rule.code:<7} {fix} {rule.name:<24} {rule.summary}")
    print("\n[*] safe fix (--fix)   [-] unsafe fix (--fix --unsafe-fixes)")
    return EXIT_CLEAN


def parse_outputs(
    specs: list[str], output_file: Path | str | None
) -> list[tuple[str, Path | None]]:
    """`--output-format FORMAT[:FILE]` values as (format, file; None for stdout, as "-" is).

    At most one report goes to stdout (two would be one unreadable stream), and no two to
    one file."""
    from corpus_lint.report import FORMATS

    if output_file == "-":  # `-o -`: stdout, where the report goes without `-o`
        output_file = None
    outputs: list[tuple[str, Path | None]] = []
    for spec in specs or ["concise"]:
        name, colon, file = spec.partition(":")
        if name not in FORMATS:
            raise UsageError(
                f"--output-format: unknown format {name!r} (choose from {', '.join(FORMATS)})"
            )
        if colon and not file:
            raise UsageError(f"--output-format {spec!r}: the file name after ':' is empty")
        outputs.append((name, Path(file) if file and file != "-" else None))  # "-": stdout
    if output_file is not None:
        to_stdout = [i for i, (_, file) in enumerate(outputs) if file is None]
        if not to_stdout:
            raise UsageError("--output-file: every --output-format already names its file")
        name, _ = outputs[to_stdout[0]]
        outputs[to_stdout[0]] = (name, output_file)
    on_stdout = [name for name, file in outputs if file is None]
    if len(on_stdout) > 1:
        raise UsageError(
            f"--output-format: {' and '.join(on_stdout)} would both go to stdout; give all "
            "but one a file (FORMAT:FILE)"
        )
    refuse_writing_twice(reports_written(outputs, output_file))
    return outputs


def reports_written(
    outputs: list[tuple[str, Path | None]], output_file: Path | None
) -> list[tuple[str, Path]]:
    """(flag, file) of each report written to a file, the flag that named the file."""
    return [
        ("--output-file" if file is output_file else "--output-format", file)
        for _, file in outputs
        if file is not None
    ]


def refuse_writing_twice(written: list[tuple[str, Path]]) -> None:
    """A UsageError when two outputs (reports, the removals, a baseline) name one file, as
    written or through a link: the last written would replace the others unseen."""
    reports = {"--output-format", "--output-file"}
    seen: dict[str, str] = {}
    for flag, file in written:
        real = os.path.realpath(file)
        if real in seen and {seen[real], flag} <= reports:
            raise UsageError(f"--output-format: two reports would be written to {file}")
        if real in seen:
            raise UsageError(f"{seen[real]} and {flag} would both write to {file}")
        seen[real] = flag


TEXT_FORMATS = ("text", "concise", "full")


def _same_file(status: os.stat_result, path: str) -> bool:
    try:
        return os.path.samestat(status, os.stat(path))
    except OSError:
        return False


def refuse_overwriting_inputs(files: list[Path], targets: list[str], settings: Settings) -> None:
    """A UsageError when a file the run would write (a report, the removals, a baseline) is
    one of the documents it checks, given or in the configured corpus: `-o c/001.txt` would
    replace that article with the report."""
    from corpus_lint.files import covered_by, is_excluded, is_included

    corpus = [Path(root) for root in settings.corpus if not is_url(root)]
    for file in files:
        # Told now, not once every file has been checked: a report that cannot be written.
        folder = Path(os.path.realpath(file)).parent
        if os.path.isdir(file):
            raise UsageError(f"{file}: is a folder; give a file name to write to")
        if not folder.is_dir():
            raise UsageError(f"{file}: no such folder to write to ({folder})")
        try:
            status = os.stat(file)
        except OSError:
            continue  # not there (yet): no document
        real = Path(os.path.realpath(file))
        name = real.name
        in_corpus = covered_by(real, corpus) and (
            is_included(real, settings) and not is_excluded(real, settings)
        )
        if in_corpus or any(
            os.path.basename(target) == name and _same_file(status, target) for target in targets
        ):
            raise UsageError(
                f"{file}: is one of the documents checked; writing to it would replace the "
                "document (nothing written)"
            )


def check_flags(args: argparse.Namespace) -> None:
    """Combinations of flags that would be silently ignored or misread: usage errors."""
    if args.jobs < 0:
        raise UsageError("--jobs must be 0 (one per core) or more")
    if args.show_fixes and not (args.fix or args.diff):
        raise UsageError("--show-fixes lists what --fix or --diff fixes: give one of them")
    if args.diff and (args.output_format or args.output_file or args.statistics):
        raise UsageError(
            "--diff prints a diff, not a report: drop --output-format/--output-file/--statistics"
        )
    if args.diff and (args.baseline or args.write_baseline):
        raise UsageError("--diff does not read or write a baseline")
    if args.exit_non_zero_on_fix and not args.fix:
        raise UsageError("--exit-non-zero-on-fix needs --fix")
    if args.exit_non_zero_on_fix and args.exit_zero:
        raise UsageError("--exit-zero and --exit-non-zero-on-fix ask for opposite exit codes")
    if args.write_removals and (args.fix or args.diff):
        raise UsageError(
            "--write-removals lists the redundant copies instead of removing them: drop "
            "--fix/--diff, or --write-removals"
        )
    if args.show_files and args.show_settings:
        raise UsageError("--show-files and --show-settings: give one of them")
    if args.show_files or args.show_settings:
        shown = "--show-files" if args.show_files else "--show-settings"
        if args.fix or args.diff:
            raise UsageError(f"{shown} lists and changes nothing: drop --fix/--diff")
        ignored = [
            flag
            for flag, given in (
                ("--output-format", args.output_format),
                ("--output-file", args.output_file),
                ("--statistics", args.statistics),
                ("--baseline", args.baseline),
                ("--write-baseline", args.write_baseline),
                ("--write-removals", args.write_removals),
                ("--exit-zero", args.exit_zero),
            )
            if given
        ]
        if ignored:
            what = "the files" if args.show_files else "the settings"
            raise UsageError(f"{shown} prints {what}, no report: drop {'/'.join(ignored)}")
    formats = [spec.partition(":")[0] for spec in args.output_format or ["concise"]]
    if args.statistics and not any(name in TEXT_FORMATS for name in formats):
        raise UsageError(
            "--statistics counts the findings in the text report: give a text format "
            f"({', '.join(TEXT_FORMATS)})"
        )
    stdin = any(p == "-" for p in args.paths)  # "-" itself, not the Path of "./-"
    if stdin and len(args.paths) > 1:
        raise UsageError("'-' (standard input) cannot be checked together with other paths")
    if args.stdin_filename is not None and not stdin:
        raise UsageError("--stdin-filename names the document read from '-': give the path '-'")
    if stdin and (
        args.write_baseline or args.write_removals or args.executor == "dask" or args.show_files
    ):
        raise UsageError(
            "'-' (standard input) is one document: no --write-baseline, --write-removals, "
            "--show-files or --executor dask"
        )


def color_wanted(mode: str, stream=None) -> bool:
    """--color, then NO_COLOR / FORCE_COLOR (https://no-color.org), then: is it a terminal?"""
    if mode != "auto":
        return mode == "always"
    if os.environ.get("NO_COLOR"):
        return False
    if os.environ.get("FORCE_COLOR"):
        return True
    stream = stream or sys.stdout
    return hasattr(stream, "isatty") and stream.isatty()


def check(args: argparse.Namespace) -> int:
    from corpus_lint.progress import new_run

    check_flags(args)
    new_run()
    settings = load_config(args.config)
    if args.respect_gitignore is not None:
        settings.respect_gitignore = args.respect_gitignore
    # The flags over the keys, as --show-settings shows them.
    settings.executor = args.executor or settings.executor
    settings.scheduler = args.scheduler or settings.scheduler
    walk = None
    try:  # begun inside: a Ctrl-C just after it began still cancels it
        walk = early_walk(args, settings)
        return _check(args, settings, walk)
    finally:
        if walk is not None:  # the run's, if it ran: then already over
            walk.cancel()


# The built-in corpus rules (a test holds it to the rules registered): whether a run may
# compare files with the corpus is guessed from the selectors before the rules are loaded.
CORPUS_RULES = ("DUP003", "DUP004", "BP005")


def early_walk(args: argparse.Namespace, settings: Settings) -> CorpusWalk | None:
    """The corpus walk of a pre-commit run (a few files checked against the configured
    corpus), begun as soon as the settings are read: its worker processes stat the corpus
    files, most of such a run, while this process imports and loads the rules, checks the
    files and opens the cache (begun later, they waited for 0.05-0.1 s of imports, one core
    idle). A guess from the arguments: `engine.run` cancels a walk its run does not need, and
    begins one this did not guess."""
    paths, corpus = args.paths, settings.corpus
    if not (paths and corpus) or args.fix or args.diff or args.show_files or args.show_settings:
        return None
    from corpus_lint.parallel import worker_processes, workers_for

    workers = worker_processes(args.jobs)
    if workers_for(len(paths), workers) > 1:
        return None  # read by worker processes: the stage walks the corpus after them
    if any(is_url(p) for p in [*paths, *corpus]) or not all(map(os.path.isfile, paths)):
        return None  # a folder may hold many files: the engine decides (`engine._corpus_walk`)
    if paths[0] == "-":
        return None  # standard input: compared with no corpus (`check_stdin`)
    from corpus_lint.files import distinct_roots, forget_ignore_files

    forget_ignore_files()  # before this run's first walk (a long-lived process: see them anew)
    corpus = distinct_roots(corpus, settings)
    if _whole_corpus(paths, corpus):
        return None
    chosen, ignored = _selectors(settings, args.select, args.extend_select, args.ignore)
    if not any(is_selected(code, chosen, ignored) for code in CORPUS_RULES):
        return None
    from corpus_lint.dedup import start_corpus_walk

    return start_corpus_walk(corpus, settings, not args.no_cache, workers, paths)


def _check(args: argparse.Namespace, settings: Settings, walk: CorpusWalk | None) -> int:
    """`check` once the settings are read (and the corpus walk begun, if guessed)."""
    from corpus_lint.engine import Options, run
    from corpus_lint.files import discover_names
    from corpus_lint.progress import progress_wanted

    packs, rules = load_packs_and_rules(settings)
    selected = select_rules(rules, settings, args.select, args.extend_select, args.ignore)
    if args.show_settings:
        return show_settings(settings, selected)
    outputs = parse_outputs(args.output_format, args.output_file)
    if args.paths == ["-"]:  # "-" itself, not the Path of "./-"
        return check_stdin(args, settings, packs, rules, selected, outputs)
    baseline = load_baseline(args.baseline)  # before any file is touched by --fix
    paths = args.paths or settings.corpus or [Path(".")]
    if args.show_files:
        return show_files(paths, settings)
    if not selected:
        given = ["--select"] * (args.select is not None) + ["--ignore"] * bool(args.ignore)
        where = " and ".join(given) or "'select' and 'ignore' in " + (
            str(settings.config_file) if settings.config_file else "the configuration"
        )
        raise UsageError(f"no rule is selected, so nothing would be checked (see {where})")
    executor = choose_executor(args, settings, paths)
    if executor == "dask" and args.jobs and (args.scheduler or settings.scheduler):
        raise UsageError(
            "--jobs sets this machine's worker processes: a running Dask scheduler's cluster "
            "has its own workers (size it there)"
        )
    if args.write_removals and not {"DUP003", "DUP004"} & set(selected):
        raise UsageError(
            "--write-removals lists the redundant copies that DUP003 and DUP004 find: select "
            "one of them"
        )
    skipped: list[str] = []  # warnings about the paths given: a file named twice, none found
    links: list[str] = []  # symbolic links found in the folders given: not followed
    # The files as names, not Paths: held for the whole run (see `discover_names`).
    local = [p for p in paths if not is_url(p)]
    targets, errors = discover_names(local, settings, skipped, links)
    if links:
        skipped.append(links_left_out(links))
    written = [file for _, file in outputs if file is not None]
    others = [("--write-removals", args.write_removals), ("--write-baseline", args.write_baseline)]
    others = [(flag, file) for flag, file in others if file is not None]
    refuse_writing_twice(reports_written(outputs, args.output_file) + others)
    written += [file for _, file in others]
    refuse_overwriting_inputs(written, targets, settings)
    if not (targets or errors or skipped or any(is_url(p) for p in paths)):  # (links: said)
        skipped.append(nothing_found(paths, settings))
    # Where the counts of what --fix would fix are shown: a text report's summary (in a file
    # too), the summary on the terminal when every report went to a file, the html report.
    # Elsewhere they are not counted (13% of a run).
    counts_shown = not args.diff and (
        any(name == "html" for name, _ in outputs)
        or any(
            name in TEXT_FORMATS and not args.quiet and (file or not args.silent)
            for name, file in outputs
        )
        or (not (args.quiet or args.silent) and all(file is not None for _, file in outputs))
    )
    options = Options(
        jobs=args.jobs,
        use_cache=not args.no_cache,
        progress=progress_wanted(args.no_progress or args.silent),
        count_fixes=counts_shown,
        count_words=any(name == "html" for name, _ in outputs),  # its length histogram
        keep_frozen=vars(args).get("exits", False),  # the command line's process (`cli.main`)
        links=frozenset(
            os.path.abspath(p)
            for p in [*paths, *settings.corpus]
            if not is_url(p) and os.path.islink(p)
        ),
    )
    checked: list = targets
    corpus = None  # a configured corpus besides the targets (a changed-files run)
    if executor == "dask":
        from corpus_lint.distributed import ExecutorError, run_on_dask

        urls = [p for p in paths if is_url(p)]
        try:
            result, checked = run_on_dask(
                [Path(t) for t in targets],
                urls,
                selected,
                packs,
                settings,
                args.scheduler or settings.scheduler,
                options.progress,
                options.count_fixes,
                options.links,
                args.jobs,
            )
        except ExecutorError as exc:
            raise UsageError(str(exc)) from None
        if urls:  # fixes are refused where a URL is checked (`choose_executor`): none offered
            from dataclasses import replace

            result.diagnostics = [replace(d, fix=None) for d in result.diagnostics]
            result.fixable = None
    else:
        from corpus_lint.files import distinct_roots

        corpus = distinct_roots(settings.corpus, settings) or None
        if corpus and (not args.paths or _whole_corpus(args.paths, corpus)):
            corpus = None  # the targets are the whole corpus: it is not walked a second time
        fix = fix_options(args)
        result = run(targets, selected, packs, settings, options, corpus, fix, walk)
    # Each once: a folder or file the paths given and the corpus walk both reach fails in both.
    errors = list(dict.fromkeys(errors + result.errors))
    if not args.silent:
        for warning in skipped + result.warnings:
            print(f"corpus-lint: warning: {clean(warning)}", file=sys.stderr)
    if args.write_removals is not None:
        write_removals(args.write_removals, result.diagnostics, errors)
    if args.diff:
        return report_diff(result, errors, args)

    # Some of the files a baseline records, where no corpus is configured: those named, or
    # those below a folder under the baseline's. Their corpus rules compared them with no
    # others, so their entries of those rules are kept too.
    some_files = not settings.corpus and bool(
        args.paths or (args.write_baseline and _below(Path.cwd(), args.write_baseline))
    )
    result.diagnostics, baseline_notes, hidden = apply_baseline(
        result.diagnostics,
        baseline,
        args.write_baseline,
        checked,
        partial=corpus is not None or some_files,  # or of the corpus: pre-commit's
        kept_codes=CORPUS_RULES if some_files else (),
    )
    besides: frozenset[str] = frozenset()
    if corpus:  # a changed-files run: it reports corpus files too
        from corpus_lint.document import display

        shown = {display(t) for t in targets}
        besides = frozenset(d.path for d in result.diagnostics if d.path not in shown)
    context = ReportContext(
        rules=rules,
        besides=besides,
        files_checked=result.files_checked,
        files_skipped=result.files_skipped + len(links),
        statistics=args.statistics,
        quiet=args.quiet,
        notes=fix_notes(result.fixed, args.show_fixes) if args.fix else [],
        errors=errors,  # (reports that cannot be written join them)
        warnings=skipped + result.warnings,
        hidden=hidden,
        # What the findings shown can fix: the run's counts take in the baseline's too.
        fixable=None if hidden else result.fixable,
    )
    context.notes.extend(baseline_notes)
    if options.count_words:
        context.word_counts = result.word_counts if executor == "local" else None
        context.configuration = describe_configuration(settings, selected, paths, args)
    report(result.diagnostics, context, outputs, args)
    for error in errors:
        print_error(error)
    if errors:
        return EXIT_ERROR
    if result.diagnostics and not args.exit_zero:
        return EXIT_DIAGNOSTICS
    if result.fixed and args.exit_non_zero_on_fix and not args.exit_zero:
        return EXIT_DIAGNOSTICS
    return EXIT_CLEAN


def report(
    diagnostics: list,
    context: ReportContext,
    outputs: list[tuple[str, Path | None]],
    args: argparse.Namespace,
    stdout=None,
) -> None:
    """Write each report; the summary goes to the terminal when every report went to a file.
    A report that cannot be written is an error of the run (`context.errors`)."""
    from corpus_lint.report import chunked_formatter, formatter
    from corpus_lint.report.text import summary

    stdout = stdout or sys.stdout
    # The reports that show the run's errors (its summary: text, html) are written after the
    # others, a file before the terminal's: a report that cannot be written is one of them.
    shows_errors = {*TEXT_FORMATS, "html"}
    for name, file in sorted(outputs, key=lambda out: (out[0] in shows_errors, out[1] is None)):
        if file is None:
            if not args.silent:
                context.color = name in TEXT_FORMATS and color_wanted(args.color, stdout)
                try:  # written as it is made (a file gets the whole text, or none of it)
                    for chunk in chunked_formatter(name)(diagnostics, context):
                        stdout.write(chunk)
                    stdout.flush()
                except BrokenPipeError:  # the reader stopped (`| head`): nothing to say
                    discard_stdout(stdout)
                except OSError as exc:  # `> /dev/full`: said as a file's is
                    reason = f"cannot write the {name} report: {exc.strerror or exc}"
                    raise OSError(exc.errno, f"standard output: {reason}") from None
            continue
        context.color = False
        text = formatter(name)(diagnostics, context)
        try:
            write_output(file, text.encode("utf-8"))
        except OSError as exc:
            context.errors.append(f"{file}: cannot write the {name} report: {exc.strerror or exc}")
    if args.quiet or args.silent:
        return
    if all(file is not None for _, file in outputs):
        print("\n".join(summary(diagnostics, context)), file=stdout)
    elif not any(name in TEXT_FORMATS and file is None for name, file in outputs):
        for note in context.notes:  # no summary shows the notes
            print(f"corpus-lint: {clean(note)}", file=sys.stderr)


def discard_stdout(stdout) -> None:
    """After a broken pipe (`corpus-lint check | head`): what is still to be written to
    standard output goes nowhere, and the run exits as its findings say, whatever the
    format (the JSON report, written in chunks, exited 2 and the text report 1)."""
    with contextlib.suppress(OSError, ValueError):  # (a test's buffer has no descriptor)
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, stdout.fileno())
        os.close(devnull)


def nothing_found(paths: list[Path], settings: Settings) -> str:
    """Why the paths given hold no file to check: `exclude` (files named), or `include`."""
    from corpus_lint.document import display
    from corpus_lint.files import is_excluded

    excluded = [p for p in paths if not p.is_dir() and is_excluded(p, settings)]
    if excluded and len(excluded) == len(paths):
        return f"{excluded_note(display(excluded[0]), len(excluded) - 1)}, not checked"
    matching = f"matching {', '.join(settings.include)} under the given paths"
    if settings.exclude or settings.respect_gitignore:
        # Found, and all left out? (Walked again without them: only when none was found.)
        from dataclasses import replace

        from corpus_lint.files import discover_names

        unfiltered = replace(settings, exclude=[], respect_gitignore=False)
        left_out = len(discover_names([p for p in paths if p.is_dir()], unfiltered)[0])
        if left_out:
            files = "1 file" if left_out == 1 else f"{left_out} files"
            return f"{files} {matching}, every one left out by `exclude` or .gitignore"
    return f"no files {matching}"


def links_left_out(links: list[str]) -> str:
    """The warning for the symbolic links found in the folders given, which are not followed
    (a link may lead out of the corpus): files left out, so the run has not passed."""
    from corpus_lint.document import display

    more = f" (and {len(links) - 1} more)" if len(links) > 1 else ""
    them = "them" if len(links) > 1 else "it"
    return (
        f"{display(min(links))}{more}: symbolic link found in a folder, not followed; not "
        f"checked (name {them} to check {them})"
    )


def excluded_note(first: str, more: int) -> str:
    others = f" (and {more} more)" if more else ""
    return f"{first}{others}: excluded by `exclude` in the configuration"


def check_stdin(
    args: argparse.Namespace,
    settings: Settings,
    packs: Packs,
    rules: dict[str, Rule],
    selected: dict[str, Rule],
    outputs: list[tuple[str, Path | None]],
) -> int:
    """`check -`: one document from standard input, named by --stdin-filename. The
    per-document rules run on it; corpus rules compare files and are left out (said so).
    With --fix, stdout gets the fixed text (--diff: the diff) and the report goes to stderr."""
    from corpus_lint import fixes
    from corpus_lint.analysis import lint_document
    from corpus_lint.document import Document, display
    from corpus_lint.files import ignored_for_file, is_excluded
    from corpus_lint.packs import timed_out_searches
    from corpus_lint.rule import Context, sort_diagnostics

    document_rules = [r for r in selected.values() if not r.corpus]
    if not document_rules:
        raise UsageError("no per-document rule is selected: nothing would check standard input")
    fixing = args.fix or args.diff
    if fixing and any(file is None and name not in TEXT_FORMATS for name, file in outputs):
        raise UsageError(
            "with --fix or --diff on '-', stdout holds the document: write reports to a file"
        )
    name = args.stdin_filename or "-"
    baseline = load_baseline(args.baseline)  # (a missing one: before the document is written)
    raw = sys.stdin.buffer.read()
    if name != "-" and is_excluded(Path(name), settings):
        # Handled as the file named would be: `exclude` always applies. With --fix the text
        # is given back as it came (an editor's buffer stays whole).
        if args.fix:
            sys.stdout.buffer.write(raw)
            sys.stdout.flush()
        if not args.silent:
            note = clean(excluded_note(display(Path(name)), 0))
            print(f"corpus-lint: warning: {note}, not checked", file=sys.stderr)
        context = ReportContext(rules=rules, statistics=args.statistics, quiet=args.quiet)
        report([], context, outputs, args, stdout=sys.stderr if fixing else sys.stdout)
        return EXIT_CLEAN
    doc = Document.from_bytes(Path(name), raw, display(Path(name)) if name != "-" else "-")
    if doc.binary:  # as a file would be judged: UTF-16/32 text is text, NUL bytes elsewhere not
        raise UsageError(f"{name}: binary input (NUL bytes), not linted")
    context_rules = Context(packs)

    def lint(d: Document) -> list:
        found = lint_document(d, document_rules, context_rules)
        return [x for x in found if not ignored_for_file(x, settings)]

    notes = []
    left_out = sorted(code for code, rule in selected.items() if rule.corpus)
    if left_out:
        codes = ", ".join(left_out)
        notes.append(f"Not run on standard input (they compare corpus files): {codes}.")
    stdout = sys.stdout
    fixed_counts = None
    if fixing:
        result = fixes.fix_document(doc, lint, unsafe=args.unsafe_fixes)
        diagnostics = result.diagnostics
        out = sys.stdout.buffer
        if args.diff:
            if result.changed:
                out.write(fixes.unified_diff(doc.display_path, doc.raw, result.doc.raw))
        else:
            out.write(result.doc.raw)
        out.flush()
        fixed_counts = {doc.display_path: result.counts} if result.changed else {}
        notes[:0] = fix_notes(fixed_counts, args.show_fixes, "Would fix" if args.diff else "Fixed")
        for note in result.notes:
            print(f"corpus-lint: warning: {clean(note)}", file=sys.stderr)
        stdout = sys.stderr  # the document has stdout
        source = result.doc.text
    else:
        diagnostics = lint(doc)
        source = doc.text
    errors = timed_out_searches(doc)
    fixable = None
    if any(d.fix is not None for d in diagnostics):  # what --fix would fix, as a file's
        current = result.doc if fixing else doc  # (not UTF-8: only with the transcode)
        fixable = tuple(len(fixes.fix_document(current, lint, u).applied) for u in (False, True))
    diagnostics, baseline_notes, hidden = apply_baseline(
        sort_diagnostics(diagnostics), baseline, None, [Path(name)]
    )
    context = ReportContext(
        rules=rules,
        files_checked=1,
        fixable=fixable,
        statistics=args.statistics,
        quiet=args.quiet,
        notes=notes + baseline_notes,
        errors=errors,
        hidden=hidden,
        sources={doc.display_path: source},
        word_counts={doc.display_path: len(source.split())},  # (for the html report)
    )
    report(diagnostics, context, outputs, args, stdout=stdout)
    for error in errors:
        print_error(error)
    if errors:
        return EXIT_ERROR
    if args.diff:
        return EXIT_DIAGNOSTICS if fixed_counts and not args.exit_zero else EXIT_CLEAN
    if fixed_counts and args.exit_non_zero_on_fix:  # as for a file (`_check`)
        return EXIT_DIAGNOSTICS
    return EXIT_DIAGNOSTICS if diagnostics and not args.exit_zero else EXIT_CLEAN


def show_files(paths: list, settings: Settings) -> int:
    """`--show-files`: each file a check reads, with the corpus folder it belongs to."""
    from corpus_lint.files import covered_by, discover

    if any(is_url(p) for p in [*paths, *settings.corpus]):
        raise UsageError("--show-files lists local files; URLs are listed by the dask executor")
    warnings: list[str] = []
    targets, errors = discover(paths, settings, warnings)
    corpus = [Path(c) for c in settings.corpus]
    for target in targets:
        roots = [c for c in corpus if covered_by(target, [c])]
        where = f"  (corpus: {display_path(roots[0])})" if roots else ""
        if corpus and not roots:
            where = "  (outside the corpus; compared with it)"
        print(f"{line_start(display_path(target))}{where}")
    for warning in warnings:
        print(f"corpus-lint: warning: {clean(warning)}", file=sys.stderr)
    for error in errors:
        print_error(error)
    if not targets and not errors:
        print(f"corpus-lint: warning: {clean(nothing_found(paths, settings))}", file=sys.stderr)
    return EXIT_ERROR if errors else EXIT_CLEAN


def display_path(path: Path) -> str:
    from corpus_lint.document import display

    return display(path)


def show_settings(settings: Settings, selected: dict[str, Rule]) -> int:
    """`--show-settings`: where the settings come from, then each one, as a TOML file that
    would give the same settings (corpus and pack paths made absolute)."""
    from corpus_lint.report.json import dumps  # JSON strings are TOML basic strings

    def value(v) -> str:
        return dumps([str(x) for x in v]) if isinstance(v, list) else dumps(v)

    source = str(settings.config_file) if settings.config_file else "none (defaults)"
    lines = [f"# Configuration file: {source}"]
    lines += [f"# Extends: {file}" for file in settings.extended]
    lines += [f"# Override: --config {o}" for o in settings.overrides]
    lines += [
        f"# Globs match from: {settings.root}",
        f"# Cache: {settings.cache_dir}",
        f"# Rules run (with the command line's selection): {', '.join(selected) or 'none'}",
        f"corpus = {value(settings.corpus)}",
        f"include = {value(settings.include)}",
        f"exclude = {value(settings.exclude)}",
        f"respect-gitignore = {value(settings.respect_gitignore)}",
        f"select = {value(settings.select)}",
        f"extend-select = {value(settings.extend_select)}",
        f"ignore = {value(settings.ignore)}",
        f"rule-packs = {value(settings.rule_packs)}",
        f"executor = {value(settings.executor)}",
    ]
    if settings.scheduler:
        lines.append(f"scheduler = {value(settings.scheduler)}")
    lines += ["", "[per-file-ignores]"]
    lines += [
        f"{value(glob)} = {value(codes)}" for glob, codes in settings.per_file_ignores.items()
    ]
    near = settings.near_duplicate
    lines += [
        "",
        "[near-duplicate]",
        f"threshold = {near.threshold!r}",
        f"shingle-size = {near.shingle_size}",
        f"num-perm = {near.num_perm}",
        f"keep = {value(list(near.keep))}",
    ]
    if near.allow_file is not None:
        lines.append(f"allow = {value(str(near.allow_file.resolve()))}")
    boilerplate = settings.boilerplate
    lines += [
        "",
        "[boilerplate]",
        f"min-documents = {boilerplate.min_documents}",
        f"max-length = {boilerplate.max_length}",
    ]
    print("\n".join(lines))
    return EXIT_CLEAN


def describe_configuration(
    settings: Settings, selected: dict[str, Rule], paths: list, args: argparse.Namespace
) -> list[tuple[str, str]]:
    """What produced a run's findings, as (setting, value) rows for the html report."""
    from corpus_lint.report import encodable_text

    near = settings.near_duplicate
    rows = [
        ("configuration file", str(settings.config_file or "none (defaults)")),
        ("paths checked", " ".join(str(p) for p in paths)),
        ("rules selected", " ".join(selected) or "none"),
        ("include", " ".join(settings.include)),
        ("exclude", " ".join(settings.exclude) or "none"),
        ("rule packs", " ".join(str(p) for p in settings.rule_packs) or "built-in only"),
        (
            "near-duplicates",
            f"threshold {near.threshold}, {near.shingle_size}-word shingles, "
            f"{near.num_perm} permutations",
        ),
        ("keeper policy", ", ".join(near.keep)),  # report.html.KEEPER_POLICY_ROW
        (
            "repeated lines (BP005)",
            f"in at least {settings.boilerplate.min_documents} documents, "
            f"at most {settings.boilerplate.max_length} characters",
        ),
    ]
    if settings.per_file_ignores:
        rows.append(
            (
                "per-file ignores",
                "; ".join(f"{g}: {' '.join(c)}" for g, c in settings.per_file_ignores.items()),
            )
        )
    if args.baseline:
        rows.append(("baseline", str(args.baseline)))
    return [(name, encodable_text(value)) for name, value in rows]  # (paths: any bytes)


def write_removals(file: Path, diagnostics: list, errors: list[str]) -> None:
    """`--write-removals FILE`: the redundant documents of duplicate clusters, one path a line,
    in the bytes of the file's own name (one that is not UTF-8 too). A name holding a control
    character (a line break) or starting with a double quote is C-quoted as git quotes it
    (`"zz\\na.txt"`): no name reads as two, nor as another file's."""
    from corpus_lint.fixes import c_quoted

    lines = []
    for path in sorted({d.path for d in diagnostics if d.cluster is not None}):
        name = os.fsencode(path)
        if name.startswith(b'"') or any(b < 0x20 or b == 0x7F for b in name):
            name = c_quoted(name)
        lines.append(name + b"\n")
    try:
        write_output(file, b"".join(lines))
    except OSError as exc:
        errors.append(f"{file}: cannot write the removals: {exc.strerror or exc}")


def write_output(file: Path, data: bytes) -> None:
    """Write a file the run makes (a report, the removals) whole or not at all: a regular
    file, or a new one, is replaced by a file written beside it and renamed over it, so a
    full disk leaves the report there before, and a name that is a hard link to a document
    gets a file of its own (the document keeps its text). A terminal, a pipe or /dev/stdout
    is written to as it is; the run's own standard output or error (/dev/stdout when it is
    `>> ci.log`) through the stream itself, so a log it appends to keeps what it held."""
    try:
        status = os.stat(file)
    except FileNotFoundError:
        status = None
    for stream in (sys.stdout, sys.stderr):
        if status is not None and _is_stream(status, stream):
            stream.flush()
            stream.buffer.write(data)
            stream.flush()
            return
    if status is not None and not stat.S_ISREG(status.st_mode):
        with open(file, "wb") as out:
            out.write(data)
        return
    target = Path(os.path.realpath(file))  # a link to a report: the report is replaced
    temp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        with open(temp, "xb") as out:
            out.write(data)
        if status is not None:  # the report's permissions stay as they were
            os.chmod(temp, stat.S_IMODE(status.st_mode))
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            temp.unlink()
        raise


def _is_stream(status: os.stat_result, stream: object) -> bool:
    """Whether the file `status` describes is what `stream` (sys.stdout, sys.stderr) writes to."""
    try:
        return os.path.samestat(status, os.fstat(stream.fileno()))  # type: ignore[attr-defined]
    except (OSError, AttributeError, ValueError):  # closed, or no file behind it
        return False


def choose_executor(args: argparse.Namespace, settings: Settings, paths: list) -> str:
    """Return "local" or "dask". Fixes, and files given to be compared with a configured corpus
    (pre-commit's changed files), run locally: fixes write local files, and a few changed
    files are checked faster than a cluster starts. URLs need the dask executor."""
    executor = args.executor or settings.executor
    urls = [str(p) for p in [*paths, *settings.corpus] if is_url(p)]
    if args.scheduler and executor != "dask":
        raise UsageError("--scheduler needs --executor dask")
    if settings.scheduler and executor != "dask" and args.executor is None:
        where = settings.config_file or "the configuration"
        raise UsageError(
            f"{where}: 'scheduler' is the dask executor's, and the executor is 'local': set "
            'executor = "dask", or give --executor dask (or local)'
        )
    if executor == "local":
        if urls:
            raise UsageError(f"{urls[0]}: URLs are read only with --executor dask")
        return "local"
    if args.fix or args.diff:
        if urls:
            raise UsageError(
                f"{urls[0]}: fixes are not applied to a remote corpus; fix a local copy"
            )
        return "local"
    if args.paths and settings.corpus and not _whole_corpus(args.paths, settings.corpus):
        given = [str(p) for p in args.paths if is_url(p)]
        if given:
            raise UsageError(
                f"{given[0]}: a URL is checked as a whole corpus, not against the configured "
                "one: name it in `corpus`, or run where no corpus is configured"
            )
        if urls:
            raise UsageError(
                f"{urls[0]}: checking some files against a remote corpus is not supported; "
                "check the whole corpus"
            )
        return "local"
    return "dask"


def _whole_corpus(paths: list, corpus: list) -> bool:
    """Do the paths given cover every folder or URL of the configured corpus?"""
    from corpus_lint.files import covered_by

    given_urls = {str(p).rstrip("/") for p in paths if is_url(p)}
    local = [p for p in paths if not is_url(p)]
    return all(
        str(c).rstrip("/") in given_urls if is_url(c) else covered_by(c, local) for c in corpus
    )


def fix_options(args: argparse.Namespace) -> FixOptions | None:
    """What to fix: nothing without --fix or --diff; `--unsafe-fixes` alone changes nothing."""
    from corpus_lint.engine import FixOptions

    if not (args.fix or args.diff):
        return None
    return FixOptions(unsafe=args.unsafe_fixes, diff=args.diff)


def fix_notes(fixed: dict[str, Counter[str]], show_fixes: bool, verb: str = "Fixed") -> list[str]:
    """Summary lines about fixes: "Fixed 23 issues in 5 files.", then per file with --show-fixes."""
    total = sum(sum(codes.values()) for codes in fixed.values())
    if not total:
        return []
    issues = f"{total} issue{'s' * (total != 1)}"
    files = f"{len(fixed)} file{'s' * (len(fixed) != 1)}"
    notes = [f"{verb} {issues} in {files}."]
    # The fix of DUP003 and DUP004 deletes the file: said, as the files checked still count it.
    removed = sum(1 for codes in fixed.values() if codes.keys() & {"DUP003", "DUP004"})
    if removed:
        copies = f"{removed} redundant cop{'ies' if removed != 1 else 'y'} of duplicate clusters"
        notes.append(f"{'Removed' if verb == 'Fixed' else 'Would remove'} {copies}.")
    if show_fixes:
        for path, codes in sorted(fixed.items()):
            listed = ", ".join(f"{n} × {code}" for code, n in sorted(codes.items()))
            notes.append(f"  {line_start(path)}: {listed}")  # (a name may hold a newline)
    return notes


def report_diff(result: Result, errors: list[str], args: argparse.Namespace) -> int:
    """`--diff`: the diffs on stdout (bytes, exactly as patch needs them), the rest on stderr."""
    sys.stdout.flush()
    out = getattr(sys.stdout, "buffer", None)
    for diff in [] if args.silent else result.diffs:  # silent: the exit code tells
        if out is not None:
            out.write(diff)
        else:  # a text-only stream (rare): keep undecodable bytes visible
            sys.stdout.write(diff.decode("utf-8", "backslashreplace"))
    if out is not None:
        out.flush()
    if not (args.quiet or args.silent):
        notes = fix_notes(result.fixed, args.show_fixes, verb="Would fix") or ["No fixes to apply."]
        print("\n".join(notes), file=sys.stderr)
    for error in errors:
        print_error(error)
    if errors:
        return EXIT_ERROR
    return EXIT_DIAGNOSTICS if result.diffs and not args.exit_zero else EXIT_CLEAN


def load_baseline(file: Path | None) -> Baseline | None:
    if file is None:
        return None
    from corpus_lint.baseline import Baseline, BaselineError

    try:
        return Baseline.load(file)
    except BaselineError as exc:
        raise UsageError(str(exc)) from None


def _below(folder: Path, baseline: Path) -> bool:
    """Whether `folder` lies below the folder of the `baseline` file (not that folder)."""
    home = Path(os.path.realpath(Path(baseline).parent))
    here = Path(os.path.realpath(folder))
    return here != home and here.is_relative_to(home)


def apply_baseline(
    diagnostics: list,
    baseline: Baseline | None,
    write_to: Path | None,
    checked: list[Path],
    partial: bool = False,
    kept_codes: Collection[str] = (),
) -> tuple[list, list[str], int]:
    """`--write-baseline` records every diagnostic; `--baseline` keeps only the new ones.

    A baseline just written also filters the run, so `--write-baseline` alone exits 0. A
    `partial` run (a few files: pre-commit's) keeps the entries of the baseline it writes
    over for the files it did not check (they were lost, and the next full run failed on
    every recorded finding); of a corpus file it reports besides (one a staged copy makes
    redundant), the findings it has then and those recorded; and, of the files checked, the
    entries of `kept_codes` (the corpus rules, when the run compared its files with no
    corpus: their duplicates elsewhere were not looked for). Returns the diagnostics kept,
    summary notes and how many diagnostics the baseline hid.
    """
    notes: list[str] = []
    hidden = 0
    if write_to is None and baseline is None:
        return diagnostics, notes, hidden
    from corpus_lint.baseline import Baseline, BaselineError

    if write_to is not None:
        kept = None
        if partial and os.path.lexists(write_to):
            try:
                kept = Baseline.load(write_to).besides(checked, kept_codes)
            except BaselineError:
                kept = None  # not a baseline (yet): written anew
        try:
            baseline = Baseline.record(write_to, diagnostics, write_output, kept)
        except BaselineError as exc:
            raise UsageError(str(exc)) from None
        count = len(diagnostics)
        others = sum(baseline.counts.values()) - count  # (entries found again count once)
        entries = "entry" if others == 1 else "entries"
        besides = f", and kept {others} {entries} of what it did not check" if others else ""
        notes.append(
            f"Wrote {count} diagnostic{'s' * (count != 1)} to the baseline {write_to}{besides}."
        )
    if baseline is None:
        return diagnostics, notes, hidden
    diagnostics, matched, gone = baseline.filter(diagnostics, checked)
    hidden = matched
    if matched and write_to is None:
        notes.append(
            f"{matched} known diagnostic{'s' * (matched != 1)} hidden by the baseline "
            f"{baseline.file}."
        )
    if gone:
        notes.append(
            f"{gone} baseline entr{'ies' if gone != 1 else 'y'} no longer "
            f"occur{'s' * (gone == 1)}: update it with --write-baseline {baseline.file}."
        )
    return diagnostics, notes, hidden
