"""Run the selected rules over files: per-document rules in parallel, then corpus rules."""

from __future__ import annotations

import dataclasses
import gc
import multiprocessing
import os
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from corpus_lint import interrupts
from corpus_lint.config import Settings, glob_matches
from corpus_lint.document import Document, DocumentError, display
from corpus_lint.files import relative_to_root
from corpus_lint.packs import Packs, timed_out_searches
from corpus_lint.progress import Progress
from corpus_lint.rule import Context, Diagnostic, Rule, is_selected, sort_diagnostics

# Below this many files, worker processes cost more than they save.
MIN_FILES_FOR_WORKERS = 200
# Below this many files, computing their corpus features costs less than reading which
# contents the signature cache holds (0.1 s for 100,000): pre-commit's few changed files.
MIN_FILES_FOR_CACHED_FEATURES = 1000
# Files analysed together: their corpus features are computed in one go (see
# `features_of_many`), and a worker returns their results in one message.
BATCH_FILES = 32


@dataclass
class Options:
    jobs: int = 0  # worker processes; 0 means one per core
    use_cache: bool = True
    progress: bool = False
    count_fixes: bool = False  # count what --fix would fix (for the summary): Result.fixable
    count_words: bool = False  # Result.word_counts, for the html report's length histogram

    @property
    def workers(self) -> int:
        return self.jobs if self.jobs > 0 else (os.cpu_count() or 1)


@dataclass
class Result:
    diagnostics: list[Diagnostic] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # files that could not be read: exit 2
    warnings: list[str] = field(default_factory=list)  # files skipped on purpose (binary)
    files_checked: int = 0
    fixed: dict[str, Counter[str]] = field(default_factory=dict)  # path -> codes fixed
    diffs: list[bytes] = field(default_factory=list)  # with FixOptions.diff: one per file
    fixable: tuple[int, int] | None = None  # with Options.count_fixes: see FileResult.fixable
    word_counts: dict[str, int] = field(default_factory=dict)  # with Options.count_words


@dataclass
class FileResult:
    path: Path
    diagnostics: list[Diagnostic] = field(default_factory=list)
    error: str | None = None
    skipped: str | None = None
    features: Any = None  # what corpus rules need of this file (see corpus_lint.dedup)
    fixed: Counter[str] = field(default_factory=Counter)  # codes whose fixes were applied
    diff: bytes | None = None  # with FixOptions.diff, instead of writing the file
    fix_error: str | None = None  # the fixed file could not be written: exit 2
    fix_notes: list[str] = field(default_factory=list)  # why something was not fixed
    pack_errors: list[str] = field(default_factory=list)  # user patterns that timed out: exit 2
    # What `--fix` and `--fix --unsafe-fixes` would fix in the file as it is now, fixes that
    # follow from others included (with _Job.count_fixes; the summary's counts).
    fixable: tuple[int, int] = (0, 0)
    words: int | None = None  # with Options.count_words: white-space-separated words


@dataclass(frozen=True)
class FixOptions:
    unsafe: bool = False  # also apply unsafe fixes
    diff: bool = False  # compute the diff, write nothing


@dataclass(frozen=True)
class _Job:
    """What a worker process needs: sent once per process, not once per file."""

    rules: tuple[Rule, ...]
    context: Context
    corpus_settings: Any  # None when no corpus rule runs
    fix: FixOptions | None = None  # None: lint only
    settings: Settings | None = None  # for per-file-ignores, which fixes must respect
    cached_contents: frozenset[int] = frozenset()  # whose corpus features the cache holds
    count_fixes: bool = False  # fill FileResult.fixable
    exclusion: Any = None  # lines left out of the shingles (dedup.features.ShingleExclusion)
    count_words: bool = False


def lint_document(doc: Document, rules: Iterable[Rule], ctx: Context) -> list[Diagnostic]:
    """Every per-document rule over one document."""
    diagnostics: list[Diagnostic] = []
    for rule in rules:
        diagnostics.extend(rule.check(doc, ctx))
    return diagnostics


def analyze(path: Path, job: _Job, lint: bool = True) -> FileResult:
    """Read one file once; lint it and/or compute what corpus rules need of it."""
    return analyze_many([(path, lint)], job)[0]


def analyze_many(items: list[tuple[Path, bool]], job: _Job) -> list[FileResult]:
    """`analyze` over (path, lint?) items; corpus features are computed for all at once."""
    results: list[FileResult] = []
    checked: list[tuple[FileResult, Document, bool]] = []
    for path, lint in items:
        if stopping():  # the run was cancelled: the parent reports none of this batch
            results.append(FileResult(path, error=f"{display(path)}: not checked (interrupted)"))
            continue
        interrupts.pause("worker-file")
        result, doc = _read_and_lint(path, job, lint)
        results.append(result)
        if doc is not None and job.corpus_settings is not None:
            checked.append((result, doc, lint))
    if checked:
        from corpus_lint.dedup import features_of_many

        features = features_of_many(
            [(doc, result.diagnostics) for result, doc, _ in checked],
            job.corpus_settings,
            job.cached_contents,
            job.exclusion,
        )
        for (result, _, lint), file_features in zip(checked, features):
            result.features = file_features
            if not lint:  # the findings were needed for the features only
                result.diagnostics = []
    return results


def _read_and_lint(path: Path, job: _Job, lint: bool) -> tuple[FileResult, Document | None]:
    """The file's result so far, and the document corpus rules see (None if unreadable)."""
    try:
        doc = Document.read(path)
    except DocumentError as exc:
        if exc.skipped:  # binary, too large, not a regular file: a warning
            return FileResult(path, skipped=str(exc)), None
        return FileResult(path, error=str(exc)), None
    result = FileResult(path)
    if lint and job.fix is not None:
        doc = _fix(doc, result, job)  # lints, fixes, and leaves what remains in result
    elif lint or job.corpus_settings is not None:
        # Corpus rules need the per-document findings too (boilerplate is left out of them).
        result.diagnostics = lint_document(doc, job.rules, job.context)
    if lint and job.count_fixes and any(d.fix is not None for d in result.diagnostics):
        result.fixable = _fixable(doc, result.diagnostics, job)
    result.pack_errors = timed_out_searches(doc)
    if job.count_words:  # counted where the text is already decoded, not reread later
        result.words = len(doc.text.split())
    return result, doc


def _lint_for_fixes(job: _Job) -> Callable[[Document], list[Diagnostic]]:
    """The lint that fixing re-runs between passes: per-file-ignores respected."""

    def lint(d: Document) -> list[Diagnostic]:
        found = lint_document(d, job.rules, job.context)
        if job.settings is None:
            return found
        return [x for x in found if not _ignored_for_file(x, job.settings)]

    return lint


def _fixable(doc: Document, diagnostics: list[Diagnostic], job: _Job) -> tuple[int, int]:
    """How many fixes `--fix`, and `--fix --unsafe-fixes`, would apply to `doc`: the fixing
    itself, in memory, so that the summary's counts are the ones a fix then reports."""
    from corpus_lint import fixes

    relint = _lint_for_fixes(job)
    known = [
        d for d in diagnostics if job.settings is None or not _ignored_for_file(d, job.settings)
    ]

    def lint(d: Document) -> list[Diagnostic]:
        return known if d is doc else relint(d)

    safe = len(fixes.fix_document(doc, lint, unsafe=False).applied)
    return safe, len(fixes.fix_document(doc, lint, unsafe=True).applied)


def _fix(doc: Document, result: FileResult, job: _Job) -> Document:
    """Fix `doc` in passes and write it (or diff it); return the document corpus rules see."""
    from corpus_lint import fixes

    lint = _lint_for_fixes(job)
    fixed = fixes.fix_document(doc, lint, unsafe=job.fix.unsafe)
    result.fix_notes = fixed.notes
    result.diagnostics = fixed.diagnostics
    if not fixed.changed:
        return doc
    if job.fix.diff:
        result.diff = fixes.unified_diff(doc.display_path, doc.raw, fixed.doc.raw)
    else:
        try:
            fixes.write_atomic(doc.path, fixed.doc.raw, doc.raw)
        except fixes.WriteError as exc:
            result.fix_error = str(exc)
            result.diagnostics = lint(doc)  # the file on disk is the original
            return doc
    result.fixed = fixed.counts
    if job.fix.diff:
        # Corpus rules see the file as it stays on disk: their verification rereads it, and
        # a removal diff (`dedup.removal`) deletes those bytes. (No diagnostic is shown.)
        result.diagnostics = lint(doc)
        return doc
    try:  # the written file's stat, for the signature cache
        return dataclasses.replace(fixed.doc, status=os.stat(doc.path))
    except OSError:
        return fixed.doc


_worker_job: _Job | None = None


def _init_worker(job: _Job) -> None:
    global _worker_job
    _worker_job = job


def _analyze_in_worker(batch: list[tuple[Path, bool]]) -> list[tuple[Any, ...]]:
    """The batch's results, each sent back as a tuple of its fields but the path, which the
    parent knows: a third of the time of pickling the dataclass and its Path, per file."""
    assert _worker_job is not None
    results = analyze_many(batch, _worker_job)
    return [tuple(getattr(result, name) for name in _SENT_FIELDS) for result in results]


_SENT_FIELDS = [f.name for f in dataclasses.fields(FileResult) if f.name != "path"]


def worker_count(files: int, options: Options) -> int:
    """How many worker processes `analyze_all` starts for this many files (1: none)."""
    return min(options.workers, max(1, files // MIN_FILES_FOR_WORKERS))


def analyze_all(
    items: list[tuple[Path, bool]], job: _Job, options: Options, progress: Progress
) -> Iterator[FileResult]:
    """`analyze` over (path, lint?) items, in worker processes when there are enough."""
    batches = [items[i : i + BATCH_FILES] for i in range(0, len(items), BATCH_FILES)]
    workers = worker_count(len(items), options)
    if workers <= 1:
        for batch in batches:
            for result in analyze_many(batch, job):
                yield result
                progress.advance()
        return
    chunksize = max(1, min(8, len(batches) // (workers * 16)))
    done = 0  # batches received
    try:
        with process_pool(workers, _init_worker, (job,)) as pool:
            sent = pool.map(_analyze_in_worker, batches, chunksize=chunksize)
            for batch, results in zip(batches, sent):
                done += 1
                for (path, _), fields in zip(batch, results):
                    yield FileResult(path, *fields)
                    progress.advance()
    except WorkersDied as exc:  # name the first file without a result
        left = len(items) - done * BATCH_FILES
        first = display(batches[done][0][0]) if done < len(batches) else "?"
        raise WorkersDied(f"{first}: {exc} ({left} files from this one on)") from None


class WorkersDied(Exception):
    """A worker process died (killed, out of memory): the run could not check every file."""


class WorkerPool:
    """The worker processes of one stage of a run: the one place that starts and stops them.

    - They are forked with the parent's heap frozen (`heap_frozen_for_fork`) and Ctrl-C held
      (`interrupts.deferred`): an interrupt never lands inside the executor's bookkeeping
      (one there left the run waiting for ever at exit), and a worker is never interrupted
      before it ignores SIGINT (`interrupts.ignore`, before the stage's own initializer).
    - `cancel` drops the queued work, tells the workers to stop between two files (the file
      in hand is finished, never half-written: see `stopping`) and waits for them, with
      Ctrl-C held, so no process is left behind.
    - A worker that dies is `WorkersDied`, never a result.
    """

    def __init__(
        self, workers: int, initializer: Callable[..., None] | None = None, initargs: tuple = ()
    ) -> None:
        self._stop = multiprocessing.RawValue("b", 0)  # shared with the forked workers
        self._executor = ProcessPoolExecutor(
            workers, initializer=_start_worker, initargs=(self._stop, initializer, initargs)
        )
        self._frozen = ExitStack()  # the heap stays frozen until the pool is closed
        self._frozen.enter_context(heap_frozen_for_fork())
        try:
            with interrupts.deferred():
                # The first task forks every worker now, while Ctrl-C is held (and before the
                # caller starts a thread: a fork copies no thread and can hang on its locks).
                self._wait(self._executor.submit(int))
                interrupts.pause("pool-start")
        except BaseException:  # Ctrl-C (held until now) or a worker that died at once
            self.cancel()
            raise

    def map(self, fn: Callable[..., Any], *iterables: Iterable, chunksize: int = 1) -> Iterator:
        """`Executor.map`: every task is queued now, the results come in order."""
        try:
            with interrupts.deferred():
                results = self._executor.map(fn, *iterables, chunksize=chunksize)
        except BrokenProcessPool:
            raise WorkersDied(_DIED) from None
        return self._checked(results)

    def _checked(self, results: Iterator) -> Iterator:
        try:
            yield from results
        except BrokenProcessPool:
            raise WorkersDied(_DIED) from None

    def _wait(self, future: Future) -> Any:
        try:
            return future.result()
        except BrokenProcessPool:
            raise WorkersDied(_DIED) from None

    def close(self) -> None:
        with interrupts.deferred():
            self._executor.shutdown(wait=True)
            self._frozen.close()

    def cancel(self) -> None:
        with interrupts.deferred():
            self._stop.value = 1
            processes = list((self._executor._processes or {}).values())
            self._executor.shutdown(wait=False, cancel_futures=True)
            # A worker finishes its file in hand; one stuck past the grace period (a hung
            # network file system) is killed, so that stopping never waits for ever.
            deadline = time.monotonic() + CANCEL_GRACE_SECONDS
            for process in processes:
                process.join(max(0.0, deadline - time.monotonic()))
            for process in processes:
                if process.is_alive():
                    process.kill()
            self._executor.shutdown(wait=True)
            self._frozen.close()


# How long a cancelled worker may take to finish the file in hand before it is killed.
CANCEL_GRACE_SECONDS = 5.0

_DIED = "a worker process died (killed, or out of memory?); not checked"


@contextmanager
def process_pool(
    workers: int, initializer: Callable[..., None] | None = None, initargs: tuple = ()
) -> Iterator[WorkerPool]:
    """A `WorkerPool` for the block: cancelled on Ctrl-C or an error, else closed."""
    pool = WorkerPool(workers, initializer, initargs)
    try:
        yield pool
    except BaseException:
        pool.cancel()
        raise
    pool.close()


_stop_flag: Any = None  # in a worker process: set by the parent to cancel the work


def _start_worker(stop: Any, initializer: Callable[..., None] | None, initargs: tuple) -> None:
    global _stop_flag
    interrupts.ignore()
    _stop_flag = stop
    if initializer is not None:
        initializer(*initargs)


def stopping() -> bool:
    """In a worker process: has the run been cancelled? (Then stop before the next file.)"""
    return _stop_flag is not None and bool(_stop_flag.value)


@contextmanager
def heap_frozen_for_fork() -> Iterator[None]:
    """Keep the objects that exist now out of the garbage collector while worker processes
    are forked and run: a worker's collector would otherwise visit, and so copy, every page
    of the parent's heap (hundreds of MB in the corpus stage of a large run)."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


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
    job = _Job(
        document_rules,
        Context(packs),
        corpus_settings,
        fix,
        settings,
        count_fixes=options.count_fixes and not (fix and fix.diff),
        count_words=options.count_words,
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
        d for d in result.diagnostics if not _ignored_for_file(d, settings)
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


def _ignored_for_file(diagnostic: Diagnostic, settings: Settings) -> bool:
    if not settings.per_file_ignores:
        return False
    relative = relative_to_root(Path(diagnostic.path), settings)
    return any(
        glob_matches(glob, relative) and not is_selected(diagnostic.code, ["ALL"], codes)
        for glob, codes in settings.per_file_ignores.items()
    )
