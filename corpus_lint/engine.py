"""Run the selected rules over files: per-document rules in parallel, then corpus rules.

The local executor: it places the stages (`analysis`, then the corpus stage of `dedup`) on
`parallel`'s process pool and the signature cache; `distributed` is the Dask one.
"""

from __future__ import annotations

import dataclasses
import gc
import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

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
from corpus_lint.results import decode_findings, encode_packed, packed, unpacked
from corpus_lint.rule import SAFE, Context, Diagnostic, Rule, sort_diagnostics

if TYPE_CHECKING:
    from corpus_lint.files import CorpusWalk
    from corpus_lint.results import Cached

# From this many targets, the output of a whole run is stored (`_remember`): a warm run over
# exactly the same files shows it without decoding each file's row or forming the clusters.
MIN_FILES_TO_REMEMBER = 1000

# Below this many files to read, computing their corpus features costs less than reading
# which contents the signature cache holds (0.1 s for 100,000): pre-commit's few changed files.
MIN_FILES_FOR_CACHED_FEATURES = 1000


def run(
    targets: list[Path] | list[str],
    rules: dict[str, Rule],
    packs: Packs,
    settings: Settings,
    options: Options,
    corpus_roots: list[Path] | None = None,
    fix: FixOptions | None = None,
    walk: CorpusWalk | None = None,
) -> Result:
    """Lint `targets` (Paths, or names as `files.discover_names` gives them); corpus rules
    compare them with every file under `corpus_roots`.

    Without corpus roots (no `corpus` configured), the targets are the whole corpus. `walk`:
    the corpus walk begun by the caller (`commands.early_walk`, a guess), cancelled here if
    this run does not need it.
    """
    if len(targets) < 2 and not corpus_roots and not settings.near_duplicate.allow:
        # A corpus rule compares documents (BP005 needs two at least: `min-documents`): with
        # one and no corpus besides it, none can report anything, and their features (numpy,
        # MinHash, the signature cache) were half of a one-file run's start-up. (An allow-list
        # is judged all the same: a corpus of one file holds no pair it names.)
        rules = {code: rule for code, rule in rules.items() if not rule.corpus}
    # A few files against a corpus (pre-commit): the corpus walk, most of such a run, begins
    # first, so that its worker processes stat the corpus files while this one imports what
    # the run needs, opens the cache and checks the targets.
    try:  # begun inside: a Ctrl-C just after it began still cancels it
        if walk is not None and not _walk_wanted(targets, rules, options, corpus_roots, fix):
            walk.cancel()
            walk = None
        if walk is None:
            walk = _corpus_walk(targets, rules, settings, options, corpus_roots, fix)
        return _run(targets, rules, packs, settings, options, corpus_roots, fix, walk)
    finally:
        if walk is not None:  # Ctrl-C or an error before the stage waited for it
            walk.cancel()


def _corpus_walk(
    files: list[Path] | list[str],
    rules: dict[str, Rule],
    settings: Settings,
    options: Options,
    corpus_roots: list[Path] | None,
    fix: FixOptions | None,
) -> CorpusWalk | None:
    """The corpus walk (`dedup.start_corpus_walk`) of a run that reads these files, begun
    now if they are checked in this process (no process may be forked while it runs), else
    None (the stage walks the corpus itself). Not with fixes, which change files the walk
    would have seen before. The files' own folders are walked by this process first
    (`dedup.start_corpus_walk`)."""
    if not _walk_wanted(files, rules, options, corpus_roots, fix):
        return None
    from corpus_lint.dedup import start_corpus_walk

    return start_corpus_walk(corpus_roots, settings, options.use_cache, options.workers, files)


def _walk_wanted(
    files: list[Path] | list[str],
    rules: dict[str, Rule],
    options: Options,
    corpus_roots: list[Path] | None,
    fix: FixOptions | None,
) -> bool:
    """Does a run that reads these files in this process begin the corpus walk first?"""
    return bool(
        corpus_roots
        and fix is None
        and worker_count(len(files), options) == 1
        and any(rule.corpus for rule in rules.values())
    )


def _run(
    targets: list[Path] | list[str],
    rules: dict[str, Rule],
    packs: Packs,
    settings: Settings,
    options: Options,
    corpus_roots: list[Path] | None,
    fix: FixOptions | None,
    walk: CorpusWalk | None,
) -> Result:
    document_rules = tuple(r for r in rules.values() if not r.corpus)
    corpus_rules = [r for r in rules.values() if r.corpus]
    corpus_settings = settings.near_duplicate if corpus_rules else None
    shown_fixes = options.count_fixes and not (fix and fix.diff)
    job = Job(
        document_rules,
        Context(packs),
        corpus_settings,
        fix,
        settings,
        # Counted for the result cache too: a run that shows the summary (the text format)
        # after one that does not (JSON) would otherwise find no row it can use.
        count_fixes=shown_fixes or (options.use_cache and fix is None),
        count_words=options.count_words,
        boilerplate=settings.boilerplate if corpus_rules else None,
        links=options.links,
    )
    if corpus_rules:
        from corpus_lint.dedup import shingle_exclusion

        job = dataclasses.replace(job, exclusion=shingle_exclusion(document_rules, packs))
    result = Result(fixable=(0, 0) if shown_fixes else None)
    # The per-document findings, packed until the corpus stage is over (not with fixes: the
    # stage's line deletion edits the run's findings).
    packed = PackedFindings() if fix is None else None
    findings = result.diagnostics if packed is None else packed  # where `_collect` adds them
    # One cache per run, opened here: the result cache, then the corpus stage's signatures.
    cache = (
        _open_cache(settings, job, bool(corpus_rules), result.warnings)
        if options.use_cache
        else None
    )
    results_cache = None
    found: list[Cached | None] = [None] * len(targets)  # each target's cached result
    features: Any = {}  # each target's corpus features, by path
    if corpus_rules:
        from corpus_lint.dedup.table import FeatureTable

        features = FeatureTable()  # as columns: one tuple a file was 1.3 KB a file
    run_digest = None  # the whole run's output is stored under it (see `_remembered`)
    if cache is not None:
        remember = None  # what a run's output depends on besides the run key and the targets
        if fix is None and not corpus_roots and len(targets) >= MIN_FILES_TO_REMEMBER:
            near, counts = repr(settings.near_duplicate), (shown_fixes, options.count_words)
            remember = (os.getcwd(), near, counts, job.count_fixes)
        cache, results_cache, found, run_digest, remembered = _cached_results(
            cache,
            targets,
            document_rules,
            packs,
            settings,
            job,
            corpus_rules,
            result.warnings,
            remember,
            features,
        )
        if remembered is not None:  # a run over exactly these files, nothing else changed
            cache.close()
            gc.unfreeze()
            remembered.warnings.extend(result.warnings)  # the cache's own, if any
            return remembered
    to_read = [t for t, hit in zip(targets, found) if hit is None]
    if len(to_read) < len(targets):
        gc.freeze()  # the cached results live as long as the run: out of the collector's sight
    if corpus_rules and cache is not None and len(to_read) >= MIN_FILES_FOR_CACHED_FEATURES:
        from corpus_lint.dedup import cached_contents

        job = dataclasses.replace(job, cached_contents=cached_contents(cache))
    if walk is None:  # the cache holds most targets: the few left are checked here
        walk = _corpus_walk(to_read, rules, settings, options, corpus_roots, fix)
    try:
        from corpus_lint.results import collector_paused

        # The results live as long as the run and make no reference cycles: the collections
        # that 100,000 of them set off took 0.6 s of the parent's CPU, on the workers' cores.
        progress = Progress("Checking", len(targets), enabled=options.progress)
        with progress, collector_paused():
            progress.advance(len(targets) - len(to_read))
            # The targets as given (strings from the walk), read as they are: no Path a file.
            items = [(t, True) for t in to_read]
            results = analyze_all(items, job, options, progress)
            for position, (target, hit) in enumerate(zip(targets, found)):  # in order
                if hit is not None:
                    _collect_cached(hit, result, features, target, findings)
                    continue
                file_result = next(results)
                if results_cache is not None:
                    results_cache.add(file_result, position)
                _collect(file_result, result, features, target, findings)
        # Collected: the cached results (a tuple, a list and a fixes tuple a file) go before
        # the corpus stage, which holds every file's features.
        # The generator too: unfinished, it holds its list of every file to read.
        found = to_read = items = file_result = hit = results = None
        finish = None
        if results_cache is not None:

            def finish(cache: Any) -> None:
                """Store this run's results, with the features the corpus stage completed
                (those the workers left to the signature cache), through its cache."""
                results_cache.cache = cache
                _store_results(results_cache, features, settings, result.warnings)

        if corpus_rules:
            from corpus_lint.dedup import check_corpus

            owned, cache = cache, None  # the stage closes it (and may rebuild it)
            # Called before `result.diagnostics` is read: a fix run's stage replaces that
            # list with the fixed files' findings (extended as it stood, the stage's findings
            # went to the list it dropped, and a run that left duplicates said it passed).
            found = check_corpus(
                targets=features,
                corpus_roots=corpus_roots,
                rules=corpus_rules,
                job=job,
                settings=settings,
                options=options,
                result=result,
                walk=walk,
                cache=owned,
                finish=finish,
            )
            result.diagnostics.extend(found)
        elif finish is not None:
            finish(cache)
    finally:
        if walk is not None:  # Ctrl-C or an error before the stage waited for it
            walk.cancel()
        if cache is not None:
            cache.close()
        # What this run froze out of the collector's sight (its long-lived objects, for
        # speed) is seen again: a process that runs many checks (the tests, a library user)
        # must not keep the cycles among them for ever. A process that exits after the run
        # keeps them frozen: the next full collection (in the report, and the one at exit)
        # would go over every file's result for nothing (1 s of a cold run over 100,000).
        if not options.keep_frozen:
            gc.unfreeze()
    if packed is not None:  # before the corpus stage's, in the order collected
        result.diagnostics[:0] = packed.unpacked()
    result.diagnostics = sort_diagnostics(
        d for d in result.diagnostics if not ignored_for_file(d, settings)
    )
    if result.fixable is not None and corpus_rules:
        # A run against a corpus besides its files removes none of the corpus's files.
        given = {display(Path(t)) for t in targets} if corpus_roots else None
        count_corpus_fixes(result, {rule.code for rule in corpus_rules}, given)
    if run_digest is not None and not (result.errors or result.warnings):
        _remember(settings, run_digest, result)
    if options.keep_frozen:
        gc.freeze()
    return result


def count_corpus_fixes(result: Result, codes: set[str], given: set[str] | None = None) -> None:
    """Add the fixes of the corpus rules' findings (a redundant copy deleted, BP005's line
    deleted) to the summary's counts, which the per-document rules counted by fixing each file
    in memory: each such finding is one fix that `--fix` (safe) or `--fix --unsafe-fixes`
    applies, to a file `given` (None: every file reported is one)."""
    safe, unsafe_too = result.fixable
    for d in result.diagnostics:
        if d.code in codes and d.fix is not None and (given is None or d.path in given):
            safe += d.fix.applicability == SAFE
            unsafe_too += 1
    result.fixable = (safe, unsafe_too)


def _open_cache(settings: Settings, job: Job, corpus: bool, warnings: list[str]) -> Any:
    """The run's cache (`dedup.cache`: results, and signatures when corpus rules run)."""
    from corpus_lint.dedup.cache import SignatureCache

    config = 0
    if corpus:
        from corpus_lint.dedup.corpus import config_key

        config = config_key(settings.near_duplicate, job)
    return SignatureCache.open(settings.cache_dir, config, warnings)


def _cached_results(
    cache: Any,
    targets: list[Path],
    document_rules: tuple[Rule, ...],
    packs: Packs,
    settings: Settings,
    job: Job,
    corpus_rules: list[Rule],
    warnings: list[str],
    remember: tuple | None,
    table: Any = None,
) -> tuple[Any, Any, list[Cached | None], int | None, Result | None]:
    """(the run's cache, its result cache, the targets it holds, and with `remember` (what
    else the output depends on) the run's digest and the output stored under it if any: then
    no row is read). A cache found damaged is rebuilt (empty: every file is read); one that
    cannot be read is not used. A hit's corpus features go straight into `table`
    (`dedup.table.FeatureTable`): the hit holds their row, not a tuple a file (100,000 of
    them, all decoded before the first is collected)."""
    import sqlite3

    from corpus_lint.results import ResultCache, run_key

    make_features = None
    complete = None
    if corpus_rules:
        from corpus_lint.dedup.features import IN_CACHE, Features

        def complete(features: Features) -> bool:
            return features.shingles != IN_CACHE  # else the stage takes the rest from the cache

        stamp = Features._fields.index("mtime_ns"), Features._fields.index("size")

        def make_features(fields: tuple) -> int:
            # Without a stamp: the corpus stage records no file it did not read (the run that
            # read it did), so a warm run writes nothing to the signature cache.
            fields = list(fields)
            fields[stamp[0]] = fields[stamp[1]] = None
            return table.append(Features._make(fields))

    rules = (*document_rules, *corpus_rules)
    key = run_key(rules, packs, settings, cache.config if corpus_rules else None)
    results = ResultCache(cache, key, job, make_features, complete)
    results.stat(targets)
    digest = None
    if remember is not None:
        digest = results.run_digest(remember)
        remembered = _remembered(cache, digest)
        if remembered is not None:
            return cache, results, [], digest, remembered
    try:
        return cache, results, results.fetch(), digest, None
    except sqlite3.Error as exc:
        from corpus_lint.dedup.cache import SignatureCache

        cache.close()
        cache = SignatureCache.rebuilt(settings.cache_dir, cache.config, exc, warnings)
        nothing: list[Cached | None] = [None] * len(targets)
        if cache is None:
            return None, None, nothing, None, None
        return cache, ResultCache(cache, key, job, make_features, complete), nothing, None, None


def _remembered(cache: Any, digest: int) -> Result | None:
    """The output stored by `_remember` under `digest` (see `ResultCache.run_digest`: the run
    key, the working directory, the near-duplicate settings, what is counted, every target's
    path and identity), or None. Only a run that walks no corpus besides its targets, and
    fixes nothing, is stored: its output depends on nothing else."""
    import sqlite3

    from corpus_lint.results import decode_findings

    try:
        data = cache.stage_findings(digest)
    except sqlite3.Error:  # read again, as if not stored
        return None
    decoded = None if data is None else decode_findings(data)
    if decoded is None:
        return None
    diagnostics, (files_checked, fixable, words) = decoded
    return Result(
        diagnostics,
        files_checked=files_checked,
        fixable=None if fixable is None else tuple(fixable),
        word_counts=dict(words),
    )


def _remember(settings: Settings, digest: int, result: Result) -> None:
    """Store the output of a run that read or decoded every target without error or warning,
    for `_remembered` (in the cache the run closed: opened again, a few milliseconds)."""
    import sqlite3

    from corpus_lint.dedup.cache import SignatureCache
    from corpus_lint.results import encode_findings

    counts = (result.files_checked, result.fixable, tuple(result.word_counts.items()))
    cache = SignatureCache.open(settings.cache_dir, 0, [])
    if cache is None:
        return
    try:  # a cache that fails now is only a run not remembered (the next run reports it)
        cache.store_stage_findings(digest, encode_findings(result.diagnostics, counts))
    except sqlite3.Error:
        pass
    finally:
        cache.close()


def _store_results(
    results: Any, features: dict[Path, Any], settings: Settings, warnings: list[str]
) -> None:
    import sqlite3

    try:
        results.store(features.get)
    except sqlite3.Error as exc:  # a damaged cache is rebuilt by the corpus stage
        warnings.append(f"{settings.cache_dir}: cache error ({exc}); results not cached")


class PackedFindings:
    """Findings kept in order as bytes (`results.encode_findings`), a block at a time, until
    the report: as objects with their fixes, the 32,000 findings of the 100,000-file corpus
    were 31 MB through the corpus stage, the run's peak."""

    BLOCK = 1000  # findings packed together

    def __init__(self) -> None:
        self.blocks: list[bytes] = []
        self.pending: list[tuple] = []  # `results.packed` rows

    def extend(self, diagnostics: list[Diagnostic]) -> None:
        if diagnostics:
            self.extend_packed(packed(diagnostics))

    def extend_packed(self, rows: tuple) -> None:
        """`extend` with findings already `results.packed`."""
        self.pending += rows
        if len(self.pending) >= self.BLOCK:
            self.blocks.append(encode_packed(tuple(self.pending), ()))
            self.pending = []

    def unpacked(self) -> list[Diagnostic]:
        """Every finding, as objects again (an equal copy of each), in order."""
        found: list[Diagnostic] = []
        for block in self.blocks:
            found += decode_findings(block)[0]
        self.blocks = []
        found += unpacked(self.pending)
        return found


def _collect_cached(
    hit: Cached,
    result: Result,
    features: dict[Path, Any],
    target: Path,
    findings: list[Diagnostic] | PackedFindings,
) -> None:
    """`_collect` of a result from the result cache: a file checked, nothing fixed."""
    result.files_checked += 1
    findings.extend(hit.diagnostics)
    if result.fixable is not None and hit.fixable is not None and hit.fixable != (0, 0):
        safe, unsafe_too = result.fixable
        result.fixable = (safe + hit.fixable[0], unsafe_too + hit.fixable[1])
    if hit.words is not None:
        result.word_counts[display(target)] = hit.words
    if hit.features is not None:  # its row of the table (see `_cached_results`)
        features.name(target, hit.features)


def _collect(
    file_result: FileResult,
    result: Result,
    features: dict[Path, Any],
    target: Path,
    findings: list[Diagnostic] | PackedFindings,
) -> None:
    """Add a file's result (its findings to `findings`); its features are kept
    under `target` (not the unpickled copy of the path a worker sent back: one Path object
    per file, not two)."""
    if file_result.fix_error:
        result.errors.append(file_result.fix_error)
    result.errors.extend(file_result.pack_errors)
    result.warnings.extend(file_result.fix_notes)
    if file_result.fixed:
        result.fixed[display(file_result.path)] = file_result.fixed
    if file_result.text_fixed:
        result.text_fixed.add(display(file_result.path))
        if file_result.candidate_lines is not None:
            result.candidate_lines[display(file_result.path)] = file_result.candidate_lines
    if file_result.diff:
        result.diffs.append(file_result.diff)
    if result.fixable is not None and file_result.fixable != (0, 0):
        safe, unsafe_too = result.fixable
        result.fixable = (safe + file_result.fixable[0], unsafe_too + file_result.fixable[1])
    if file_result.error:
        result.errors.append(file_result.error)
    elif file_result.skipped:
        result.warnings.append(file_result.skipped)
        result.files_skipped += 1
    else:
        result.files_checked += 1
        if isinstance(findings, PackedFindings):  # a worker's packed rows kept as they came
            findings.extend(file_result.diagnostics)
            findings.extend_packed(file_result.packed)
        else:
            findings.extend(file_result.findings)
        if file_result.words is not None:
            result.word_counts[display(file_result.path)] = file_result.words
        if file_result.features is not None:
            features[target] = file_result.features
