"""The corpus stage: DUP003 (same normalised text) and DUP004 (near-duplicate) across a corpus.

1. Features of the targets come from the workers that linted them. With a configured
   corpus, every other corpus file is either unchanged since the cache saw it (same path,
   mtime and size: nothing is read) or analysed now (features only).
2. DUP003: files grouped by the hash of their normalised text.
3. DUP004: candidate pairs from LSH banding of the MinHash signatures (numpy, over the
   files held in memory; indexed look-ups in the cache's band table for unchanged files),
   pruned by the signatures' estimated Jaccard, then verified with the exact Jaccard of the
   two files' shingle sets (both files reread), so no LSH or MinHash false positive is shown.
4. Clusters (`dedup.clusters.form_clusters`, shared with the Dask executor): the same-text
   groups and verified pairs, each cluster with a keeper chosen by the keeper policy; one
   diagnostic per redundant document of every cluster that holds a target (in a
   changed-files run, a committed file the policy finds redundant is reported too).
5. With `--fix --unsafe-fixes`, the redundant documents are deleted (`dedup.removal`).

Steps 2 to 4 are skipped by a warm run over exactly the files of a run whose findings the
cache stored (`_stage_key`: the same run key, settings and working directory, each file by
its content, each other corpus folder by its digest): it shows the stored findings.
"""

from __future__ import annotations

import functools
import gc
import os
import sqlite3
import sys
import time
from array import array
from collections import Counter, deque
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack, contextmanager, suppress
from dataclasses import dataclass, field
from itertools import chain, islice, repeat
from operator import attrgetter
from pathlib import Path
from typing import Any

import numpy as np
import xxhash

from corpus_lint import __version__
from corpus_lint.analysis import (
    Job,
    Options,
    Result,
    analyze_all,
    analyze_many,
    lint_for_fixes,
    worker_count,
)
from corpus_lint.config import NearDuplicateSettings, Settings, is_url
from corpus_lint.dedup.cache import SignatureCache
from corpus_lint.dedup.clusters import (
    Allowed,
    Cluster,
    Keeping,
    Shown,
    cluster_id,
    rank,
    spanning_pairs,
    split_linked,
)
from corpus_lint.dedup.features import (
    IN_CACHE,
    Features,
    content_hash,
    shingle_exclusion,
    shingle_sets,
    shingled_text,
)
from corpus_lint.dedup.minhash import (
    MIN_CANDIDATE_PROBABILITY,
    SCHEME,
    SEED,
    band_salt,
    candidate_pairs,
    lsh_params,
    signature_band_keys,
    sorted_distinct,
)
from corpus_lint.dedup.table import FeatureTable
from corpus_lint.document import Document, DocumentError, display
from corpus_lint.files import CorpusWalk, Folder, folder_digest, identity, is_excluded, is_included
from corpus_lint.interrupts import WorkersDied
from corpus_lint.packs import PackRule
from corpus_lint.progress import Progress
from corpus_lint.results import PathDisplay, collector_paused, split_path
from corpus_lint.rule import UNSAFE, CorpusRule, Diagnostic, Fix, Related, Rule

# Candidates whose estimated Jaccard is more than this many standard errors below the
# threshold are dropped without reading them: the chance that such a pair is truly at the
# threshold is below one in a million.
PRUNE_STANDARD_ERRORS = 5.0
# Candidate pairs are verified in batches: the batch's files are reread at once (in
# parallel), and only their shingle sets are held in memory, up to this many shingles
# (4 bytes each) per batch, whatever the length of the documents (4 MB: at 16 MB, the
# batch was a tenth of the peak memory of a run over 100,000 files).
VERIFY_SHINGLES = 1_000_000
# Files reread together for verification: their shingles are computed in one go.
REREAD_FILES = 32
# The stage's findings are stored for a warm run to reuse (`_stage_key`) when it compares at
# least this many files: below, forming its clusters again costs less than writing them (a
# changed-files run holds its few targets and the files read with them).
MIN_FILES_TO_STORE_FINDINGS = 1000
# Files read by a run, fewer than which the signature cache's write of them is made at the
# end of the stage, in this process: no thread or process for it (forking one cost a
# pre-commit run 0.04 s).
MIN_FILES_TO_WRITE_APART = 1000
# A stage over at least this many files hands the memory each step freed back to the system
# (`release_freed_memory`): below, its steps free too little to matter (and a pre-commit run
# does not import ctypes).
TRIM_FILES = 10_000
# A redundant document's related locations: its keeper, then at most this many other members
# (a scrape may hold thousands of copies of one page: every finding would list them all).
MAX_RELATED_MEMBERS = 50


# What a worker needs to reread a file: key, path, content hash, lines left out.
_Reread = tuple[str, Path | str, int, tuple[int, ...]]


def order_of(path: Path | str) -> str:
    """The order of files in the stage and its report: the path as given, "/"-separated."""
    return os.fspath(path) if os.sep == "/" else Path(path).as_posix()


class Entry:
    """One file of the stage; compared and hashed by identity. Slotted: one per corpus file.
    Its features are a row of the stage's `FeatureTable` (columns, not a tuple a file)."""

    __slots__ = ("_key", "path", "target", "_content", "row", "table", "order")

    def __init__(
        self,
        key: str,
        path: Path | str,  # a target as the engine holds it (a name), else a Path
        target: bool,
        content: int,
        features: Features | None = None,
        table: FeatureTable | None = None,
        row: int = -1,
    ) -> None:
        self.key = key  # absolute path: the cache's key (or its folder's: see `key`)
        self.path = path
        self.target = target
        self.table = table if table is not None else FeatureTable()
        self.row = row  # -1: an unchanged file whose features stay cached
        self._content: int | None = None
        if features is not None:
            self.features = features
        self.content = content
        # The sort key, once: the path as given, "/"-separated (Path.as_posix per comparison
        # took a quarter of a second to sort 100,000 entries). (As a property, not a slot, the
        # objects were of another allocator size class than the keys made with them, and a
        # cold run over 100,000 files kept 6 MB more after they went: measured.)
        self.order = order_of(path)

    @property
    def key(self) -> str:
        """Its absolute path. Given as its folder's, ending with a separator (no file's does),
        it is made when asked for from its name: a stage without a cache keeps no string
        a file (9 MB at 100,000 files) once nothing looks files up by key (`_Stage.run`)."""
        key = self._key
        if key.endswith(os.sep):
            return key + split_path(os.fspath(self.path))[1]
        return key

    @key.setter
    def key(self, key: str) -> None:
        self._key = key

    @property
    def content(self) -> int:
        """The hash of its bytes: its row's when it has one (an int a file held for the whole
        stage was 4 MB at 100,000 files), else its own (an unchanged file left in the cache,
        or one whose content was set apart from its features)."""
        if self._content is not None:
            return self._content
        return self.table.content(self.row)

    @content.setter
    def content(self, content: int) -> None:
        loaded = self.row >= 0 and self.table.content(self.row) == content
        self._content = None if loaded else content

    @property
    def features(self) -> Features | None:
        return self.table.at(self.row) if self.row >= 0 else None

    @features.setter
    def features(self, features: Features | None) -> None:
        content = self.content if self._content is not None or self.row >= 0 else None
        if features is None:
            self.row = -1
        elif self.row >= 0:
            self.table.put(self.row, features)
        else:
            self.row = self.table.append(features)
        if content is not None:  # its content is set apart from its features
            self.content = content

    def unsigned(self) -> Features:
        """Its features without the signature (b""), of a loaded entry."""
        return self.table.at(self.row, signature=False)

    @property
    def loaded(self) -> bool:
        """Are its features in the table (not left in the cache)?"""
        return self.row >= 0

    @property
    def signed(self) -> bool:
        return self.row >= 0 and self.table.is_signed(self.row)


class FolderKeys(dict):
    """The key of a folder's files (`Entry.key`), by the folder as named: its absolute path
    ending with a separator, made once a folder (`os.path.abspath` of 100,000 files was
    slow), not once a file."""

    def __missing__(self, folder: str) -> str:
        # ".." after a link is the parent of its target, not what `abspath` makes of it: such
        # a folder by its real path, or a file named `lnk/../a.txt` was another file than the
        # one the walk names, its own duplicate.
        named = os.path.realpath(folder) if os.pardir in folder.split(os.sep) else folder
        prefix = self[folder] = os.path.join(os.path.abspath(named), "")
        return prefix


class _Columns:
    """What the stage knows of each of its files, a slot each (see `Entries`): the table's row
    (-1: left in the cache), whether a target, its key and path as `Entry` holds them, a
    content set apart from its row's (few), and the `Entry` made of each slot, if any."""

    __slots__ = ("table", "rows", "targets", "keys", "paths", "contents", "made", "_prefixes")

    def __init__(self, entries: list[Entry], table: FeatureTable, keep: bool) -> None:
        count = len(entries)
        self.table = table
        self.rows = np.fromiter((e.row for e in entries), np.int64, count)
        self.targets = np.fromiter((e.target for e in entries), np.bool_, count)
        # Kept: the objects others hold (`_Stage.by_key`) stay the ones compared; else made
        # when asked for, once (a stage compares its entries by identity), from these.
        self.made: list[Entry | None] = list(entries) if keep else [None] * count
        self.keys: list[str] | None = [] if keep else [e._key for e in entries]
        self.paths = [] if keep else [e.path for e in entries]
        contents = () if keep else enumerate(entries)
        self.contents = {i: e._content for i, e in contents if e._content is not None}
        self._prefixes = FolderKeys()

    @classmethod
    def of_targets(cls, table: FeatureTable) -> _Columns:
        """Every row of `table` a target, in the order of its rows: no `Entry` nor key made
        (each key is its folder's, made when an entry is; see `Entry.key`)."""
        columns = cls([], table, keep=False)
        columns.rows = np.arange(table.size, dtype=np.int64)
        columns.targets = np.ones(table.size, dtype=np.bool_)
        columns.made = [None] * table.size
        columns.keys = None
        columns.paths = table.paths
        return columns

    def entry(self, slot: int) -> Entry:
        made = self.made[slot]
        if made is None:
            row = int(self.rows[slot])
            content = self.contents.get(slot)
            if content is None:
                content = self.table.content(row)
            path = self.paths[slot]
            made = self.made[slot] = Entry(
                self._folder_key(path) if self.keys is None else self.keys[slot],
                path,
                bool(self.targets[slot]),
                content,
                table=self.table,
                row=row,
            )
        return made

    def _folder_key(self, path: Any) -> str:
        """The absolute path of the folder of `path`, ending with a separator (`Entry.key`)."""
        return self._prefixes[split_path(os.fspath(path))[0]]


class Entries:
    """The stage's entries as columns (`_Columns`) in some order: a sequence of `Entry`, each
    made only when asked for. A stage over 100,000 files held an `Entry` and its row number
    a file for the whole stage (12 MB); its steps read the columns (`rows`, `targets`,
    `subset`), and make objects only of the few files they compare or report."""

    __slots__ = ("_columns", "_slots")

    def __init__(self, columns: _Columns, slots: np.ndarray | None = None) -> None:
        self._columns = columns
        self._slots = slots  # None: every slot, in order

    @classmethod
    def of(cls, entries: list[Entry], table: FeatureTable, keep: bool = True) -> Entries:
        """These entries (of `table`), in this order; with `keep`, the objects themselves."""
        return cls(_Columns(entries, table, keep))

    def subset(self, which: np.ndarray) -> Entries:
        """Those entries picked by a mask or by positions, as a sequence (sharing the
        objects made)."""
        slots = np.arange(len(self), dtype=np.int64) if self._slots is None else self._slots
        return Entries(self._columns, slots[which])

    @property
    def table(self) -> FeatureTable:
        return self._columns.table

    @property
    def rows(self) -> np.ndarray:
        rows = self._columns.rows
        return rows if self._slots is None else rows[self._slots]

    @property
    def targets(self) -> np.ndarray:
        targets = self._columns.targets
        return targets if self._slots is None else targets[self._slots]

    def __len__(self) -> int:
        return len(self._columns.rows) if self._slots is None else len(self._slots)

    def __getitem__(self, index: int) -> Entry:
        slot = index if self._slots is None else int(self._slots[index])
        return self._columns.entry(slot)

    def __iter__(self) -> Iterator[Entry]:
        slots = range(len(self._columns.rows)) if self._slots is None else self._slots.tolist()
        entry = self._columns.entry
        return (entry(slot) for slot in slots)


@dataclass
class Stats:
    """What the last corpus stage did; tests and the benchmark read it."""

    targets: int = 0
    corpus_files: int = 0  # corpus files besides the targets
    unchanged: int = 0  # of those, trusted from the cache without reading them
    analysed: int = 0  # of those, read and hashed in this run
    from_cache: int = 0  # files read in this run whose features came from the cache
    candidates: int = 0  # candidate pairs from the LSH bands
    verified: int = 0  # pairs whose exact Jaccard was computed
    bands: tuple[int, int] = (0, 0)
    clusters: int = 0  # duplicate clusters formed
    cluster_seconds: float = 0.0  # time spent forming them (the benchmark quotes it)
    reused: bool = False  # the findings of a run over the same files, from the cache
    notes: list[str] = field(default_factory=list)


last_stats = Stats()


def check_corpus(
    *,
    targets: dict[Path, Features],
    corpus_roots: list[Path] | None,
    rules: list[CorpusRule],
    job: Job,
    settings: Settings,
    options: Options,
    result: Result,
    walk: CorpusWalk | None = None,
    cache: SignatureCache | None = None,
    finish: Callable[[SignatureCache], None] | None = None,
) -> list[Diagnostic]:
    """The stage, with the run's cache (opened by the engine; None: without a cache). The
    cache is closed here, and rebuilt if it proves damaged; `finish(cache)` is called before,
    when the stage went well (the engine stores its results then). The features of `targets`
    that the workers left to the cache (`IN_CACHE`) are replaced by the complete ones before
    `finish`; the table is emptied when the stage is done (`FeatureTable.release`)."""
    global last_stats
    last_stats = Stats()
    config = cache.config if cache is not None else config_key(settings.near_duplicate, job)

    def stage(cache: SignatureCache | None) -> tuple[_Stage, list[Diagnostic]]:
        global last_stats
        last_stats = Stats()
        checked = _Stage(targets, corpus_roots, rules, job, settings, options, cache, walk)
        return checked, checked.run()

    try:
        try:
            checked, diagnostics = stage(cache)
        except sqlite3.Error as exc:
            if cache is None:
                raise
            # A cache broken under our feet: a damaged one is rebuilt by this run; otherwise
            # (disk full, locked) the run finishes without it.
            cache.close()
            cache = SignatureCache.rebuilt(settings.cache_dir, config, exc, result.warnings)
            try:
                checked, diagnostics = stage(cache)
            except sqlite3.Error as exc:
                if cache is None:
                    raise
                result.warnings.append(
                    f"{settings.cache_dir}: cache error ({exc}); ran without the cache"
                )
                cache.close()
                cache = None
                checked, diagnostics = stage(None)
        if cache is not None and finish is not None:
            finish(cache)
    finally:
        if cache is not None:
            cache.close()
    result.errors += checked.errors
    result.warnings += checked.warnings
    if job.fix is not None and job.fix.unsafe:  # --fix --unsafe-fixes: redundant copies go
        from corpus_lint.dedup.removal import remove_redundant

        kept = remove_redundant(diagnostics, checked.shown, job, result)
        deleted = set(diagnostics) - set(kept)  # the findings of the documents deleted
        removed = {d.path for d in deleted}
        diagnostics = kept
        # Nor are a deleted document's other findings left (a fix run holds the per-document
        # ones in the result already, unpacked): reported, they failed a run that left a clean
        # tree.
        result.diagnostics[:] = [d for d in result.diagnostics if d.path not in removed]
        if checked.line_rules:
            from corpus_lint.dedup.lines import delete_repeated_lines

            codes = {rule.code for rule in checked.line_rules}
            # A deleted document's lines are gone with it. A near-copy removed (DUP004) held
            # its candidate lines for a text of its own, which BP005 counted, whichever rule
            # reported them there (each once a document); an exact copy (DUP003) held them
            # for its keeper's text, which is still counted.
            near = [checked.shown.get(d.path) for d in deleted if d.code == "DUP004"]
            rows = [e.row for e in near if e is not None and e.row >= 0]
            hashes, positions = checked.table.line_rows(rows)
            gone = Counter(h for h, _ in set(zip(hashes.tolist(), positions.tolist())))
            diagnostics = [d for d in diagnostics if not (d.path in removed and d.code in codes)]
            documents = {
                display(e.path): (Path(e.path), e.content)
                for e in checked.by_key.values()
                if e.target
            }
            relint = lint_for_fixes(job)
            diagnostics = delete_repeated_lines(
                diagnostics, documents, codes, job, result, relint, gone
            )
    # Nothing reads the features again (the engine's `finish` stored them): they go before
    # the engine sorts and reports the findings.
    rows = checked.table.size
    checked.table.release()
    if rows >= TRIM_FILES:
        release_freed_memory()
    return diagnostics


def cached_contents(cache: SignatureCache) -> frozenset[int]:
    """The contents whose features the cache holds for this configuration (none if the cache
    cannot be read: the stage then reports why)."""
    try:
        return cache.cached_contents()
    except sqlite3.Error:
        return frozenset()


def config_key(near: NearDuplicateSettings, job: Job) -> int:
    """A hash of everything a cached signature depends on besides the file's bytes: the
    shingle settings, and the rules that decide which lines are left out of the shingles with
    their pack data (and SRC001's, which DUP002 asks where a copy starts), never which rules
    the run selects."""
    packs = job.context.packs
    exclusion = job.exclusion or shingle_exclusion(job.rules, packs)
    codes = sorted({rule.code for rule in exclusion.rules} | {"SRC001"})
    described = repr(
        (
            __version__,
            near.shingle_size,
            near.num_perm,
            SEED,
            SCHEME,
            _lines_config(job),
            [(code, _described(packs.extensions.get(code))) for code in codes],
            sorted(packs.words.items()),
            [
                (r.code, sorted(r.phrases), r.pattern, r.scope, r.lines, r.family_templates)
                for r in exclusion.rules
                if isinstance(r, PackRule)
            ],
        )
    )
    return xxhash.xxh3_64_intdigest(described.encode()) - (1 << 63)


def _lines_config(job: Job) -> tuple:
    """What BP005's candidate lines depend on (`dedup.lines`): cached with the features."""
    if job.boilerplate is None:
        return ()
    from corpus_lint.dedup.lines import VERSION

    return (VERSION, job.boilerplate.max_length)


def _described(extension: Any) -> tuple:
    """A pack extension, the same in every process (sets sorted: string hashes vary)."""
    if extension is None:
        return ()
    return (
        sorted(extension.phrases),
        extension.patterns,
        [p.source for p in extension.user_patterns],
        extension.families,
    )


class _Stage:
    def __init__(self, targets, corpus_roots, rules, job, settings, options, cache, walk) -> None:
        # The duplicate rules (clusters), and the line rules (BP005: `dedup.lines`).
        self.codes = {rule.code: rule for rule in rules if not rule.needs_line_counts}
        self.line_rules = [rule for rule in rules if rule.needs_line_counts]
        self.job = job
        self.settings = settings
        self.options = options
        self.near = settings.near_duplicate
        self.cache: SignatureCache | None = cache
        self.similarities: list[tuple[int, int, float]] = []  # verified now, for the cache
        if not isinstance(targets, FeatureTable):
            table = FeatureTable()
            for path, features in targets.items():
                table[path] = features
            targets = table
        self.table = targets  # every file's features: the targets', then the corpus's
        self.by_key: dict[str, Entry] | None = None  # None: the entries are columns only
        if cache is None and job.fix is None and not corpus_roots and _only_targets(targets):
            # Nothing looks a file up by key: the entries are columns from the start, no
            # `Entry`, key or dict a file (25 MB at 100,000 files, and freed, the heap they
            # fragmented stayed: 13 MB of the cold run's peak).
            targets.forget_names()
            columns = _Columns.of_targets(targets)
            self.added = Entries(columns)
            self.entries = Entries(columns, _sorted_slots([order_of(p) for p in columns.paths]))
        else:
            self.by_key = self._targets_by_key(targets, cache)
            self.entries = Entries.of([], targets)  # sorted by path (`run`)
            self.added = self.entries  # by_key's entries once it is dropped (`_added`)
        self.targets = targets
        self.corpus_roots = corpus_roots
        self.walk: CorpusWalk | None = walk  # begun by the engine (`start_corpus_walk`)
        # The corpus as walked now (folder -> [(path, mtime_ns, size)]) and its folders' digests.
        self.folders: dict[str, Folder] = {}
        self.stale: set[str] = set()  # corpus files the cache cannot vouch for
        # Targets no longer compared (unreadable when their features were completed): still
        # targets for `_is_target`, which looks the others up in `by_key` (a set of every
        # target's key was 4 MB at 100,000 files).
        self.dropped_targets: set[str] = set()
        self._folder_stats: dict[str, dict[str, tuple[int, int]]] = {}
        self.trusted: set[str] = set()  # folders whose digest the cache holds
        self._wait_for_store: Callable[[], None] | None = None  # see `_begin_store`
        self._stop_store: Callable[[], None] = lambda: None
        self._read_here: list[Entry] | None = None  # see `_files_read`
        self.shown: dict[str, Entry] = {}  # the documents of clusters, by the path shown
        # Candidate pairs not verified: verified pairs had linked their documents (`_verify`).
        self.unverified: list[tuple[Entry, Entry]] = []
        # A step that needs no verified pair, run while the workers verify them (`run`).
        self.while_verifying: Callable[[], None] | None = None
        # Corpus folders and files that could not be read: the run reports them (exit 2), as
        # a whole-corpus run does, instead of saying that every file passed.
        self.errors: list[str] = []
        self.warnings: list[str] = []  # (a cache writer that died: the findings stand)

    # --- the stage ---------------------------------------------------------------------------

    def _targets_by_key(self, targets: FeatureTable, cache: SignatureCache | None) -> dict:
        """An `Entry` of each target, by key (its absolute path)."""
        by_key: dict[str, Entry] = {}
        absolute = FolderKeys()
        named: Iterable[tuple[Any, int]] = targets.named()
        if cache is None and _named_in_order(targets):
            # The index of rows by name (4 MB at 100,000 files) goes before the entries are
            # made, not after: with them, it was the stage's peak.
            targets.forget_names()
            named = ((path, row) for row, path in enumerate(targets.paths))
        with collector_paused():  # entries make no reference cycles (100,000 of them)
            for path, row in named:
                folder, name = split_path(os.fspath(path))
                prefix = absolute[folder]
                content = targets.content(row)
                key = prefix + name
                # Without a cache, the entry keeps its folder's key, shared (see `Entry.key`).
                shared = prefix if cache is None else key
                by_key[key] = Entry(shared, path, True, content, table=targets, row=row)
        if cache is None:  # the entries hold every row: only the result cache looks names up
            targets.forget_names()
        return by_key

    def run(self) -> list[Diagnostic]:
        last_stats.targets = len(self.added) if self.by_key is None else len(self.by_key)
        if self.by_key is not None:
            self._gather_corpus()
            self._features_from_cache()
            self._entries_in_order()
        # The entries live as long as the stage: out of the collector's sight (the full
        # collections its later objects set off each went over them: 0.4 s of a warm run).
        gc.freeze()
        stage = self._stage_key()
        diagnostics = self._stored_findings(stage)
        if diagnostics is not None:  # the same files as a run whose findings are stored
            self._store()  # files read again (touched, not changed) get their new stamps
            return diagnostics
        diagnostics = []
        try:
            if self.cache is not None and self.cache.stores_in_a_process():
                # Written from now on, beside the whole stage (a thread: once the stage's
                # workers are forked, `_pair_verifier`).
                self._begin_store()
            groups: list[list[Entry]] = []
            pairs: list[tuple[Entry, Entry, float]] = []
            self._trim()  # what the analysis and the keys dropped above freed
            if any(rule.needs_groups for rule in self.codes.values()):
                groups = self._exact_duplicates()
            lines: list[Diagnostic] | None = None

            def repeated_lines() -> None:
                nonlocal lines
                self._trim()
                lines = self._repeated_lines()

            if any(rule.needs_pairs for rule in self.codes.values()):
                self._trim()
                # BP005 needs no pair: its lines are counted while the workers verify them.
                self.while_verifying = repeated_lines if self.line_rules else None
                try:
                    pairs = self._near_duplicates(groups)
                finally:  # it holds the stage: a cycle, left for a collector the run pauses
                    self.while_verifying = None
            if self.codes:
                self._trim()
                diagnostics = self._clusters(groups, pairs)
            if self.line_rules:
                if lines is None:
                    repeated_lines()
                diagnostics += lines
        except sqlite3.Error:  # the stage is run again without the cache, forking workers:
            if self._wait_for_store is not None:  # no writer may be running then
                with suppress(sqlite3.Error, WorkersDied):
                    self._wait_for_store()
            raise
        except BaseException:  # Ctrl-C: what the writer had not committed is undone
            self._stop_store()
            raise
        # The files, features and bands of this run are written in the background (see
        # `_begin_store`) while the stage works; the pairs verified now, after.
        self._store()
        if self.cache is not None and self.similarities:
            self.cache.store((), (), similarities=sorted(self.similarities))
        if stage is not None and self.cache is not None:
            self._store_findings(stage, diagnostics)
        return diagnostics

    def _entries_in_order(self) -> None:
        """`entries` sorted by path, once every file is in `by_key`; without a cache or
        fixes, as columns (`by_key` dropped)."""
        added = list(self.by_key.values())
        ordered = sorted(added, key=attrgetter("order"))
        slot_of_row = None
        if self.cache is None and self.job.fix is None:
            slot_of_row = _slots_by_row(added, self.table.size)
        if slot_of_row is not None:
            # Only the cache looks files up by key from now on: the keys (a string a file,
            # see `Entry.key`) and their dict go (14 MB at 100,000 files); and the entries
            # become columns (`Entries`), made again only for the files compared.
            self.by_key = None
            columns = _Columns(added, self.table, keep=False)
            self.added = Entries(columns)
            sorted_rows = np.fromiter((e.row for e in ordered), np.int64, len(ordered))
            del added, ordered  # the entries go now
            self.entries = Entries(columns, slot_of_row[sorted_rows])
        else:  # the entries kept (`by_key` holds them)
            self.entries = Entries.of(ordered, self.table)

    def _trim(self) -> None:
        """Between the steps of a stage over many files: the memory each step freed, which
        the C allocator keeps, handed back to the system (see `release_freed_memory`)."""
        if len(self.entries) >= TRIM_FILES:
            release_freed_memory()

    # --- the stage's findings, reused while its files are the same ---------------------------

    def _stage_key(self) -> int | None:
        """The key of this stage's findings in the cache (`results.stage_key`); None when they
        are not stored: without a cache, with fixes (they change files), for few files."""
        if (
            self.cache is None
            or self.job.fix is not None
            or len(self.entries) < MIN_FILES_TO_STORE_FINDINGS
        ):
            return None
        from corpus_lint.results import run_key, stage_key

        rules = (*self.job.rules, *self.codes.values(), *self.line_rules)
        run = run_key(rules, self.job.context.packs, self.settings, self.cache.config)
        entries = self.entries
        files = (
            [e.key for e in entries],
            [e.order for e in entries],
            [e.target for e in entries],
            array("q", (e.content for e in entries)),  # not an int object a file (3.6 MB)
        )
        folders = ((folder, walked.digest) for folder, walked in self.folders.items())
        return stage_key(run, self.near, self.corpus_roots, files, folders)

    def _stored_findings(self, stage: int | None) -> list[Diagnostic] | None:
        """The findings stored under `stage`, with the counts `last_stats` had then."""
        if stage is None:
            return None
        from corpus_lint.results import decode_findings

        data = self.cache.stage_findings(stage)
        decoded = None if data is None else decode_findings(data)
        if decoded is None:
            return None
        diagnostics, (candidates, bands, clusters) = decoded
        last_stats.candidates, last_stats.bands, last_stats.clusters = candidates, bands, clusters
        last_stats.reused = True
        return diagnostics

    def _store_findings(self, stage: int, diagnostics: list[Diagnostic]) -> None:
        from corpus_lint.results import encode_findings

        stats = (last_stats.candidates, last_stats.bands, last_stats.clusters)  # marshal: tuples
        self.cache.store_stage_findings(stage, encode_findings(diagnostics, stats))

    def _features_from_cache(self) -> None:
        """The features that the workers left to the cache (`IN_CACHE`), of targets and of
        corpus files read in this run; computed now for any the cache no longer holds
        (another run rebuilt it meanwhile)."""
        table = self.table
        left = [e for e in self.by_key.values() if table.shingles(e.row) == IN_CACHE]
        if not left:
            return
        found = self.cache.features({e.content for e in left}) if self.cache else {}
        missing = []
        for entry in left:
            cached = found.get(entry.content)
            if cached is None:
                missing.append(entry)
                continue
            read = entry.features
            last_stats.from_cache += 1
            entry.features = cached._replace(
                title_length=read.title_length,
                mtime_ns=read.mtime_ns,
                size=read.size,
                findings=read.findings,
                has_source=read.has_source,
                lines=read.lines,
                line_texts=read.line_texts,
            )  # the engine's row: complete in its results too (the result cache)
        if missing:
            from dataclasses import replace

            job = replace(self.job, cached_contents=frozenset())
            with Progress("Hashing", len(missing), enabled=self.options.progress) as progress:
                items = [(Path(entry.path), False) for entry in missing]
                for entry, result in zip(missing, analyze_all(items, job, self.options, progress)):
                    if result.features is None:  # unreadable now: no longer compared
                        del self.by_key[entry.key]
                        self.dropped_targets.add(entry.key)
                    else:
                        entry.features, entry.content = result.features, result.features.content

    def _gather_corpus(self) -> None:
        """Add every corpus file besides the targets: trusted from the cache, or analysed.

        Unchanged files (same path, mtime and size as when the cache saw them) stay in the
        cache's `present` table; they become entries only when a look-up finds them.
        """
        if not self.corpus_roots:
            return
        from corpus_lint.files import walk_folder

        # A target is keyed by the name the walk gives its file, which follows no link below
        # a root: a target named through a link (to it, or to a folder above it) would
        # otherwise be its own duplicate. Its real path is looked up per folder, not per
        # file (100,000 files).
        roots = [(os.path.realpath(root), os.path.abspath(root)) for root in self.corpus_roots]
        by_folder: dict[str, list[Entry]] = {}
        for entry in self.by_key.values():
            by_folder.setdefault(os.path.dirname(entry.key), []).append(entry)
        for folder, entries in by_folder.items():
            real_folder = os.path.realpath(folder)
            links = _links_among(real_folder, [os.path.basename(e.key) for e in entries])
            for entry in entries:
                name = os.path.basename(entry.key)
                real = os.path.join(real_folder, name)
                if name in links:
                    real = os.path.realpath(real)
                walked = _walk_names(real, roots)
                key = entry.key if entry.key in walked else (walked[0] if walked else real)
                if key != entry.key and key not in self.by_key:
                    self.by_key[key] = self.by_key.pop(entry.key)
                    entry.key = key
        known = self.cache.folder_digests() if self.cache is not None else {}
        target_folders = {os.path.dirname(key) for key in self.by_key}
        if self.walk is None:
            digests = {folder: {digest} for folder, digest in known.items()}
            self.walk = CorpusWalk(self.corpus_roots, self.settings, digests, self.options.workers)

        def to_check(folders: dict[str, Folder]) -> list[tuple[str, int, int]]:
            """The rows of the folders the cache does not vouch for, but the targets'."""
            for folder, walked in folders.items():
                # A walk begun before this configuration was known left out the rows of
                # folders another configuration's cache vouches for (or a cache lost since).
                if walked.rows is None and known.get(folder) != walked.digest:
                    folders[folder] = walk_folder(folder, self.settings, self.errors)
            return [
                row
                for folder, walked in folders.items()
                if known.get(folder) != walked.digest
                and not (
                    folder in target_folders and self._known_but_targets(walked, known.get(folder))
                )
                for row in walked.rows or ()
                if row[0] not in self.by_key  # (it holds only the targets yet)
            ]

        # The folders walked by this process (the targets' own: see `engine._corpus_walk`)
        # are looked up while the workers walk the others, not after (0.01 s of the tail of
        # a pre-commit run over 100,000 files).
        early = self.walk.walked_here() if self.cache is not None else {}
        stale = self.cache.stale(to_check(early)) if early and self.cache is not None else set()
        self.folders = {**self.walk.result(), **early}
        self.errors += self.walk.errors
        rest = {f: walked for f, walked in self.folders.items() if f not in early}
        rows = to_check(rest)
        self.folders.update(rest)
        self.trusted = {f for f, walked in self.folders.items() if known.get(f) == walked.digest}
        total = sum(walked.count for walked in self.folders.values())
        last_stats.corpus_files = total - self._walked_targets()
        if self.cache is not None:
            self.stale = stale | self.cache.stale(rows)
        else:
            self.stale = {path for path, _, _ in rows}
            # Without a cache, nothing looks the walk's rows up again (`_present_stat`, the
            # folders stored): a tuple and a string a file, gone before the comparisons.
            for folder, walked in self.folders.items():
                self.folders[folder] = walked._replace(rows=None)
        del rows
        missing = [Path(key) for key in sorted(self.stale)]
        last_stats.unchanged = last_stats.corpus_files - len(missing)
        if not missing:
            return
        last_stats.analysed = len(missing)
        with Progress("Hashing corpus", len(missing), enabled=self.options.progress) as progress:
            items = [(path, False) for path in missing]
            results = analyze_all(items, self.job, self.options, progress)
            for path, file_result in zip(missing, results):  # in order: `missing`'s own paths
                features = file_result.features
                if file_result.error:  # unreadable (a binary file, skipped, is left out)
                    self.errors.append(file_result.error)
                if features is not None:
                    key = str(path)
                    entry = Entry(key, path, False, features.content, features, self.table)
                    self.by_key[key] = entry

    def _known_but_targets(self, walked: Folder, digest: int | None) -> bool:
        """Is the folder as the cache saw it when it stored `digest`, but for its targets (a
        pre-commit run's edited files)? The digest is made again with each target's row as
        the `files` table holds it (none for a new file): the same digest proves every other
        file of the folder unchanged since, and they need no look-up each (a target's folder
        of 1,000 files: about 20 ms of a pre-commit run's CPU). Else they are looked up."""
        rows = walked.rows or []
        targets = [path for path, _, _ in rows if path in self.by_key]
        if digest is None or not targets or self.cache is None:
            return False
        recorded = self.cache.recorded(targets)
        as_seen = [
            row if row[0] not in recorded else (row[0], *recorded[row[0]][:2])
            for row in rows
            if row[0] not in self.by_key or row[0] in recorded
        ]
        return folder_digest(as_seen) == digest

    def _added(self) -> Entries:
        """The entries in the order they were added (the targets first)."""
        if self.by_key is None:
            return self.added
        return Entries.of(list(self.by_key.values()), self.table)

    def _is_target(self, key: str) -> bool:
        entry = self.by_key.get(key)
        return (entry is not None and entry.target) or key in self.dropped_targets

    def _walked_targets(self) -> int:
        """How many targets the walk found (one in a folder as the cache saw it was read now),
        without a table of every file's stat (`_present_stat`)."""
        targets = self.by_key  # (it holds only the targets yet)
        found = sum(
            1
            for walked in self.folders.values()
            if walked.rows is not None
            for path, _, _ in walked.rows
            if path in targets
        )
        unlisted = {folder for folder, walked in self.folders.items() if walked.rows is None}
        if unlisted:
            found += sum(1 for key in targets if os.path.dirname(key) in unlisted)
        return found

    def _present_stat(self, key: str) -> tuple[int, int] | None:
        """(stamp, size) of a corpus file as walked now (see `files.identity`); None if the walk
        did not find it."""
        folder = os.path.dirname(key)
        stats = self._folder_stats.get(folder)
        if stats is None:
            walked = self.folders.get(folder)
            if walked is not None and walked.rows is None:  # as the cache saw it: stat one
                # The cache's `files` rows outlive a change of `include` or `exclude` (they
                # are kept for any configuration): one left out now is no corpus file.
                if is_excluded(Path(key), self.settings) or not is_included(
                    Path(key), self.settings
                ):
                    return None
                try:
                    info = os.lstat(key)
                except OSError:
                    return None
                return identity(info)
            rows = walked.rows if walked is not None else ()
            stats = self._folder_stats[folder] = {path: (m, size) for path, m, size in rows}
        return stats.get(key)

    def _unchanged(self, contents: set[int]) -> list[Entry]:
        """Entries, with their cached features, for the unchanged files with these contents."""
        if not contents or self.cache is None or not last_stats.unchanged:
            return []
        found: list[Entry] = []
        added: list[Entry] = []
        for key, mtime, size, content in self.cache.files_with(contents):
            if self._is_target(key) or key in self.stale:
                continue
            if self._present_stat(key) != (mtime, size):
                continue
            entry = self.by_key.get(key)
            if entry is None:
                entry = Entry(key, Path(key), False, content, table=self.table)
                self.by_key[key] = entry
                added.append(entry)
            if not entry.target and entry.content == content:
                found.append(entry)
        if added:
            self._load(added)
            ordered = sorted(self.by_key.values(), key=lambda e: e.order)
            self.entries = Entries.of(ordered, self.table)
        return found

    def _load(self, entries: list[Entry]) -> None:
        """Read the cached features of unchanged files that a look-up needs."""
        wanted = [e for e in entries if not e.loaded]
        if not wanted or self.cache is None:
            return
        found = self.cache.features({e.content for e in wanted})
        for entry in wanted:
            entry.features = found.get(entry.content)

    # --- DUP003 ------------------------------------------------------------------------------

    def _exact_duplicates(self) -> list[list[Entry]]:
        """Groups of files with the same normalised text (as groups: never all their pairs,
        which thousands of copies of one page would make millions)."""
        if self.cache is not None and last_stats.unchanged:
            table = self.table
            target_texts = {
                table.text_hash(e.row)
                for e in self.entries
                if e.target and e.loaded and table.text_hash(e.row) is not None
            }
            if target_texts:
                self._unchanged(self.cache.contents_with_text(target_texts))
        return same_text_groups(self.entries)

    # --- BP005 -------------------------------------------------------------------------------

    def _repeated_lines(self) -> list[Diagnostic]:
        """The targets' candidate lines held by enough documents (`dedup.lines`): counted
        over the files read in this run and, in a changed-files run, the unchanged files
        whose cached line hashes hold one of the targets' lines."""
        from corpus_lint.dedup.lines import diagnostics_of, documents_per_line, text_id

        table = self.table
        added = self._added()  # (columns: no `Entry` made but of documents reported)
        targets = added.subset(added.targets & (added.rows >= 0))
        read = added.subset(table.lined_rows(added.rows))
        # Read from the table's columns (`holder_rows` of every file's features, as columns).
        read_rows = read.rows
        hashes, positions = table.line_rows(read_rows)
        ids = table.text_ids(read_rows)[positions]
        # The targets' lines are counted (when only targets were read, every line read).
        only_targets = bool(read.targets.all())
        target_lines = table.line_rows(targets.rows)
        wanted = sorted_distinct(hashes if only_targets else target_lines[0])
        if not len(wanted):
            return []
        if self.cache is not None and last_stats.unchanged:
            only_targets = False
            held: dict[int, list[int]] = {}
            for digest, content in self.cache.line_holders(wanted.tolist()):
                held.setdefault(content, []).append(digest)
            extra_hashes, extra_ids = [hashes], [ids]
            for entry in self._unchanged(set(held)):
                if entry.loaded and not table.lines_computed(entry.row):
                    features = table.at(entry.row, signature=False)
                    extra_hashes.append(np.array(held[entry.content], dtype=np.int64))
                    extra_ids.append(np.full(len(held[entry.content]), text_id(features)))
            hashes, ids = np.concatenate(extra_hashes), np.concatenate(extra_ids).astype(np.int64)
        counts = documents_per_line(hashes, ids, None if only_targets else wanted)
        documents = _Documents(targets)  # each materialised when needed: most never are
        minimum = self.settings.boilerplate.min_documents
        return diagnostics_of(self.line_rules, documents, counts, minimum, display, target_lines)

    # --- DUP004 ------------------------------------------------------------------------------

    def _near_duplicates(self, groups: list[list[Entry]]) -> list[tuple[Entry, Entry, float]]:
        """Every candidate pair verified: (a, b, exact Jaccard), at the threshold or not;
        `while_verifying` is called as the workers verify them (see `_verify`). `groups`:
        DUP003's same-text groups, each banded as one document (`_banded`)."""
        bands, rows = self._lsh_params()
        last_stats.bands = (bands, rows)
        salt = band_salt(self.config_salt, bands, rows)
        loaded = self.entries.subset(self._banded(groups))
        first, second = _band_pairs(loaded, bands, rows, salt)  # positions in `loaded`
        self._trim()  # the band keys' arrays
        targets = loaded.targets
        by_target = targets[first] | targets[second]
        # Pairs of two files that are not targets (a changed-files run's corpus files read
        # now): only those in a target's component are verified (`_rest_of_components`).
        corpus_pairs = first[~by_target], second[~by_target]
        first, second = first[by_target], second[by_target]
        # Pairs of the cache's files with targets (a changed-files run), beside the pairs of
        # the files loaded, which are in order already (positions in path order, i < j).
        cached = self._cached_candidates(loaded, bands, rows, salt)
        if cached:
            cached -= {(loaded[i], loaded[j]) for i, j in zip(first.tolist(), second.tolist())}
        last_stats.candidates = len(first) + len(cached)
        floor = prune_floor(self.near.threshold, self.near.num_perm)
        # From the table's columns, a block of pairs at a time: no object a pair (a set and a
        # sort of 499,500 pairs of objects were a third of the stage for 1,000 alike files).
        table, at = self.table, loaded.rows
        worth = np.zeros(len(first), dtype=bool)
        for start in range(0, len(first), REREAD_FILES * 64):
            a, b = (at[side[start : start + REREAD_FILES * 64]] for side in (first, second))
            worth[start : start + len(a)] = worth_verifying_rows(table, a, b, floor)
        first, second = first[worth], second[worth]
        entry = _entries_at(loaded, np.concatenate([first, second]))
        pairs = [(entry[i], entry[j]) for i, j in zip(first.tolist(), second.tolist())]
        if cached:
            others = list(cached)
            a, b = (np.array([p[k].row for p in others], dtype=np.int64) for k in (0, 1))
            kept = worth_verifying_rows(table, a, b, floor).tolist()
            pairs += [p for p, verified in zip(others, kept) if verified]
            pairs.sort(key=lambda p: (p[0].order, p[1].order))
        found = self._verify(pairs, meanwhile=self.while_verifying, skip_linked=True)
        if cached or len(corpus_pairs[0]):
            position = {e: i for i, e in entry.items()}
            found += self._rest_of_components(
                found, bands, rows, salt, loaded, position, corpus_pairs
            )
        return found

    def _rest_of_components(
        self,
        found: list[tuple[Entry, Entry, float]],
        bands: int,
        rows: int,
        salt: int,
        loaded: Entries,
        position: dict[Entry, int],
        corpus_pairs: tuple[np.ndarray, np.ndarray],
    ) -> list[tuple[Entry, Entry, float]]:
        """A changed-files run's pairs among the corpus files its targets are alike to, and
        theirs, to the whole of their components: a target's cluster is formed as in a
        whole-corpus run, where whether its neighbour is itself a better file's copy decides
        it (k~a, a~x, k not like x: a is k's copy, and x in no cluster). Candidates from the
        cache's band table (unchanged files, their similarities mostly from its verified
        pairs) and from the band pairs of the files read now (`corpus_pairs`: positions in
        `loaded`, which `position` gives of the entries made)."""
        threshold = self.near.threshold
        near: dict[int, list[int]] = {}
        for i, j in zip(*(side.tolist() for side in corpus_pairs)):
            near.setdefault(i, []).append(j)
            near.setdefault(j, []).append(i)

        def read_now(e: Entry) -> list[tuple[Entry, Entry]]:
            pairs = []
            for j in near.get(position.get(e, -1), ()):
                other = loaded[j]
                position[other] = j
                pairs.append((e, other) if e.order < other.order else (other, e))
            return pairs

        known = {(a, b) for a, b, _ in found}
        alike = [(a, b) for a, b, s in found if s is not None and s >= threshold]
        frontier = {e for pair in alike for e in pair if not e.target}
        expanded: set[Entry] = set()
        more: list[tuple[Entry, Entry, float]] = []
        while frontier:
            if len(expanded) + len(frontier) > MAX_COMPONENT_FILES:
                self.errors.append(
                    f"the duplicate cluster of {display(Path(next(iter(frontier)).path))} "
                    f"reaches more than {MAX_COMPONENT_FILES} unchanged files: run a "
                    "whole-corpus check to form it"
                )
                break
            expanded |= frontier
            ends = [e for e in frontier if e.signed]
            candidates = self._cached_candidates(ends, bands, rows, salt, ends=True)
            candidates.update(p for e in frontier for p in read_now(e))
            pairs = sorted(candidates - known, key=lambda p: (p[0].order, p[1].order))
            known.update(pairs)
            verified = self._verify(pairs, parallel=False)
            more += verified
            frontier = {
                e
                for a, b, s in verified
                if s is not None and s >= threshold
                for e in (a, b)
                if not e.target and e not in expanded
            }
        return more

    def _banded(self, groups: list[list[Entry]]) -> np.ndarray:
        """Which entries go into the LSH bands: those with a signature, but of the files of a
        same-text group with the same bytes only one, a target where one is. Copies pair
        with everything as it does (3,000 copies of one error page made 4.5 million
        candidate pairs: 4 minutes, 1.6 GB), and a pair with it stands for them all: the
        clusters link a group as a whole and verify a keeper's own pairs. Only equal bytes
        are folded: equal texts may differ in their shingles (NFC and NFD, lines wrapped
        elsewhere), equal bytes have the same features. A copy an allow-list names stays
        and stands for no other (an allowed pair links nothing): its pairs judge the entry."""
        rows = self.entries.rows
        banded = self.table.signed_rows(rows)
        named = self._allowed(e for group in groups for e in group).of  # doc -> its entries
        copies = []
        for group in groups:
            kept: set[int] = set()  # contents banded
            for e in sorted(group, key=lambda e: not e.target):  # a target first
                if e in named:
                    continue
                if e.content in kept:
                    copies.append(e.row)
                kept.add(e.content)
        if copies:
            banded &= ~np.isin(rows, copies)
        return banded

    def _verify(
        self,
        pairs: list[tuple[Entry, Entry]],
        parallel: bool = True,
        meanwhile: Callable[[], None] | None = None,
        skip_linked: bool = False,
    ) -> list[tuple[Entry, Entry, float]]:
        """The exact Jaccard of each pair whose files are unchanged: from the cache when a
        pair of contents was verified before, else from both files reread now (by worker
        processes when there are many and `parallel`). `meanwhile` is called once every
        batch is queued, before the first result is awaited: it runs as the workers work.

        With `skip_linked`, a spanning forest of the pairs is verified first, then only the
        pairs whose documents the pairs found alike do not link yet; the others are left in
        `unverified` for the clusters (`clusters.spanning_pairs`, `split_linked`). Pairs the
        cache links already are left out of the forest too: after an edit of one of 1,000
        alike files, its pairs are verified, not a new forest of them all."""
        found: list[tuple[Entry, Entry, float]] = []
        reread: list[tuple[Entry, Entry]] = pairs
        known = self.cache.similarities() if self.cache is not None and pairs else None
        if known:  # a pair of contents is verified once, then cached
            reread = []
            content = {e: e.content for e in {e for pair in pairs for e in pair}}  # once each
            for a, b in pairs:
                x, y = content[a], content[b]
                similarity = known.get((x, y) if x < y else (y, x))
                if similarity is None:
                    reread.append((a, b))
                else:
                    found.append((a, b, similarity))
        later: list[tuple[Entry, Entry]] = []
        if skip_linked:
            reread, later = spanning_pairs(reread, self._links(found, reread))
        files = len({e for pair in reread for e in pair}) if parallel else 1
        verifying = Progress(
            "Verifying", len(reread) + len(later), self.options.progress and parallel, unit="pairs"
        )
        with verifying, self._pair_verifier(files, meanwhile) as verify:
            verifying.advance(0)
            self._gather(verify, reread, found, verifying)
            if later:
                linked, later = split_linked(later, self._links(found, later))
                if self.near.allow:  # verified all the same: the allow-list's stale check
                    allowed = self._allowed({e for pair in linked for e in pair}).pair
                    later += [(a, b) for a, b in linked if allowed(a, b)]
                    linked = [(a, b) for a, b in linked if not allowed(a, b)]
                self.unverified = linked
                verifying.advance(len(linked))
                self._gather(verify, later, found, verifying)
        return found

    def _judges_allow_list(self) -> bool:
        """Whether this run can tell an allow-list entry is stale: only when the near pairs
        were sought (DUP004 runs): without them an entry of two near copies looks stale."""
        return any(rule.needs_pairs for rule in self.codes.values())

    def _links(
        self, found: list[tuple[Entry, Entry, float]], pairs: list[tuple[Entry, Entry]]
    ) -> list[tuple[Entry, Entry]]:
        """The pairs of `found` alike enough to link their documents in a cluster: an allowed
        pair links nothing (`pairs`: the others whose documents the allow-list may name)."""
        threshold = self.near.threshold
        links = [(a, b) for a, b, s in found if s >= threshold]
        if not self.near.allow:
            return links
        docs = {e for pair in pairs for e in pair}
        docs.update(e for pair in links for e in pair)
        allowed = self._allowed(docs).pair
        return [(a, b) for a, b in links if not allowed(a, b)]

    def _gather(
        self,
        verify: Callable,
        pairs: list[tuple[Entry, Entry]],
        found: list[tuple[Entry, Entry, float]],
        verifying: Progress,
    ) -> None:
        """Verify `pairs` with `verify` (`_pair_verifier`) into `found`."""
        # Each batch is queued to the workers as it is made; each rereads its files and
        # compares its pairs there, so this process only gathers the values.
        for batch, similarities in verify(_verify_batches(pairs)):
            for (a, b), similarity in zip(batch, similarities):
                if similarity is not None:
                    last_stats.verified += 1
                    found.append((a, b, similarity))
                    if self.cache is not None:  # (only the cache keeps them)
                        self.similarities.append((*_content_pair(a, b), similarity))
            verifying.advance(len(batch))

    def _allowed(self, docs: Iterable[Entry]) -> Allowed:
        """The allow-list's entries over `docs` (each named by its key, its absolute path and
        where it really is, looked up only when there is an allow-list: 0.3 s of a cold run
        over 100,000 files)."""
        if not self.near.allow:
            return Allowed((), {})
        names = {e: (e.key, os.path.abspath(e.path), os.path.realpath(e.path)) for e in docs}
        return Allowed(self.near.allow, names)

    # --- clusters ----------------------------------------------------------------------------

    def _clusters(
        self, groups: list[list[Entry]], pairs: list[tuple[Entry, Entry, float]]
    ) -> list[Diagnostic]:
        """The clusters of the documents found alike (`dedup.clusters`), reported on their
        redundant documents; only clusters holding a target are reported."""
        started = time.perf_counter()
        try:
            return self._form_clusters(groups, pairs)
        finally:
            last_stats.cluster_seconds = time.perf_counter() - started

    def _form_clusters(
        self, groups: list[list[Entry]], pairs: list[tuple[Entry, Entry, float]]
    ) -> list[Diagnostic]:
        from corpus_lint.dedup.clusters import form_clusters

        docs = {e for group in groups for e in group}
        docs.update(e for a, b, _ in pairs for e in (a, b))
        if not docs and not self.near.allow:
            return []
        # Their features without their signatures: a read of the temporary file and a 545-byte
        # string of each of the 35,000 documents in clusters of 100,000 files, which the C
        # allocator kept (8 MB of a cold run's peak).
        # Each read once (not once to find those to complete, then again), none held.
        display = PathDisplay()
        shown: dict[Entry, Shown] = {}
        incomplete = []
        for e in docs:
            features = e.unsigned()
            if features.findings is None:
                incomplete.append(e)
            else:
                shown[e] = shown_of(display(e.path), os.path.abspath(e.path), e.content, features)
        self._complete_keeping(incomplete)
        shown.update(
            (e, shown_of(display(e.path), os.path.abspath(e.path), e.content, e.unsigned()))
            for e in incomplete
        )
        ranks = {e: rank(self.near.keep, shown[e].keeping) for e in docs}
        # A file compared with the corpus from outside it keeps no corpus file: the corpus
        # configured, whether or not this run walks it (paths given that cover it).
        roots = self.corpus_roots or self.settings.corpus
        if roots:  # (the keys made for it not held while clusters form: 3 MB of the peak)
            outside = outside_corpus(
                {e: e.key for e in docs if e.target}, roots, self.settings.root
            )
            ranks = {e: (e in outside, *key) for e, key in ranks.items()}
        allow = self._allowed(docs)

        def verify(needed: list[tuple[Entry, Entry]]) -> dict:
            found = {(a, b): None for a, b in needed}
            # In this process: the cache's writer thread may be running, so nothing is forked.
            found.update(((a, b), s) for a, b, s in self._verify(needed, parallel=False))
            return found

        threshold = self.near.threshold
        clusters = form_clusters(ranks, pairs, groups, threshold, verify, allow, self.unverified)
        last_stats.clusters = len(clusters)
        # A changed-files run judges only the entries that name one of its files.
        judged = None
        if last_stats.corpus_files and self.near.allow:  # (only an allow-list's entries)
            targets = [e for e in self._added() if e.target]
            judged = {e.key for e in targets} | {os.path.abspath(e.path) for e in targets}
        stale = allow.stale(pairs, groups, threshold, judged) if self._judges_allow_list() else []
        diagnostics = cluster_diagnostics(
            clusters, shown, self.codes, self.near, lambda e: e.target, stale
        )
        self.shown = {shown[e].path: e for e in docs}
        return diagnostics

    def _complete_keeping(self, entries: list[Entry]) -> None:
        """What the keeper policy needs of files whose features came from the cache (their
        findings are not cached): they are linted again, a few files of a changed-files run."""
        if not entries:
            return
        from dataclasses import replace

        # In this process: the cache's writer thread may be running, so nothing is forked.
        items = [(Path(entry.path), True) for entry in entries]
        job = replace(self.job, fix=None)  # read only: these files are not the targets
        for entry, result in zip(entries, analyze_many(items, job)):
            if result.features is None:  # unreadable now: ranked as the worst copy
                entry.features = entry.features._replace(findings=1 << 30, has_source=False)
                continue
            found = result.findings  # (`analyze_many` here gives objects; a worker, rows)
            entry.features = entry.features._replace(
                findings=len(found),
                has_source=not any(d.code == "SRC001" for d in found),
                title_length=result.features.title_length,  # not cached: where it points
            )

    @property
    def config_salt(self) -> int:
        return self.cache.config if self.cache else config_key(self.near, self.job)

    def _lsh_params(self) -> tuple[int, int]:
        """The banding for the threshold; memoised in the cache (choosing it takes 0.1 s)."""
        key = f"lsh:{self.near.threshold!r}:{self.near.num_perm}:{MIN_CANDIDATE_PROBABILITY!r}"
        if self.cache is not None:
            value = self.cache.get_meta(key)
            if value:
                bands, rows = value.split(",")
                return int(bands), int(rows)
        bands, rows = lsh_params(self.near.threshold, self.near.num_perm)
        if self.cache is not None:
            self.cache.set_meta(key, f"{bands},{rows}")
        return bands, rows

    def _cached_candidates(
        self, loaded: list[Entry], bands: int, rows: int, salt: int, ends: bool = False
    ) -> set[tuple[Entry, Entry]]:
        """Pairs of a target and an unchanged file, from the cache's band table; with `ends`,
        of any of `loaded` (signed entries) and an unchanged file."""
        if not last_stats.unchanged or self.cache is None:
            return set()
        targets = [e for e in loaded if e.target or ends]
        if not targets:
            return set()
        num_perm = self.near.num_perm
        self.cache.ensure_banding(
            salt, lambda signed: signature_band_keys(signed, bands, rows, salt, num_perm)
        )
        keys = entry_band_keys(targets, bands, rows, salt)
        by_key: dict[int, list[Entry]] = {}
        for entry, entry_keys in zip(targets, keys.tolist()):
            for key in entry_keys:
                by_key.setdefault(key, []).append(entry)
        matches = self.cache.band_matches(by_key)
        by_content: dict[int, list[Entry]] = {}
        for entry in self._unchanged({content for _, content in matches}):
            by_content.setdefault(entry.content, []).append(entry)
        pairs = set()
        for key, content in matches:
            for other in by_content.get(content, ()):
                if not other.signed:
                    continue
                for target in by_key[key]:
                    if target is not other:  # (an end is one of the unchanged files)
                        pairs.add(
                            (target, other) if target.order < other.order else (other, target)
                        )
        return pairs

    @contextmanager
    def _pair_verifier(self, files: int, meanwhile: Callable[[], None] | None) -> Iterator[Any]:
        """A function that gives, for each batch of pairs with their files, the exact Jaccard
        of its pairs (`batch_similarities`): in worker processes, started once for all the
        batches, when there are many files."""
        size = self.near.shingle_size
        workers = worker_count(files, self.options)
        with ExitStack() as stack:
            mapper: Any = map
            if workers > 1:
                # Imported here: a pre-commit run, which rereads a few files, needs no
                # process pool (multiprocessing, concurrent.futures: 12 ms of its start-up).
                from corpus_lint.parallel import process_pool

                pool = stack.enter_context(process_pool(workers))  # forked now: before a thread
                mapper = pool.map
            self._begin_store()

            def verify(
                batches: Iterable[tuple[list[tuple[Entry, Entry]], list[Entry]]],
            ) -> Iterator:
                """(pairs, their similarities) of each batch, in order: each batch queued to
                the workers as soon as it is made (they start on the first while the parent
                makes the next)."""
                nonlocal meanwhile
                made: deque[list[tuple[Entry, Entry]]] = deque()

                def work() -> Iterator[tuple[list, list[tuple[int, int]]]]:
                    for batch, entries in batches:
                        made.append(batch)
                        index = {e: i for i, e in enumerate(entries)}
                        files = [
                            (os.fspath(e.path), e.content, e.unsigned().excluded) for e in entries
                        ]
                        yield files, [(index[a], index[b]) for a, b in batch]

                results = mapper(batch_similarities, work(), repeat(size))
                if meanwhile is not None:  # once, with the first pairs
                    meanwhile, run = None, meanwhile
                    run()
                for similarities in results:
                    yield made.popleft(), similarities

            yield verify

    # --- cache -------------------------------------------------------------------------------

    def _store(self) -> None:
        """Write what this run learnt of its files: wait for the write `_begin_store` began,
        or make it now, in this process (nothing to do meanwhile: a process forked for it
        cost a run that reuses the stage's findings 0.05-0.1 s)."""
        if self._wait_for_store is None:
            self._begin_store(background=False)
        if self._wait_for_store is None:
            return
        try:
            self._wait_for_store()
        except WorkersDied:  # SQLite undid what it had not committed: the cache is as it was
            self.warnings.append(
                f"{self.settings.cache_dir}: this run's files were not cached: the process "
                "writing them died (killed, or out of memory?); the next run reads them again"
            )
            self.cache = None  # nothing more of this run is stored

    def _begin_store(self, background: bool = True) -> None:
        """Start writing what this run learnt of its files, once (see `run`); not
        `background`: write it before returning."""
        if self.cache is None or self._wait_for_store is not None:
            return
        table = self.table
        fresh = self._files_read()
        if background and len(fresh) < MIN_FILES_TO_WRITE_APART:
            return  # written by `_store`, at the end
        bands, rows = self._lsh_params()  # memoised through this connection, not the writer's

        def prepare(writer: SignatureCache) -> tuple | None:
            files = writer.changed_rows(
                lambda: ((e.key, *table.stamp(e.row), e.content) for e in fresh), len(fresh)
            )
            first = next(files, None)  # any?
            files = chain([first], files) if first is not None else iter(())
            cached = writer.cached_among({e.content for e in fresh})
            new: dict[int, Entry] = {}
            for entry in fresh:
                if entry.content not in cached:
                    new.setdefault(entry.content, entry)
            signed = [e for e in new.values() if e.signed]
            band_rows = None
            salt = band_salt(self.config_salt, bands, rows)
            if signed:
                keys = entry_band_keys(signed, bands, rows, salt)
                contents = np.array([e.content for e in signed], dtype=np.int64)
                band_rows = (keys, contents)
            folders = [
                (folder, walked.digest)
                for folder, walked in self.folders.items()
                if folder not in self.trusted
                and all(
                    self._stored(path, mtime, size)
                    or not (self._is_target(path) or path in self.stale)
                    for path, mtime, size in walked.rows or ()
                )
            ]
            if not self.corpus_roots:  # the targets were the corpus: each folder as read
                known = writer.folder_digests()  # a run with nothing new writes nothing
                folders = [f for f in _folders_read(self.entries) if known.get(f[0]) != f[1]]
            if not (first or new or folders):
                return None
            # Materialised one at a time as they are written, not all at once.
            stored = sorted(new.values(), key=lambda e: e.content)
            features = table.cache_rows([e.row for e in stored])
            # The files in the entries' order (by path): no sorted copy of every row.
            return files, features, band_rows, folders, (), _line_rows(stored), salt

        if background:
            self._wait_for_store, self._stop_store = self.cache.store_in_background(prepare)
            return
        self._wait_for_store = lambda: None  # written (once: `_store` may come again)
        self.cache.store_apart(prepare)

    def _files_read(self) -> list[Entry]:
        """The entries of the files this run read (their rows hold a stamp): what it writes
        to the cache. Listed once: `_begin_store` may be asked up to three times a stage
        (at its start, once its workers are forked, at its end) and decline to begin."""
        if self._read_here is None:
            table = self.table
            self._read_here = [
                e for e in self.entries if e.loaded and table.stamp(e.row) is not None
            ]
        return self._read_here

    def _stored(self, key: str, mtime: int, size: int) -> bool:
        """Does this run store the file `key` with this stamp and size? (Looked up in
        `by_key`, not in a dict of every file's stamp: 16 MB for 100,000 files.)"""
        entry = self.by_key.get(key)
        return entry is not None and entry.loaded and entry.table.stamp(entry.row) == (mtime, size)


def _slots_by_row(entries: list[Entry], size: int) -> np.ndarray | None:
    """The position in `entries` of the entry of each row of a table of `size` rows (-1:
    none); None when some entry has no row or shares one (then a row names no entry)."""
    rows = np.fromiter((e.row for e in entries), np.int64, len(entries))
    if len(rows) and rows.min() < 0:
        return None
    slots = np.full(size, -1, dtype=np.int64)
    slots[rows] = np.arange(len(rows))
    return slots if np.count_nonzero(slots >= 0) == len(rows) else None


def _only_targets(table: FeatureTable) -> bool:
    """Is every row of the table a target named in the order of the rows, a file of its own
    (`_distinct_files`), its features complete (none left to a cache)? Then the stage's
    entries are its rows, in order."""
    if not (_named_in_order(table) and _distinct_files(table.paths)):
        return False
    rows = np.arange(table.size, dtype=np.int64)
    return not (table.column("shingles", rows) == IN_CACHE).any()


def _distinct_files(paths: list[Any]) -> bool:
    """Do these different names name different files, as their absolute paths (the keys
    of `_Stage._targets_by_key`, which made one entry of "d/a.txt" and "/cwd/d/a.txt")
    would tell? So when all are relative, or all absolute, each in normal form (no empty,
    "." or ".." part). Elsewhere than POSIX, not decided here (False)."""
    if os.sep != "/" or not all(isinstance(path, str) for path in paths):
        return False
    absolute = bool(paths) and paths[0].startswith("/")
    for path in paths:
        if path.startswith("/") != absolute:
            return False
        inner = f"/{path[1:] if absolute else path}/"
        if "//" in inner or "/./" in inner or "/../" in inner:
            return False
    return True


def _sorted_slots(orders: list[str]) -> np.ndarray | None:
    """The slots of these sort keys in sorted order; None when they are in order already (as
    the engine's targets are): no int made a file."""
    if all(a <= b for a, b in zip(orders, islice(orders, 1, None))):
        return None
    return np.array(sorted(range(len(orders)), key=orders.__getitem__), dtype=np.int64)


def _named_in_order(table: FeatureTable) -> bool:
    """Is every row of the table named, in the order of the rows (so `enumerate(paths)`
    gives what `named()` gives)? Not when a result cache named rows it had read earlier."""
    rows = table.rows
    return len(rows) == table.size and all(row == i for i, row in enumerate(rows.values()))


def release_freed_memory() -> None:
    """Hand back to the system the free pages of the C allocator's heap (glibc's
    `malloc_trim`). The stage's steps each free their arrays and buffers (band keys, reread
    shingles, 545-byte signatures); glibc keeps that memory in its heap, fragmented, and the
    next step's allocations grew the process anyway: 9 MB of a cold run's peak at 100,000
    files. Elsewhere than glibc, nothing."""
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


@functools.cache
def _malloc_trim() -> Callable[[int], int] | None:
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    try:
        return ctypes.CDLL(None).malloc_trim  # glibc has it; another C library may not
    except (OSError, AttributeError):
        return None


def _folders_read(entries: list[Entry]) -> list[tuple[str, int]]:
    """The digest of each folder of a run whose targets were the whole corpus, from the
    (stamp, size) its workers took of each file: the next changed-files run trusts the
    folders it walks the same, as after a changed-files run. Not of a folder with a file this
    run did not read (a result from the cache has no stamp): a digest of some of its files
    would match no walk. (Nor would one of a folder holding a file left unread: safe.)"""
    rows: dict[str, list[tuple[str, int, int]] | None] = {}
    for e in entries:
        folder = os.path.dirname(e.key)
        found = rows.setdefault(folder, [])
        stamp = e.table.stamp(e.row) if e.loaded else None
        if found is not None and stamp is not None:
            found.append((e.key, *stamp))
        else:
            rows[folder] = None
    return [(folder, folder_digest(found)) for folder, found in rows.items() if found]


def _line_rows(entries: list[Entry]) -> Iterator[tuple[int, int]]:
    """(line hash, content) of the candidate lines of these entries, for the cache: made as
    they are written, a block of entries at a time (a list of them all was 36 MB for 100,000
    files), from the table's columns."""
    for start in range(0, len(entries), 4096):
        block = entries[start : start + 4096]
        if not block:
            return
        hashes, positions = block[0].table.line_rows([e.row for e in block])
        contents = [block[i].content for i in positions.tolist()]
        yield from zip(hashes.tolist(), contents)


class _Documents:
    """(path, features) of entries, the features materialised from the table when asked for
    (`dedup.lines.diagnostics_of` reads those of the few documents with a repeated line)."""

    def __init__(self, entries: list[Entry]) -> None:
        self.entries = entries

    def __len__(self) -> int:
        return len(self.entries)

    def __getitem__(self, index: int) -> tuple[Path, Features]:
        e = self.entries[index]
        return Path(e.path), e.table.at(e.row, signature=False)


def _walk_names(real: str, roots: list[tuple[str, str]]) -> list[str]:
    """The names the corpus walk gives the file at real path `real`: one for each root
    (real path, path as configured) that holds it, through the root as configured (a root
    may be a link, to a folder or to a file; the walk follows no link below it)."""
    names = []
    for real_root, named_root in roots:
        below = os.path.join(real_root, "")  # "/" stays "/"
        if real == real_root:  # the root is this file
            names.append(named_root)
        elif real.startswith(below):
            names.append(os.path.join(named_root, real[len(below) :]))
    return names


def _links_among(folder: str, names: list[str]) -> set[str]:
    """Those of `names` that are symbolic links in `folder`: one lstat each for a few names,
    one listing of the folder for many (its entries say whether they are links)."""
    if len(names) >= 64:
        try:
            with os.scandir(folder) as entries:
                return {entry.name for entry in entries if entry.is_symlink()}
        except OSError:
            pass
    return {name for name in names if os.path.islink(os.path.join(folder, name))}


def _content_pair(a: Entry, b: Entry) -> tuple[int, int]:
    return (a.content, b.content) if a.content < b.content else (b.content, a.content)


def outside_corpus(places: dict[Any, str], roots: list[Path | str], root: Path) -> set[Any]:
    """The documents under none of the corpus roots (folders, files or URLs; relative ones
    from the configuration folder `root`), where they really are: compared with the corpus
    from outside it, such a file is never the keeper of a corpus file (a copy of a committed
    article given from elsewhere is the redundant one, and `--fix --unsafe-fixes` deletes it,
    never the corpus's own). `places` gives each document's absolute path, or URL. Each
    folder's real path is looked up once (35,000 documents in clusters at 100,000 files)."""
    urls = [str(r).rstrip("/") + "/" for r in roots if is_url(r)]
    reals = [os.path.realpath(os.path.join(root, r)) for r in roots if not is_url(r)]
    folders = [os.path.join(real, "") for real in reals]
    files = {real for real in reals if not os.path.isdir(real)}  # a corpus root may be a file
    inside: dict[str, bool] = {}
    outside = set()
    for doc, place in places.items():
        if is_url(place):
            if not any(place.startswith(url) for url in urls):
                outside.add(doc)
            continue
        folder = os.path.dirname(place)
        known = inside.get(folder)
        if known is None:
            real = os.path.join(os.path.realpath(folder), "")
            known = inside[folder] = any(real.startswith(f) for f in folders)
        if not known and not (files and os.path.realpath(place) in files):
            outside.add(doc)
    return outside


def _verify_batches(
    pairs: list[tuple[Entry, Entry]],
) -> Iterator[tuple[list[tuple[Entry, Entry]], list[Entry]]]:
    """(pairs, their distinct files): a worker's task, its shingle sets held while it
    compares. A batch takes tiles (below) until it holds REREAD_FILES files (so fewer than
    three times that: a tile is not split for them) or about VERIFY_SHINGLES shingles.

    The pairs go in tiles: the files are numbered in path order and cut into blocks of
    REREAD_FILES, and a tile is the pairs between two blocks, so a batch rereads its files
    once for all their pairs. Where many files are all candidates of one another (1,000
    articles from one template), pairs taken one after the other made each batch a file
    and 31 others: 500,000 pairs reread 516,000 files (41 s for 1,000 files)."""
    block_of = {e: n // REREAD_FILES for n, e in enumerate(_by_order(pairs))}
    tiles: dict[tuple[int, int], list[tuple[Entry, Entry]]] = {}
    for a, b in pairs:
        key = (block_of[a], block_of[b])
        tiles.setdefault((min(key), max(key)), []).append((a, b))
    batch: list[tuple[Entry, Entry]] = []
    files: dict[Entry, None] = {}
    shingles = 0
    for key in sorted(tiles):
        if len(files) >= REREAD_FILES:  # a tile is never split for the count of files
            yield batch, list(files)
            batch, files, shingles = [], {}, 0
        for pair in tiles[key]:
            for entry in pair:
                if entry not in files:
                    files[entry] = None
                    shingles += entry.table.shingles(entry.row)
            batch.append(pair)
            if shingles >= VERIFY_SHINGLES:  # (nor held in memory whole, for long texts)
                yield batch, list(files)
                batch, files, shingles = [], {}, 0
    if batch:
        yield batch, list(files)


def _by_order(pairs: list[tuple[Entry, Entry]]) -> list[Entry]:
    """The distinct files of `pairs`, in path order."""
    return sorted({e for pair in pairs for e in pair}, key=attrgetter("order"))


def batch_similarities(
    work: tuple[list[tuple[str, int, tuple[int, ...]]], list[tuple[int, int]]], shingle_size: int
) -> list[float | None]:
    """The exact Jaccard of each pair (two indices into the files: path, content hash, lines
    left out) of files reread now (`current_shingle_sets`); None for a pair with a file
    whose bytes changed. Run by a worker, which reads the paths as they came (strings)."""
    files, pairs = work
    items = [(str(i), path, content, out) for i, (path, content, out) in enumerate(files)]
    found = dict(current_shingle_sets(items, shingle_size))
    sets = [found[str(i)] for i in range(len(files))]
    similarities: list[float | None] = []
    for i, j in pairs:
        first, second = sets[i], sets[j]
        similarities.append(
            None if first is None or second is None else exact_jaccard(first, second)
        )
    return similarities


def current_shingle_sets(
    items: list[_Reread], shingle_size: int, read: Callable[[Any, str], Document] | None = None
) -> list[tuple[str, np.ndarray | None]]:
    """(key, sorted distinct shingle hashes) of files reread now, for the exact Jaccard;
    None for a file whose bytes are no longer `content`. An item is (key, what `read`
    reads, content hash, lines left out); `read(location, key)` is `Document.read` locally
    (the key names the file: only errors show it, and they are dropped)."""
    current: list[tuple[str, str]] = []
    changed: list[tuple[str, None]] = []
    for key, location, content, excluded in items:
        try:
            doc = Document.read(location, key) if read is None else read(location, key)
        except DocumentError:
            changed.append((key, None))
            continue
        if content_hash(doc.raw) != content:
            changed.append((key, None))
        else:
            current.append((key, shingled_text(doc, excluded)))
    found = shingle_sets([text for _, text in current], shingle_size)
    return [(key, shingles) for (key, _), shingles in zip(current, found)] + changed


def same_text_groups(entries: Entries | list[Entry]) -> list[list[Entry]]:
    """The groups of two or more entries with the same text hash, one at least a target:
    in the order of their first member, members in the order of `entries`. Found by sorting
    one array of hashes: a list per file (100,000 of them) cost 20 MB."""
    if isinstance(entries, Entries):  # the table's columns, no `Entry` made
        loaded = np.flatnonzero(entries.rows >= 0)
        hashes, has = entries.table.text_hashes(entries.rows[loaded])
        rows, hashes = loaded[has], hashes[has]
    else:
        texts = [e.table.text_hash(e.row) if e.loaded else None for e in entries]
        rows = np.flatnonzero(np.fromiter((t is not None for t in texts), bool, len(texts)))
        hashes = np.fromiter((t for t in texts if t is not None), np.int64, len(rows))
        del texts
    if len(rows) < 2:
        return []
    order = np.argsort(hashes, kind="stable")  # equal hashes stay in the entries' order
    ordered = hashes[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    ends = np.r_[starts[1:], len(ordered)]
    several = (ends - starts) > 1
    groups = []
    # In the order of each group's first member (its first row: the sort is stable).
    for _first, start, end in sorted(
        zip(order[starts[several]].tolist(), starts[several].tolist(), ends[several].tolist())
    ):
        members = [entries[i] for i in rows[order[start:end]].tolist()]
        if any(e.target for e in members):
            groups.append(members)
    return groups


def entry_band_keys(
    entries: Entries | list[Entry], bands: int, rows: int, salt: int, only: range | None = None
) -> np.ndarray:
    """(len(entries), bands) band keys of the signatures of these entries (all of one table),
    or with `only` those bands' columns: read from the table a block of rows at a time,
    never all at once (50 MB for 100,000)."""
    from corpus_lint.dedup.minhash import KEY_BLOCK, band_keys

    if isinstance(entries, Entries):
        table, wanted = entries.table, entries.rows
    else:
        table = entries[0].table
        wanted = np.fromiter((e.row for e in entries), np.int64, len(entries))
    keys = np.empty((len(entries), bands if only is None else len(only)), dtype=np.int64)
    if len(entries) > table.size // 4:  # most rows: the table read in order, a block at a time
        at = np.full(table.size, -1, dtype=np.int64)
        at[wanted] = np.arange(len(entries))
        # A group of bands (`_band_pairs`) reads smaller blocks: one is held with the group's
        # keys, the cold run's peak. (Not every read: in the cache's writer thread, blocks of
        # 1 MB left 8 MB more in its allocator arena than blocks of 4 MB, measured.)
        for start, matrix in table.signature_blocks(None if only is None else GROUP_BLOCK_ROWS):
            if start >= len(at):  # rows added since (the stage may add while the writer reads)
                break
            matrix = matrix[: len(at) - start]
            where = at[start : start + len(matrix)]
            inside = where >= 0
            if inside.all():  # every row of the block (a cold run): its signatures not copied
                keys[where] = band_keys(matrix, bands, rows, salt, only)
            else:
                keys[where[inside]] = band_keys(matrix[inside], bands, rows, salt, only)
            del matrix  # not held while the next block is read: two blocks were 8 MB
        return keys
    for start in range(0, len(entries), KEY_BLOCK):
        block = table.signatures(wanted[start : start + KEY_BLOCK].tolist())
        keys[start : start + len(block)] = band_keys(block, bands, rows, salt, only)
    return keys


# The unchanged files a changed-files run looks at to form its targets' clusters as a
# whole-corpus run does (`_Stage._rest_of_components`): beyond, it says so (an error).
MAX_COMPONENT_FILES = 10_000

# Bands whose keys `_band_pairs` holds at a time: the keys of all 16 bands of 100,000 files
# were 13 MB of the stage's peak; each group reads the signatures again (40 MB from the
# temporary file, in the page cache: milliseconds).
BAND_GROUP = 4
# Rows of signatures read at a time for a group of bands: 1 MB (blocks of 4 MB were held with
# the group's keys at the band step, the peak of a cold run over 100,000 files, by 2.4 MB).
GROUP_BLOCK_ROWS = 2048


def _entries_at(entries: Entries, positions: np.ndarray) -> dict[int, Entry]:
    """The entry at each of these positions of `entries`, made once each. (A set, not
    `np.unique`, whose first call imports numpy.ma: 10 ms at the end of a pre-commit run.)"""
    return {i: entries[i] for i in sorted(set(positions.tolist()))}


def _band_pairs(entries: Entries, bands: int, rows: int, salt: int) -> tuple[np.ndarray, ...]:
    """Index pairs (i < j) of entries that share at least one band, in order: the two
    arrays of their first and second positions. Gathered as pair codes in arrays, made
    distinct once: a set of tuples took 2.8 s for the 500,000 pairs, 16 times over, of
    1,000 files all alike."""
    if len(entries) < 2:
        return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
    ids = np.arange(len(entries), dtype=np.int64)
    same_band = np.zeros(len(entries), dtype=np.int16)
    codes: list[np.ndarray] = []
    for first in range(0, bands, BAND_GROUP):
        group = range(first, min(bands, first + BAND_GROUP))
        keys = entry_band_keys(entries, bands, rows, salt, group)
        for column in range(len(group)):  # a band at a time: all bands' rows cost memory
            codes.append(candidate_pairs(same_band, np.ascontiguousarray(keys[:, column]), ids))
        del keys
    distinct = sorted_distinct(np.concatenate(codes))
    return distinct >> 32, distinct & 0xFFFFFFFF


def prune_floor(threshold: float, num_perm: int) -> float:
    """The estimated Jaccard below which a candidate is dropped unread: PRUNE_STANDARD_ERRORS
    standard errors of the MinHash estimate below the threshold."""
    error = (threshold * (1 - threshold) / num_perm) ** 0.5
    return threshold - PRUNE_STANDARD_ERRORS * error


def worth_verifying(a: Features, b: Features, floor: float) -> bool:
    """Is a candidate pair verified? Not when both have the same text (DUP003's, not a near
    duplicate), nor when its estimated Jaccard is below `prune_floor`."""
    if a.text_hash is not None and a.text_hash == b.text_hash:
        return False
    return estimated_jaccard(a, b) >= floor


def worth_verifying_rows(
    table: FeatureTable, first: np.ndarray, second: np.ndarray, floor: float
) -> np.ndarray:
    """`worth_verifying` of the pairs of rows (first[k], second[k]) of `table` (all signed),
    from its columns."""
    if not len(first):
        return np.zeros(0, dtype=bool)
    (hashes, has), (others, has_other) = table.text_hashes(first), table.text_hashes(second)
    same_text = has & has_other & (hashes == others)
    signatures = table.signatures(first.tolist()), table.signatures(second.tolist())
    return _worth(*signatures, same_text, floor)


def _worth(
    first: np.ndarray, second: np.ndarray, same_text: np.ndarray, floor: float
) -> np.ndarray:
    """Which pairs, given as their signatures (two (pairs x num_perm) arrays), are not of the
    same text and have an estimated Jaccard of at least `floor`."""
    estimates = np.count_nonzero(first == second, axis=1) / first.shape[1]
    return ~same_text & (estimates >= floor)


def estimated_jaccard(a: Features, b: Features) -> float:
    first = np.frombuffer(a.signature, dtype="<u4")
    second = np.frombuffer(b.signature, dtype="<u4")
    return float(np.count_nonzero(first == second)) / len(first)


def exact_jaccard(first: np.ndarray, second: np.ndarray) -> float:
    """The Jaccard similarity of two sorted arrays of distinct shingle hashes."""
    shared = len(np.intersect1d(first, second, assume_unique=True))
    return shared / (len(first) + len(second) - shared)


def shown_of(path: str, location: str, content: int, f: Features) -> Shown:
    """What the cluster step and the diagnostics need of a document shown as `path`, at
    `location` (its absolute path, or URL: the keeper policy's path order, which must not
    depend on the folder a run starts in)."""
    keeping = Keeping(location, f.shingles, bool(f.has_source), f.findings or 0)
    return Shown(path, content, f.title_length, f.text_hash, keeping)


def cluster_diagnostics(
    clusters: list[Cluster],
    shown: dict[Any, Shown],
    rules: dict[str, CorpusRule],
    near: Any,
    reported: Callable[[Any], bool],
    stale: list[tuple[Any, list[str]]] = (),
) -> list[Diagnostic]:
    """One diagnostic per redundant document of every cluster holding a `reported` document:
    DUP003 when its text is the keeper's, else DUP004; related: the keeper, then the other
    members, each with its Jaccard to the keeper. Then one per stale allow-list entry."""
    diagnostics = []
    used: Counter[str] = Counter()  # ids so far: keepers of equal bytes in two clusters
    for cluster in clusters:
        if not (reported(cluster.keeper) or any(reported(doc) for doc, _ in cluster.members)):
            continue
        keeper = shown[cluster.keeper]
        ident = cluster_id(keeper.content)
        used[ident] += 1
        if used[ident] > 1:  # (copies an allow-list keeps apart): each cluster its own id
            ident = f"{ident}-{used[ident]}"
        related = [Related(shown[doc].path, 1, round(value, 4)) for doc, value in cluster.members]
        for index, (doc, similarity) in enumerate(cluster.members):
            member = shown[doc]
            same = member.text_hash is not None and member.text_hash == keeper.text_hash
            rule = next((r for r in rules.values() if r.reports_member(same)), None)
            if rule is None:
                continue
            where = f"the copy kept of duplicate cluster {ident} ({cluster.size} documents)"
            message = rule.message(keeper.path, where, similarity, near)
            fix = Fix((), UNSAFE, f"Delete this redundant copy ({keeper.path} is kept)")
            others = (related[:index] + related[index + 1 :])[:MAX_RELATED_MEMBERS]
            diagnostics.append(
                _diagnostic(
                    rule,
                    member.path,
                    member.title_length,
                    message,
                    (Related(keeper.path, 1, round(similarity, 4)), *others),
                    fix,
                    ident,
                )
            )
    for entry, files in stale:
        # The near-duplicate rule's when it runs (it judged the pairs), else DUP003's.
        rule = next((r for r in rules.values() if r.needs_pairs), None) or next(
            iter(rules.values())
        )
        listed = ", ".join(f if is_url(f) else display(Path(f)) for f in files)
        missing = [f for f in files if not is_url(f) and not os.path.lexists(f)]
        what = f"no two of {listed} are duplicates any more"
        if missing:  # a file deleted or renamed since the entry was written
            what = f"{', '.join(display(Path(f)) for f in missing)}: no such file"
        diagnostics.append(
            Diagnostic(
                code=rule.code,
                name=rule.name,
                message=f'stale allow-list entry: {what} (reason given: "{entry.reason}"); '
                "remove the entry, or correct its paths",
                severity=rule.severity,
                path=display(Path(near.allow_file)),
                line=entry.line,
                column=1,
                end_line=entry.line,
                end_column=1,
            )
        )
    return diagnostics


def _diagnostic(
    rule: Rule,
    path: str,
    title_length: int,
    message: str,
    related: tuple[Related, ...],
    fix: Fix | None = None,
    cluster: str | None = None,
) -> Diagnostic:
    """A diagnostic on a file's first line (its title), where DUP003/DUP004 point."""
    return Diagnostic(
        code=rule.code,
        name=rule.name,
        message=message,
        severity=rule.severity,
        path=path,
        line=1,
        column=1,
        end_line=1,
        end_column=title_length + 1,
        fix=fix,
        related=related,
        cluster=cluster,
    )
