"""What each command does: load settings and rules, run, report, choose the exit code."""

from __future__ import annotations

import argparse
import sys
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING

from corpus_lint.config import ConfigError, Settings, is_url, load_settings
from corpus_lint.packs import Packs, load_packs
from corpus_lint.report.text import clean  # file names in messages may hold escapes
from corpus_lint.rule import Rule, builtin_rules, is_selected, unknown_selectors

if TYPE_CHECKING:
    from corpus_lint.baseline import Baseline
    from corpus_lint.engine import FixOptions, Result

EXIT_CLEAN = 0
EXIT_DIAGNOSTICS = 1
EXIT_ERROR = 2


class UsageError(Exception):
    """Bad flags or arguments: exit 2 with the message."""


def load_rules(config: Path | None) -> tuple[Settings, Packs, dict[str, Rule]]:
    """Settings, packs and every rule they define (built-in first, then packs' rules)."""
    settings = load_settings(config)
    builtin = builtin_rules()
    packs = load_packs(settings.rule_packs, builtin)
    rules = dict(builtin)
    rules.update((rule.code, rule) for rule in packs.rules)
    return settings, packs, rules


def select_rules(
    rules: dict[str, Rule],
    settings: Settings,
    select: list[str] | None,
    extend_select: list[str],
    ignore: list[str],
) -> dict[str, Rule]:
    """The rules a run uses; a selector naming no rule is an error, not silence."""
    where = settings.config_file or "configuration"
    for key, selector in settings.selectors():
        if unknown_selectors([selector], rules):
            raise ConfigError(f"{where}: {key}: unknown rule code or prefix {selector!r}")
    for flag, selectors in (
        ("--select", select or []),
        ("--extend-select", extend_select),
        ("--ignore", ignore),
    ):
        for selector in unknown_selectors(selectors, rules):
            raise UsageError(
                f"{flag}: unknown rule code or prefix {selector!r} (see `corpus-lint rules`)"
            )
    chosen = (
        (select if select is not None else settings.select) + settings.extend_select + extend_select
    )
    ignored = settings.ignore + ignore
    return {code: rule for code, rule in rules.items() if is_selected(code, chosen, ignored)}


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


def parse_outputs(specs: list[str], output_file: Path | None) -> list[tuple[str, Path | None]]:
    """`--output-format FORMAT[:FILE]` values as (format, file or None for stdout)."""
    from corpus_lint.report import FORMATS

    outputs: list[tuple[str, Path | None]] = []
    for spec in specs or ["text"]:
        name, _, file = spec.partition(":")
        if name not in FORMATS:
            raise UsageError(
                f"--output-format: unknown format {name!r} (choose from {', '.join(FORMATS)})"
            )
        outputs.append((name, Path(file) if file else None))
    if output_file is not None:
        to_stdout = [i for i, (_, file) in enumerate(outputs) if file is None]
        if not to_stdout:
            raise UsageError("--output-file: every --output-format already names its file")
        name, _ = outputs[to_stdout[0]]
        outputs[to_stdout[0]] = (name, output_file)
    return outputs


def check(args: argparse.Namespace) -> int:
    from corpus_lint.engine import Options, run
    from corpus_lint.files import discover
    from corpus_lint.progress import progress_wanted
    from corpus_lint.report import ReportContext, formatter
    from corpus_lint.report.text import summary

    if args.jobs < 0:
        raise UsageError("--jobs must be 0 (one per core) or more")
    settings, packs, rules = load_rules(args.config)
    selected = select_rules(rules, settings, args.select, args.extend_select, args.ignore)
    outputs = parse_outputs(args.output_format, args.output_file)
    baseline = load_baseline(args.baseline)  # before any file is touched by --fix
    paths = args.paths or settings.corpus or [Path(".")]
    executor = choose_executor(args, settings, paths)
    skipped: list[str] = []  # paths left out on purpose (links out of the corpus)
    targets, errors = discover([p for p in paths if not is_url(p)], settings, skipped)
    options = Options(
        jobs=args.jobs, use_cache=not args.no_cache, progress=progress_wanted(args.no_progress)
    )
    checked: list = targets
    if executor == "dask":
        from corpus_lint.distributed import ExecutorError, run_on_dask

        urls = [p for p in paths if is_url(p)]
        try:
            result, checked = run_on_dask(
                targets,
                urls,
                selected,
                packs,
                settings,
                args.scheduler or settings.scheduler,
                options.progress,
            )
        except ExecutorError as exc:
            raise UsageError(str(exc)) from None
    else:
        result = run(
            targets, selected, packs, settings, options, settings.corpus or None, fix_options(args)
        )
    errors += result.errors
    for warning in skipped + result.warnings:
        print(f"corpus-lint: warning: {clean(warning)}", file=sys.stderr)
    if args.diff:
        return report_diff(result, errors, args)

    baseline_notes = apply_baseline(result, baseline, args.write_baseline, checked)
    context = ReportContext(
        rules=rules,
        files_checked=result.files_checked,
        statistics=args.statistics,
        quiet=args.quiet,
        notes=fix_notes(result.fixed, args.show_fixes) if args.fix else [],
        errors=len(errors),
    )
    context.notes.extend(baseline_notes)
    for name, file in outputs:
        text = formatter(name)(result.diagnostics, context)
        if file is None:
            sys.stdout.write(text)
            continue
        try:
            file.write_text(text, encoding="utf-8")
        except OSError as exc:
            errors.append(f"{file}: cannot write the {name} report: {exc.strerror or exc}")
    if all(file is not None for _, file in outputs) and not args.quiet:
        print("\n".join(summary(result.diagnostics, context)))
    elif ("text", None) not in outputs and not args.quiet:  # no summary shows the notes
        for note in baseline_notes:
            print(f"corpus-lint: {clean(note)}", file=sys.stderr)
    for error in errors:
        print(f"corpus-lint: error: {clean(error)}", file=sys.stderr)
    if errors:
        return EXIT_ERROR
    if result.diagnostics and not args.exit_zero:
        return EXIT_DIAGNOSTICS
    if result.fixed and args.exit_non_zero_on_fix and not args.exit_zero:
        return EXIT_DIAGNOSTICS
    return EXIT_CLEAN


def choose_executor(args: argparse.Namespace, settings: Settings, paths: list) -> str:
    """Return "local" or "dask". Fixes, and files given to be compared with a configured corpus
    (pre-commit's changed files), run locally: fixes write local files, and a few changed
    files are checked faster than a cluster starts. URLs need the dask executor."""
    executor = args.executor or settings.executor
    urls = [str(p) for p in [*paths, *settings.corpus] if is_url(p)]
    if args.scheduler and executor != "dask":
        raise UsageError("--scheduler needs --executor dask")
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
    if show_fixes:
        for path, codes in sorted(fixed.items()):
            listed = ", ".join(f"{n} × {code}" for code, n in sorted(codes.items()))
            notes.append(f"  {path}: {listed}")
    return notes


def report_diff(result: Result, errors: list[str], args: argparse.Namespace) -> int:
    """`--diff`: the diffs on stdout (bytes, exactly as patch needs them), the rest on stderr."""
    sys.stdout.flush()
    out = getattr(sys.stdout, "buffer", None)
    for diff in result.diffs:
        if out is not None:
            out.write(diff)
        else:  # a text-only stream (rare): keep undecodable bytes visible
            sys.stdout.write(diff.decode("utf-8", "backslashreplace"))
    if out is not None:
        out.flush()
    if not args.quiet:
        notes = fix_notes(result.fixed, args.show_fixes, verb="Would fix") or ["No fixes to apply."]
        print("\n".join(notes), file=sys.stderr)
    for error in errors:
        print(f"corpus-lint: error: {clean(error)}", file=sys.stderr)
    if errors:
        return EXIT_ERROR
    return EXIT_DIAGNOSTICS if result.diffs and not args.exit_zero else EXIT_CLEAN


def load_baseline(file: Path | None) -> Baseline | None:
    from corpus_lint.baseline import Baseline, BaselineError

    if file is None:
        return None
    try:
        return Baseline.load(file)
    except BaselineError as exc:
        raise UsageError(str(exc)) from None


def apply_baseline(
    result: Result, baseline: Baseline | None, write_to: Path | None, checked: list[Path]
) -> list[str]:
    """`--write-baseline` records every diagnostic; `--baseline` keeps only the new ones.

    A baseline just written also filters the run, so `--write-baseline` alone exits 0.
    Returns summary notes.
    """
    from corpus_lint.baseline import Baseline, BaselineError

    notes: list[str] = []
    if write_to is not None:
        try:
            baseline = Baseline.record(write_to, result.diagnostics)
        except BaselineError as exc:
            raise UsageError(str(exc)) from None
        count = len(result.diagnostics)
        notes.append(f"Wrote {count} diagnostic{'s' * (count != 1)} to the baseline {write_to}.")
    if baseline is None:
        return notes
    result.diagnostics, matched, gone = baseline.filter(result.diagnostics, checked)
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
    return notes
