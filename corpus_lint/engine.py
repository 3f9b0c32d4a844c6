"""Run the selected rules over files: per-document rules in parallel, then corpus rules.

The local executor: it places the stages (`analysis`, then the corpus stage of `dedup`) on
`parallel`'s process pool and the signature cache; `distributed` is the Dask one.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

from corpus_lint.analysis import (
    FileResult,
    FixOptions,
    Job,
    Options,
    Result,
    analyze_all,
    worker_count,
)
from corpus_lint.config import Settings
from corpus_lint.document import display
from corpus_lint.files import ignored_for_file
from corpus_lint.packs import Packs
from corpus_lint.progress import Progress
from corpus_lint.rule import Context, Rule, sort_diagnostics

# Below this many files, computing their corpus features costs less than reading which
# contents the signature cache holds (0.1 s for 100,000): pre-commit's few changed files.
MIN_FILES_FOR_CACHED_FEATURES = 1000


def run(
    targets: list[Path],
    rules: dict[str, Rule],
    packs: Packs,
    settings: Settings,
    options: Options,
    corpus_roots: list[Path] | None = None,
    fix: FixOptions | None = None,
) -> Result:
    """Lint `targets`; corpus rules compare them with every file under `corpus_roots`.

    Without corpus roots (no `corpus` configured), the targets are the whole corpus.
    """
    document_rules = tuple(r for r in rules.values() if not r.corpus)
    corpus_rules = [r for r in rules.values() if r.corpus]
    corpus_settings = settings.near_duplicate if corpus_rules else None
    job = Job(
        document_rules,
        Context(packs),
        corpus_settings,
        fix,
        settings,
        count_fixes=options.count_fixes and not (fix and fix.diff),
        count_words=options.count_words,
        boilerplate=settings.boilerplate if corpus_rules else None,
    )
    if corpus_rules:
        from corpus_lint.dedup import shingle_exclusion

        job = dataclasses.replace(job, exclusion=shingle_exclusion(document_rules, packs))
    result = Result(fixable=(0, 0) if job.count_fixes else None)
    if corpus_rules and options.use_cache and len(targets) >= MIN_FILES_FOR_CACHED_FEATURES:
        from corpus_lint.dedup import cached_contents

        job = dataclasses.replace(
            job, cached_contents=cached_contents(settings, job, result.warnings)
        )
    walk = None
    if corpus_rules and corpus_roots and fix is None and worker_count(len(targets), options) == 1:
        # A few files against a corpus (pre-commit): its files are stat'ed by worker processes
        # while the targets are checked here (so no process is forked meanwhile). Not with
        # fixes, which change files the walk would have seen before.
        from corpus_lint.dedup import start_corpus_walk

        walk = start_corpus_walk(corpus_roots, settings, options)
    try:
        features: dict[Path, Any] = {}
        with Progress("Checking", len(targets), enabled=options.progress) as progress:
            results = analyze_all([(t, True) for t in targets], job, options, progress)
            for target, file_result in zip(targets, results):  # in order
                _collect(file_result, result, features, target)
        if corpus_rules:
            from corpus_lint.dedup import check_corpus

            result.diagnostics.extend(
                check_corpus(
                    targets=features,
                    corpus_roots=corpus_roots,
                    rules=corpus_rules,
                    job=job,
                    settings=settings,
                    options=options,
                    result=result,
                    walk=walk,
                )
            )
    finally:
        if walk is not None:  # Ctrl-C or an error before the stage waited for it
            walk.cancel()
    result.diagnostics = sort_diagnostics(
        d for d in result.diagnostics if not ignored_for_file(d, settings)
    )
    return result


def _collect(
    file_result: FileResult, result: Result, features: dict[Path, Any], target: Path
) -> None:
    """Add a file's result; its features are kept under `target` (not the unpickled copy of
    the path a worker sent back: one Path object per file, not two)."""
    if file_result.fix_error:
        result.errors.append(file_result.fix_error)
    result.errors.extend(file_result.pack_errors)
    result.warnings.extend(file_result.fix_notes)
    if file_result.fixed:
        result.fixed[display(file_result.path)] = file_result.fixed
    if file_result.diff:
        result.diffs.append(file_result.diff)
    if result.fixable is not None and file_result.fixable != (0, 0):
        safe, unsafe_too = result.fixable
        result.fixable = (safe + file_result.fixable[0], unsafe_too + file_result.fixable[1])
    if file_result.error:
        result.errors.append(file_result.error)
    elif file_result.skipped:
        result.warnings.append(file_result.skipped)
    else:
        result.files_checked += 1
        result.diagnostics.extend(file_result.diagnostics)
        if file_result.words is not None:
            result.word_counts[display(file_result.path)] = file_result.words
        if file_result.features is not None:
            features[target] = file_result.features
