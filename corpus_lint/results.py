"""The result cache, as ruff's: each file's per-document findings and corpus features, so that
a warm run reads no file that is unchanged and runs only the corpus stage.

A row of the cache's `results` table (`dedup.cache`, the one SQLite file of a run) holds, for
one file under one run key: the identity the file had when it was read (`files.identity`:
size, and a hash of mtime, ctime and inode, taken BEFORE the file was read, so a file edited
while it was read is never trusted later) and the encoded `FileResult`. A file is trusted when
its identity now is the one stored under this run's key; a renamed file is a new path, read
again.

The run key (`run_key`) hashes everything that can change a file's result besides its bytes:
corpus-lint's version, the selected rules, the rule packs' bytes, the settings, and, when corpus
rules run, the signature configuration (shingles, permutations, lines left out).

The encoding is `marshal` of plain tuples (strings, numbers, bytes): no code is run on load
(unlike pickle), and a row that does not decode is a miss. The corpus features are stored as
the plain tuple of their fields, opaque to this module (`dedup.features.Features._make`
rebuilds them).

What `--fix` would fix (the summary's counts, `Options.count_fixes`) is counted by every run
that uses the cache, so the text format and JSON share rows. Words (`Options.count_words`, for
the html report) are stored when a run counted them: a row without them is a miss for a run
that needs them, and is replaced.

Two outputs are kept whole in the cache's `stages` table: the corpus stage's findings under
`stage_key` (reused by `dedup.corpus` while the files it compares are the same), and a whole
run's output under `ResultCache.run_digest` (reused by `engine.run` while every target has
the path and identity it had, stat'ed first, and nothing else it depends on changed).
"""

from __future__ import annotations

import gc
import marshal
import os
from array import array
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from itertools import chain
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from xxhash import xxh3_64_digest

from corpus_lint.rule import Diagnostic, Edit, Fix, Related

if TYPE_CHECKING:
    from corpus_lint.analysis import FileResult
    from corpus_lint.config import Settings
    from corpus_lint.packs import Packs
    from corpus_lint.rule import Rule

FORMAT = 2  # the layout of an encoded row; part of the run key


def run_key(
    rules: Iterable[Rule], packs: Packs, settings: Settings, signature_config: int | None
) -> int:
    """A hash of everything besides a file's bytes that can change its result."""
    import xxhash

    from corpus_lint import __version__
    from corpus_lint.files import to_int64

    digest = xxhash.xxh3_64()
    described = (
        FORMAT,
        __version__,
        _code_stamp(),
        sorted(rule.code for rule in rules),
        signature_config,
        # Every setting: those that change no per-document result (the corpus, the threshold)
        # cost a rerun when they change, never a wrong result.
        repr({k: v for k, v in vars(settings).items() if k != "near_duplicate"}),
    )
    digest.update(repr(described).encode("utf-8", "surrogateescape"))
    for path, pack in zip(packs.files, packs.digests):  # any edit of a pack is a new key
        digest.update(os.fsencode(path) + b"\0" + pack.to_bytes(8, "little"))
    value = digest.intdigest()
    return to_int64(value)


def _code_stamp(package: Path = Path(__file__).parent) -> int:
    """A hash of the size and time of every module of corpus-lint: an edited checkout (the
    README's development install is editable) is a new key though the version is not.
    About 70 stats, about a millisecond."""
    import xxhash

    stamps = []
    for folder, _, names in os.walk(package):
        for name in names:
            if name.endswith(".py"):
                status = os.stat(os.path.join(folder, name))
                stamps.append(f"{folder}/{name}:{status.st_size}:{status.st_mtime_ns}")
    return xxhash.xxh3_64_intdigest("\n".join(sorted(stamps)).encode("utf-8", "surrogateescape"))


def cacheable(result: FileResult) -> bool:
    """Is this result the same every time the file is read? Not an unreadable or skipped file
    (said again each run), nor one whose user patterns timed out, nor one a fix changed."""
    return not (
        result.error
        or result.skipped
        or result.pack_errors
        or result.fixed
        or result.diff
        or result.fix_error
        or result.fix_notes
    )


def plain(result: FileResult, shown: str, fixes_counted: bool) -> tuple:
    """What is stored of a cacheable result but its features (added when they are complete):
    plain values; `shown` is the file's display path (left out: a hit puts back the path of
    the run that reads it)."""
    if result.diagnostics or not result.packed:
        diagnostics = tuple(_plain(d, shown) for d in result.diagnostics)
    else:  # a worker's `packed` rows, (path, *_plain(d, path)): as they are, under `shown`
        diagnostics = tuple(
            row[1:] if row[0] == shown else _plain(_diagnostic(row[1:], row[0]), shown)
            for row in result.packed
        )
    return diagnostics, result.fixable if fixes_counted else None, result.words


def encode(stored: tuple, features: Any) -> bytes:
    """A result as bytes: `plain`'s tuple and the features (a tuple of plain values)."""
    return _sealed(marshal.dumps((*stored, None if features is None else tuple(features))))


def _sealed(payload: bytes) -> bytes:
    """`payload` after a hash of it: a row damaged inside (a byte changed that still decodes,
    which marshal cannot tell) is then told from a sound one, and read as a miss."""
    return xxh3_64_digest(payload) + payload


def _opened(data: bytes) -> bytes:
    """The payload `_sealed` stored; ValueError when it is not the one its hash was made of."""
    payload = data[8:]
    if len(data) < 8 or xxh3_64_digest(payload) != data[:8]:
        raise ValueError("a damaged row")
    return payload


class Cached(NamedTuple):
    """A file's result from the cache: what the engine collects of it (a FileResult, with
    its Counter and lists, took 9 microseconds to build: 0.9 s of a warm run)."""

    diagnostics: list[Diagnostic]
    fixable: tuple[int, int] | None  # None: not counted
    words: int | None  # None: not counted
    features: Any


def decode(
    data: bytes,
    path: str | Path,
    display: Callable[[str | Path], str],
    make_features: Callable[[Any], Any] | None,
    job: Any,
) -> Cached | None:
    """The result stored in `data` as `job` needs it, or None when it must be read again: a
    row this version did not write, one stored by a run that counted less than `job` counts
    (fixes, words), one with a fix in a `--fix` run (it would change the file). `display`
    gives the path shown (for files with findings)."""
    try:
        diagnostics, fixable, words, features = marshal.loads(_opened(data))
        if (job.count_fixes and fixable is None) or (job.count_words and words is None):
            return None
        shown = display(path) if diagnostics else ""
        found = [_diagnostic(d, shown) for d in diagnostics]
        if job.fix is not None and any(d.fix is not None for d in found):
            return None
        if features is not None:
            if make_features is None:
                return None
            features = make_features(features)
        return Cached(
            found,
            tuple(fixable) if job.count_fixes else None,
            words if job.count_words else None,
            features,
        )
    except (ValueError, TypeError, EOFError):
        return None


def stage_key(
    run: int,
    near: Any,
    roots: Iterable[Path] | None,
    files: tuple[list[str], list[str], list[bool], Iterable[int]],
    folders: Iterable[tuple[str, int]],
) -> int:
    """A hash of everything the corpus stage's findings depend on (see `dedup.corpus`'s
    `_Stage.run`): the run key, the near-duplicate settings (not in it), the working directory
    (the paths shown), the corpus roots, the files the stage holds as columns (key, path as
    given, target?, content hash), and the digest of each corpus folder as walked now (the
    files it trusts from the cache by their identity, as the rest of the run does)."""
    keys, paths, targets, contents = files
    given = [os.fspath(root) for root in roots or ()]
    described = (run, repr(near), os.getcwd(), given, len(keys), sorted(folders))
    return columns_digest(described, (keys, paths), bytes(targets) + array("q", contents).tobytes())


def columns_digest(described: Any, texts: Iterable[list[str]], numbers: bytes) -> int:
    """A hash of `described` (its repr), of columns of strings (paths) and of `numbers`: the
    key of an output stored whole (`stage_key`, `ResultCache.run_digest`). A column at a
    time, its strings joined by NULs (a third of the time of one string a file): no path holds
    a NUL."""
    import xxhash

    from corpus_lint.files import to_int64

    digest = xxhash.xxh3_64()
    digest.update(repr(described).encode("utf-8", "surrogateescape"))
    for column in texts:
        digest.update("\0".join(column).encode("utf-8", "surrogateescape") + b"\n")
    digest.update(numbers)
    return to_int64(digest.intdigest())


def packed(diagnostics: Iterable[Diagnostic]) -> tuple:
    """Findings as plain rows, each with its path: what `encode_findings` stores, and what an
    analysis worker sends (tuples of strings and numbers pickle and marshal at C speed, where
    a Diagnostic, a dataclass with its Fix and Edits, runs Python code each way)."""
    return tuple([(d.path, *_plain(d, d.path)) for d in diagnostics])


def unpacked(rows: Iterable[tuple]) -> list[Diagnostic]:
    """The findings of `packed`'s rows: equal copies."""
    return [_diagnostic(row[1:], row[0]) for row in rows]


def encode_findings(diagnostics: Iterable[Diagnostic], stats: tuple) -> bytes:
    """The corpus stage's findings (each with its path) and `stats`, as bytes."""
    return encode_packed(packed(diagnostics), stats)


def encode_packed(rows: tuple, stats: tuple) -> bytes:
    """`encode_findings` of findings already `packed`."""
    return _sealed(marshal.dumps((rows, stats)))


def decode_findings(data: bytes) -> tuple[list[Diagnostic], tuple] | None:
    """`encode_findings`'s findings and stats; None for bytes this version did not write."""
    try:
        rows, stats = marshal.loads(_opened(data))
        return unpacked(rows), tuple(stats)
    except (ValueError, TypeError, EOFError):
        return None


def _plain(d: Diagnostic, shown: str) -> tuple:
    fix = None
    if d.fix is not None:
        edits = tuple((e.start, e.end, e.replacement) for e in d.fix.edits)
        fix = (edits, d.fix.applicability, d.fix.message)
    related = tuple((None if r.path == shown else r.path, r.line, r.similarity) for r in d.related)
    return (d.code, d.name, d.message, d.severity, d.line, d.column, d.end_line, d.end_column) + (
        fix,
        related,
        d.snippet,
        d.cluster,
    )


def _diagnostic(row: tuple, shown: str) -> Diagnostic:
    code, name, message, severity, line, column, end_line, end_column, fix, related, *rest = row
    # Tuples made from lists, none for nothing: a generator a finding (two for a fix) was
    # 60% of decoding the 26,000 per-document findings of a 100,000-file corpus (0.15 s).
    if fix is not None:
        edits, applicability, fix_message = fix
        fix = Fix(tuple([Edit(*e) for e in edits]) if edits else (), applicability, fix_message)
    if related:
        related = tuple([Related(shown if p is None else p, n, s) for p, n, s in related])
    return Diagnostic(
        code,
        name,
        message,
        severity,
        shown,
        line,
        column,
        end_line,
        end_column,
        fix,
        related,
        *rest,
    )


def split_path(path: str) -> tuple[str, str]:
    """`os.path.split` of a file's path, as the walk builds them (no trailing separator, no
    doubled one), in a fraction of its time: it ran 200,000 times in a warm run."""
    cut = path.rfind(os.sep)
    if cut < 0 or (os.altsep and os.altsep in path):
        return os.path.split(path)
    return path[:cut] or path[: cut + 1], path[cut + 1 :]


class PathDisplay:
    """`document.display` of many paths: `os.path.relpath` once per folder, not per file
    (2 s of a warm run over 100,000 files given by absolute paths)."""

    def __init__(self) -> None:
        from corpus_lint.document import display

        self._display = display
        self._folders: dict[str, str] = {}

    def __call__(self, path: str | Path) -> str:
        folder, name = split_path(os.fspath(path))
        shown = self._folders.get(folder)
        if shown is None:
            shown = self._folders[folder] = self._display(Path(folder)) if folder else "."
        return name if shown == "." else f"{shown}/{name}"


class ResultCache:
    """The result cache of one run, over the run's open cache (`dedup.cache.SignatureCache`):
    `fetch` before the files are read, `add` as each is read, `store` after."""

    # Rows written together while the files are read (see `add`): about 1.5 MB.
    WRITE_ROWS = 2048

    def __init__(
        self,
        cache: Any,
        run: int,
        job: Any,
        make_features: Callable | None,
        complete: Callable[[Any], bool] | None = None,
    ) -> None:
        self.cache = cache
        self.run = run
        self.job = job
        self.make_features = make_features
        # Are a file's features as read all there is of them (None: always)?
        self.complete = complete
        # Each target's identity (see `files.identity`), stat'ed before it is read, as columns
        # by its position among the targets (a dict of tuples of bytes and ints was 400 bytes
        # a file, 40 MB through a first run over 100,000 files): its path as a string
        # (hashing a Path is slow), stamp and size, and whether its result is still to be
        # found or stored (`_open`). Its key in the cache (its absolute path as bytes) is made
        # when needed, from its folder's.
        self._paths: list[str] = []
        self._stamps = array("q")
        self._sizes = array("q")
        self._open = bytearray()  # 1: stat'ed, neither found in the cache nor stored yet
        self._prefixes: dict[str, bytes] = {}  # folder as given -> absolute path, as bytes
        self.stated = 0  # targets stat'ed by `stat`
        self.others: list[bytes] = []  # keys of the run's rows for files not among the targets
        self.ready: list[tuple[bytes, int, int, bytes]] = []  # rows to write (see `add`)
        self.pending: list[tuple] = []  # rows whose features the corpus stage completes
        self.failed: Exception | None = None  # a write while the files were read failed
        self._display = PathDisplay()

    def _key(self, path: str) -> bytes:
        """A target's key: its absolute path as bytes (`os.abspath` once per folder)."""
        folder, name = split_path(path)
        prefix = self._prefixes.get(folder)
        if prefix is None:
            prefix = os.fsencode(os.path.join(os.path.abspath(folder), ""))
            self._prefixes[folder] = prefix
        return prefix + os.fsencode(name)

    def stat(self, targets: list[Path]) -> None:
        """Each target's identity now, stat'ed before it is read (see the module's docstring);
        `fetch` then finds the results of those unchanged since they were stored."""
        from corpus_lint.files import identity

        self._paths = paths = [os.fspath(target) for target in targets]  # once: 100,000 Paths
        count = len(paths)
        self._stamps, self._sizes = array("q", bytes(8 * count)), array("q", bytes(8 * count))
        self._open = bytearray(count)
        for position, path in enumerate(paths):
            try:
                stamp, size = identity(os.stat(path))
            except OSError:  # reported when the file is read
                continue
            self._stamps[position], self._sizes[position] = stamp, size
            self._open[position] = 1
        self.stated = self._open.count(1)

    def _stated(self) -> Iterator[int]:
        """The positions of the targets `stat` could stat, in order."""
        position = self._open.find(1)
        while position >= 0:
            yield position
            position = self._open.find(1, position + 1)

    def fetch(self) -> list[Cached | None]:
        """The stored result of each target `stat` found unchanged (None for the others)."""
        paths, stamps, sizes, is_open = self._paths, self._stamps, self._sizes, self._open
        if not self.cache.holds_results(self.run):  # a first run: no index of every key
            return [None] * len(paths)
        with collector_paused():
            # Key -> position for the look-ups alone (dropped after: 16 MB at 100,000 files).
            index = {self._key(paths[p]): p for p in self._stated()}
            display = PathDisplay()
            found: list[Cached | None] = [None] * len(paths)
            make, job = self.make_features, self.job
            wanted = [(key, stamps[p], sizes[p]) for key, p in index.items()]
            for key, data in self.cache.results(self.run, wanted, self.others):
                position = index[key]
                hit = found[position] = decode(data, paths[position], display, make, job)
                if hit is not None:  # not read, nothing to store
                    is_open[position] = 0
            return found

    def run_digest(self, described: Any) -> int:
        """A hash of a whole run over the targets `stat` saw (see `engine.run`): `described`
        (what else its output depends on), this run key, each target's path as given and its
        identity now (a target that could not be stat'ed is left out: its path is not)."""
        stated = list(self._stated())
        numbers = array("q", [n for p in stated for n in (self._stamps[p], self._sizes[p])])
        described = (self.run, described, len(self._paths))
        texts = (self._paths, [self._paths[p] for p in stated])
        return columns_digest(described, texts, numbers.tobytes())

    def add(self, result: FileResult, position: int) -> None:
        """Store the result read in this run of the target at `position` among those `stat`
        was given (by position: an index of every target by path was 7 MB of a first run
        over 100,000 files). Not in a `--fix` run: what it found of a file it fixed is not
        what a check of the fixed file finds. Written WRITE_ROWS at a time as the files are
        read, while the workers read the next: kept until `store` (the files of a first run
        over 100,000 files were 40 MB of plain values there, and 1.4 s of writing after the
        corpus stage, on one core). A result whose features the corpus stage completes from
        the signature cache (not `complete`) is kept as plain values until `store`, under
        the target's path."""
        if self.job.fix is not None or not cacheable(result):
            return
        if position >= len(self._open) or not self._open[position]:
            return
        self._open[position] = 0
        path = self._paths[position]
        known = (self._key(path), self._stamps[position], self._sizes[position])
        stored = plain(result, self._display(path), self.job.count_fixes)
        features = result.features
        if features is not None and self.complete is not None and not self.complete(features):
            self.pending.append((path, *known, stored))
            return
        self.ready.append((*known, encode(stored, features)))
        if len(self.ready) >= self.WRITE_ROWS:
            self._write()

    def _write(self) -> None:
        import sqlite3

        rows, self.ready = self.ready, []
        if self.failed is None:
            try:
                self.cache.store_results(self.run, rows)
            except sqlite3.Error as exc:  # said by `store` (the rest is not written either)
                self.failed = exc

    def store(self, features: Callable[[Path], Any]) -> None:
        """Record the results `add` kept, the pending ones with `features(path)`, and forget
        the run's rows of files that are gone (when the run read every row: few such files).
        Raises the error of a write `add` made, if one failed."""
        if self.failed is not None:
            raise self.failed
        pending = (
            (key, stamp, size, encode(stored, features(path)))
            for path, key, stamp, size, stored in self.pending
        )
        gone = []
        if len(self.others) <= self.stated:  # a stat each
            gone = [key for key in self.others if not os.path.lexists(os.fsdecode(key))]
        if self.ready or self.pending or gone:
            self.cache.store_results(self.run, chain(self.ready, pending), gone)
        self.ready, self.pending = [], []


@contextmanager
def collector_paused() -> Iterator[None]:
    """No garbage collection while the results are built: they make no reference cycles, and
    the collections that hundreds of thousands of new objects set off took 1.5 s of 5. They
    are frozen after (out of the collector's sight, freed as usual when unreferenced): the
    first collection would otherwise go over all of them at once (0.2 s in a warm run)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if enabled:
            gc.enable()
