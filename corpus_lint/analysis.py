"""The analysis stage: read a partition of files once, run the per-document rules (and their
fixes), and compute what the corpus rules need of each file. Pure of any executor: the local
one runs `analyze_all` (in `parallel`'s process pool when there are enough files), the Dask one
runs `analyze_many` in its tasks.
"""

from __future__ import annotations

import dataclasses
import os
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from corpus_lint import interrupts
from corpus_lint.config import Settings
from corpus_lint.document import Document, DocumentError, display, may_follow
from corpus_lint.files import ignored_for_file
from corpus_lint.interrupts import WorkersDied, stopping
from corpus_lint.packs import timed_out_searches
from corpus_lint.parallel import WORKER_DIED, worker_processes, workers_for
from corpus_lint.progress import Progress
from corpus_lint.readahead import read_ahead
from corpus_lint.results import packed, unpacked
from corpus_lint.rule import Context, Diagnostic, Rule, reports_of

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
    # The process exits after the run (the command line's): what the run froze out of the
    # garbage collector's sight stays frozen (see `engine.run`).
    keep_frozen: bool = False
    # The files named on the command line or as a configured corpus that are symbolic links,
    # as absolute paths: the only links a run reads, and fixes through. A file found in a
    # folder that is a link by the time it is read was swapped for one since the folder was
    # listed: never followed (`Document.read`, `may_follow`).
    links: frozenset[str] = frozenset()

    @property
    def workers(self) -> int:
        return worker_processes(self.jobs)


@dataclass
class Result:
    """What a run found and did, over all its files."""

    diagnostics: list[Diagnostic] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # files that could not be read: exit 2
    warnings: list[str] = field(default_factory=list)  # files skipped on purpose (binary)
    files_checked: int = 0
    files_skipped: int = 0  # found but left out on purpose (binary, too large): `warnings`
    fixed: dict[str, Counter[str]] = field(default_factory=dict)  # path -> codes fixed
    # Files whose text (not only its spacing) this run's fixes changed: their duplicate
    # clusters are not removed from (`dedup.removal`).
    text_fixed: set[str] = field(default_factory=set)
    # Of those, their texts' hashes and candidate lines before and after this run's fixes
    # (`FileResult.candidate_lines`, when BP005 runs): BP005 deletes no line the fixes made
    # or whose count they changed (`dedup.lines.delete_repeated_lines`).
    candidate_lines: dict[str, tuple] = field(default_factory=dict)
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
    # The fixes changed its text, not only its spacing (`features.normalise_text`).
    text_fixed: bool = False
    # When text_fixed and BP005 runs: (text hash, candidate line hashes) before the fixes and
    # after them, what BP005 counts of the file each way (`dedup.lines._settled_lines`).
    candidate_lines: tuple | None = None
    # Its findings before this run fixed it, which rank it among its duplicates as the check
    # did (in the worker only: dropped once its features are made).
    unfixed: list[Diagnostic] | None = None
    diff: bytes | None = None  # with FixOptions.diff, instead of writing the file
    fix_error: str | None = None  # the fixed file could not be written: exit 2
    fix_notes: list[str] = field(default_factory=list)  # why something was not fixed
    pack_errors: list[str] = field(default_factory=list)  # user patterns that timed out: exit 2
    # What `--fix` and `--fix --unsafe-fixes` would fix in the file as it is now, fixes that
    # follow from others included (with Job.count_fixes; the summary's counts).
    fixable: tuple[int, int] = (0, 0)
    words: int | None = None  # with Options.count_words: white-space-separated words
    # The findings as a worker sends them (`results.packed` rows), `diagnostics` then empty:
    # a check keeps them packed until the report (a fix, or the result cache's copy, builds
    # their objects).
    packed: tuple = ()

    @property
    def findings(self) -> list[Diagnostic]:
        """Its findings as objects, however they came (`diagnostics`, or a worker's `packed`)."""
        return self.diagnostics or unpacked(self.packed)


@dataclass(frozen=True)
class FixOptions:
    unsafe: bool = False  # also apply unsafe fixes
    diff: bool = False  # compute the diff, write nothing


@dataclass(frozen=True)
class Job:
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
    # BP005's [boilerplate] settings: the candidate lines of each file go in its features
    # (`dedup.lines`); set whenever the corpus stage runs, so the cache always holds them.
    boilerplate: Any = None
    links: frozenset[str] = frozenset()  # `Options.links`


def lint_document(doc: Document, rules: Iterable[Rule], ctx: Context) -> list[Diagnostic]:
    """Every per-document rule over one document."""
    diagnostics: list[Diagnostic] = []
    for rule in rules:
        diagnostics.extend(reports_of(rule, doc, ctx))
    return diagnostics


def analyze(path: Path, job: Job, lint: bool = True) -> FileResult:
    """Read one file once; lint it and/or compute what corpus rules need of it."""
    return analyze_many([(path, lint)], job)[0]


def analyze_many(items: list[tuple[Path | str, bool]], job: Job) -> list[FileResult]:
    """`analyze` over (path, lint?) items; corpus features are computed for all at once.

    When the corpus rules run and nothing is fixed, the items are all read before any is
    linted, so that their words are hashed at once (`dedup.features.hash_words`): TXT001
    screens its words with those hashes, and the shingles are made of them."""
    batched = job.corpus_settings is not None and job.fix is None
    results: list[FileResult] = []
    read: list[tuple[FileResult, Document, bool]] = []
    for path, lint in items:
        if stopping():  # the run was cancelled: the parent reports none of this batch
            results.append(FileResult(path, error=f"{display(path)}: not checked (interrupted)"))
            continue
        interrupts.pause("worker-file")
        if batched:
            result, doc = _read(path, follow_link=may_follow(path, job.links))
        else:
            result, doc = read_and_lint(path, job, lint)
        results.append(result)
        if doc is not None and job.corpus_settings is not None:  # for the word hashes, features
            read.append((result, doc, lint))
    if batched and read:
        from corpus_lint.dedup.features import hash_words

        hash_words([doc for _, doc, _ in read])
        for result, doc, lint in read:
            _lint(result, doc, job, lint)
    if read:
        features = corpus_features([(doc, result.diagnostics) for result, doc, _ in read], job)
        for (result, _, lint), file_features in zip(read, features):
            if result.unfixed is not None:
                # A fixed document is ranked among its duplicates by its findings before the
                # fixes, as the check ranked it (which copy is kept must not change with
                # --fix); what its lines are is the fixed text's.
                unfixed, result.unfixed = result.unfixed, None
                file_features = file_features._replace(
                    findings=len(unfixed),
                    has_source=not any(d.code == "SRC001" for d in unfixed),
                )
            result.features = file_features
            if not lint:  # the findings were needed for the features only
                result.diagnostics = []
    return results


def corpus_features(checked: list[tuple[Document, list[Diagnostic]]], job: Job) -> list[Any]:
    """What the corpus rules need of these documents, given their per-document findings
    (`dedup.features.features_of_many`), computed for all at once."""
    from corpus_lint.dedup.features import features_of_many

    found = features_of_many(checked, job.corpus_settings, job.cached_contents, job.exclusion)
    if job.boilerplate is not None:
        from corpus_lint.dedup.lines import with_lines

        found = with_lines(found, [doc for doc, _ in checked], job)
    return found


def read_and_lint(
    path: Any, job: Job, lint: bool, read: Callable[[Any], Document] | None = None
) -> tuple[FileResult, Document | None]:
    """The file's result so far, and the document corpus rules see (None if unreadable).

    `path` is what `read` reads: a local path (`Document.read`), or for the Dask executor a
    `sources.Source` (`sources.read_source`, local paths and URLs)."""
    result, doc = _read(path, read, follow_link=read is not None or may_follow(path, job.links))
    if doc is None:
        return result, None
    return result, _lint(result, doc, job, lint)


def _read(
    path: Any, read: Callable[[Any], Document] | None = None, follow_link: bool = True
) -> tuple[FileResult, Document | None]:
    """The file's result (its error, or why it is skipped), and its document if it is one."""
    try:
        doc = Document.read(path, follow_link=follow_link) if read is None else read(path)
    except DocumentError as exc:
        if exc.skipped:  # binary, too large, not a regular file: a warning
            return FileResult(path, skipped=str(exc)), None
        return FileResult(path, error=str(exc)), None
    return FileResult(path), doc


def _lint(result: FileResult, doc: Document, job: Job, lint: bool) -> Document:
    """Lint (and fix) a document read into `result`; the document corpus rules see."""
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
    return doc


def lint_for_fixes(job: Job) -> Callable[[Document], list[Diagnostic]]:
    """The lint that fixing re-runs between passes: per-file-ignores respected."""

    def lint(d: Document) -> list[Diagnostic]:
        return _not_ignored(lint_document(d, job.rules, job.context), job)

    return lint


def _not_ignored(found: list[Diagnostic], job: Job) -> list[Diagnostic]:
    if job.settings is None:
        return found
    return [x for x in found if not ignored_for_file(x, job.settings)]


def _fixable(doc: Document, diagnostics: list[Diagnostic], job: Job) -> tuple[int, int]:
    """How many fixes `--fix`, and `--fix --unsafe-fixes`, would apply to `doc`: the fixing
    itself, in memory, so that the summary's counts are the ones a fix then reports."""
    from corpus_lint import fixes

    known = [
        d for d in diagnostics if job.settings is None or not ignored_for_file(d, job.settings)
    ]
    # The counts depend on the fixes alone: fixed texts are re-linted by the rules that can
    # fix, each text once (both runs often reach the same text).
    fixers = [rule for rule in job.rules if rule.fix_availability]
    linted: dict[str, list[Diagnostic]] = {}

    def lint(d: Document) -> list[Diagnostic]:
        if d is doc:
            return known
        found = linted.get(d.text)
        if found is None:
            found = linted[d.text] = [
                x
                for x in lint_document(d, fixers, job.context)
                if job.settings is None or not ignored_for_file(x, job.settings)
            ]
        return found

    safe = len(fixes.fix_document(doc, lint, unsafe=False).applied)
    return safe, len(fixes.fix_document(doc, lint, unsafe=True).applied)


def _fix(doc: Document, result: FileResult, job: Job) -> Document:
    """Fix `doc` in passes and write it (or diff it); return the document corpus rules see."""
    from corpus_lint import fixes
    from corpus_lint.dedup.features import normalise_text

    filtered = lint_for_fixes(job)
    unfixed: list[list[Diagnostic]] = []  # the first pass's findings: those a check ranks by

    def lint(d: Document) -> list[Diagnostic]:
        if d is not doc or unfixed:
            return filtered(d)
        unfixed.append(lint_document(d, job.rules, job.context))
        return _not_ignored(unfixed[0], job)

    fixed = fixes.fix_document(doc, lint, unsafe=job.fix.unsafe)
    result.fix_notes = fixed.notes
    result.diagnostics = fixed.diagnostics
    if not fixed.changed:
        return doc
    text_fixed = normalise_text(fixed.doc.text) != normalise_text(doc.text)
    if job.fix.diff:
        result.diff = fixes.unified_diff(doc.display_path, doc.raw, fixed.doc.raw)
    else:
        try:
            follow = may_follow(doc.path, job.links)
            fixes.write_atomic(doc.path, fixed.doc.raw, doc.raw, follow_link=follow)
        except fixes.WriteError as exc:
            result.fix_error = str(exc)
            result.diagnostics = lint(doc)  # the file on disk is the original
            return doc
    result.fixed = fixed.counts
    result.text_fixed, result.unfixed = text_fixed, (unfixed[0] if unfixed else None)
    if text_fixed:
        if job.boilerplate is not None:
            from corpus_lint.dedup.features import text_hash
            from corpus_lint.dedup.lines import candidate_hashes

            before, after = candidate_hashes(doc, job), candidate_hashes(fixed.doc, job)
            if before != after:  # (the same lines count alike either way: nothing to keep)
                result.candidate_lines = (
                    text_hash(doc.text),
                    before,
                    text_hash(fixed.doc.text),
                    after,
                )
    if job.fix.diff:
        # Corpus rules see the file as it stays on disk: their verification rereads it, and
        # a removal diff (`dedup.removal`) deletes those bytes. (No diagnostic is shown.)
        result.diagnostics = lint(doc)
        return doc
    try:  # the written file's stat, for the signature cache
        return dataclasses.replace(fixed.doc, status=os.stat(doc.path))
    except OSError:
        return fixed.doc


_worker_job: Job | None = None


def _init_worker(job: Job) -> None:
    global _worker_job
    _worker_job = job


def _analyze_in_worker(
    batch: list[tuple[Path | str, bool]], next_paths: list[Path | str]
) -> list[tuple[Any, ...]]:
    """The batch's results, each sent back as `sent` gives it; the files of the batch after
    it (`next_paths`) are asked of storage first, if not cached (`readahead`)."""
    assert _worker_job is not None
    interrupts.pause("worker-batch")  # (the test suite's: in a worker process only)
    if not stopping():  # (a cancelled run reads no further)
        read_ahead(next_paths)
    # Read as the walk's strings: a Path a file cost 3 us to make, and more to read through.
    return [sent(result) for result in analyze_many(batch, _worker_job)]


_SENT_FIELDS = [f.name for f in dataclasses.fields(FileResult) if f.name != "path"]
_FIXED, _FEATURES = _SENT_FIELDS.index("fixed"), _SENT_FIELDS.index("features")
_DIAGNOSTICS, _PACKED = _SENT_FIELDS.index("diagnostics"), _SENT_FIELDS.index("packed")


def upcoming(batches: list[list[tuple[Path | str, bool]]]) -> list[list[Path | str]]:
    """For each batch, the paths of the batch after it (none after the last): what its worker
    reads ahead."""
    return [[path for path, _ in batch] for batch in batches[1:]] + [[]][: len(batches)]


def sent(result: FileResult) -> tuple:
    """A result as a worker sends it: a tuple of its fields but the path, which the parent
    knows (a third of the time of pickling the dataclass and its Path), with the findings
    `packed`, the codes fixed as a dict (None when none) and the features as (their type, a
    plain tuple). The parent unpickles them at C speed, where Diagnostics, a Counter and a
    named tuple run Python code for each file: 2 s of its CPU at 100,000 files, taken from
    the workers' cores."""
    fields = [getattr(result, name) for name in _SENT_FIELDS]
    fields[_DIAGNOSTICS], fields[_PACKED] = [], packed(result.diagnostics) + result.packed
    fields[_FIXED] = dict(result.fixed) if result.fixed else None
    if isinstance(result.features, tuple):  # `dedup.features.Features`
        fields[_FEATURES] = (type(result.features), tuple(result.features))
    return tuple(fields)


def received(path: Path, fields: tuple) -> FileResult:
    """The result a worker `sent` for `path`."""
    result = FileResult(path, *fields)
    result.fixed = Counter(result.fixed) if result.fixed else Counter()
    if isinstance(result.features, tuple):
        kind, values = result.features
        result.features = tuple.__new__(kind, values)
    return result


def worker_count(files: int, options: Options) -> int:
    """How many worker processes `analyze_all` starts for this many files (1: none)."""
    return workers_for(files, options.workers)


def _left_undone(left: list[tuple[Path | str, bool]], died: str) -> str:
    """What a dead worker's run says: the first file without a result, and how many are left
    from it on. Files read only to be compared with the ones checked (a pre-commit run's
    corpus) were not "checked": the comparison is what did not happen."""
    if not left:
        return died
    first, count = display(left[0][0]), len(left)
    if any(lint for _, lint in left):
        return f"{first}: {died} ({count} files from this one on)"
    return (
        f"{first}: {WORKER_DIED} while the corpus was read; it was not compared "
        f"({count} of its files from this one on)"
    )


def analyze_all(
    items: list[tuple[Path | str, bool]], job: Job, options: Options, progress: Progress
) -> Iterator[FileResult]:
    """`analyze` over (path, lint?) items, in worker processes when there are enough; a
    result's path is its item's (a string stays one)."""
    batches = [items[i : i + BATCH_FILES] for i in range(0, len(items), BATCH_FILES)]
    workers = worker_count(len(items), options)
    if workers <= 1:
        for batch in batches:
            for (path, _), result in zip(batch, analyze_many(batch, job)):
                result.path = path
                yield result
                progress.advance()
        return
    from corpus_lint.parallel import process_pool  # multiprocessing: only with workers

    chunksize = max(1, min(8, len(batches) // (workers * 16)))
    done = 0  # batches received
    try:
        with process_pool(workers, _init_worker, (job,)) as pool:
            sent = pool.map(_analyze_in_worker, batches, upcoming(batches), chunksize=chunksize)
            for batch in batches[:-1]:
                results = next(sent)
                done += 1
                yield from _received_batch(batch, results, progress)
            last = next(sent)
            done += 1
    except WorkersDied as exc:
        raise WorkersDied(_left_undone(items[done * BATCH_FILES :], str(exc))) from None
    # The last batch is given with the pool closed: the callers ask for nothing past the last
    # result, and drop this generator unfinished. A pool closed then was closed in the
    # generator's finaliser, where a Ctrl-C meanwhile was printed ("Exception ignored"), not
    # raised, and the run went on to exit 0.
    yield from _received_batch(batches[-1], last, progress)


def _received_batch(
    batch: list[tuple[Path | str, bool]], results: list[tuple], progress: Progress
) -> Iterator[FileResult]:
    """The results a worker sent back for `batch`, under the batch's own paths."""
    for (path, _), fields in zip(batch, results):
        yield received(path, fields)
        progress.advance()
